// SPDX-License-Identifier: MIT
#ifndef WARD_DETAIL_CHARS_HPP
#define WARD_DETAIL_CHARS_HPP

#include "../config.hpp"

#include <string_view>

namespace ward::detail {

/// A byte of a subject's id: [A-Za-z0-9._@+=~-].
constexpr bool is_id_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == '@' || c == '+' || c == '=' || c == '~';
}

/// A byte of a subject's provider ("auth0", "google-oauth2") or kind: [a-z0-9_-].
constexpr bool is_provider_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/// A byte of a scope restriction's resource or attribute ("stock_location", "id"): [a-z_].
constexpr bool is_lower_kind_char(char c) noexcept { return (c >= 'a' && c <= 'z') || c == '_'; }

/// A byte of a scope restriction's value: [A-Za-z0-9._~-].
constexpr bool is_restriction_value_char(char c) noexcept { return is_id_char(c) && c != '@' && c != '+' && c != '='; }

/// A policy id (scope, principal, role, bound scope, application): 1..WARD_MAX_ID_LENGTH bytes of
/// printable ASCII other than space.
constexpr bool valid_id(std::string_view s) noexcept {
    if (s.empty() || s.size() > WARD_MAX_ID_LENGTH) return false;
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x21 || u > 0x7e) return false;
    }
    return true;
}

/// A byte of a permission's wire name, a scope-token per RFC 6749 section 3.3: %x21 / %x23-5B / %x5D-7E.
constexpr bool is_name_char(char c) noexcept {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x21 && u <= 0x7e && u != 0x22 && u != 0x5c;
}

} // namespace ward::detail

#endif
