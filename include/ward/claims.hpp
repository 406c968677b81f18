// SPDX-License-Identifier: MIT
/// \file ward/claims.hpp
/// What a verified token says (ward::token_claims), which claim made authentication fail
/// (ward::claim), and what authenticating returns (ward::credential_result). The snapshot turns
/// claims into a credential: snapshot::authenticate.
#ifndef WARD_CLAIMS_HPP
#define WARD_CLAIMS_HPP

#include "credential.hpp"
#include "error.hpp"
#include "view.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ward {

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
    std::string_view subject;                   ///< `sub`: "user:...", "application:...", "auth0|..."
    bool has_permission_mask = false;           ///< a numeric `permissions` claim is present
    std::uint64_t permission_mask = 0;          ///< its value
    bool has_permission_names = false;          ///< a `permissions` array claim is present
    view<std::string_view> permission_names;    ///< its items (any contiguous range of strings)
    bool has_scope = false;                     ///< an OAuth `scope` claim is present
    std::string_view scope;                     ///< its value, space separated
    view<extended_claim> extended;              ///< provide's per-resource masks ("*" = any other)
    std::string_view bound_scopes;              ///< space-separated scope ids the token is restricted to
    bool scope_restrictions = false;            ///< bound_scopes are `kind:id:value` restrictions (validated)
    std::string_view via;                       ///< the application (scope id) the token was issued through
    parse_mode names_mode = parse_mode::strict; ///< lenient: permission names this service lacks are skipped
};

/// Which claim made authentication fail.
enum class claim : unsigned char {
    none,
    subject,
    permission_mask,
    permission_names,
    scope,
    extended,
    bound_scopes,
    via
};

/// The claim's name as error messages give it ("sub", "scope", ...).
[[nodiscard]] constexpr std::string_view to_string(claim c) noexcept {
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

/// The result of turning token claims into a credential. On error the credential is
/// unauthenticated (every check denies) and `failed` / `ec` / `position` say why.
template <class P>
struct [[nodiscard]] credential_result {
    credential<P> value{};            ///< the credential (unauthenticated on error)
    errc ec = errc::ok;               ///< why a claim was refused
    ward::claim failed = claim::none; ///< which claim
    std::size_t position = 0;         ///< where in it: a byte offset, or an item index for lists
    /// names_mode lenient: how many permission names this service lacks were skipped (never
    /// granted), in the `permissions` names and `scope` claims together; 0 on error.
    std::size_t skipped = 0;
    /// Every claim was accepted.
    constexpr explicit operator bool() const noexcept { return ec == errc::ok; }
};

} // namespace ward

#endif
