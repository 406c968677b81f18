// SPDX-License-Identifier: MIT
/// \file ward/ward.hpp
/// The umbrella header: everything ward offers.
#ifndef WARD_WARD_HPP
#define WARD_WARD_HPP

#include "config.hpp"
#include "error.hpp"
#include "parse.hpp"
#include "permission_set.hpp"
#include "version.hpp"
#include "vocabulary.hpp"

#endif
