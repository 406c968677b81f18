// SPDX-License-Identifier: MIT
/// \file ward/explain.hpp
/// One human sentence for a decision: snapshot::explain(decision) and ward::explain(decision,
/// snapshot). It names the row that decided and the ids it concerns. It allocates a std::string:
/// keep it off the decision path (logs, audit trails, a 403 body, tests). snapshot.hpp includes
/// this header, so every snapshot can explain.
///
/// \code
/// const auto d = snap.check(cred, perm_read_users, "org:acme");
/// log(snap.explain(d)); // "denied: missing read:users (no grant on the path to the target gives it) [policy v3]"
/// \endcode
#ifndef WARD_EXPLAIN_HPP
#define WARD_EXPLAIN_HPP

#include "decision.hpp"
#include "detail/handle.hpp"
#include "format.hpp"
#include "snapshot.hpp"

#include <cstdint>
#include <string>

namespace ward {

template <class P>
std::string snapshot<P>::explain(const decision<P>& d) const {
    auto describe = [&](std::uint32_t row) -> std::string {
        if (row == detail::none) return {};
        std::uint32_t principal = 0;
        if (const entry* e = find_row(row, principal)) {
            static constexpr const char* kinds[] = {"binding", "grant", "deny", "restriction"};
            return std::string(kinds[static_cast<std::uint32_t>(e->kind())]) + " row " + std::to_string(row) + " (" +
                   std::string(principal_id(principal_handle{principal})) + " at " +
                   std::string(scope_id(scope_handle{e->begin})) + ")";
        }
        for (const auto& [r, sc] : everyone_rows_)
            if (r == row)
                return "deny-for-everyone row " + std::to_string(row) + " (at " +
                       std::string(scope_id(scope_handle{sc})) + ")";
        return "row " + std::to_string(row);
    };
    const std::string missing = to_string(d.missing);
    std::string s;
    switch (d.why) {
    case reason::granted: s = "allowed: granted by " + describe(d.row); break;
    case reason::unauthenticated: s = "denied: the request carries no valid credential"; break;
    case reason::invalid_request:
        s = "denied: the check required no permission, and an empty requirement is always refused";
        break;
    case reason::unknown_principal: s = "denied: the credential's principal is not in this policy"; break;
    case reason::unknown_scope: s = "denied: the target scope is not in this policy"; break;
    case reason::outside_scope: s = "denied: the target is outside the scope the credential is bound to"; break;
    case reason::missing_permission:
        s = "denied: missing " + missing + " (no grant on the path to the target gives it)";
        break;
    case reason::explicitly_denied: s = "denied: " + missing + " explicitly denied by " + describe(d.row); break;
    case reason::not_in_token: s = "denied: the token was not issued " + missing; break;
    case reason::restricted_by_application: {
        s = "denied: " + missing + " not available through this application";
        for (std::uint32_t g = 0; g < pages_.size() && d.row != detail::none; ++g) {
            const page& pg = pages_[g];
            for (std::uint32_t p = 0; p < pg.count && !pg.restrict_first.empty(); ++p)
                for (std::uint32_t i = pg.restrict_first[p]; i < pg.restrict_first[p + 1]; ++i)
                    if (pg.restrictions[i].row == d.row)
                        s += " (restriction row " + std::to_string(d.row) + ": " +
                             std::string(principal_id(principal_handle{(g << page::bits) | p})) +
                             " acts here only through " +
                             std::string(scope_id(scope_handle{pg.restrictions[i].app_begin})) + ")";
        }
        break;
    }
    }
    return s + " [policy v" + std::to_string(d.version) + "]";
}

/// explain(decision, snapshot): the same as snapshot.explain(decision).
template <class P>
[[nodiscard]] std::string explain(const decision<P>& d, const snapshot<P>& s) {
    return s.explain(d);
}

} // namespace ward

#endif
