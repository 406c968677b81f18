// SPDX-License-Identifier: MIT
/// \file ward/credential.hpp
/// Who is asking and through what: subjects, token claims, scope restrictions, and the credential
/// value a check takes. Every parser here is allocation-free and treats its input as hostile.
#ifndef WARD_CREDENTIAL_HPP
#define WARD_CREDENTIAL_HPP

#include "config.hpp"
#include "error.hpp"
#include "permission_set.hpp"
#include "scope.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string_view>

namespace ward {

/// What kind of principal a subject names.
enum class principal_kind : unsigned char { user, application, organization, api_credential, token, invite };

constexpr std::string_view to_string(principal_kind k) noexcept {
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

/// A dense handle to a principal of one snapshot.
struct principal_handle {
    static constexpr std::uint32_t none = std::numeric_limits<std::uint32_t>::max();
    std::uint32_t value = none;
    constexpr bool valid() const noexcept { return value != none; }
    constexpr explicit operator bool() const noexcept { return valid(); }
    friend constexpr bool operator==(principal_handle a, principal_handle b) noexcept { return a.value == b.value; }
    friend constexpr bool operator!=(principal_handle a, principal_handle b) noexcept { return a.value != b.value; }
};

/// A parsed subject: `kind:id` (user:..., application:..., organization:..., api_credential:...,
/// token:..., invite:...) or `provider|id` (auth0|..., google-oauth2|..., a user).
struct subject {
    principal_kind kind = principal_kind::user;
    std::string_view kind_name; ///< "user", ..., or the provider ("auth0") of a `provider|id` subject
    std::string_view id;        ///< the part after the separator
    char separator = ':';
};

namespace detail {
constexpr bool is_id_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == '@' || c == '+' || c == '=' || c == '~';
}
constexpr bool is_provider_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}
constexpr bool principal_kind_from(std::string_view s, principal_kind& k) noexcept {
    constexpr principal_kind all[] = {principal_kind::user,           principal_kind::application,
                                      principal_kind::organization,   principal_kind::api_credential,
                                      principal_kind::token,          principal_kind::invite};
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
constexpr parse_result<subject> parse_subject(std::string_view s) noexcept {
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

/// Parses one scope restriction. Errors: empty_input, input_too_long, malformed (a part is
/// missing or empty; position = where), unknown_kind (attribute other than id/code),
/// invalid_character.
constexpr parse_result<scope_restriction> parse_scope_restriction(std::string_view s) noexcept {
    if (s.empty()) return {{}, errc::empty_input, 0, 0};
    if (s.size() > WARD_MAX_ID_LENGTH) return {{}, errc::input_too_long, WARD_MAX_ID_LENGTH, 0};
    std::size_t a = 0;
    while (a < s.size() && s[a] != ':') {
        const char c = s[a];
        if (!((c >= 'a' && c <= 'z') || c == '_')) return {{}, errc::invalid_character, a, 0};
        ++a;
    }
    if (a == 0 || a == s.size()) return {{}, errc::malformed, a, 0};
    std::size_t b = a + 1;
    while (b < s.size() && s[b] != ':') {
        const char c = s[b];
        if (!((c >= 'a' && c <= 'z') || c == '_')) return {{}, errc::invalid_character, b, 0};
        ++b;
    }
    if (b == a + 1 || b == s.size()) return {{}, errc::malformed, b, 0};
    scope_restriction r{s.substr(0, a), s.substr(a + 1, b - a - 1), s.substr(b + 1)};
    if (r.attribute != "id" && r.attribute != "code") return {{}, errc::unknown_kind, a + 1, 0};
    if (r.value.empty()) return {{}, errc::malformed, b + 1, 0};
    for (std::size_t i = 0; i < r.value.size(); ++i) {
        const char c = r.value[i];
        if (!detail::is_id_char(c) || c == '@' || c == '+' || c == '=') return {{}, errc::invalid_character, b + 1 + i, 0};
    }
    return {r, errc::ok, 0, 0};
}

/// A read-only view of contiguous items (a C++17 stand-in for std::span<const T>).
template <class T>
class view {
public:
    constexpr view() noexcept = default;
    constexpr view(const T* data, std::size_t size) noexcept : data_(data), size_(size) {}
    template <std::size_t N>
    constexpr view(const T (&a)[N]) noexcept : data_(a), size_(N) {} // NOLINT
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winit-list-lifetime"
#endif
    /// Views a braced list; valid for the full expression it appears in (a call's argument).
    constexpr view(std::initializer_list<T> il) noexcept : data_(il.begin()), size_(il.size()) {}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
    template <class C, class = decltype(std::declval<const C&>().data()),
              class = std::enable_if_t<std::is_convertible_v<decltype(std::declval<const C&>().data()), const T*>>>
    constexpr view(const C& c) noexcept : data_(c.data()), size_(c.size()) {} // NOLINT
    constexpr const T* begin() const noexcept { return data_; }
    constexpr const T* end() const noexcept { return data_ + size_; }
    constexpr std::size_t size() const noexcept { return size_; }
    constexpr bool empty() const noexcept { return size_ == 0; }
    constexpr const T& operator[](std::size_t i) const noexcept { return data_[i]; }

private:
    const T* data_ = nullptr;
    std::size_t size_ = 0;
};

/// One entry of provide's "extended" permission claim: a resource (scope id, or "*" for every
/// other resource) and the integer mask the token holds there.
struct extended_claim {
    std::string_view resource;
    std::uint64_t mask = 0;
};

/// What a verified token says, as string views into the caller's already-verified claims.
/// ward does not verify signatures: pass only claims your JWT library accepted.
/// Every permission claim that is present caps the credential (they intersect); a token with no
/// permission claim at all has no ceiling and the policy alone decides.
struct token_claims {
    std::string_view subject;                      ///< `sub`: "user:...", "application:...", "auth0|..."
    bool has_permission_mask = false;              ///< a numeric `permissions` claim is present
    std::uint64_t permission_mask = 0;             ///< its value
    bool has_permission_names = false;             ///< a `permissions` array claim is present
    view<std::string_view> permission_names;       ///< its items
    bool has_scope = false;                        ///< an OAuth `scope` claim is present
    std::string_view scope;                        ///< its value, space separated
    view<extended_claim> extended;                 ///< provide's per-resource masks ("*" = any other)
    std::string_view bound_scopes;                 ///< space-separated scope ids the token is restricted to
    bool scope_restrictions = false;               ///< bound_scopes are `kind:id:value` restrictions (validated)
    std::string_view via;                          ///< the application (scope id) the token was issued through
    parse_mode names_mode = parse_mode::strict;    ///< lenient: permission names this service lacks are skipped
};

/// Which claim made authentication fail.
enum class claim : unsigned char { none, subject, permission_mask, permission_names, scope, extended, bound_scopes, via };

constexpr std::string_view to_string(claim c) noexcept {
    switch (c) {
    case claim::none: return "none";
    case claim::subject: return "sub";
    case claim::permission_mask: return "permissions (number)";
    case claim::permission_names: return "permissions (names)";
    case claim::scope: return "scope";
    case claim::extended: return "extended permissions";
    case claim::bound_scopes: return "bound scopes";
    case claim::via: return "via";
    }
    return "unknown";
}

/// Who asks and through what, resolved against one snapshot's handles. Fixed size, no allocation.
///
/// Effective permissions are what the policy grants the principal on the path to the target,
/// minus denies, intersected with the ceiling (and the extended entry that applies), and capped by
/// any application restriction. A credential bound to scopes may only reach targets inside them.
template <class P>
class credential {
public:
    using set = permission_set<P>;

    /// A credential that authenticates nobody: every check answers `unauthenticated`.
    constexpr credential() noexcept = default;

    /// An authenticated credential for a principal (no ceiling, no binding yet).
    static constexpr credential of(principal_handle p) noexcept {
        credential c;
        c.principal_ = p;
        c.authenticated_ = true;
        return c;
    }

    /// Restricts to the subtree of `s` (repeatable: the union of the subtrees). An unknown handle
    /// restricts to nothing. More than WARD_MAX_BOUND_SCOPES makes the credential unauthenticated.
    constexpr credential& bind_to(scope_handle s) noexcept {
        if (bound_count_ == bound_.size()) {
            authenticated_ = false;
            return *this;
        }
        bound_[bound_count_++] = s;
        return *this;
    }
    /// The application the request comes through (for application restrictions).
    constexpr credential& via(scope_handle application) noexcept {
        via_ = application;
        has_via_ = true;
        return *this;
    }
    /// Caps the credential at `ceiling` (closed under implications); repeated caps intersect.
    constexpr credential& cap(const set& ceiling) noexcept {
        const set c = ceiling.implied();
        ceiling_ = has_ceiling_ ? (ceiling_ & c) : c;
        has_ceiling_ = true;
        return *this;
    }
    /// An extended (per-resource) cap: at targets in the subtree of `s` the credential holds at
    /// most `ceiling`. The deepest matching entry applies; otherwise the wildcard; otherwise none.
    constexpr credential& cap_at(scope_handle s, const set& ceiling) noexcept {
        if (extended_count_ == extended_.size()) {
            authenticated_ = false;
            return *this;
        }
        has_extended_ = true;
        if (s.valid()) extended_[extended_count_++] = {s, ceiling.implied()};
        return *this;
    }
    /// The extended cap for every target no other extended entry covers ("*").
    constexpr credential& cap_wildcard(const set& ceiling) noexcept {
        has_extended_ = true;
        has_wildcard_ = true;
        wildcard_ = ceiling.implied();
        return *this;
    }
    /// Marks the credential unauthenticated (used when a claim fails to parse).
    constexpr credential& revoke() noexcept {
        authenticated_ = false;
        return *this;
    }

    constexpr bool authenticated() const noexcept { return authenticated_; }
    constexpr principal_handle principal() const noexcept { return principal_; }
    constexpr bool has_ceiling() const noexcept { return has_ceiling_; }
    constexpr const set& ceiling() const noexcept { return ceiling_; }
    constexpr std::size_t bound_count() const noexcept { return bound_count_; }
    constexpr scope_handle bound(std::size_t i) const noexcept { return i < bound_count_ ? bound_[i] : scope_handle{}; }
    constexpr bool has_via() const noexcept { return has_via_; }
    constexpr scope_handle via() const noexcept { return via_; }

    struct extended_entry {
        scope_handle scope;
        set ceiling;
    };
    constexpr bool has_extended() const noexcept { return has_extended_; }
    constexpr std::size_t extended_count() const noexcept { return extended_count_; }
    constexpr const extended_entry& extended(std::size_t i) const noexcept { return extended_[i]; }
    constexpr bool has_wildcard() const noexcept { return has_wildcard_; }
    constexpr const set& wildcard() const noexcept { return wildcard_; }

private:
    principal_handle principal_{};
    bool authenticated_ = false;
    bool has_ceiling_ = false;
    bool has_via_ = false;
    bool has_extended_ = false;
    bool has_wildcard_ = false;
    std::uint8_t bound_count_ = 0;
    std::uint8_t extended_count_ = 0;
    scope_handle via_{};
    std::array<scope_handle, WARD_MAX_BOUND_SCOPES> bound_{};
    set ceiling_{};
    set wildcard_{};
    std::array<extended_entry, WARD_MAX_EXTENDED_CLAIMS> extended_{};
};

/// The result of turning token claims into a credential. On error the credential is
/// unauthenticated (every check denies) and `failed` / `ec` / `position` say why.
template <class P>
struct credential_result {
    credential<P> value{};
    errc ec = errc::ok;
    ward::claim failed = claim::none;
    std::size_t position = 0;
    constexpr explicit operator bool() const noexcept { return ec == errc::ok; }
};

} // namespace ward

#endif
