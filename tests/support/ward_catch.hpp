// SPDX-License-Identifier: MIT
// Includes Catch2 2 or 3, whichever the build found, and teaches it to print ward's types: a
// permission set by its names ("{read:users delete:users}") rather than as a range of enum values,
// an error code by its text. Every test includes Catch2 through this header, so each StringMaker
// is declared once, before any assertion can use it.
#ifndef WARD_TESTS_CATCH_HPP
#define WARD_TESTS_CATCH_HPP
#if WARD_CATCH_MAJOR >= 3
#include <catch2/catch_all.hpp>
#else
#include <catch2/catch.hpp>
#endif

#include <ward/error.hpp>
#include <ward/format.hpp>
#include <ward/permission_set.hpp>

#include <string>
#include <type_traits>

namespace Catch {
template <class P>
struct is_range<ward::permission_set<P>> : std::false_type {};
template <class P>
struct StringMaker<ward::permission_set<P>> {
    static std::string convert(const ward::permission_set<P>& s) { return "{" + ward::to_string(s) + "}"; }
};
template <>
struct StringMaker<ward::errc> {
    static std::string convert(ward::errc e) { return std::string(ward::to_string(e)); }
};
} // namespace Catch

#endif
