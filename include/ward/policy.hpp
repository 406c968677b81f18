// SPDX-License-Identifier: MIT
/// \file ward/policy.hpp
/// Policies: a builder that takes rows as a service keeps them in its database, validates every
/// row, and builds an immutable snapshot that answers checks in nanoseconds without allocating.
///
/// \code
/// ward::policy_builder<perm> b;
/// b.add_scope("platform", "platform");
/// b.add_scope("org:acme", "organization", "platform");
/// b.add_principal("user:alice", ward::principal_kind::user);
/// b.add_roles(ladder);                              // a compile-time role table
/// b.bind("user:alice", "org:acme", {"viewer"});
/// auto built = b.build();                           // build_result: a snapshot or a row error
/// const auto& snap = *built.snapshot;
/// auto cred = ward::credential<perm>::of(snap.find_principal("user:alice"));
/// auto d = snap.check(cred, perm_read_users, snap.find_scope("org:acme"));
/// \endcode
#ifndef WARD_POLICY_HPP
#define WARD_POLICY_HPP

#include "config.hpp"
#include "credential.hpp"
#include "decision.hpp"
#include "detail/id_index.hpp"
#include "error.hpp"
#include "parse.hpp"
#include "permission_set.hpp"
#include "role.hpp"
#include "scope.hpp"

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace ward {

/// How bind() treats the roles a principal already has in that scope (Bluebricks' `add`).
enum class assign : unsigned char {
    add,     ///< add to the roles already bound there
    replace, ///< replace every role bound there by earlier rows
};

/// The kind of row a builder call adds; errors name it.
enum class row_kind : unsigned char { scope, principal, role, role_table, binding, grant, deny, deny_everyone, restriction };

constexpr std::string_view to_string(row_kind k) noexcept {
    switch (k) {
    case row_kind::scope: return "scope";
    case row_kind::principal: return "principal";
    case row_kind::role: return "role";
    case row_kind::role_table: return "role table";
    case row_kind::binding: return "binding";
    case row_kind::grant: return "grant";
    case row_kind::deny: return "deny";
    case row_kind::deny_everyone: return "deny for everyone";
    case row_kind::restriction: return "restriction";
    }
    return "row";
}

/// Why a policy did not build: the first bad row, by number (the order of the builder calls,
/// from 0), its kind, the offending id and the error code.
struct build_error {
    errc code = errc::ok;
    row_kind kind = row_kind::scope;
    std::size_t row = 0;
    std::string id; ///< the id that is unknown, duplicated or malformed

    bool ok() const noexcept { return code == errc::ok; }
    /// "row 7 (binding): unknown role 'rol_x'".
    std::string message() const {
        if (ok()) return "ok";
        std::string m = "row " + std::to_string(row) + " (" + std::string(to_string(kind)) + "): " +
                        std::string(to_string(code));
        if (!id.empty()) m += " '" + id + "'";
        return m;
    }
};

template <class P>
class snapshot;

/// What build() returns: the snapshot, or the error that prevented it.
template <class P>
struct build_result {
    std::shared_ptr<const ward::snapshot<P>> snapshot;
    build_error error;
    explicit operator bool() const noexcept { return snapshot != nullptr; }
};

/// One request of a batch check.
template <class P>
struct request {
    permission_set<P> required;
    scope_handle target;
};

/// The answer of a reverse query: what a credential may do at a scope.
template <class P>
struct effective_result {
    permission_set<P> permissions{};
    reason why = reason::unauthenticated; ///< granted when the query could be answered
};

namespace detail {

enum class entry_kind : std::uint32_t { binding = 0, grant = 1, deny = 2, restriction = 3 };

/// Sorts [first, last) by `less`: insertion sort for short ranges, heapsort otherwise (no
/// recursion, O(n log n), no <algorithm> in the include graph).
template <class It, class Less>
void sort(It first, It last, Less less) {
    using diff = std::remove_const_t<decltype(last - first)>;
    const diff n = last - first;
    if (n < 2) return;
    if (n <= 16) {
        for (It i = first + 1; i != last; ++i)
            for (It j = i; j != first && less(*j, *(j - 1)); --j) {
                auto t = *j;
                *j = *(j - 1);
                *(j - 1) = t;
            }
        return;
    }
    auto sift = [&](diff root, diff size) {
        for (;;) {
            auto child = 2 * root + 1;
            if (child >= size) return;
            if (child + 1 < size && less(first[child], first[child + 1])) ++child;
            if (!less(first[root], first[child])) return;
            auto t = first[root];
            first[root] = first[child];
            first[child] = t;
            root = child;
        }
    };
    for (auto i = n / 2; i-- > 0;) sift(i, n);
    for (auto end = n - 1; end > 0; --end) {
        auto t = first[0];
        first[0] = first[end];
        first[end] = t;
        sift(0, end);
    }
}

constexpr std::uint32_t none32 = std::numeric_limits<std::uint32_t>::max();

/// An application restriction of a principal: governs targets in [within_begin, within_end); there
/// the principal acts only through an application in [app_begin, app_end), capped by `mask`.
struct restriction {
    std::uint32_t within_begin, within_end;
    std::uint32_t app_begin, app_end;
    std::uint32_t mask;
    std::uint32_t row;
};
constexpr std::uint32_t max_rows = 0x3fffffffu;

inline bool valid_id(std::string_view s) noexcept {
    if (s.empty() || s.size() > WARD_MAX_ID_LENGTH) return false;
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x21 || u > 0x7e) return false;
    }
    return true;
}

} // namespace detail

/// Collects a policy's rows, validates them and builds a snapshot. Building allocates; the
/// snapshot it yields never does when deciding. Rows may come in any order (a binding may name a
/// scope defined later); validation happens in build().
template <class P>
class policy_builder {
public:
    using set = permission_set<P>;

    explicit policy_builder(scope_schema schema = scope_schema::standard(), std::uint64_t version = 1)
        : schema_(schema), version_(version) {}

    void set_version(std::uint64_t v) noexcept { version_ = v; }
    std::uint64_t version() const noexcept { return version_; }
    std::size_t row_count() const noexcept { return rows_; }

    /// Reserve space for about this many rows of each kind (optional; speeds up large builds).
    void reserve(std::size_t scopes, std::size_t principals, std::size_t bindings) {
        scope_ids_.reserve(scopes, scopes * 16);
        scope_defs_.reserve(scopes);
        principal_ids_.reserve(principals, principals * 16);
        principal_defs_.reserve(principals);
        bindings_.reserve(bindings);
        binding_roles_.reserve(bindings);
    }

    /// A scope of kind `kind` (a kind of the schema) under `parent` ("" for a root).
    std::size_t add_scope(std::string_view id, std::string_view kind, std::string_view parent = {}) {
        const std::size_t row = next_row(row_kind::scope);
        const std::uint32_t s = intern_scope(id, row, row_kind::scope);
        if (s == detail::none32) return row;
        auto& d = scope_defs_[s];
        if (d.defined) return fail(errc::duplicate_id, row_kind::scope, row, id), row;
        d.defined = true;
        d.row = static_cast<std::uint32_t>(row);
        const std::size_t k = schema_.find(kind);
        if (k == scope_schema::npos) return fail(errc::unknown_kind, row_kind::scope, row, kind), row;
        d.kind = static_cast<std::uint32_t>(k);
        if (!parent.empty()) {
            const std::uint32_t p = intern_scope(parent, row, row_kind::scope);
            scope_defs_[s].parent = p; // intern may have grown the vector
        }
        return row;
    }

    /// A principal: a user, application, organization, API credential, ... Its id is the subject
    /// its tokens carry ("user:...", "application:...", "auth0|...").
    std::size_t add_principal(std::string_view id, principal_kind kind = principal_kind::user) {
        const std::size_t row = next_row(row_kind::principal);
        const std::uint32_t p = intern_principal(id, row, row_kind::principal);
        if (p == detail::none32) return row;
        auto& d = principal_defs_[p];
        if (d.defined) return fail(errc::duplicate_id, row_kind::principal, row, id), row;
        d.defined = true;
        d.kind = kind;
        d.row = static_cast<std::uint32_t>(row);
        return row;
    }

    /// Every role of a compile-time table, by name, already flattened.
    template <std::size_t N>
    std::size_t add_roles(const role_table<P, N>& table) {
        const std::size_t row = next_row(row_kind::role_table);
        if (!table.valid()) return fail(errc::invalid_role_table, row_kind::role_table, row, {}), row;
        for (std::size_t i = 0; i < N; ++i) add_role_def(table.name(i), table.permissions(i), {}, row, row_kind::role_table);
        return row;
    }

    /// A run-time role (a custom role created through an API, "rol_..."), inheriting `parents`
    /// (compile-time or run-time roles, defined before or after).
    std::size_t define_role(std::string_view id, const set& permissions, view<std::string_view> parents = {}) {
        const std::size_t row = next_row(row_kind::role);
        add_role_def(id, permissions, parents, row, row_kind::role);
        return row;
    }
    /// define_role with the permissions as a scope string ("read:users update:users"); an unknown
    /// name is an error of this row.
    std::size_t define_role(std::string_view id, std::string_view permission_names, view<std::string_view> parents = {}) {
        const std::size_t row = next_row(row_kind::role);
        const auto r = parse_scope<P>(permission_names);
        if (!r) return fail(r.ec, row_kind::role, row, id), row;
        add_role_def(id, r.value, parents, row, row_kind::role);
        return row;
    }

    /// Binds roles to a principal in a scope (a membership). `replace` drops the roles earlier rows
    /// bound to the same principal in the same scope.
    std::size_t bind(std::string_view principal, std::string_view scope, view<std::string_view> roles,
                     assign mode = assign::add) {
        const std::size_t row = next_row(row_kind::binding);
        binding b;
        b.row = static_cast<std::uint32_t>(row);
        b.replace = mode == assign::replace;
        b.principal = intern_principal(principal, row, row_kind::binding);
        b.scope = intern_scope(scope, row, row_kind::binding);
        b.roles_begin = static_cast<std::uint32_t>(binding_roles_.size());
        for (std::string_view r : roles) binding_roles_.push_back(intern_role(r, row, row_kind::binding));
        b.roles_end = static_cast<std::uint32_t>(binding_roles_.size());
        bindings_.push_back(b);
        return row;
    }
    std::size_t bind(std::string_view principal, std::string_view scope, std::initializer_list<std::string_view> roles,
                     assign mode = assign::add) {
        return bind(principal, scope, view<std::string_view>(roles), mode);
    }

    /// Grants permissions directly to a principal at a scope (and everything below it).
    std::size_t grant(std::string_view principal, std::string_view scope, const set& permissions) {
        return add_perm_row(row_kind::grant, principal, scope, permissions);
    }
    std::size_t grant(std::string_view principal, std::string_view scope, std::string_view permission_names) {
        return add_perm_row(row_kind::grant, principal, scope, permission_names);
    }
    /// Explicitly denies permissions to a principal at a scope and below. A deny on the path to a
    /// target wins over every grant, whatever the order of the rows.
    std::size_t deny(std::string_view principal, std::string_view scope, const set& permissions) {
        return add_perm_row(row_kind::deny, principal, scope, permissions);
    }
    std::size_t deny(std::string_view principal, std::string_view scope, std::string_view permission_names) {
        return add_perm_row(row_kind::deny, principal, scope, permission_names);
    }
    /// Denies permissions to every principal at a scope and below.
    std::size_t deny_everyone(std::string_view scope, const set& permissions) {
        return add_perm_row(row_kind::deny_everyone, {}, scope, permissions);
    }
    /// Restricts a principal to an application: through that application it may use at most `cap`
    /// (Commerce Layer's application memberships: role permissions intersected with the
    /// application's set). A restriction governs targets inside `within` (by default the
    /// application's parent scope, its organization): there the principal may act only through
    /// one of the applications it is restricted to. Elsewhere (another organization where its
    /// membership is not restricted) the restriction does not apply.
    std::size_t restrict_to(std::string_view principal, std::string_view application, const set& cap,
                            std::string_view within = {}) {
        const std::size_t row = add_perm_row(row_kind::restriction, principal, application, cap);
        perm_rows_.back().within = within.empty() ? detail::none32 : intern_scope(within, row, row_kind::restriction);
        return row;
    }

    /// Validates every row and builds the snapshot, or reports the first bad row.
    build_result<P> build() const;

private:
    struct scope_def {
        std::uint32_t kind = detail::none32;
        std::uint32_t parent = detail::none32;
        std::uint32_t row = 0;
        std::uint32_t first_ref = 0;
        row_kind ref_kind = row_kind::scope;
        bool defined = false;
    };
    struct principal_def {
        principal_kind kind = principal_kind::user;
        std::uint32_t row = 0;
        std::uint32_t first_ref = 0;
        row_kind ref_kind = row_kind::principal;
        bool defined = false;
    };
    struct role_def_rt {
        set permissions{};
        std::uint32_t parents_begin = 0, parents_end = 0;
        std::uint32_t row = 0;
        std::uint32_t first_ref = 0;
        row_kind ref_kind = row_kind::role;
        row_kind def_kind = row_kind::role;
        bool defined = false;
    };
    struct binding {
        std::uint32_t principal, scope, roles_begin, roles_end, row;
        bool replace;
    };
    struct perm_row {
        row_kind kind;
        std::uint32_t principal, scope, row;
        set permissions;
        std::uint32_t within = detail::none32; ///< restrictions: the scope whose subtree they govern
    };

    std::size_t next_row(row_kind k) {
        const std::size_t r = rows_++;
        if (r >= detail::max_rows) fail(errc::too_many, k, r, {});
        return r;
    }
    void fail(errc e, row_kind k, std::size_t row, std::string_view id) {
        if (!error_.ok()) return;
        error_.code = e;
        error_.kind = k;
        error_.row = row;
        error_.id = std::string(id);
    }
    template <class Def>
    std::uint32_t intern(detail::id_index& ids, std::vector<Def>& defs, std::string_view id, std::size_t row, row_kind k) {
        if (!detail::valid_id(id)) {
            fail(errc::invalid_id, k, row, id);
            return detail::none32;
        }
        const auto [i, added] = ids.insert(id);
        if (added) {
            defs.emplace_back();
            defs.back().first_ref = static_cast<std::uint32_t>(row);
            defs.back().ref_kind = k;
        }
        return i;
    }
    std::uint32_t intern_scope(std::string_view id, std::size_t row, row_kind k) { return intern(scope_ids_, scope_defs_, id, row, k); }
    std::uint32_t intern_principal(std::string_view id, std::size_t row, row_kind k) {
        return intern(principal_ids_, principal_defs_, id, row, k);
    }
    std::uint32_t intern_role(std::string_view id, std::size_t row, row_kind k) { return intern(role_ids_, role_defs_, id, row, k); }

    void add_role_def(std::string_view id, const set& permissions, view<std::string_view> parents, std::size_t row, row_kind k) {
        const std::uint32_t r = intern_role(id, row, k);
        if (r == detail::none32) return;
        if (role_defs_[r].defined) return fail(errc::duplicate_id, k, row, id);
        const auto pb = static_cast<std::uint32_t>(role_parents_.size());
        for (std::string_view p : parents) role_parents_.push_back(intern_role(p, row, k));
        auto& d = role_defs_[r];
        d.defined = true;
        d.permissions = permissions.implied();
        d.parents_begin = pb;
        d.parents_end = static_cast<std::uint32_t>(role_parents_.size());
        d.row = static_cast<std::uint32_t>(row);
        d.def_kind = k;
    }
    std::size_t add_perm_row(row_kind k, std::string_view principal, std::string_view scope, const set& permissions) {
        const std::size_t row = next_row(k);
        perm_row r{k, detail::none32, detail::none32, static_cast<std::uint32_t>(row), permissions, detail::none32};
        if (k != row_kind::deny_everyone) r.principal = intern_principal(principal, row, k);
        r.scope = intern_scope(scope, row, k);
        perm_rows_.push_back(r);
        return row;
    }
    std::size_t add_perm_row(row_kind k, std::string_view principal, std::string_view scope, std::string_view names) {
        const auto parsed = parse_scope<P>(names);
        if (!parsed) {
            const std::size_t row = next_row(k);
            return fail(parsed.ec, k, row, names), row;
        }
        return add_perm_row(k, principal, scope, parsed.value);
    }

    scope_schema schema_;
    std::uint64_t version_;
    std::size_t rows_ = 0;
    build_error error_;
    detail::id_index scope_ids_, principal_ids_, role_ids_;
    std::vector<scope_def> scope_defs_;
    std::vector<principal_def> principal_defs_;
    std::vector<role_def_rt> role_defs_;
    std::vector<std::uint32_t> role_parents_;
    std::vector<binding> bindings_;
    std::vector<std::uint32_t> binding_roles_;
    std::vector<perm_row> perm_rows_;
};

/// An immutable, compact policy. Shared read-only by any number of threads; every query is
/// noexcept and allocation-free except explain().
template <class P>
class snapshot {
public:
    using set = permission_set<P>;

    std::uint64_t version() const noexcept { return version_; }
    std::size_t scope_count() const noexcept { return scope_end_.size(); }
    std::size_t principal_count() const noexcept { return principal_kind_.size(); }
    std::size_t role_count() const noexcept { return role_ids_.size(); }
    std::size_t entry_count() const noexcept { return entries_.size(); }

    // ---- lookups (no allocation) ---------------------------------------------------------------------
    scope_handle find_scope(std::string_view id) const noexcept { return scope_handle{scope_ids_.find(id)}; }
    principal_handle find_principal(std::string_view id) const noexcept { return principal_handle{principal_ids_.find(id)}; }
    std::string_view scope_id(scope_handle s) const noexcept { return scope_ids_.at(s.value); }
    std::string_view principal_id(principal_handle p) const noexcept { return principal_ids_.at(p.value); }
    std::string_view scope_kind(scope_handle s) const noexcept {
        return s.value < scope_count() ? schema_.name(scope_kind_[s.value]) : std::string_view{};
    }
    principal_kind kind_of(principal_handle p) const noexcept {
        return p.value < principal_count() ? principal_kind_[p.value] : principal_kind::user;
    }
    scope_handle parent(scope_handle s) const noexcept {
        return s.value < scope_count() ? scope_handle{scope_parent_[s.value]} : scope_handle{};
    }
    /// Is `ancestor` the same scope as `s` or above it? O(1): two comparisons of numbers.
    bool encloses(scope_handle ancestor, scope_handle s) const noexcept {
        return ancestor.value < scope_count() && s.value < scope_count() && ancestor.value <= s.value &&
               s.value < scope_end_[ancestor.value];
    }
    /// A role's flattened permissions (compile-time and run-time roles), empty when unknown.
    set role_permissions(std::string_view role) const noexcept {
        const std::uint32_t r = role_ids_.find(role);
        return r == detail::none32 ? set{} : role_masks_[r];
    }

    // ---- credentials -----------------------------------------------------------------------------------
    /// Turns verified token claims into a credential. Fails closed: any malformed claim yields an
    /// unauthenticated credential and says which claim and where. A subject that is well formed
    /// but not in the snapshot (or of another kind) gives a credential whose checks answer
    /// unknown_principal.
    credential_result<P> authenticate(const token_claims& c) const noexcept;

    // ---- decisions -------------------------------------------------------------------------------------
    /// May `cred` use every permission of `required` at `target`? Never allocates.
    decision<P> check(const credential<P>& cred, const set& required, scope_handle target) const noexcept;
    /// check() with the target scope given by id (looked up without allocating).
    decision<P> check(const credential<P>& cred, const set& required, std::string_view target) const noexcept {
        return check(cred, required, find_scope(target));
    }
    /// Many requests of one credential in one call; out must hold requests.size() decisions.
    void check(const credential<P>& cred, view<request<P>> requests, decision<P>* out) const noexcept {
        for (std::size_t i = 0; i < requests.size(); ++i) out[i] = check(cred, requests[i].required, requests[i].target);
    }

    // ---- reverse queries -------------------------------------------------------------------------------
    /// Everything `cred` may do at `target` (after denies, ceilings and restrictions); format it
    /// with ward::format_to or ward::to_string for `GET /user/me`.
    effective_result<P> effective_permissions(const credential<P>& cred, scope_handle target) const noexcept;
    /// Auth0's rule for a token's scope: the requested permissions intersected with those the
    /// principal holds at `target`.
    set grantable(principal_handle p, scope_handle target, const set& requested) const noexcept {
        return effective_permissions(credential<P>::of(p), target).permissions & requested;
    }
    /// The principals the policy lets use every permission of `required` at `target` (before
    /// token ceilings and application restrictions). Writes up to `capacity` handles to `out` in
    /// handle order and returns how many principals qualify (which may exceed `capacity`).
    std::size_t principals_with(const set& required, scope_handle target, principal_handle* out,
                                std::size_t capacity) const noexcept;

    // ---- explanation -------------------------------------------------------------------------------------
    /// One human sentence for a decision of this snapshot (allocates; keep it off hot paths).
    std::string explain(const decision<P>& d) const;

    /// Bytes held by this snapshot's tables (capacity, not counting the object itself).
    std::size_t memory_bytes() const noexcept {
        return scope_ids_.memory_bytes() + principal_ids_.memory_bytes() + role_ids_.memory_bytes() +
               bytes(scope_end_) + bytes(scope_parent_) + bytes(scope_kind_) + bytes(deny_all_) + bytes(everyone_first_) + bytes(everyone_) +
               bytes(principal_kind_) + bytes(first_) + bytes(entries_) + bytes(restrict_first_) + bytes(restrictions_) +
               bytes(masks_) + bytes(role_masks_) + bytes(everyone_rows_);
    }
    /// Bytes of the id strings alone.
    std::size_t id_bytes() const noexcept {
        return scope_ids_.arena_bytes() + principal_ids_.arena_bytes() + role_ids_.arena_bytes();
    }

private:
    friend class policy_builder<P>;

    // Vocabularies of at most 64 permissions keep each mask inside its entry (no extra load on
    // the decision path); wider ones point into a deduplicated pool.
    static constexpr bool inline_masks = set::word_count == 1;
    using mask_ref = std::conditional_t<inline_masks, std::uint64_t, std::uint32_t>;
    /// One grant, binding or deny of a principal, as the decision path reads it.
    struct entry {
        std::uint32_t begin;      ///< the scope's number; the entry covers numbers [begin, end)
        std::uint32_t end;
        std::uint32_t tagged_row; ///< row number (low 30 bits) and entry_kind (high 2 bits)
        mask_ref mask;            ///< the mask's word, or its index in the pool
        std::uint32_t row() const noexcept { return tagged_row & 0x3fffffffu; }
        detail::entry_kind kind() const noexcept { return static_cast<detail::entry_kind>(tagged_row >> 30); }
    };
    std::conditional_t<inline_masks, set, const set&> mask_of(const entry& e) const noexcept {
        if constexpr (inline_masks) return set::from_words(typename set::word_array{e.mask});
        else return masks_[e.mask];
    }
    template <class V>
    static std::size_t bytes(const V& v) noexcept {
        return v.capacity() * sizeof(typename V::value_type);
    }

    struct path_result {
        set granted{};
        set denied{};
        std::uint32_t grant_rule = detail::none32;
        std::uint32_t deny_rule = detail::none32;
    };
    WARD_ALWAYS_INLINE path_result walk(std::uint32_t p, std::uint32_t t, const set& required) const noexcept {
        path_result r;
        const entry* e = entries_.data() + first_[p];
        const entry* const last = entries_.data() + first_[p + 1];
        for (; e != last && e->begin <= t; ++e) {
            if (t >= e->end) continue;
            const auto& m = mask_of(*e);
            if (e->kind() == detail::entry_kind::deny) {
                r.denied |= m;
                if (r.deny_rule == detail::none32 && m.contains_any(required)) r.deny_rule = e->row();
            } else {
                r.granted |= m;
                if (r.grant_rule == detail::none32 && m.contains_any(required)) r.grant_rule = e->row();
            }
        }
        if (!deny_all_.empty() && deny_all_[t] != detail::none32) {
            const set& m = masks_[deny_all_[t]];
            r.denied |= m;
            if (r.deny_rule == detail::none32 && m.contains_any(required)) r.deny_rule = everyone_rule(t, required);
        }
        return r;
    }
    /// The nearest deny-for-everyone row on the path to t that covers part of `required`.
    std::uint32_t everyone_rule(std::uint32_t t, const set& required) const noexcept {
        for (std::uint32_t k = t; k != detail::none32; k = scope_parent_[k])
            for (std::uint32_t i = everyone_first_[k]; i < everyone_first_[k + 1]; ++i)
                if (masks_[everyone_[i].second].contains_any(required)) return everyone_[i].first;
        return detail::none32;
    }
    /// The token's cap at target t (ceiling and extended entries); every permission when uncapped.
    set token_cap(const credential<P>& c, std::uint32_t t) const noexcept {
        set cap = c.has_ceiling() ? c.ceiling() : set::all();
        if (c.has_extended()) {
            std::uint32_t best = detail::none32;
            std::size_t best_i = 0;
            for (std::size_t i = 0; i < c.extended_count(); ++i) {
                const std::uint32_t s = c.extended(i).scope.value;
                if (encloses(scope_handle{s}, scope_handle{t}) && (best == detail::none32 || s > best)) {
                    best = s;
                    best_i = i;
                }
            }
            if (best != detail::none32) cap &= c.extended(best_i).ceiling;
            else if (c.has_wildcard()) cap &= c.wildcard();
            else cap = set{};
        }
        return cap;
    }
    /// The application restriction's cap at target t (every permission when none governs t).
    /// `rule` is the restriction row that matched the application in use (or the first that governs t).
    set restriction_cap(const credential<P>& c, std::uint32_t p, std::uint32_t t, std::uint32_t& rule) const noexcept {
        bool restricted = false;
        rule = detail::none32;
        if (restrict_first_.empty()) return set::all(); // the policy restricts nobody
        set cap{};
        const bool via = c.has_via() && c.via().valid();
        const std::uint32_t v = c.via().value;
        for (std::uint32_t i = restrict_first_[p]; i < restrict_first_[p + 1]; ++i) {
            const detail::restriction& r = restrictions_[i];
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
        if (target.value >= scope_count()) return reason::unknown_scope;
        if (cred.bound_count() != 0) {
            bool inside = false;
            for (std::size_t i = 0; i < cred.bound_count() && !inside; ++i) inside = encloses(cred.bound(i), target);
            if (!inside) return reason::outside_scope;
        }
        return reason::granted;
    }
    const entry* find_row(std::uint32_t row, std::uint32_t& principal) const noexcept {
        for (std::size_t i = 0; i < entries_.size(); ++i)
            if (entries_[i].row() == row) {
                std::uint32_t lo = 0, hi = static_cast<std::uint32_t>(principal_count()); // first_[lo] <= i < first_[hi]
                while (hi - lo > 1) {
                    const std::uint32_t mid = lo + (hi - lo) / 2;
                    if (first_[mid] <= i) lo = mid;
                    else hi = mid;
                }
                principal = lo;
                return &entries_[i];
            }
        return nullptr;
    }

    std::uint64_t version_ = 0;
    scope_schema schema_;
    detail::id_index scope_ids_, principal_ids_, role_ids_;
    std::vector<std::uint32_t> scope_end_, scope_parent_;
    std::vector<std::uint8_t> scope_kind_;
    std::vector<std::uint32_t> deny_all_;         ///< per scope: mask of everyone-denies on its path
    std::vector<std::uint32_t> everyone_first_;  ///< per scope: its own everyone-deny rows in everyone_
    std::vector<std::pair<std::uint32_t, std::uint32_t>> everyone_; ///< (row, mask)
    std::vector<principal_kind> principal_kind_;
    std::vector<std::uint32_t> first_;
    std::vector<entry> entries_;
    std::vector<std::uint32_t> restrict_first_;
    std::vector<detail::restriction> restrictions_;
    std::vector<set> masks_;
    std::vector<set> role_masks_;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> everyone_rows_; ///< (row, scope) of deny_everyone rows
};

// ==== builder: build() ====================================================================================

template <class P>
build_result<P> policy_builder<P>::build() const {
    build_result<P> out;
    auto fail_with = [&](errc e, row_kind k, std::size_t row, std::string_view id) {
        out.error.code = e;
        out.error.kind = k;
        out.error.row = row;
        out.error.id = std::string(id);
        return out;
    };
    if (!schema_.valid() || schema_.size() == 0) return fail_with(errc::unknown_kind, row_kind::scope, 0, {});

    // Validation reports the earliest bad row, whichever check finds it.
    build_error first = error_;
    auto consider = [&](errc e, row_kind k, std::size_t row, std::string_view id) {
        if (!first.ok() && first.row <= row) return;
        first.code = e;
        first.kind = k;
        first.row = row;
        first.id = std::string(id);
    };
    for (std::uint32_t i = 0; i < scope_defs_.size(); ++i)
        if (!scope_defs_[i].defined) consider(errc::unknown_scope, scope_defs_[i].ref_kind, scope_defs_[i].first_ref, scope_ids_.at(i));
    for (std::uint32_t i = 0; i < principal_defs_.size(); ++i)
        if (!principal_defs_[i].defined)
            consider(errc::unknown_principal, principal_defs_[i].ref_kind, principal_defs_[i].first_ref, principal_ids_.at(i));
    for (std::uint32_t i = 0; i < role_defs_.size(); ++i)
        if (!role_defs_[i].defined) consider(errc::unknown_role, role_defs_[i].ref_kind, role_defs_[i].first_ref, role_ids_.at(i));
    for (std::uint32_t i = 0; i < scope_defs_.size(); ++i) {
        const scope_def& d = scope_defs_[i];
        if (!d.defined || d.kind == detail::none32) continue;
        if (d.parent == detail::none32) {
            if (!schema_.may_be_root(d.kind)) consider(errc::wrong_scope_kind, row_kind::scope, d.row, scope_ids_.at(i));
        } else if (scope_defs_[d.parent].defined && scope_defs_[d.parent].kind != detail::none32 &&
                   !schema_.allows(scope_defs_[d.parent].kind, d.kind)) {
            consider(errc::wrong_scope_kind, row_kind::scope, d.row, scope_ids_.at(i));
        }
    }
    if (!first.ok()) {
        out.error = std::move(first);
        return out;
    }

    auto snap = std::make_shared<snapshot<P>>();
    snapshot<P>& s = *snap;
    s.version_ = version_;
    s.schema_ = schema_;

    // ---- scopes: kinds, then number the tree in preorder ---------------------------------------------
    const auto n_scopes = static_cast<std::uint32_t>(scope_defs_.size());
    std::vector<std::uint32_t> child_first(n_scopes + 1, 0), children(n_scopes), roots;
    for (std::uint32_t i = 0; i < n_scopes; ++i) {
        if (scope_defs_[i].parent == detail::none32) roots.push_back(i);
        else ++child_first[scope_defs_[i].parent + 1];
    }
    for (std::uint32_t i = 0; i < n_scopes; ++i) child_first[i + 1] += child_first[i];
    {
        std::vector<std::uint32_t> fill(child_first.begin(), child_first.end() - 1);
        for (std::uint32_t i = 0; i < n_scopes; ++i)
            if (scope_defs_[i].parent != detail::none32) children[fill[scope_defs_[i].parent]++] = i;
    }
    std::vector<std::uint32_t> pre(n_scopes, detail::none32);
    s.scope_end_.assign(n_scopes, 0);
    s.scope_parent_.assign(n_scopes, detail::none32);
    s.scope_kind_.assign(n_scopes, 0);
    std::vector<std::uint32_t> order; // definition index by preorder number
    order.reserve(n_scopes);
    {
        std::vector<std::pair<std::uint32_t, std::uint32_t>> stack; // (scope, next child offset)
        for (std::uint32_t r : roots) {
            pre[r] = static_cast<std::uint32_t>(order.size());
            order.push_back(r);
            stack.push_back({r, child_first[r]});
            while (!stack.empty()) {
                auto& [node, next] = stack.back();
                if (next < child_first[node + 1]) {
                    const std::uint32_t c = children[next++];
                    pre[c] = static_cast<std::uint32_t>(order.size());
                    order.push_back(c);
                    stack.push_back({c, child_first[c]});
                } else {
                    s.scope_end_[pre[node]] = static_cast<std::uint32_t>(order.size());
                    stack.pop_back();
                }
            }
        }
    }
    if (order.size() != n_scopes) {
        for (std::uint32_t i = 0; i < n_scopes; ++i)
            if (pre[i] == detail::none32) consider(errc::scope_cycle, row_kind::scope, scope_defs_[i].row, scope_ids_.at(i));
        out.error = std::move(first);
        return out;
    }
    s.scope_ids_.reserve(n_scopes, scope_ids_.arena_bytes());
    for (std::uint32_t k = 0; k < n_scopes; ++k) {
        const std::uint32_t i = order[k];
        s.scope_ids_.insert(scope_ids_.at(i));
        s.scope_kind_[k] = static_cast<std::uint8_t>(scope_defs_[i].kind);
        s.scope_parent_[k] = scope_defs_[i].parent == detail::none32 ? detail::none32 : pre[scope_defs_[i].parent];
    }

    // ---- roles: flatten (parents first), detect cycles ----------------------------------------------
    const auto n_roles = static_cast<std::uint32_t>(role_defs_.size());
    s.role_masks_.assign(n_roles, set{});
    {
        std::vector<std::uint8_t> state(n_roles, 0); // 0 new, 1 on stack, 2 done
        std::vector<std::pair<std::uint32_t, std::uint32_t>> stack;
        for (std::uint32_t r0 = 0; r0 < n_roles; ++r0) {
            if (state[r0] == 2) continue;
            stack.push_back({r0, role_defs_[r0].parents_begin});
            state[r0] = 1;
            while (!stack.empty()) {
                auto& [r, next] = stack.back();
                const role_def_rt& d = role_defs_[r];
                if (next < d.parents_end) {
                    const std::uint32_t q = role_parents_[next++];
                    if (state[q] == 1) return fail_with(errc::role_cycle, d.def_kind, d.row, role_ids_.at(r));
                    if (state[q] == 0) {
                        state[q] = 1;
                        stack.push_back({q, role_defs_[q].parents_begin});
                    }
                } else {
                    set m = d.permissions;
                    for (std::uint32_t k = d.parents_begin; k < d.parents_end; ++k) m |= s.role_masks_[role_parents_[k]];
                    s.role_masks_[r] = m.implied();
                    state[r] = 2;
                    stack.pop_back();
                }
            }
        }
        s.role_ids_ = role_ids_;
    }

    // ---- principals (handles are the builder's numbers: its index is taken as it is) ----------------
    const auto n_principals = static_cast<std::uint32_t>(principal_defs_.size());
    s.principal_ids_ = principal_ids_;
    s.principal_kind_.resize(n_principals);
    for (std::uint32_t i = 0; i < n_principals; ++i) s.principal_kind_[i] = principal_defs_[i].kind;

    // ---- the mask pool (deduplicated, for masks that are not kept inline) -----------------------------
    std::vector<std::uint32_t> pool_slots(64, 0); // mask index + 1, open addressing on the set's hash
    auto intern_mask = [&](const set& m) -> std::uint32_t {
        std::size_t slot_mask = pool_slots.size() - 1;
        for (std::size_t i = m.hash() & slot_mask;; i = (i + 1) & slot_mask) {
            if (pool_slots[i] == 0) break;
            if (s.masks_[pool_slots[i] - 1] == m) return pool_slots[i] - 1;
        }
        const auto idx = static_cast<std::uint32_t>(s.masks_.size());
        s.masks_.push_back(m);
        if (s.masks_.size() * 2 > pool_slots.size()) {
            pool_slots.assign(pool_slots.size() * 2, 0);
            slot_mask = pool_slots.size() - 1;
            for (std::uint32_t k = 0; k < s.masks_.size(); ++k) {
                std::size_t i = s.masks_[k].hash() & slot_mask;
                while (pool_slots[i] != 0) i = (i + 1) & slot_mask;
                pool_slots[i] = k + 1;
            }
        } else {
            std::size_t i = m.hash() & slot_mask;
            while (pool_slots[i] != 0) i = (i + 1) & slot_mask;
            pool_slots[i] = idx + 1;
        }
        return idx;
    };
    using entry = typename snapshot<P>::entry;
    auto make_entry = [&](std::uint32_t sp, const set& m, std::uint32_t row, detail::entry_kind k) {
        entry e{};
        e.begin = sp;
        e.end = s.scope_end_[sp];
        e.tagged_row = row | (static_cast<std::uint32_t>(k) << 30);
        if constexpr (snapshot<P>::inline_masks) e.mask = m.words()[0];
        else e.mask = intern_mask(m);
        return e;
    };

    // ---- entries, grouped by principal (counting sort), then by scope and row -----------------------
    struct raw {
        std::uint32_t principal;
        entry e;
        bool replace;
    };
    std::vector<raw> raws, restr;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> restr_within; // parallel to restr
    raws.reserve(bindings_.size() + perm_rows_.size());
    for (const binding& b : bindings_) {
        set m;
        for (std::uint32_t k = b.roles_begin; k < b.roles_end; ++k) m |= s.role_masks_[binding_roles_[k]];
        raws.push_back({b.principal, make_entry(pre[b.scope], m, b.row, detail::entry_kind::binding), b.replace});
    }
    std::vector<set> everyone(n_scopes);
    s.everyone_first_.assign(n_scopes + 1, 0);
    for (const perm_row& r : perm_rows_) {
        const std::uint32_t sp = pre[r.scope];
        switch (r.kind) {
        case row_kind::grant:
            raws.push_back({r.principal, make_entry(sp, r.permissions.implied(), r.row, detail::entry_kind::grant), false});
            break;
        case row_kind::deny:
            raws.push_back({r.principal, make_entry(sp, r.permissions, r.row, detail::entry_kind::deny), false});
            break;
        case row_kind::restriction: {
            // By default a restriction governs the application's parent (its organization).
            std::uint32_t w = r.within != detail::none32 ? pre[r.within] : s.scope_parent_[sp];
            if (w == detail::none32) w = sp;
            entry e{};
            e.begin = sp;
            e.end = s.scope_end_[sp];
            e.tagged_row = r.row;
            restr.push_back({r.principal, e, false});
            restr_within.push_back({w, intern_mask(r.permissions.implied())});
            break;
        }
        case row_kind::deny_everyone:
            everyone[sp] |= r.permissions;
            s.everyone_rows_.push_back({r.row, sp});
            ++s.everyone_first_[sp + 1];
            break;
        default: break;
        }
    }
    auto by_scope_row = [](const raw& a, const raw& b) {
        return a.e.begin != b.e.begin ? a.e.begin < b.e.begin : a.e.row() < b.e.row();
    };
    // Stable counting sort by principal, then each principal's group by (scope, row).
    auto group = [&](const std::vector<raw>& in, std::vector<std::uint32_t>& offsets) {
        offsets.assign(n_principals + 1, 0);
        for (const raw& r : in) ++offsets[r.principal + 1];
        for (std::uint32_t p = 0; p < n_principals; ++p) offsets[p + 1] += offsets[p];
        std::vector<std::uint32_t> fill(offsets.begin(), offsets.end() - 1), sorted(in.size());
        for (std::uint32_t i = 0; i < in.size(); ++i) sorted[fill[in[i].principal]++] = i;
        for (std::uint32_t p = 0; p < n_principals; ++p)
            detail::sort(sorted.begin() + offsets[p], sorted.begin() + offsets[p + 1],
                         [&](std::uint32_t x, std::uint32_t y) { return by_scope_row(in[x], in[y]); });
        return sorted;
    };
    std::vector<std::uint32_t> raw_first;
    const std::vector<std::uint32_t> by_principal = group(raws, raw_first);

    s.first_.assign(n_principals + 1, 0);
    s.entries_.reserve(raws.size());
    for (std::uint32_t p = 0; p < n_principals; ++p) {
        for (std::uint32_t i = raw_first[p]; i < raw_first[p + 1];) {
            // One (principal, scope) group: a replacing binding drops the bindings of earlier rows.
            std::uint32_t j = i;
            std::uint32_t last_replace = 0;
            bool has_replace = false;
            for (; j < raw_first[p + 1] && raws[by_principal[j]].e.begin == raws[by_principal[i]].e.begin; ++j)
                if (raws[by_principal[j]].replace) {
                    has_replace = true;
                    last_replace = raws[by_principal[j]].e.row();
                }
            const std::size_t group_start = s.entries_.size();
            for (std::uint32_t k = i; k < j; ++k) {
                const entry& e = raws[by_principal[k]].e;
                if (has_replace && e.kind() == detail::entry_kind::binding && e.row() < last_replace) continue;
                if (s.mask_of(e).none()) continue; // grants or denies nothing
                bool dup = false;                  // a duplicate row adds nothing; keep the earliest
                for (std::size_t q = group_start; q < s.entries_.size() && !dup; ++q)
                    dup = s.entries_[q].mask == e.mask && s.entries_[q].kind() == e.kind();
                if (!dup) s.entries_.push_back(e);
            }
            i = j;
        }
        s.first_[p + 1] = static_cast<std::uint32_t>(s.entries_.size());
    }

    if (!restr.empty()) {
        std::vector<std::uint32_t> restr_first;
        const std::vector<std::uint32_t> order_r = group(restr, restr_first);
        s.restrict_first_ = restr_first;
        for (std::uint32_t i : order_r)
            s.restrictions_.push_back({restr_within[i].first, s.scope_end_[restr_within[i].first], restr[i].e.begin,
                                       restr[i].e.end, restr_within[i].second, restr[i].e.tagged_row});
    }

    // ---- denies for everyone: each scope's own rows, and the union inherited down the tree ----------
    if (!s.everyone_rows_.empty()) {
        for (std::uint32_t k = 0; k < n_scopes; ++k) s.everyone_first_[k + 1] += s.everyone_first_[k];
        s.everyone_.resize(s.everyone_rows_.size());
        std::vector<std::uint32_t> fill(s.everyone_first_.begin(), s.everyone_first_.end() - 1);
        for (const perm_row& r : perm_rows_) // perm_rows_ is in row order, so each scope's rows are too
            if (r.kind == row_kind::deny_everyone) s.everyone_[fill[pre[r.scope]]++] = {r.row, intern_mask(r.permissions)};
        s.deny_all_.assign(n_scopes, detail::none32);
        std::vector<set> inherited(n_scopes);
        for (std::uint32_t k = 0; k < n_scopes; ++k) {
            const std::uint32_t par = s.scope_parent_[k];
            inherited[k] = everyone[k];
            if (par != detail::none32) inherited[k] |= inherited[par];
            if (inherited[k].any()) s.deny_all_[k] = intern_mask(inherited[k]);
        }
    } else {
        s.everyone_first_.clear();
    }
    out.snapshot = std::move(snap);
    return out;
}

// ==== snapshot: queries ====================================================================================

template <class P>
decision<P> snapshot<P>::check(const credential<P>& cred, const set& required, scope_handle target) const noexcept {
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
    std::uint32_t restriction_rule = detail::none32;
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
effective_result<P> snapshot<P>::effective_permissions(const credential<P>& cred, scope_handle target) const noexcept {
    effective_result<P> r;
    r.why = admit(cred, target);
    if (r.why != reason::granted) return r;
    const std::uint32_t p = cred.principal().value, t = target.value;
    const path_result path = walk(p, t, set{});
    std::uint32_t rule = detail::none32;
    r.permissions = (path.granted - path.denied) & token_cap(cred, t) & restriction_cap(cred, p, t, rule);
    return r;
}

template <class P>
std::size_t snapshot<P>::principals_with(const set& required, scope_handle target, principal_handle* out,
                                         std::size_t capacity) const noexcept {
    if (target.value >= scope_count() || required.none()) return 0;
    std::size_t n = 0;
    for (std::uint32_t p = 0; p < principal_count(); ++p) {
        if (first_[p] == first_[p + 1]) continue;
        const path_result path = walk(p, target.value, required);
        if ((path.granted - path.denied).contains_all(required)) {
            if (n < capacity && out != nullptr) out[n] = principal_handle{p};
            ++n;
        }
    }
    return n;
}

template <class P>
credential_result<P> snapshot<P>::authenticate(const token_claims& c) const noexcept {
    credential_result<P> r;
    auto fail = [&](errc e, claim which, std::size_t pos) {
        r.value = credential<P>{};
        r.ec = e;
        r.failed = which;
        r.position = pos;
        return r;
    };
    const auto sub = parse_subject(c.subject);
    if (!sub) return fail(sub.ec, claim::subject, sub.position);
    principal_handle p = find_principal(c.subject);
    if (p.valid() && kind_of(p) != sub.value.kind) p = principal_handle{};
    r.value = credential<P>::of(p);

    if (c.has_permission_mask) {
        if constexpr (vocabulary<P>::bits <= 64) {
            const auto m = parse_integer<P>(c.permission_mask);
            if (!m) return fail(m.ec, claim::permission_mask, m.position);
            r.value.cap(m.value);
        } else {
            return fail(errc::value_out_of_range, claim::permission_mask, 0);
        }
    }
    if (c.has_permission_names) {
        const auto m = parse_names<P>(c.permission_names.begin(), c.permission_names.end(), c.names_mode);
        if (!m) return fail(m.ec, claim::permission_names, m.position);
        r.value.cap(m.value);
    }
    if (c.has_scope) {
        const auto m = parse_scope<P>(c.scope, c.names_mode);
        if (!m) return fail(m.ec, claim::scope, m.position);
        r.value.cap(m.value);
    }
    if (!c.extended.empty()) {
        if (c.extended.size() > WARD_MAX_EXTENDED_CLAIMS + 1) return fail(errc::too_many, claim::extended, WARD_MAX_EXTENDED_CLAIMS);
        if constexpr (vocabulary<P>::bits <= 64) {
            for (std::size_t i = 0; i < c.extended.size(); ++i) {
                const extended_claim& e = c.extended[i];
                const auto m = parse_integer<P>(e.mask);
                if (!m) return fail(m.ec, claim::extended, i);
                if (e.resource == "*") {
                    r.value.cap_wildcard(m.value);
                } else {
                    if (!detail::valid_id(e.resource)) return fail(errc::invalid_id, claim::extended, i);
                    r.value.cap_at(find_scope(e.resource), m.value);
                }
                if (!r.value.authenticated()) return fail(errc::too_many, claim::extended, i);
            }
        } else {
            return fail(errc::value_out_of_range, claim::extended, 0);
        }
    }
    if (!c.bound_scopes.empty()) {
        if (c.bound_scopes.size() > WARD_MAX_INPUT_LENGTH) return fail(errc::input_too_long, claim::bound_scopes, WARD_MAX_INPUT_LENGTH);
        std::size_t start = 0;
        for (;;) {
            std::size_t end = start;
            while (end < c.bound_scopes.size() && c.bound_scopes[end] != ' ') ++end;
            const std::string_view item = c.bound_scopes.substr(start, end - start);
            if (item.empty()) return fail(errc::empty_name, claim::bound_scopes, start);
            if (c.scope_restrictions) {
                const auto sr = parse_scope_restriction(item);
                if (!sr) return fail(sr.ec, claim::bound_scopes, start + sr.position);
            } else if (!detail::valid_id(item)) {
                return fail(errc::invalid_id, claim::bound_scopes, start);
            }
            r.value.bind_to(find_scope(item));
            if (!r.value.authenticated()) return fail(errc::too_many, claim::bound_scopes, start);
            if (end == c.bound_scopes.size()) break;
            start = end + 1;
        }
    }
    if (!c.via.empty()) {
        if (!detail::valid_id(c.via)) return fail(errc::invalid_id, claim::via, 0);
        r.value.via(find_scope(c.via));
    }
    return r;
}

template <class P>
std::string snapshot<P>::explain(const decision<P>& d) const {
    auto describe = [&](std::uint32_t row) -> std::string {
        if (row == detail::none32) return {};
        std::uint32_t principal = 0;
        if (const entry* e = find_row(row, principal)) {
            static constexpr const char* kinds[] = {"binding", "grant", "deny", "restriction"};
            return std::string(kinds[static_cast<std::uint32_t>(e->kind())]) + " row " + std::to_string(row) + " (" +
                   std::string(principal_id(principal_handle{principal})) + " at " +
                   std::string(scope_id(scope_handle{e->begin})) + ")";
        }
        for (const auto& [r, sc] : everyone_rows_)
            if (r == row) return "deny-for-everyone row " + std::to_string(row) + " (at " + std::string(scope_id(scope_handle{sc})) + ")";
        return "row " + std::to_string(row);
    };
    const std::string missing = to_string(d.missing);
    std::string s;
    switch (d.why) {
    case reason::granted: s = "allowed: granted by " + describe(d.row); break;
    case reason::unauthenticated: s = "denied: the request carries no valid credential"; break;
    case reason::invalid_request: s = "denied: the check required no permission, and an empty requirement is always refused"; break;
    case reason::unknown_principal: s = "denied: the credential's principal is not in this policy"; break;
    case reason::unknown_scope: s = "denied: the target scope is not in this policy"; break;
    case reason::outside_scope: s = "denied: the target is outside the scope the credential is bound to"; break;
    case reason::missing_permission: s = "denied: missing " + missing + " (no grant on the path to the target gives it)"; break;
    case reason::explicitly_denied: s = "denied: " + missing + " explicitly denied by " + describe(d.row); break;
    case reason::not_in_token: s = "denied: the token was not issued " + missing; break;
    case reason::restricted_by_application: {
        s = "denied: " + missing + " not available through this application";
        for (std::uint32_t p = 0; p + 1 < restrict_first_.size() && d.row != detail::none32; ++p)
            for (std::uint32_t i = restrict_first_[p]; i < restrict_first_[p + 1]; ++i)
                if (restrictions_[i].row == d.row)
                    s += " (restriction row " + std::to_string(d.row) + ": " + std::string(principal_id(principal_handle{p})) +
                         " acts here only through " + std::string(scope_id(scope_handle{restrictions_[i].app_begin})) + ")";
        break;
    }
    }
    return s + " [policy v" + std::to_string(d.version) + "]";
}

/// explain(decision, snapshot): the same as snapshot.explain(decision).
template <class P>
std::string explain(const decision<P>& d, const snapshot<P>& s) {
    return s.explain(d);
}

} // namespace ward

#endif
