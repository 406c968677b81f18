// SPDX-License-Identifier: MIT
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

#include "builder.hpp"
#include "decision.hpp"
#include "detail/format_spec.hpp"
#include "error.hpp"
#include "permission_set.hpp"

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
