// SPDX-License-Identifier: MIT
/// \file ward/config.hpp
/// Configuration macros. Each may be defined before including ward; docs/configuration.md lists them.
#ifndef WARD_CONFIG_HPP
#define WARD_CONFIG_HPP

#include "version.hpp"

/// Largest bit position + 1 a permission vocabulary may use. Bounds compile-time tables.
#ifndef WARD_MAX_PERMISSION_BITS
#define WARD_MAX_PERMISSION_BITS 4096
#endif

/// Longest input, in bytes, that one parse call accepts (a scope string, a subject, a claim).
/// Longer input is refused with errc::input_too_long before it is scanned.
#ifndef WARD_MAX_INPUT_LENGTH
#define WARD_MAX_INPUT_LENGTH 8192
#endif

/// Most parent roles one compile-time role definition may name.
#ifndef WARD_MAX_ROLE_PARENTS
#define WARD_MAX_ROLE_PARENTS 8
#endif

static_assert(WARD_MAX_PERMISSION_BITS > 0 && WARD_MAX_PERMISSION_BITS <= 65535,
              "WARD_MAX_PERMISSION_BITS must be in [1, 65535]");
static_assert(WARD_MAX_INPUT_LENGTH > 0, "WARD_MAX_INPUT_LENGTH must be positive");

#if defined(__GNUC__) || defined(__clang__)
#define WARD_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define WARD_ALWAYS_INLINE inline
#endif

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
#define WARD_HAS_EXCEPTIONS 1
#else
#define WARD_HAS_EXCEPTIONS 0
#endif

#endif
