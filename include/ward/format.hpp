// SPDX-License-Identifier: MIT
/// \file ward/format.hpp
/// Formatting a permission set as its wire names in bit order: into a caller's buffer
/// (format_to, as std::to_chars), to an output iterator (write_names) or, allocating, to a
/// std::string (to_string). Every entry point writes through write_names.
///
/// \code
/// const ward::permission_set<perm> s{perm::read_users, perm::update_users};
/// char buf[64];
/// const ward::format_result r = ward::format_to(buf, buf + sizeof buf, s);
/// const std::string_view text(buf, static_cast<std::size_t>(r.ptr - buf)); // "read:users update:users"
/// const std::string copy = ward::to_string(s, ',');                        // "read:users,update:users"
/// \endcode
#ifndef WARD_FORMAT_HPP
#define WARD_FORMAT_HPP

#include "error.hpp"
#include "permission_set.hpp"

#include <cstddef>
#include <iterator>
#include <string>

namespace ward {

/// Bytes needed to format `s` (no terminator). The separator is one byte, so the size is the same
/// whichever separator the format call uses.
template <class P>
[[nodiscard]] constexpr std::size_t formatted_size(const permission_set<P>& s) noexcept {
    std::size_t n = 0, k = 0;
    for (auto it = s.begin(); it != s.end(); ++it, ++k) n += vocabulary<P>::name(it.index()).size();
    return n + (k ? k - 1 : 0);
}

/// Writes the names of `s` to an output iterator, in bit order, separated by `sep`; returns the
/// iterator past the last byte. No terminator is written.
template <class OutputIt, class P>
constexpr OutputIt write_names(OutputIt out, const permission_set<P>& s, char sep = ' ') {
    bool lead = true;
    for (auto it = s.begin(); it != s.end(); ++it) {
        if (!lead) *out++ = sep;
        lead = false;
        for (char c : vocabulary<P>::name(it.index())) *out++ = c;
    }
    return out;
}

/// Writes the names of `s` in bit order, separated by `sep`, into [first, last). Writes nothing
/// and returns {first, buffer_too_small} when the buffer is too small. No terminator is written.
template <class P>
[[nodiscard]] constexpr format_result format_to(char* first, char* last, const permission_set<P>& s,
                                                char sep = ' ') noexcept {
    const std::size_t need = formatted_size(s);
    if (need == 0) return {first, errc::ok}; // nothing to write fits any range, even an empty or null one
    if (first == nullptr || last < first || static_cast<std::size_t>(last - first) < need)
        return {first, errc::buffer_too_small};
    return {write_names(first, s, sep), errc::ok};
}

/// Convenience: the names of `s` as a std::string (allocates; not for hot paths).
template <class P>
[[nodiscard]] std::string to_string(const permission_set<P>& s, char sep = ' ') {
    std::string out;
    out.reserve(formatted_size(s));
    write_names(std::back_inserter(out), s, sep);
    return out;
}

} // namespace ward

#endif
