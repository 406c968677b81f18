// SPDX-License-Identifier: MIT
// Moved to support/ward_catch.hpp. Kept only for the reference service's tests, which still
// include "ward_catch.hpp"; delete this file once they include "support/ward_catch.hpp".
#include "support/ward_catch.hpp"
