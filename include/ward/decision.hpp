// SPDX-License-Identifier: MIT
/// \file ward/decision.hpp
/// The value a check returns, its reasons, and the per-service table that maps reasons to HTTP
/// status codes.
#ifndef WARD_DECISION_HPP
#define WARD_DECISION_HPP

#include "detail/handle.hpp"
#include "permission_set.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ward {

/// Why a check allowed or denied. Only `granted` allows.
enum class reason : unsigned char {
    granted,                   ///< every required permission is held at the target scope
    unauthenticated,           ///< no valid credential
    invalid_request,           ///< an empty requirement (asking for nothing is refused, never allowed)
    unknown_principal,         ///< the credential's principal is not in the snapshot
    unknown_scope,             ///< the target scope is not in the snapshot
    outside_scope,             ///< the target is outside the scope the credential is bound to
    missing_permission,        ///< no grant on the path to the target provides a required permission
    explicitly_denied,         ///< a deny on the path to the target covers a required permission
    not_in_token,              ///< the principal holds it, but the token's ceiling does not include it
    restricted_by_application, ///< the principal holds it, but not through the application in use
};

/// How many reasons there are (the enumerators are 0 .. reason_count - 1).
inline constexpr std::size_t reason_count = static_cast<std::size_t>(reason::restricted_by_application) + 1;

constexpr std::string_view to_string(reason r) noexcept {
    switch (r) {
    case reason::granted: return "granted";
    case reason::unauthenticated: return "unauthenticated";
    case reason::invalid_request: return "invalid request";
    case reason::unknown_principal: return "unknown principal";
    case reason::unknown_scope: return "unknown scope";
    case reason::outside_scope: return "outside the credential's scope";
    case reason::missing_permission: return "missing permission";
    case reason::explicitly_denied: return "explicitly denied";
    case reason::not_in_token: return "not in token";
    case reason::restricted_by_application: return "restricted by application";
    }
    return "unknown reason";
}

namespace detail {
// Every reason below reason_count has a name and none past it: a reason added to the enum (and to
// to_string, which -Wswitch asks for) without moving reason_count fails here.
constexpr bool reason_count_matches_enum() noexcept {
    for (std::size_t i = 0; i < reason_count; ++i)
        if (to_string(static_cast<reason>(i)) == "unknown reason") return false;
    return to_string(static_cast<reason>(reason_count)) == "unknown reason";
}

constexpr int default_status(reason r) noexcept {
    switch (r) {
    case reason::granted: return 200;
    case reason::unauthenticated: return 401;
    case reason::invalid_request: return 400;
    case reason::unknown_principal: return 401;
    case reason::unknown_scope: return 404;
    case reason::outside_scope: return 404;
    case reason::missing_permission: return 403;
    case reason::explicitly_denied: return 403;
    case reason::not_in_token: return 403;
    case reason::restricted_by_application: return 403;
    }
    return 500;
}
} // namespace detail

static_assert(detail::reason_count_matches_enum(),
              "ward::reason_count must be the number of ward::reason enumerators: update it with the enum");

/// The outcome of one check: a small value that never allocates.
template <class P>
struct decision {
    static constexpr std::uint32_t no_row = detail::none; ///< `row` when no builder row decided

    bool allowed = false;
    ward::reason why = reason::unauthenticated;
    permission_set<P> missing{}; ///< required permissions the credential does not have here
    std::uint32_t row = no_row;  ///< the builder row that decided (the deny, or a granting binding)
    std::uint64_t version = 0;   ///< the snapshot's version

    constexpr explicit operator bool() const noexcept { return allowed; }
};

/// Maps each reason to an HTTP status code. Defaults: 200 granted, 401 unauthenticated and unknown
/// principal, 404 outside scope and unknown scope (a record outside the caller's scope is not
/// found), 400 invalid request, 403 for everything that is a missing or denied permission.
class status_table {
public:
    constexpr status_table() noexcept {
        for (std::size_t i = 0; i < reason_count; ++i) codes_[i] = detail::default_status(static_cast<reason>(i));
    }

    constexpr int operator()(reason r) const noexcept {
        const auto i = static_cast<std::size_t>(r);
        return i < reason_count ? codes_[i] : 500;
    }
    template <class P>
    constexpr int operator()(const decision<P>& d) const noexcept {
        return (*this)(d.why);
    }
    /// A copy with `r` mapped to `code`.
    constexpr status_table with(reason r, int code) const noexcept {
        status_table t = *this;
        const auto i = static_cast<std::size_t>(r);
        if (i < reason_count) t.codes_[i] = code;
        return t;
    }
    /// A copy where every "insufficient permission" reason (missing, denied, not in token,
    /// restricted) answers `code`: Commerce Layer answers 401 where most services answer 403.
    constexpr status_table with_insufficient_permission(int code) const noexcept {
        return with(reason::missing_permission, code)
            .with(reason::explicitly_denied, code)
            .with(reason::not_in_token, code)
            .with(reason::restricted_by_application, code);
    }

private:
    std::array<int, reason_count> codes_{};
};

} // namespace ward

#endif
