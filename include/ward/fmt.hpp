// SPDX-License-Identifier: MIT
/// \file ward/fmt.hpp
/// fmt::formatter for permission sets, decisions, reasons, error codes, row kinds and build errors
/// (the fmt library, 9 or later). Optional: ward.hpp does not include it, and ward never needs fmt.
/// Where <fmt/format.h> is not on the include path the header defines nothing but WARD_HAS_FMT 0.
///
/// The specs and the text are those of ward/std_format.hpp: text values take
/// [[fill]align][width]; sets and decisions take [[fill]align][width][separator]. Anything else is
/// a fmt::format_error (at compile time for a checked format string).
///
/// \code
/// #include <ward/fmt.hpp>
/// fmt::print("{}\n", s);      // "read:users update:users"
/// fmt::format("{:,}", s);     // "read:users,update:users"
/// fmt::format("{}", d);       // "denied: missing permission (read:users) [policy v3]"
/// \endcode
#ifndef WARD_FMT_HPP
#define WARD_FMT_HPP

#include "builder.hpp"
#include "decision.hpp"
#include "detail/format_spec.hpp"
#include "error.hpp"
#include "permission_set.hpp"

#if __has_include(<fmt/format.h>)
#define WARD_HAS_FMT 1

#include <cstdlib>
#include <type_traits>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace ward::detail {
struct fmt_errors {
    [[noreturn]] static void raise(const char* message) {
        FMT_THROW(fmt::format_error(message));
        std::abort(); // without exceptions FMT_THROW is an assertion, which NDEBUG compiles out
    }
};
} // namespace ward::detail

// A permission set is a range: <fmt/ranges.h>'s formatter must not compete with ward's when the
// permission enum has a formatter of its own.
template <class P>
struct fmt::is_range<ward::permission_set<P>, char> : std::false_type {};

WARD_DETAIL_DEFINE_FORMATTERS(fmt, ward::detail::fmt_errors);

#else
#define WARD_HAS_FMT 0
#endif

#endif
