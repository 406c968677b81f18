// SPDX-License-Identifier: MIT
// ward 0.1.0: ward/ostream.hpp for the single header (ward.hpp, next to this file).
// Copyright (c) 2026 The ward authors. MIT License (see LICENSE).
//
// GENERATED FILE, DO NOT EDIT: made by tools/amalgamate.py from include/ward/.
// Edit the headers under include/ward/ and run tools/amalgamate.py.
// ---- begin ward/ostream.hpp ----
/// \file ward/ostream.hpp
/// operator<< for permission sets, decisions, reasons, error codes, row kinds and build errors.
/// Optional: ward.hpp does not include it (the core does not include <ostream>).
///
/// The text is the one std::format and fmt give with "{}" (ward/std_format.hpp, ward/fmt.hpp): a
/// set's names separated by spaces, "denied: missing permission (read:users) [policy v3]" for a
/// decision, to_string() of an enum, build_error::message(). The stream's width, fill and
/// adjustment apply as to a string (right-aligned unless std::left).
///
/// \code
/// #include <ward/ostream.hpp>
/// std::cout << s << '\n';         // "read:users update:users"
/// std::cout << decision << '\n';  // "allowed: granted [policy v3]"
/// \endcode
#ifndef WARD_OSTREAM_HPP
#define WARD_OSTREAM_HPP

#include "ward.hpp"
// ---- begin ward/detail/format_spec.hpp ----
/// \file ward/detail/format_spec.hpp
/// What the optional formatting headers (ward/ostream.hpp, ward/std_format.hpp, ward/fmt.hpp)
/// share: the format spec they accept, its parser, and the writers behind them. A permission set is
/// written by format.hpp's write_names, everywhere. ward.hpp does not include this header.
///
/// The spec, after the colon of a replacement field:
///   text values (reason, errc, row_kind, build_error):  [[fill]align][width]
///   lists (permission_set, decision):                   [[fill]align][width][separator]
/// fill is one ASCII character other than { and }; align is < (the default), > or ^; width is a
/// decimal number up to max_format_width (no leading zero); separator is a space or one ASCII
/// punctuation character other than { and } (a decision separates its missing permissions with it).
#ifndef WARD_DETAIL_FORMAT_SPEC_HPP
#define WARD_DETAIL_FORMAT_SPEC_HPP


#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ward::detail {

/// The widest field a spec may ask for.
inline constexpr std::size_t max_format_width = 65535;

struct format_spec {
    char fill = ' ';
    char align = '<'; ///< '<', '>' or '^'
    std::size_t width = 0;
    char sep = ' '; ///< lists only
};

/// Which spec a value takes: a list (permission_set, decision) may end in a separator.
enum class spec_kind : unsigned char { text, list };

constexpr bool is_align(char c) noexcept { return c == '<' || c == '>' || c == '^'; }
constexpr bool is_separator(char c) noexcept {
    return c == ' ' || (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') || c == '|' ||
           c == '~';
}

/// Parses the spec in [it, end) up to the closing '}' (or `end`) and returns where it stopped. On a
/// spec it does not understand it sets `error` to a message and returns where the problem is.
template <class It>
constexpr It parse_format_spec(It it, It end, spec_kind kind, format_spec& spec, const char*& error) noexcept {
    error = nullptr;
    if (it == end || *it == '}') return it;
    It next = it;
    ++next;
    if (next != end && is_align(*next)) {
        const char fill = *it;
        if (fill == '{' || fill == '}') {
            error = "ward format spec: '{' and '}' cannot be a fill";
            return it;
        }
        if (static_cast<unsigned char>(fill) < 0x20 || static_cast<unsigned char>(fill) > 0x7e) {
            error = "ward format spec: the fill must be one printable ASCII character";
            return it;
        }
        spec.fill = fill;
        spec.align = *next;
        it = ++next;
    } else if (is_align(*it)) {
        spec.align = *it;
        ++it;
    }
    if (it != end && *it == '0') {
        error = "ward format spec: zero padding is for numbers; give the fill, as in {:0>8}";
        return it;
    }
    if (it != end && *it == '{') {
        error = "ward format spec: a width taken from an argument is not supported";
        return it;
    }
    while (it != end && *it >= '0' && *it <= '9') {
        spec.width = spec.width * 10 + static_cast<std::size_t>(*it - '0');
        if (spec.width > max_format_width) {
            error = "ward format spec: the width is above 65535";
            return it;
        }
        ++it;
    }
    if (it == end || *it == '}') return it;
    if (kind == spec_kind::text) {
        error = "ward format spec: unexpected character; this type takes [[fill]align][width]";
        return it;
    }
    if (!is_separator(*it)) {
        error = "ward format spec: the separator must be a space or an ASCII punctuation character other than { }";
        return it;
    }
    spec.sep = *it;
    ++it;
    if (it != end && *it != '}') {
        error = "ward format spec: unexpected character after the separator; this type takes "
                "[[fill]align][width][separator]";
        return it;
    }
    return it;
}

template <class OutputIt>
constexpr OutputIt write_fill(OutputIt out, std::size_t n, char c) {
    for (; n != 0; --n) *out++ = c;
    return out;
}

template <class OutputIt>
constexpr OutputIt write_text(OutputIt out, std::string_view s) {
    for (char c : s) *out++ = c;
    return out;
}

/// Writes `body` (which writes exactly `size` bytes) padded to the spec's width.
template <class OutputIt, class Body>
constexpr OutputIt write_padded(OutputIt out, const format_spec& spec, std::size_t size, Body&& body) {
    const std::size_t pad = spec.width > size ? spec.width - size : 0;
    const std::size_t before = spec.align == '>' ? pad : spec.align == '^' ? pad / 2 : 0;
    out = write_fill(out, before, spec.fill);
    out = body(out);
    return write_fill(out, pad - before, spec.fill);
}

constexpr std::size_t decimal_digits(std::uint64_t v) noexcept {
    std::size_t n = 1;
    for (; v >= 10; v /= 10) ++n;
    return n;
}

template <class OutputIt>
constexpr OutputIt write_decimal(OutputIt out, std::uint64_t v) {
    char digits[20] = {};
    std::size_t n = 0;
    do {
        digits[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n != 0) *out++ = digits[--n];
    return out;
}

inline constexpr std::string_view decision_allowed = "allowed: ";
inline constexpr std::string_view decision_denied = "denied: ";
inline constexpr std::string_view decision_version = " [policy v";

/// Bytes write_decision writes: "denied: missing permission (read:users) [policy v3]".
template <class P>
constexpr std::size_t decision_size(const decision<P>& d) noexcept {
    std::size_t n = (d.allowed ? decision_allowed : decision_denied).size() + to_string(d.why).size();
    if (d.missing.any()) n += 3 + formatted_size(d.missing); // " (" names ")"
    return n + decision_version.size() + decimal_digits(d.version) + 1;
}

/// "allowed: granted [policy v3]", "denied: <reason> (<missing, separated by sep>) [policy v3]".
template <class OutputIt, class P>
constexpr OutputIt write_decision(OutputIt out, const decision<P>& d, char sep) {
    out = write_text(out, d.allowed ? decision_allowed : decision_denied);
    out = write_text(out, to_string(d.why));
    if (d.missing.any()) {
        out = write_text(out, " (");
        out = write_names(out, d.missing, sep);
        *out++ = ')';
    }
    out = write_text(out, decision_version);
    out = write_decimal(out, d.version);
    *out++ = ']';
    return out;
}

// ---- one overload per formattable value ------------------------------------------------------------
template <class OutputIt, class P>
constexpr OutputIt format_value(OutputIt out, const format_spec& spec, const permission_set<P>& s) {
    return write_padded(out, spec, formatted_size(s), [&](OutputIt o) { return write_names(o, s, spec.sep); });
}

template <class OutputIt, class P>
constexpr OutputIt format_value(OutputIt out, const format_spec& spec, const decision<P>& d) {
    return write_padded(out, spec, decision_size(d), [&](OutputIt o) { return write_decision(o, d, spec.sep); });
}

template <class OutputIt>
constexpr OutputIt format_value(OutputIt out, const format_spec& spec, std::string_view text) {
    return write_padded(out, spec, text.size(), [&](OutputIt o) { return write_text(o, text); });
}

template <class OutputIt>
constexpr OutputIt format_value(OutputIt out, const format_spec& spec, reason r) {
    return format_value(out, spec, to_string(r));
}

template <class OutputIt>
constexpr OutputIt format_value(OutputIt out, const format_spec& spec, errc e) {
    return format_value(out, spec, to_string(e));
}

template <class OutputIt>
constexpr OutputIt format_value(OutputIt out, const format_spec& spec, row_kind k) {
    return format_value(out, spec, to_string(k));
}

template <class OutputIt>
OutputIt format_value(OutputIt out, const format_spec& spec, const build_error& e) {
    const std::string m = e.message();
    return format_value(out, spec, std::string_view(m));
}

/// The parse and format members of every std::formatter and fmt::formatter ward defines. `Errors`
/// reports a spec the parser rejects the way the formatting library does: Errors::raise(message).
template <class T, spec_kind Kind, class Errors>
struct formatter_base {
    format_spec spec{};

    template <class ParseContext>
    constexpr auto parse(ParseContext& ctx) -> decltype(ctx.begin()) {
        const char* error = nullptr;
        const auto it = parse_format_spec(ctx.begin(), ctx.end(), Kind, spec, error);
        reject_if(error);
        return it;
    }

    template <class FormatContext>
    auto format(const T& value, FormatContext& ctx) const -> decltype(ctx.out()) {
        return format_value(ctx.out(), spec, value);
    }

private:
    // A constant format string with a bad spec fails to compile here; the compiler's trace shows
    // this call with the message.
    static constexpr void reject_if(const char* message) {
        if (message != nullptr) Errors::raise(message);
    }
};

} // namespace ward::detail

/// The formatter specializations of ward's types for one formatting library, written once:
/// NS is std or fmt, ERRORS reports a bad spec as that library does (ward/std_format.hpp and
/// ward/fmt.hpp expand it; nothing else should).
#define WARD_DETAIL_DEFINE_FORMATTERS(NS, ERRORS)                                                                      \
    template <class P>                                                                                                 \
    struct NS::formatter<ward::permission_set<P>, char>                                                                \
        : ward::detail::formatter_base<ward::permission_set<P>, ward::detail::spec_kind::list, ERRORS> {};             \
    template <class P>                                                                                                 \
    struct NS::formatter<ward::decision<P>, char>                                                                      \
        : ward::detail::formatter_base<ward::decision<P>, ward::detail::spec_kind::list, ERRORS> {};                   \
    template <>                                                                                                        \
    struct NS::formatter<ward::reason, char>                                                                           \
        : ward::detail::formatter_base<ward::reason, ward::detail::spec_kind::text, ERRORS> {};                        \
    template <>                                                                                                        \
    struct NS::formatter<ward::errc, char>                                                                             \
        : ward::detail::formatter_base<ward::errc, ward::detail::spec_kind::text, ERRORS> {};                          \
    template <>                                                                                                        \
    struct NS::formatter<ward::row_kind, char>                                                                         \
        : ward::detail::formatter_base<ward::row_kind, ward::detail::spec_kind::text, ERRORS> {};                      \
    template <>                                                                                                        \
    struct NS::formatter<ward::build_error, char>                                                                      \
        : ward::detail::formatter_base<ward::build_error, ward::detail::spec_kind::text, ERRORS> {}

#endif
// ---- end ward/detail/format_spec.hpp ----

#include <cstddef>
#include <ios>
#include <iterator>
#include <ostream>

namespace ward {

namespace detail {
/// A formatted output of `size` bytes written by `body` to an ostreambuf_iterator, padded as the
/// stream's width, fill and adjustfield say; the width is reset, as every formatted output does.
template <class Body>
std::ostream& stream_padded(std::ostream& os, std::size_t size, Body&& body) {
    const std::ostream::sentry ok(os);
    if (!ok) return os;
    format_spec spec;
    spec.fill = os.fill();
    spec.align = (os.flags() & std::ios_base::adjustfield) == std::ios_base::left ? '<' : '>';
    spec.width = os.width() > 0 ? static_cast<std::size_t>(os.width()) : 0;
    os.width(0);
    const std::ostreambuf_iterator<char> out = write_padded(std::ostreambuf_iterator<char>(os), spec, size, body);
    if (out.failed()) os.setstate(std::ios_base::badbit);
    return os;
}
} // namespace detail

/// The set's names in bit order, separated by spaces (format.hpp's write_names).
template <class P>
std::ostream& operator<<(std::ostream& os, const permission_set<P>& s) {
    return detail::stream_padded(os, formatted_size(s),
                                 [&](std::ostreambuf_iterator<char> out) { return write_names(out, s, ' '); });
}

/// "allowed: granted [policy v3]", "denied: missing permission (read:users) [policy v3]".
template <class P>
std::ostream& operator<<(std::ostream& os, const decision<P>& d) {
    return detail::stream_padded(os, detail::decision_size(d), [&](std::ostreambuf_iterator<char> out) {
        return detail::write_decision(out, d, ' ');
    });
}

inline std::ostream& operator<<(std::ostream& os, reason r) { return os << to_string(r); }
inline std::ostream& operator<<(std::ostream& os, errc e) { return os << to_string(e); }
inline std::ostream& operator<<(std::ostream& os, row_kind k) { return os << to_string(k); }
inline std::ostream& operator<<(std::ostream& os, const build_error& e) { return os << e.message(); }

} // namespace ward

#endif
// ---- end ward/ostream.hpp ----
