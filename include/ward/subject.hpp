// SPDX-License-Identifier: MIT
/// \file ward/subject.hpp
/// Who a token names: principal kinds and handles, token subjects (`kind:id`, `provider|id`) and
/// Commerce Layer style scope restrictions (`market:id:xxxx`). Every parser here is constexpr,
/// allocation-free, and treats its input as hostile.
#ifndef WARD_SUBJECT_HPP
#define WARD_SUBJECT_HPP

#include "config.hpp"
#include "detail/chars.hpp"
#include "detail/handle.hpp"
#include "error.hpp"

#include <cstddef>
#include <string_view>

namespace ward {

/// What kind of principal a subject names.
enum class principal_kind : unsigned char { user, application, organization, api_credential, token, invite };

/// The kind as a subject spells it ("user", "api_credential", ...).
[[nodiscard]] constexpr std::string_view to_string(principal_kind k) noexcept {
    switch (k) {
    case principal_kind::user: return "user";
    case principal_kind::application: return "application";
    case principal_kind::organization: return "organization";
    case principal_kind::api_credential: return "api_credential";
    case principal_kind::token: return "token";
    case principal_kind::invite: return "invite";
    }
    return "unknown";
}

/// A dense handle to a principal of one snapshot. `principal_handle{}` (value
/// principal_handle::none) names no principal.
using principal_handle = detail::handle<detail::principal_tag>;

/// A parsed subject: `kind:id` (user:..., application:..., organization:..., api_credential:...,
/// token:..., invite:...) or `provider|id` (auth0|..., google-oauth2|..., a user).
struct subject {
    principal_kind kind = principal_kind::user;
    std::string_view kind_name; ///< "user", ..., or the provider ("auth0") of a `provider|id` subject
    std::string_view id;        ///< the part after the separator
    char separator = ':';
};

namespace detail {
constexpr bool principal_kind_from(std::string_view s, principal_kind& k) noexcept {
    constexpr principal_kind all[] = {principal_kind::user,         principal_kind::application,
                                      principal_kind::organization, principal_kind::api_credential,
                                      principal_kind::token,        principal_kind::invite};
    for (principal_kind c : all)
        if (to_string(c) == s) {
            k = c;
            return true;
        }
    return false;
}
} // namespace detail

/// Parses a token subject. Accepts exactly `kind:id` with a known kind, or `provider|id`; the id
/// holds only [A-Za-z0-9._@+=~-]. Anything else is an error: empty_input, input_too_long,
/// malformed (no separator, empty part; position = where), unknown_kind (position 0),
/// invalid_character (position = the byte).
/// Kinds and providers are lower case, [a-z0-9_-], and never folded: `USER:abc` and `Auth0|abc`
/// are invalid_character at their first upper-case byte. Ids are case-sensitive as given.
[[nodiscard]] constexpr parse_result<subject> parse_subject(std::string_view s) noexcept {
    if (s.empty()) return {{}, errc::empty_input, 0, 0};
    if (s.size() > WARD_MAX_ID_LENGTH) return {{}, errc::input_too_long, WARD_MAX_ID_LENGTH, 0};
    std::size_t sep = 0;
    while (sep < s.size() && s[sep] != ':' && s[sep] != '|') {
        if (!detail::is_provider_char(s[sep])) return {{}, errc::invalid_character, sep, 0};
        ++sep;
    }
    if (sep == s.size()) return {{}, errc::malformed, sep, 0};
    if (sep == 0) return {{}, errc::malformed, 0, 0};
    subject out;
    out.kind_name = s.substr(0, sep);
    out.separator = s[sep];
    out.id = s.substr(sep + 1);
    if (out.separator == ':') {
        if (!detail::principal_kind_from(out.kind_name, out.kind)) return {{}, errc::unknown_kind, 0, 0};
    } else {
        out.kind = principal_kind::user;
    }
    if (out.id.empty()) return {{}, errc::malformed, sep + 1, 0};
    for (std::size_t i = 0; i < out.id.size(); ++i)
        if (!detail::is_id_char(out.id[i])) return {{}, errc::invalid_character, sep + 1 + i, 0};
    return {out, errc::ok, 0, 0};
}

/// A Commerce Layer style scope restriction: `market:id:xxxx`, `market:code:xxxx`,
/// `stock_location:id:xxxx`.
struct scope_restriction {
    std::string_view resource;  ///< "market", "stock_location", ...: [a-z_]+
    std::string_view attribute; ///< "id" or "code"
    std::string_view value;     ///< [A-Za-z0-9._~-]+
};

/// Parses one scope restriction: exactly three parts, `resource:attribute:value`. Errors:
/// empty_input, input_too_long, malformed (a part is missing or empty; position = where: the end
/// of the input when there is no second ':', as in the legacy `market:1234` or in `market:all`,
/// which are refused), unknown_kind (attribute other than id/code), invalid_character (an
/// upper-case resource or attribute too: `MARKET:id:x` is refused at 0). A value is opaque: `all`
/// in `market:id:all` is an id like any other, never a wildcard.
[[nodiscard]] constexpr parse_result<scope_restriction> parse_scope_restriction(std::string_view s) noexcept {
    if (s.empty()) return {{}, errc::empty_input, 0, 0};
    if (s.size() > WARD_MAX_ID_LENGTH) return {{}, errc::input_too_long, WARD_MAX_ID_LENGTH, 0};
    std::size_t a = 0;
    for (; a < s.size() && s[a] != ':'; ++a)
        if (!detail::is_lower_kind_char(s[a])) return {{}, errc::invalid_character, a, 0};
    if (a == 0 || a == s.size()) return {{}, errc::malformed, a, 0};
    // Two parts ("market:1234", the legacy form, or "market:all") are malformed at the end, where
    // the third part is missing: ward does not guess an attribute, and "all" is no wildcard.
    const std::size_t b = s.find(':', a + 1);
    if (b == std::string_view::npos) return {{}, errc::malformed, s.size(), 0};
    for (std::size_t i = a + 1; i < b; ++i)
        if (!detail::is_lower_kind_char(s[i])) return {{}, errc::invalid_character, i, 0};
    if (b == a + 1) return {{}, errc::malformed, b, 0};
    scope_restriction r{s.substr(0, a), s.substr(a + 1, b - a - 1), s.substr(b + 1)};
    if (r.attribute != "id" && r.attribute != "code") return {{}, errc::unknown_kind, a + 1, 0};
    if (r.value.empty()) return {{}, errc::malformed, b + 1, 0};
    for (std::size_t i = 0; i < r.value.size(); ++i)
        if (!detail::is_restriction_value_char(r.value[i])) return {{}, errc::invalid_character, b + 1 + i, 0};
    return {r, errc::ok, 0, 0};
}

} // namespace ward

#endif
