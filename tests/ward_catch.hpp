// SPDX-License-Identifier: MIT
// Includes Catch2 2 or 3, whichever the build found.
#ifndef WARD_TESTS_CATCH_HPP
#define WARD_TESTS_CATCH_HPP
#if WARD_CATCH_MAJOR >= 3
#include <catch2/catch_all.hpp>
#else
#include <catch2/catch.hpp>
#endif
#endif
