// SPDX-License-Identifier: MIT
/// \file ward/decision.hpp
/// The value a check returns, its reasons, and the per-service table that maps reasons to HTTP
/// status codes.
#ifndef WARD_DECISION_HPP
#define WARD_DECISION_HPP

#include "permission_set.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
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

inline constexpr std::size_t reason_count = 10;

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

/// The outcome of one check: a small value that never allocates.
template <class P>
struct decision {
    static constexpr std::uint32_t no_row = std::numeric_limits<std::uint32_t>::max();

    bool allowed = false;
    ward::reason why = reason::unauthenticated;
    permission_set<P> missing{};   ///< required permissions the credential does not have here
    std::uint32_t row = no_row;  ///< the builder row that decided (the deny, or a granting binding)
    std::uint64_t version = 0;     ///< the snapshot's version

    constexpr explicit operator bool() const noexcept { return allowed; }
};

/// Maps each reason to an HTTP status code. Defaults: 200 granted, 401 unauthenticated and unknown
/// principal, 404 outside scope and unknown scope (a record outside the caller's scope is not
/// found), 400 invalid request, 403 for everything that is a missing or denied permission.
class status_table {
public:
    constexpr status_table() noexcept
        : codes_{{200, 401, 400, 401, 404, 404, 403, 403, 403, 403}} {}

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
    std::array<int, reason_count> codes_;
};

} // namespace ward

#endif
