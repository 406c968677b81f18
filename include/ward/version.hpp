// SPDX-License-Identifier: MIT
/// \file ward/version.hpp
/// The single source of ward's version; CMake and meson read it from here.
#ifndef WARD_VERSION_HPP
#define WARD_VERSION_HPP

#define WARD_VERSION_MAJOR 0
#define WARD_VERSION_MINOR 1
#define WARD_VERSION_PATCH 0
#define WARD_VERSION (WARD_VERSION_MAJOR * 10000 + WARD_VERSION_MINOR * 100 + WARD_VERSION_PATCH)

#define WARD_DETAIL_STR2(x) #x
#define WARD_DETAIL_STR(x) WARD_DETAIL_STR2(x)

namespace ward {
/// The library's version as "major.minor.patch", spelled from the macros above.
inline constexpr const char* version_string =
    WARD_DETAIL_STR(WARD_VERSION_MAJOR) "." WARD_DETAIL_STR(WARD_VERSION_MINOR) "." WARD_DETAIL_STR(WARD_VERSION_PATCH);
} // namespace ward

#endif
