// SPDX-License-Identifier: MIT
/// \file ward/query.hpp
/// What a snapshot's queries take and answer besides decisions: a batch request, the answer of
/// effective_permissions, a lookup by id (role_permissions), and a principal's roles at a scope
/// (roles_at). snapshot.hpp includes it.
#ifndef WARD_QUERY_HPP
#define WARD_QUERY_HPP

#include "credential.hpp"
#include "decision.hpp"
#include "error.hpp"
#include "permission_set.hpp"
#include "scope.hpp"

#include <cstddef>
#include <string_view>

namespace ward {

/// One request of a batch check.
template <class P>
struct request {
    permission_set<P> required;
    scope_handle target;
};

/// One of many independent requests decided in one call (snapshot::check over a view of them):
/// each names its own credential, which must outlive the call.
template <class P>
struct batch_request {
    const credential<P>* who = nullptr; ///< null: unauthenticated
    permission_set<P> required;
    scope_handle target;
};

/// The answer of a reverse query: what a credential may do at a scope.
template <class P>
struct [[nodiscard]] effective_result {
    permission_set<P> permissions{};
    reason why = reason::unauthenticated; ///< granted when the query could be answered
};

/// The answer of a lookup by id: the value, or an error code (errc::unknown_role, ...) and an
/// empty value. Only `ok` holds a value.
template <class T>
struct [[nodiscard]] lookup_result {
    T value{};
    errc ec = errc::ok;
    /// The id was found.
    constexpr explicit operator bool() const noexcept { return ec == errc::ok; }
};

/// How a role applies to a principal at a scope (snapshot::roles_at).
enum class role_origin : unsigned char {
    bound_here,  ///< bound to the principal at the scope itself
    bound_above, ///< bound at an ancestor of the scope (a binding covers its scope's subtree)
    inherited,   ///< a parent, transitively, of a role bound here or above (define_role's parents)
};

/// The origin as text ("bound here", "bound above", "inherited").
[[nodiscard]] constexpr std::string_view to_string(role_origin o) noexcept {
    switch (o) {
    case role_origin::bound_here: return "bound here";
    case role_origin::bound_above: return "bound above";
    case role_origin::inherited: return "inherited";
    }
    return "unknown";
}

/// One role a principal has at a scope (snapshot::roles_at). Views point into the snapshot.
struct role_membership {
    std::string_view role; ///< the role's id
    role_origin origin = role_origin::bound_here;
    scope_handle bound_at{};  ///< the scope of the binding that brings it
    std::string_view through; ///< inherited: the bound role it is a parent of; else empty
};

/// What snapshot::roles_at answers: how many roles apply (which may exceed the capacity given),
/// and `granted` when the query could be answered (unknown_principal or unknown_scope otherwise,
/// with count 0).
struct [[nodiscard]] roles_result {
    std::size_t count = 0;
    reason why = reason::unknown_principal;
    /// The principal and the scope are known.
    constexpr explicit operator bool() const noexcept { return why == reason::granted; }
};

} // namespace ward

#endif
