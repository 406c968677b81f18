// SPDX-License-Identifier: MIT
/// \file ward/parse.hpp
/// Parsing of permission names, scope strings and integer masks. Nothing here allocates; every
/// input is treated as hostile and every failure yields an empty set with an error code and the
/// position of the bad input. Formatting (the way back) is in format.hpp, included here.
#ifndef WARD_PARSE_HPP
#define WARD_PARSE_HPP

#include "detail/chars.hpp"
#include "detail/split.hpp"
#include "error.hpp"
#include "format.hpp"
#include "permission_set.hpp"

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <string_view>
#include <type_traits>

namespace ward {

namespace detail {

/// An item of a list of names as a string_view; a null `const char*` is an empty item (refused or
/// skipped like any empty item), never a null dereference.
template <class T>
constexpr std::string_view as_name(const T& item) noexcept {
    if constexpr (std::is_pointer_v<T>) {
        if (item == nullptr) return {};
    }
    return std::string_view(item);
}

/// Checks one name's bytes; returns the offset of the first invalid byte, or npos.
constexpr std::size_t first_invalid_char(std::string_view s) noexcept {
    for (std::size_t i = 0; i < s.size(); ++i)
        if (!is_name_char(s[i])) return i;
    return std::string_view::npos;
}

template <class P>
struct name_parser {
    using set = permission_set<P>;
    using voc = vocabulary<P>;

    parse_mode mode;
    set value{};
    std::size_t skipped = 0;

    /// Adds one item; returns errc::ok or the item's error. `offset` of a bad byte is written to bad.
    constexpr errc add(std::string_view item, std::size_t& bad) noexcept {
        if (item.empty()) {
            if (mode == parse_mode::lenient) return errc::ok;
            bad = 0;
            return errc::empty_name;
        }
        if (item.size() > WARD_MAX_INPUT_LENGTH) {
            bad = WARD_MAX_INPUT_LENGTH;
            return errc::input_too_long;
        }
        const std::size_t c = first_invalid_char(item);
        if (c != std::string_view::npos) {
            bad = c;
            return errc::invalid_character;
        }
        const std::size_t i = voc::find(item);
        if (i == voc::npos) {
            if (mode == parse_mode::lenient) {
                ++skipped;
                return errc::ok;
            }
            bad = 0;
            return errc::unknown_name;
        }
        value.insert(voc::from_index(i));
        return errc::ok;
    }
};

inline void ward_permissions_literal_is_not_valid_for_the_vocabulary() noexcept {}

} // namespace detail

/// Parses exactly one wire name. The result holds a set of that one permission, or is empty with
/// an error: empty_input, input_too_long, invalid_character (position = the byte), unknown_name.
/// Matching is exact and case-sensitive ("READ:users" is unknown).
template <class P>
[[nodiscard]] constexpr parse_result<permission_set<P>> parse_name(std::string_view name) noexcept {
    if (name.empty()) return {{}, errc::empty_input, 0, 0};
    detail::name_parser<P> p{parse_mode::strict};
    std::size_t bad = 0;
    const errc e = p.add(name, bad);
    if (e != errc::ok) return {{}, e, bad, 0};
    return {p.value, errc::ok, 0, 0};
}

/// Parses a space-separated OAuth `scope` string (RFC 6749 section 3.3), e.g. "read:users update:users".
///
/// - Empty input is an empty set, not an error (a token with no scopes).
/// - strict (default): a leading, trailing or repeated space is errc::empty_name and an unknown
///   name is errc::unknown_name, at the item's byte offset.
/// - lenient: empty items and unknown names are skipped; `skipped` counts the unknown names.
///   Skipped names are never granted.
/// - In both modes a byte outside the scope-token alphabet (control bytes, NUL, tab, '"', '\\',
///   non-ASCII) is errc::invalid_character at its offset, and input longer than
///   WARD_MAX_INPUT_LENGTH is errc::input_too_long.
template <class P>
[[nodiscard]] constexpr parse_result<permission_set<P>> parse_scope(std::string_view s,
                                                                    parse_mode mode = parse_mode::strict) noexcept {
    if (s.size() > WARD_MAX_INPUT_LENGTH) return {{}, errc::input_too_long, WARD_MAX_INPUT_LENGTH, 0};
    if (s.empty()) return {{}, errc::ok, 0, 0};
    detail::name_parser<P> p{mode};
    for (const detail::split_item item : detail::split_spaces(s)) {
        std::size_t bad = 0;
        const errc e = p.add(item.text, bad);
        if (e != errc::ok) return {{}, e, item.offset + bad, 0};
    }
    return {p.value, errc::ok, 0, p.skipped};
}

/// Parses names the caller already split (a JSON array's items, a database column's values).
/// Each item must be exactly one name. Errors are as for parse_scope; `position` is the index of
/// the bad item. An empty sequence is an empty set.
///
/// WARD_MAX_INPUT_LENGTH bounds the whole list, not each item: the list counts as its items joined
/// by single spaces (the scope string it stands for), so n items of total length L count
/// L + n - 1 bytes. The item at which that total first exceeds the limit is errc::input_too_long
/// at its index, in both modes, before it is scanned.
template <class P, class InputIt>
[[nodiscard]] constexpr parse_result<permission_set<P>> parse_names(InputIt first, InputIt last,
                                                                    parse_mode mode = parse_mode::strict) noexcept {
    detail::name_parser<P> p{mode};
    std::size_t index = 0;
    std::size_t total = 0; // bytes so far, a space counted between items; never above the limit
    for (; first != last; ++first, ++index) {
        const std::string_view item = detail::as_name(*first);
        const std::size_t separator = index == 0 ? 0 : 1;
        if (item.size() > WARD_MAX_INPUT_LENGTH || total + separator + item.size() > WARD_MAX_INPUT_LENGTH)
            return {{}, errc::input_too_long, index, 0};
        total += separator + item.size();
        std::size_t bad = 0;
        const errc e = p.add(item, bad);
        if (e != errc::ok) return {{}, e, index, 0};
    }
    return {p.value, errc::ok, 0, p.skipped};
}

/// parse_names over a whole range (anything with begin/end whose items convert to string_view).
template <class P, class Range>
[[nodiscard]] constexpr parse_result<permission_set<P>> parse_names(const Range& r,
                                                                    parse_mode mode = parse_mode::strict) noexcept {
    using std::begin;
    using std::end;
    return parse_names<P>(begin(r), end(r), mode);
}

template <class P>
[[nodiscard]] constexpr parse_result<permission_set<P>> parse_names(std::initializer_list<std::string_view> r,
                                                                    parse_mode mode = parse_mode::strict) noexcept {
    return parse_names<P>(r.begin(), r.end(), mode);
}

/// Decodes an integer mask (vocabularies of at most 64 bits); an undefined bit is errc::unknown_bit.
template <class P>
[[nodiscard]] constexpr parse_result<permission_set<P>> parse_integer(std::uint64_t mask) noexcept {
    return permission_set<P>::from_integer(mask);
}

/// Decodes an integer mask written in decimal ("415"), as a numeric claim arrives in raw JSON text.
/// The text must be a JSON non-negative integer: ASCII digits only (no sign, space, fraction or
/// exponent) and no leading zero ("0" is zero; "0415" is refused). Errors, first match wins:
/// - empty text: errc::empty_input;
/// - more than WARD_MAX_INPUT_LENGTH bytes: errc::input_too_long (position = the limit);
/// - not a number at all: errc::malformed at the first byte that is not a digit, or at 1 for a
///   leading zero (the byte a JSON parser stops at), whatever the text's length;
/// - a number above 2^64 - 1: errc::value_out_of_range at the digit where it overflows;
/// - a value with a bit the vocabulary does not define: errc::unknown_bit at that bit.
template <class P>
[[nodiscard]] constexpr parse_result<permission_set<P>> parse_integer(std::string_view digits) noexcept {
    if (digits.empty()) return {{}, errc::empty_input, 0, 0};
    if (digits.size() > WARD_MAX_INPUT_LENGTH) return {{}, errc::input_too_long, WARD_MAX_INPUT_LENGTH, 0};
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (digits[i] < '0' || digits[i] > '9') return {{}, errc::malformed, i, 0};
        if (i == 1 && digits[0] == '0') return {{}, errc::malformed, 1, 0};
    }
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        const auto d = static_cast<std::uint64_t>(digits[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return {{}, errc::value_out_of_range, i, 0};
        v = v * 10 + d;
    }
    return permission_set<P>::from_integer(v);
}

/// A set from a scope-string literal, for declaring requirements and role contents readably:
/// `constexpr auto admin = ward::permissions<perm>("read:users update:users");`
/// In a constant expression an unknown or malformed name is a compile error (the diagnostic names
/// ward_permissions_literal_is_not_valid_for_the_vocabulary). At run time such input yields an
/// empty set, which grants nothing and, as a requirement, is refused by every check.
template <class P>
[[nodiscard]] constexpr permission_set<P> permissions(std::string_view scope_string) noexcept {
    const auto r = parse_scope<P>(scope_string);
    if (!r) {
        detail::ward_permissions_literal_is_not_valid_for_the_vocabulary();
        return {};
    }
    return r.value;
}

} // namespace ward

#endif
