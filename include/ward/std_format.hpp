// SPDX-License-Identifier: MIT
/// \file ward/std_format.hpp
/// std::formatter for permission sets, decisions, reasons, error codes, row kinds and build errors,
/// where the standard library has std::format (it defines __cpp_lib_format: libstdc++ 13, libc++
/// 17, MSVC 19.29 in C++20 and later). Elsewhere the header defines nothing but
/// WARD_HAS_STD_FORMAT 0, so it can be included unconditionally. Optional: ward.hpp does not
/// include it.
///
/// Specs (after the colon): text values take [[fill]align][width]; sets and decisions take
/// [[fill]align][width][separator], the separator a space or ASCII punctuation. Anything else is a
/// std::format_error (at compile time for a constant format string).
///
/// \code
/// #include <ward/std_format.hpp>
/// std::format("{}", s);       // "read:users update:users"
/// std::format("{:,}", s);     // "read:users,update:users"
/// std::format("{:>30|}", s);  // right-aligned in 30 columns, separated by '|'
/// std::format("{}", d);       // "denied: missing permission (read:users) [policy v3]"
/// std::format("{:<20}", d.why);
/// \endcode
#ifndef WARD_STD_FORMAT_HPP
#define WARD_STD_FORMAT_HPP

#include "builder.hpp"
#include "decision.hpp"
#include "detail/format_spec.hpp"
#include "error.hpp"
#include "permission_set.hpp"

#if __has_include(<version>)
#include <version>
#endif

#if defined(__cpp_lib_format)
#define WARD_HAS_STD_FORMAT 1

#include <cstdlib>
#include <format>

namespace ward::detail {
struct std_format_errors {
    [[noreturn]] static void raise(const char* message) {
#if defined(__cpp_exceptions)
        throw std::format_error(message);
#else
        (void)message;
        std::abort();
#endif
    }
};
} // namespace ward::detail

WARD_DETAIL_DEFINE_FORMATTERS(std, ward::detail::std_format_errors);

#else
#define WARD_HAS_STD_FORMAT 0
#endif

#endif
