// SPDX-License-Identifier: MIT
/// \file ward/snapshot.hpp
/// ward::snapshot<P>: an immutable, compact policy that a builder (builder.hpp) produces. It
/// answers lookups, checks, batches of checks and reverse queries (effective_permissions,
/// principals_with, grantable) without allocating, turns token claims into credentials
/// (authenticate), and explains a decision in one sentence (explain.hpp, allocating).
///
/// \code
/// auto cred = ward::credential<perm>::of(snap.find_principal("user:alice"));
/// auto d = snap.check(cred, perm_read_users, snap.find_scope("org:acme"));
/// if (!d) return statuses(d);                      // a ward::status_table
/// \endcode
#ifndef WARD_SNAPSHOT_HPP
#define WARD_SNAPSHOT_HPP

#include "claims.hpp"
#include "config.hpp"
#include "credential.hpp"
#include "decision.hpp"
#include "detail/authenticate.hpp"
#include "detail/handle.hpp"
#include "detail/id_index.hpp"
#include "detail/pages.hpp"
#include "error.hpp"
#include "permission_set.hpp"
#include "query.hpp"
#include "scope.hpp"
#include "subject.hpp"
#include "view.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace ward {

namespace detail {

template <class P>
struct build_steps;
template <class P>
struct principal_steps;
template <class P>
struct derive_steps;

/// A scope kind that marks a removed scope (a hole in the numbering until a fresh builder).
inline constexpr std::uint8_t removed_scope_kind = 0xff;

} // namespace detail

/// An immutable, compact policy. Shared read-only by any number of threads; every query is
/// noexcept and allocation-free except explain().
template <class P>
class snapshot {
public:
    using set = permission_set<P>;

    /// The version the builder gave it (decisions carry it).
    std::uint64_t version() const noexcept { return version_; }
    std::size_t scope_count() const noexcept { return scope_end_.size(); }    ///< scopes (handles 0..n-1)
    std::size_t principal_count() const noexcept { return principal_count_; } ///< principals (handles 0..n-1)
    std::size_t role_count() const noexcept { return role_ids_.size(); }      ///< compile-time and run-time roles
    std::size_t entry_count() const noexcept { return entry_count_; }         ///< packed bindings, grants and denies

    // ---- lookups (no allocation) ---------------------------------------------------------------------
    /// The scope with this id; an invalid handle when there is none.
    scope_handle find_scope(std::string_view id) const noexcept {
        const std::uint32_t s = scope_ids_.find(id);
        return scope_handle{s != detail::none && scope_live(s) ? s : detail::none};
    }
    /// The principal with this id (a token's subject); an invalid handle when there is none.
    principal_handle find_principal(std::string_view id) const noexcept {
        const std::uint32_t p = principal_ids_.find(id);
        return principal_handle{p != detail::none && principal_live(p) ? p : detail::none};
    }
    /// The id of a scope or principal; empty for a handle this snapshot does not know.
    std::string_view scope_id(scope_handle s) const noexcept { return scope_ids_.at(s.value); }
    std::string_view principal_id(principal_handle p) const noexcept { return principal_ids_.at(p.value); }
    /// The schema kind of a scope ("organization"); empty for an unknown handle.
    std::string_view scope_kind(scope_handle s) const noexcept {
        return s.value < scope_count() ? schema_.name(scope_kind_[s.value]) : std::string_view{};
    }
    /// The kind of a principal (user for an unknown handle).
    principal_kind kind_of(principal_handle p) const noexcept {
        return p.value < principal_count() ? page_of(p.value).kind[p.value & page::mask] : principal_kind::user;
    }
    /// The scope above `s`; an invalid handle for a root or an unknown handle.
    scope_handle parent(scope_handle s) const noexcept {
        return s.value < scope_count() ? scope_handle{scope_parent_[s.value]} : scope_handle{};
    }
    /// Is `ancestor` the same scope as `s` or above it? O(1): two comparisons of numbers.
    bool encloses(scope_handle ancestor, scope_handle s) const noexcept {
        return ancestor.value < scope_count() && s.value < scope_count() && ancestor.value <= s.value &&
               s.value < scope_end_[ancestor.value];
    }
    /// A role's flattened permissions (compile-time and run-time roles). A role the snapshot does
    /// not define is errc::unknown_role with an empty value: check it before comparing what a
    /// role confers with what a caller holds (an empty set is within anything).
    [[nodiscard]] lookup_result<set> role_permissions(std::string_view role) const noexcept {
        const std::uint32_t r = role_ids_.find(role);
        if (r == detail::none || !role_defined_[r]) return {set{}, errc::unknown_role};
        return {role_masks_[r], errc::ok};
    }
    /// The roles `p` has at `target`, each once, without allocating: first the roles bound at
    /// `target` itself (bound_here), then those bound at its ancestors (bound_above, nearest scope
    /// first), then every parent role of those, transitively (inherited, via define_role's
    /// parents; `through` names the bound role). Roles of a compile-time table are imported
    /// flattened: their permissions are whole, their table parents are not listed. Bindings that
    /// a later `assign::replace` binding at the same scope dropped are not listed. Denies,
    /// ceilings and restrictions do not remove roles (ask effective_permissions for what may be
    /// done). Writes up to `capacity` entries to `out` and returns how many roles apply (which
    /// may exceed `capacity`); unknown handles answer unknown_principal or unknown_scope.
    [[nodiscard]] roles_result roles_at(principal_handle p, scope_handle target, role_membership* out,
                                        std::size_t capacity) const noexcept;
    /// roles_at() with the principal and the scope given by id (looked up without allocating).
    [[nodiscard]] roles_result roles_at(std::string_view principal, std::string_view target, role_membership* out,
                                        std::size_t capacity) const noexcept {
        return roles_at(find_principal(principal), find_scope(target), out, capacity);
    }

    // ---- credentials -----------------------------------------------------------------------------------
    /// Turns verified token claims into a credential. Fails closed: any malformed claim yields an
    /// unauthenticated credential and says which claim and where. A subject that is well formed
    /// but not in the snapshot (or of another kind) gives a credential whose checks answer
    /// unknown_principal.
    [[nodiscard]] credential_result<P> authenticate(const token_claims& c) const noexcept {
        return detail::authenticate(*this, c);
    }

    // ---- decisions -------------------------------------------------------------------------------------
    /// May `cred` use every permission of `required` at `target`? Never allocates.
    [[nodiscard]] decision<P> check(const credential<P>& cred, const set& required, scope_handle target) const noexcept;
    /// check() with the target scope given by id (looked up without allocating).
    [[nodiscard]] decision<P> check(const credential<P>& cred, const set& required,
                                    std::string_view target) const noexcept {
        return check(cred, required, find_scope(target));
    }
    /// Many requests of one credential in one call; out must hold requests.size() decisions.
    void check(const credential<P>& cred, view<request<P>> requests, decision<P>* out) const noexcept {
        for (std::size_t i = 0; i < requests.size(); ++i)
            out[i] = decide_one(cred, requests[i].required, requests[i].target);
    }

    /// Many independent requests (each with its own credential: list filtering across users, a
    /// queue of authorization calls) in throughput mode: while one request is decided, the
    /// records of the requests a few places ahead are fetched, so their cache misses overlap
    /// instead of following each other. The same decisions as check() one by one; out must hold
    /// requests.size() decisions.
    void check(view<batch_request<P>> requests, decision<P>* out) const noexcept;

    // ---- reverse queries -------------------------------------------------------------------------------
    /// Everything `cred` may do at `target` (after denies, ceilings and restrictions); format it
    /// with ward::format_to or ward::to_string for `GET /user/me`.
    [[nodiscard]] effective_result<P> effective_permissions(const credential<P>& cred,
                                                            scope_handle target) const noexcept;
    /// effective_permissions() with the target scope given by id (looked up without allocating).
    /// An id the snapshot does not know answers unknown_scope with no permissions (after the
    /// credential's own checks: unauthenticated and unknown_principal come first).
    [[nodiscard]] effective_result<P> effective_permissions(const credential<P>& cred,
                                                            std::string_view target) const noexcept {
        return effective_permissions(cred, find_scope(target));
    }
    /// Auth0's rule for a token's scope: the requested permissions intersected with those the
    /// principal holds at `target`.
    [[nodiscard]] set grantable(principal_handle p, scope_handle target, const set& requested) const noexcept {
        return effective_permissions(credential<P>::of(p), target).permissions & requested;
    }
    /// The principals the policy lets use every permission of `required` at `target` (before
    /// token ceilings and application restrictions). Writes up to `capacity` handles to `out` in
    /// handle order and returns how many principals qualify (which may exceed `capacity`).
    [[nodiscard]] std::size_t principals_with(const set& required, scope_handle target, principal_handle* out,
                                              std::size_t capacity) const noexcept;

    // ---- explanation -------------------------------------------------------------------------------------
    /// One human sentence for a decision of this snapshot (allocates; keep it off hot paths).
    /// Defined in explain.hpp, which this header includes.
    [[nodiscard]] std::string explain(const decision<P>& d) const;

    /// Bytes held by this snapshot's tables (capacity, not counting the object itself), shared
    /// with other snapshots or not.
    std::size_t memory_bytes() const noexcept { return table_bytes(nullptr); }
    /// The bytes of this snapshot's tables that `other` does not share with it: what a snapshot
    /// derived from `other` by policy_writer costs on top of it.
    std::size_t unshared_bytes(const snapshot& other) const noexcept { return table_bytes(&other); }
    /// Bytes of the id strings alone.
    std::size_t id_bytes() const noexcept {
        return scope_ids_.arena_bytes() + principal_ids_.arena_bytes() + role_ids_.arena_bytes();
    }

private:
    friend struct detail::build_steps<P>;
    friend struct detail::principal_steps<P>;
    friend struct detail::derive_steps<P>;

    // Vocabularies of at most 64 permissions keep each mask inside its entry (no extra load on
    // the decision path); wider ones point into a deduplicated pool.
    static constexpr bool inline_masks = set::word_count == 1;
    using mask_ref = std::conditional_t<inline_masks, std::uint64_t, std::uint32_t>;
    using entry = detail::packed_entry<mask_ref>;
    using page = detail::principal_page<mask_ref, principal_kind>;
    std::conditional_t<inline_masks, set, const set&> mask_of(const entry& e) const noexcept {
        if constexpr (inline_masks) return set::from_words(typename set::word_array{e.mask});
        else return masks_[e.mask];
    }
    const page& page_of(std::uint32_t p) const noexcept { return pages_[p >> page::bits]; }
    bool principal_live(std::uint32_t p) const noexcept {
        return p < principal_count_ && page_of(p).live[p & page::mask];
    }
    bool scope_live(std::uint32_t s) const noexcept {
        return s < scope_kind_.size() && scope_kind_[s] != detail::removed_scope_kind;
    }
    template <class T>
    static std::size_t unshared(const T& mine, const snapshot* other, const T& theirs) noexcept {
        return other == nullptr ? mine.memory_bytes() : mine.unshared_bytes(theirs);
    }
    std::size_t table_bytes(const snapshot* o) const noexcept {
        if (o == this) return 0;
        const snapshot& t = o != nullptr ? *o : *this;
        return unshared(scope_ids_, o, t.scope_ids_) + unshared(principal_ids_, o, t.principal_ids_) +
               unshared(role_ids_, o, t.role_ids_) + unshared(scope_end_, o, t.scope_end_) +
               unshared(scope_parent_, o, t.scope_parent_) + unshared(scope_kind_, o, t.scope_kind_) +
               unshared(deny_all_, o, t.deny_all_) + unshared(everyone_first_, o, t.everyone_first_) +
               unshared(everyone_, o, t.everyone_) + unshared(everyone_rows_, o, t.everyone_rows_) +
               unshared(pages_, o, t.pages_) + unshared(masks_, o, t.masks_) + unshared(role_masks_, o, t.role_masks_) +
               unshared(role_defined_, o, t.role_defined_) + unshared(scope_number_, o, t.scope_number_) +
               unshared(role_ancestor_first_, o, t.role_ancestor_first_) +
               unshared(role_ancestors_, o, t.role_ancestors_);
    }

    struct path_result {
        set granted{};
        set denied{};
        std::uint32_t grant_rule = detail::none;
        std::uint32_t deny_rule = detail::none;
    };
    WARD_ALWAYS_INLINE path_result walk(std::uint32_t p, std::uint32_t t, const set& required) const noexcept {
        path_result r;
        const auto& pg = pages_.at(p >> page::bits); // heads and entries, not the page itself
        const typename page::head& h = pg.heads[p & page::mask];
        const auto visit = [&](const entry& e) noexcept {
            const auto& m = mask_of(e);
            if (e.kind() == detail::entry_kind::deny) {
                r.denied |= m;
                if (r.deny_rule == detail::none && m.contains_any(required)) r.deny_rule = e.row();
            } else {
                r.granted |= m;
                if (r.grant_rule == detail::none && m.contains_any(required)) r.grant_rule = e.row();
            }
        };
        // Entries are sorted by scope: the first one (in the head) begins at or before every other.
        if (h.first.begin <= t) { // an empty head begins at none: never
            if (t < h.first.end) visit(h.first);
            const entry* const last = pg.entries + h.end;
            for (const entry* e = pg.entries + h.rest; e != last && e->begin <= t; ++e)
                if (t < e->end) visit(*e);
        }
        if (!deny_all_.empty() && deny_all_[t] != detail::none) {
            const set& m = masks_[deny_all_[t]];
            r.denied |= m;
            if (r.deny_rule == detail::none && m.contains_any(required)) r.deny_rule = everyone_rule(t, required);
        }
        return r;
    }
    /// The nearest deny-for-everyone row on the path to t that covers part of `required`.
    std::uint32_t everyone_rule(std::uint32_t t, const set& required) const noexcept {
        for (std::uint32_t k = t; k != detail::none; k = scope_parent_[k])
            for (std::uint32_t i = everyone_first_[k]; i < everyone_first_[k + 1]; ++i)
                if (masks_[everyone_[i].second].contains_any(required)) return everyone_[i].first;
        return detail::none;
    }
    /// The token's cap at target t (ceiling and extended entries); every permission when uncapped.
    set token_cap(const credential<P>& c, std::uint32_t t) const noexcept {
        set cap = c.has_ceiling() ? c.ceiling() : set::all();
        if (c.has_extended()) {
            std::uint32_t best = detail::none;
            std::size_t best_i = 0;
            for (std::size_t i = 0; i < c.extended_count(); ++i) {
                const std::uint32_t s = c.extended(i).scope.value;
                if (encloses(scope_handle{s}, scope_handle{t}) && (best == detail::none || s > best)) {
                    best = s;
                    best_i = i;
                }
            }
            if (best != detail::none) cap &= c.extended(best_i).ceiling;
            else if (c.has_wildcard()) cap &= c.wildcard();
            else cap = set{};
        }
        return cap;
    }
    /// The application restriction's cap at target t (every permission when none governs t).
    /// `rule` is the restriction row that matched the application in use (or the first that governs t).
    set restriction_cap(const credential<P>& c, std::uint32_t p, std::uint32_t t, std::uint32_t& rule) const noexcept {
        bool restricted = false;
        rule = detail::none;
        if (!any_restriction_) return set::all(); // the policy restricts nobody
        const page& pg = page_of(p);
        if (pg.restrict_first.empty()) return set::all(); // nobody on p's page is restricted
        set cap{};
        const bool via = c.has_via() && c.via().valid();
        const std::uint32_t v = c.via().value;
        const std::uint32_t at = p & page::mask;
        for (std::uint32_t i = pg.restrict_first[at]; i < pg.restrict_first[at + 1]; ++i) {
            const detail::restriction& r = pg.restrictions[i];
            if (t < r.within_begin || t >= r.within_end) continue;
            if (!restricted) rule = r.row;
            restricted = true;
            if (via && r.app_begin <= v && v < r.app_end) {
                if (cap.none()) rule = r.row;
                cap |= masks_[r.mask];
            }
        }
        return restricted ? cap : set::all();
    }
    /// Common preconditions; returns granted when the request may be evaluated.
    reason admit(const credential<P>& cred, scope_handle target) const noexcept {
        if (!cred.authenticated()) return reason::unauthenticated;
        // The principal first: a caller the policy does not know must not learn which scopes exist.
        if (cred.principal().value >= principal_count()) return reason::unknown_principal;
        if (principal_holes_ && !principal_live(cred.principal().value)) return reason::unknown_principal;
        if (target.value >= scope_count()) return reason::unknown_scope;
        if (scope_holes_ && !scope_live(target.value)) return reason::unknown_scope;
        if (cred.bound_count() != 0) {
            bool inside = false;
            for (std::size_t i = 0; i < cred.bound_count() && !inside; ++i) inside = encloses(cred.bound(i), target);
            if (!inside) return reason::outside_scope;
        }
        return reason::granted;
    }
    /// One request of a batch: check() kept out of line, so that the batch loop stays small (with
    /// check() inlined into it, batches measured 5-15 % slower, and batch/100 1.6x).
    WARD_NOINLINE decision<P> decide_one(const batch_request<P>& r) const noexcept {
        return r.who != nullptr ? check(*r.who, r.required, r.target) : check(credential<P>{}, r.required, r.target);
    }
    WARD_NOINLINE decision<P> decide_one(const credential<P>& c, const set& required, scope_handle t) const noexcept {
        return check(c, required, t);
    }
    const entry* find_row(std::uint32_t row, std::uint32_t& principal) const noexcept {
        for (std::uint32_t g = 0; g < pages_.size(); ++g) {
            const page& pg = pages_[g];
            for (std::uint32_t i = 0; i < pg.count; ++i) {
                const entry* found = nullptr;
                pg.each_entry(i, [&](const entry& e) {
                    if (e.row() == row) found = &e;
                    return found == nullptr;
                });
                if (found != nullptr) {
                    principal = (g << page::bits) | i;
                    return found;
                }
            }
        }
        return nullptr;
    }

    std::uint64_t version_ = 0;
    scope_schema schema_;
    detail::shared_ids scope_ids_, principal_ids_, role_ids_;
    detail::shared_vec<std::uint32_t> scope_end_, scope_parent_;
    detail::shared_vec<std::uint8_t> scope_kind_;      ///< detail::removed_scope_kind for a removed scope
    detail::shared_vec<std::uint32_t> deny_all_;       ///< per scope: mask of everyone-denies on its path
    detail::shared_vec<std::uint32_t> everyone_first_; ///< per scope: its own everyone-deny rows in everyone_
    detail::shared_vec<std::pair<std::uint32_t, std::uint32_t>> everyone_;      ///< (row, mask)
    detail::shared_vec<std::pair<std::uint32_t, std::uint32_t>> everyone_rows_; ///< (row, scope) of deny_everyone rows
    // Each principal's entries, restrictions, bindings (roles_at), kind and whether it is defined.
    detail::page_table<page> pages_;
    std::size_t principal_count_ = 0;
    std::size_t entry_count_ = 0;
    bool any_restriction_ = false;
    bool principal_holes_ = false;                   ///< a principal was removed (its handle is not live)
    bool scope_holes_ = false;                       ///< a scope was removed
    detail::shared_vec<std::uint32_t> scope_number_; ///< the builder's scope index -> its number
    detail::shared_vec<set> masks_;
    detail::shared_vec<set> role_masks_;
    detail::shared_vec<std::uint8_t> role_defined_; ///< 0 for a removed role
    // roles_at: each role's parents, transitively, nearest first.
    detail::shared_vec<std::uint32_t> role_ancestor_first_;
    detail::shared_vec<std::uint32_t> role_ancestors_;

    /// Calls f(role, origin, scope number, through role or detail::none) for each role of p at t in
    /// roles_at's order, duplicates included, until f returns false.
    template <class F>
    void each_role_at(std::uint32_t p, std::uint32_t t, F&& f) const noexcept {
        const page& pg = page_of(p);
        if (pg.member_first.empty()) return;
        const std::uint32_t at = p & page::mask;
        const std::uint32_t first = pg.member_first[at], last = pg.member_first[at + 1];
        for (std::uint32_t i = last; i-- > first;) {
            const detail::membership& m = pg.members[i];
            if (t < m.begin || t >= m.end) continue;
            const role_origin o = m.begin == t ? role_origin::bound_here : role_origin::bound_above;
            for (std::uint32_t k = m.roles_begin; k < m.roles_end; ++k)
                if (!f(pg.member_roles[k], o, m.begin, detail::none)) return;
        }
        for (std::uint32_t i = last; i-- > first;) {
            const detail::membership& m = pg.members[i];
            if (t < m.begin || t >= m.end) continue;
            for (std::uint32_t k = m.roles_begin; k < m.roles_end; ++k) {
                const std::uint32_t r = pg.member_roles[k];
                for (std::uint32_t a = role_ancestor_first_[r]; a < role_ancestor_first_[r + 1]; ++a)
                    if (!f(role_ancestors_[a], role_origin::inherited, m.begin, r)) return;
            }
        }
    }
};
// ---- decisions and reverse queries -------------------------------------------------------------------

template <class P>
WARD_DECISION_INLINE decision<P> snapshot<P>::check(const credential<P>& cred, const set& required,
                                                    scope_handle target) const noexcept {
    decision<P> d;
    d.version = version_;
    d.missing = required;
    if (!cred.authenticated()) {
        d.why = reason::unauthenticated;
        return d;
    }
    if (required.none()) {
        d.why = reason::invalid_request;
        return d;
    }
    d.why = admit(cred, target);
    if (d.why != reason::granted) return d;

    const std::uint32_t p = cred.principal().value, t = target.value;
    const path_result path = walk(p, t, required);
    const set held = path.granted - path.denied;
    std::uint32_t restriction_rule = detail::none;
    const set token = cred.has_ceiling() || cred.has_extended() ? token_cap(cred, t) : set::all();
    const set app = restriction_cap(cred, p, t, restriction_rule);
    const set effective = held & token & app;

    d.missing = required - effective;
    if (d.missing.none()) {
        d.allowed = true;
        d.why = reason::granted;
        d.row = path.grant_rule;
        return d;
    }
    if ((d.missing & path.denied).any()) {
        d.why = reason::explicitly_denied;
        d.row = path.deny_rule;
    } else if (!held.contains_all(required)) {
        d.why = reason::missing_permission;
    } else if (!token.contains_all(required)) {
        d.why = reason::not_in_token;
    } else {
        d.why = reason::restricted_by_application;
        d.row = restriction_rule;
    }
    return d;
}

template <class P>
void snapshot<P>::check(view<batch_request<P>> requests, decision<P>* out) const noexcept {
    // Two stages ahead of the request decided: the head of request i + far (its first entry and
    // where the others are), then the other entries of request i + near (whose head was fetched
    // far - near requests ago), only when it has more than one.
    constexpr std::size_t far = 16, near = 6;
    const std::size_t n = requests.size();
    auto principal_of = [&](std::size_t i) noexcept -> std::uint32_t {
        const credential<P>* c = requests[i].who;
        return c != nullptr && c->principal().value < principal_count_ ? c->principal().value : detail::none;
    };
    // The prefetches stay in this function's body: g++ finds a lambda whose only effect is a
    // prefetch free of side effects and drops its calls.
    auto head_of = [&](std::size_t i) noexcept -> const typename page::head* {
        const std::uint32_t p = principal_of(i);
        return p == detail::none ? nullptr : pages_.at(p >> page::bits).heads + (p & page::mask);
    };
    auto rest_of = [&](std::size_t i) noexcept -> const entry* { // nullptr: none beyond the head
        const std::uint32_t p = principal_of(i);
        if (p == detail::none) return nullptr;
        const auto& pg = pages_.at(p >> page::bits);
        const typename page::head& h = pg.heads[p & page::mask];
        return h.rest != h.end ? pg.entries + h.rest : nullptr;
    };
    // Heads of up to 8,192 principals (256 KB) stay cached: prefetching them only costs time.
    if (principal_count_ <= 8192) {
        for (std::size_t i = 0; i < n; ++i) {
            const batch_request<P>& r = requests[i];
            out[i] = decide_one(r);
        }
        return;
    }
    for (std::size_t i = 0; i < n && i < far; ++i)
        if (const auto* h = head_of(i)) WARD_PREFETCH(h);
    for (std::size_t i = 0; i < n && i < near; ++i)
        if (const entry* e = rest_of(i)) WARD_PREFETCH(e);
    for (std::size_t i = 0; i < n; ++i) {
        if (i + far < n)
            if (const auto* h = head_of(i + far)) WARD_PREFETCH(h);
        if (i + near < n)
            if (const entry* e = rest_of(i + near)) WARD_PREFETCH(e);
        const batch_request<P>& r = requests[i];
        out[i] = decide_one(r);
    }
}

template <class P>
effective_result<P> snapshot<P>::effective_permissions(const credential<P>& cred, scope_handle target) const noexcept {
    effective_result<P> r;
    r.why = admit(cred, target);
    if (r.why != reason::granted) return r;
    const std::uint32_t p = cred.principal().value, t = target.value;
    const path_result path = walk(p, t, set{});
    std::uint32_t rule = detail::none;
    r.permissions = (path.granted - path.denied) & token_cap(cred, t) & restriction_cap(cred, p, t, rule);
    return r;
}

template <class P>
roles_result snapshot<P>::roles_at(principal_handle p, scope_handle target, role_membership* out,
                                   std::size_t capacity) const noexcept {
    roles_result r;
    if (!principal_live(p.value)) return r;
    r.why = reason::unknown_scope;
    if (!scope_live(target.value)) return r;
    r.why = reason::granted;
    std::size_t k = 0; // the candidate's place in each_role_at's sequence
    each_role_at(p.value, target.value,
                 [&](std::uint32_t role, role_origin o, std::uint32_t at, std::uint32_t through) noexcept {
                     // Each role once, where it first appears: look for it earlier in the sequence.
                     bool seen = false;
                     std::size_t j = 0;
                     each_role_at(p.value, target.value,
                                  [&](std::uint32_t earlier, role_origin, std::uint32_t, std::uint32_t) noexcept {
                                      if (j++ == k) return false;
                                      seen = earlier == role;
                                      return !seen;
                                  });
                     ++k;
                     if (seen) return true;
                     if (out != nullptr && r.count < capacity)
                         out[r.count] = {role_ids_.at(role), o, scope_handle{at},
                                         through == detail::none ? std::string_view{} : role_ids_.at(through)};
                     ++r.count;
                     return true;
                 });
    return r;
}

template <class P>
std::size_t snapshot<P>::principals_with(const set& required, scope_handle target, principal_handle* out,
                                         std::size_t capacity) const noexcept {
    if (target.value >= scope_count() || required.none()) return 0;
    std::size_t n = 0;
    if (scope_holes_ && !scope_live(target.value)) return 0;
    for (std::uint32_t p = 0; p < principal_count(); ++p) {
        const page& pg = page_of(p);
        if (pg.heads[p & page::mask].empty()) continue;
        const path_result path = walk(p, target.value, required);
        if ((path.granted - path.denied).contains_all(required)) {
            if (n < capacity && out != nullptr) out[n] = principal_handle{p};
            ++n;
        }
    }
    return n;
}

} // namespace ward

// snapshot::explain, off the decision path.
#include "explain.hpp"

#endif
