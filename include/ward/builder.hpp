// SPDX-License-Identifier: MIT
/// \file ward/builder.hpp
/// ward::policy_builder<P>: collects a policy's rows as a service keeps them in its database
/// (scopes, principals, roles, bindings, grants, denies, application restrictions), validates every
/// row, and builds an immutable snapshot (snapshot.hpp), or says which row is wrong.
///
/// \code
/// ward::policy_builder<perm> b;
/// b.add_scope("platform", "platform");
/// b.add_scope("org:acme", "organization", "platform");
/// b.add_principal("user:alice", ward::principal_kind::user);
/// b.add_roles(ladder);                              // a compile-time role table
/// b.bind("user:alice", "org:acme", {"viewer"});
/// auto built = b.build();                           // build_result: a snapshot or a row error
/// if (!built) log(built.error.message());           // "row 4 (binding): unknown role 'viewer'"
/// \endcode
#ifndef WARD_BUILDER_HPP
#define WARD_BUILDER_HPP

#include "config.hpp"
#include "detail/chars.hpp"
#include "detail/handle.hpp"
#include "detail/id_index.hpp"
#include "detail/sort.hpp"
#include "error.hpp"
#include "parse.hpp"
#include "permission_set.hpp"
#include "role.hpp"
#include "scope.hpp"
#include "snapshot.hpp"
#include "subject.hpp"
#include "view.hpp"

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ward {

/// How bind() treats the roles a principal already has in that scope (Bluebricks' `add`).
enum class assign : unsigned char {
    add,     ///< add to the roles already bound there
    replace, ///< replace every role bound there by earlier rows
};

/// The kind of row a builder call adds; errors name it. `schema` is no row: the builder's scope
/// schema itself is invalid or empty (build_error::row is then meaningless, and the message names
/// no row).
enum class row_kind : unsigned char {
    scope,
    principal,
    role,
    role_table,
    binding,
    grant,
    deny,
    deny_everyone,
    restriction,
    removal,
    schema
};

/// The row kind as error messages give it ("binding", "deny for everyone", ...).
[[nodiscard]] constexpr std::string_view to_string(row_kind k) noexcept {
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
    case row_kind::removal: return "removal";
    case row_kind::schema: return "scope schema";
    }
    return "row";
}

/// Why a policy did not build: the first bad row, by number (the order of the builder calls,
/// from 0), its kind, the offending id and the error code. An invalid or empty scope schema is
/// reported with kind row_kind::schema (no row).
struct [[nodiscard]] build_error {
    errc ec = errc::ok;
    row_kind kind = row_kind::scope;
    std::size_t row = 0;
    std::string id; ///< the id that is unknown, duplicated or malformed, byte for byte as given

    /// message() quotes at most this many bytes of the id, then "...".
    static constexpr std::size_t message_id_bytes = 64;

    /// No error: the policy built.
    [[nodiscard]] bool ok() const noexcept { return ec == errc::ok; }
    /// "row 7 (binding): unknown role 'rol_x'"; "scope schema: ..." for a schema error. The id is
    /// quoted printable: a control or non-ASCII byte as \n, \t, \r or \xNN, a quote or backslash
    /// behind a backslash, and only its first message_id_bytes bytes, then "..." and its length.
    [[nodiscard]] std::string message() const {
        if (ok()) return "ok";
        std::string m;
        if (kind == row_kind::schema) {
            m = "scope schema: " + std::string(to_string(ec));
            if (ec == errc::empty_input) m += " (it declares no kind)";
            else if (ec == errc::unknown_kind)
                m += " (a kind is unnamed, declared twice or past the 16th, or names a parent kind not declared "
                     "before it)";
        } else {
            m = "row " + std::to_string(row) + " (" + std::string(to_string(kind)) + "): " + std::string(to_string(ec));
        }
        if (!id.empty()) m += " '" + quoted(id) + "'";
        if (id.size() > message_id_bytes) m += " (" + std::to_string(id.size()) + " bytes)";
        return m;
    }

private:
    /// The id's first message_id_bytes bytes, escaped, and "..." when there are more.
    static std::string quoted(std::string_view s) {
        static constexpr char hex[] = "0123456789abcdef";
        std::string out;
        const std::size_t n = s.size() < message_id_bytes ? s.size() : message_id_bytes;
        out.reserve(n + 8);
        for (std::size_t i = 0; i < n; ++i) {
            const auto u = static_cast<unsigned char>(s[i]);
            switch (u) {
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            case '\\': out += "\\\\"; break;
            case '\'': out += "\\'"; break;
            default:
                if (u < 0x20 || u > 0x7e) {
                    out += "\\x";
                    out += hex[u >> 4];
                    out += hex[u & 0xf];
                } else {
                    out += static_cast<char>(u);
                }
            }
        }
        if (s.size() > n) out += "...";
        return out;
    }
};

/// What build() returns: the snapshot, or the error that prevented it.
template <class P>
struct [[nodiscard]] build_result {
    std::shared_ptr<const ward::snapshot<P>> value; ///< the snapshot; null when a row was bad
    build_error error;                              ///< which row, and why
    /// The policy built.
    explicit operator bool() const noexcept { return value != nullptr; }
};

/// How policy_writer::apply made its snapshot: derived from the previous one, or built from all
/// the rows (a change it does not derive, or one build() had to judge).
enum class derivation : unsigned char { full, incremental };

namespace detail {
/// Row numbers keep 30 bits (an entry packs its kind in the other two).
constexpr std::uint32_t max_rows = 0x3fffffffu;
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

    /// The version the built snapshot (and each of its decisions) will carry.
    void set_version(std::uint64_t v) noexcept { version_ = v; }
    std::uint64_t version() const noexcept { return version_; }
    /// How many rows the builder calls have added so far (the next row's number).
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
        const std::uint32_t s = define(scope_ids_, scope_defs_, scope_undo_, id, row, row_kind::scope);
        if (s == detail::none) return row;
        set_ref(row, s);
        if (changing_) change_.scopes = true;
        const std::size_t k = schema_.find(kind);
        if (k == scope_schema::npos) return fail(errc::unknown_kind, row_kind::scope, row, kind), row;
        touch(scope_defs_, scope_undo_, s).kind = static_cast<std::uint32_t>(k);
        const std::uint32_t p = parent.empty() ? detail::none : intern_scope(parent, row, row_kind::scope);
        scope_defs_[s].parent = p; // intern may have grown the vector
        return row;
    }

    /// A principal: a user, application, organization, API credential, ... Its id is the subject
    /// its tokens carry ("user:...", "application:...", "auth0|...").
    std::size_t add_principal(std::string_view id, principal_kind kind = principal_kind::user) {
        const std::size_t row = next_row(row_kind::principal);
        const std::uint32_t p = define(principal_ids_, principal_defs_, principal_undo_, id, row, row_kind::principal);
        if (p == detail::none) return row;
        set_ref(row, p);
        principal_defs_[p].kind = kind;
        mark_principal(p);
        return row;
    }

    /// Every role of a compile-time table, by name, already flattened.
    template <std::size_t N>
    std::size_t add_roles(const role_table<P, N>& table) {
        const std::size_t row = next_row(row_kind::role_table);
        if (!table.valid()) return fail(errc::invalid_role_table, row_kind::role_table, row, {}), row;
        if (changing_) change_.roles = true;
        for (std::size_t i = 0; i < N; ++i)
            add_role_def(table.name(i), table.permissions(i), {}, row, row_kind::role_table);
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
    std::size_t define_role(std::string_view id, std::string_view permission_names,
                            view<std::string_view> parents = {}) {
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
        // The row's ids are looked up one after the other; in a large policy each lookup's first
        // slot is a cache miss. Fetching them all first overlaps the misses.
        WARD_PREFETCH(principal_ids_.slot_address(principal));
        WARD_PREFETCH(scope_ids_.slot_address(scope));
        for (std::string_view r : roles) WARD_PREFETCH(role_ids_.slot_address(r));
        binding b;
        b.row = static_cast<std::uint32_t>(row);
        b.replace = mode == assign::replace;
        b.principal = intern_principal(principal, row, row_kind::binding);
        b.scope = intern_scope(scope, row, row_kind::binding);
        b.roles_begin = static_cast<std::uint32_t>(binding_roles_.size());
        for (std::string_view r : roles) binding_roles_.push_back(intern_role(r, row, row_kind::binding));
        b.roles_end = static_cast<std::uint32_t>(binding_roles_.size());
        const auto index = static_cast<std::uint32_t>(bindings_.size());
        b.next = link(b.principal, &principal_def::bindings, index);
        bindings_.push_back(b);
        set_ref(row, index);
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
    /// grant() with the permissions as a scope string; an unknown name is an error of this row.
    std::size_t grant(std::string_view principal, std::string_view scope, std::string_view permission_names) {
        return add_perm_row(row_kind::grant, principal, scope, permission_names);
    }
    /// Explicitly denies permissions to a principal at a scope and below. A deny on the path to a
    /// target wins over every grant, whatever the order of the rows.
    std::size_t deny(std::string_view principal, std::string_view scope, const set& permissions) {
        return add_perm_row(row_kind::deny, principal, scope, permissions);
    }
    /// deny() with the permissions as a scope string; an unknown name is an error of this row.
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
        if (!within.empty()) {
            const std::uint32_t w = intern_scope(within, row, row_kind::restriction);
            perm_rows_.back().within = w;
        }
        return row;
    }

    /// Removes the row numbered `row` (what the call that added it returned): a scope, principal or
    /// run-time role definition, a binding, grant, deny, deny for everyone or restriction. Removing
    /// a definition un-defines its id: rows that still name it make the rows invalid (build()
    /// reports the earliest of them), and an id nothing names any more is gone from the snapshot
    /// (its handle stays unused until a new builder). The id may be defined again by a later row
    /// (remove the old definition first: defining an id that is still defined is a duplicate).
    /// A number never added, a row already removed, a row that added nothing (a duplicate
    /// definition, unknown permission names) or a role table (add_roles) is errc::unknown_row, an
    /// error of the rows like a bad row (build() reports it; a change rolled back forgets it).
    errc remove(std::size_t row) {
        if (row >= rows_ || row_refs_[row] == detail::none || removed_[row]) return bad_removal(row);
        const std::uint32_t i = row_refs_[row];
        switch (row_kinds_[row]) {
        case row_kind::binding: {
            binding& bd = bindings_[i];
            unref_principal(bd.principal);
            unref(scope_defs_, scope_undo_, bd.scope);
            for (std::uint32_t k = bd.roles_begin; k < bd.roles_end; ++k)
                unref(role_defs_, role_undo_, binding_roles_[k]);
            mark_principal(bd.principal);
            break;
        }
        case row_kind::grant:
        case row_kind::deny:
        case row_kind::deny_everyone:
        case row_kind::restriction: {
            const perm_row& r = perm_rows_[i];
            unref_principal(r.principal);
            unref(scope_defs_, scope_undo_, r.scope);
            unref(scope_defs_, scope_undo_, r.within);
            if (r.kind == row_kind::deny_everyone && changing_) change_.everyone = true;
            mark_principal(r.principal);
            break;
        }
        case row_kind::scope: {
            auto& d = touch(scope_defs_, scope_undo_, i);
            d.defined = false; // keeps its place under its parent: a hole in the numbering
            unref(scope_defs_, scope_undo_, scope_defs_[i].parent);
            if (changing_) change_.scopes = true;
            break;
        }
        case row_kind::principal:
            touch(principal_defs_, principal_undo_, i).defined = false;
            mark_principal(i);
            break;
        case row_kind::role: {
            auto& d = touch(role_defs_, role_undo_, i);
            d.defined = false;
            const std::uint32_t pb = d.parents_begin, pe = d.parents_end;
            d.parents_end = d.parents_begin;
            d.permissions = set{};
            for (std::uint32_t k = pb; k < pe; ++k) unref(role_defs_, role_undo_, role_parents_[k]);
            if (changing_) change_.roles = true;
            break;
        }
        default: return bad_removal(row);
        }
        removed_[row] = true;
        if (changing_) removed_log_.push_back(static_cast<std::uint32_t>(row));
        return errc::ok;
    }

    /// Removes every binding of `principal` at `scope` that is in force (added and not removed);
    /// returns how many. Unknown ids remove nothing.
    std::size_t unbind(std::string_view principal, std::string_view scope) {
        const std::uint32_t p = principal_ids_.find(principal), sc = scope_ids_.find(scope);
        if (p == detail::none || sc == detail::none) return 0;
        std::size_t n = 0;
        for (std::uint32_t i = principal_defs_[p].bindings; i != detail::none; i = bindings_[i].next)
            if (bindings_[i].scope == sc && !removed_[bindings_[i].row]) n += remove(bindings_[i].row) == errc::ok;
        return n;
    }

    /// Starts a change: rows added and removed from here on can be taken back with
    /// rollback_change(), or kept with commit_change(). policy_writer::apply brackets each change
    /// so (its change function must not commit or roll back itself); a service can also use it to
    /// validate a change (build() on the changed rows) and undo it. Starting a change while one is
    /// open does nothing: the open change goes on, and one rollback_change() takes back all of it.
    void begin_change() {
        if (changing_) return;
        changing_ = true;
        mark_ = checkpoint{rows_,
                           version_,
                           error_,
                           scope_ids_.size(),
                           principal_ids_.size(),
                           role_ids_.size(),
                           role_parents_.size(),
                           bindings_.size(),
                           binding_roles_.size(),
                           perm_rows_.size()};
    }
    /// Keeps the open change (if any); the rows stay as they are.
    void commit_change() {
        changing_ = false;
        change_ = change_set{};
        scope_undo_.clear();
        principal_undo_.clear();
        role_undo_.clear();
        removed_log_.clear();
    }
    /// Takes back every row added and removed since begin_change(): the builder is as it was then
    /// (rows, ids, version, error). Does nothing when no change is open.
    void rollback_change() {
        if (!changing_) return;
        for (std::size_t i = removed_log_.size(); i-- > 0;) removed_[removed_log_[i]] = false;
        restore(scope_defs_, scope_undo_, mark_.scope_ids);
        restore(principal_defs_, principal_undo_, mark_.principal_ids);
        restore(role_defs_, role_undo_, mark_.role_ids);
        scope_ids_.truncate(mark_.scope_ids);
        principal_ids_.truncate(mark_.principal_ids);
        role_ids_.truncate(mark_.role_ids);
        role_parents_.resize(mark_.role_parents);
        bindings_.resize(mark_.bindings);
        binding_roles_.resize(mark_.binding_roles);
        perm_rows_.resize(mark_.perm_rows);
        rows_ = mark_.rows;
        row_refs_.resize(rows_);
        row_kinds_.resize(rows_);
        removed_.resize(rows_);
        version_ = mark_.version;
        error_ = mark_.error;
        commit_change();
    }

    /// Validates every row and builds the snapshot, or reports the first bad row.
    [[nodiscard]] build_result<P> build() const { return detail::build_steps<P>::run(*this); }

private:
    friend struct detail::build_steps<P>;
    friend struct detail::principal_steps<P>;
    friend struct detail::derive_steps<P>;

    struct scope_def {
        std::uint32_t kind = detail::none;
        std::uint32_t parent = detail::none;
        std::uint32_t row = 0;
        std::uint32_t first_ref = 0;
        std::uint32_t refs = 0; ///< rows in force that name this scope
        row_kind ref_kind = row_kind::scope;
        bool defined = false;
    };
    struct principal_def {
        principal_kind kind = principal_kind::user;
        std::uint32_t row = 0;
        std::uint32_t first_ref = 0;
        std::uint32_t refs = 0;
        std::uint32_t bindings = detail::none;  ///< its latest binding (a list through binding::next)
        std::uint32_t perm_rows = detail::none; ///< its latest grant, deny or restriction
        row_kind ref_kind = row_kind::principal;
        bool defined = false;
    };
    struct role_def_rt {
        set permissions{};
        std::uint32_t parents_begin = 0, parents_end = 0;
        std::uint32_t row = 0;
        std::uint32_t first_ref = 0;
        std::uint32_t refs = 0;
        row_kind ref_kind = row_kind::role;
        row_kind def_kind = row_kind::role;
        bool defined = false;
    };
    struct binding {
        std::uint32_t principal, scope, roles_begin, roles_end, row;
        std::uint32_t next = detail::none; ///< the principal's previous binding
        bool replace;
    };
    struct perm_row {
        row_kind kind;
        std::uint32_t principal, scope, row;
        set permissions;
        std::uint32_t within = detail::none; ///< restrictions: the scope whose subtree they govern
        std::uint32_t next = detail::none;   ///< the principal's previous grant, deny or restriction
    };
    /// What a change touched, for policy_writer: the principals whose rows changed, and whether
    /// the scope tree, the roles or the denies for everyone did.
    struct change_set {
        std::vector<std::uint32_t> principals;
        bool scopes = false, roles = false, everyone = false;
    };
    /// The builder's sizes at begin_change().
    struct checkpoint {
        std::size_t rows = 0;
        std::uint64_t version = 0;
        build_error error;
        std::size_t scope_ids = 0, principal_ids = 0, role_ids = 0;
        std::size_t role_parents = 0, bindings = 0, binding_roles = 0, perm_rows = 0;
    };
    template <class Def>
    using undo_log = std::vector<std::pair<std::uint32_t, Def>>;

    bool removed(std::uint32_t row) const noexcept { return removed_[row] != 0; }

    std::size_t next_row(row_kind k) {
        const std::size_t r = rows_++;
        if (r >= detail::max_rows) fail(errc::too_many, k, r, {});
        row_refs_.push_back(detail::none);
        row_kinds_.push_back(k);
        removed_.push_back(0);
        return r;
    }
    void set_ref(std::size_t row, std::uint32_t index) { row_refs_[row] = index; }
    void fail(errc e, row_kind k, std::size_t row, std::string_view id) {
        if (error_.ok()) error_ = build_error{e, k, row, std::string(id)};
    }
    errc bad_removal(std::size_t row) {
        fail(errc::unknown_row, row_kind::removal, row, {});
        return errc::unknown_row;
    }
    /// defs[i], after saving it to `log` when it predates the open change (for rollback_change).
    template <class Def>
    Def& touch(std::vector<Def>& defs, undo_log<Def>& log, std::uint32_t i) {
        if (changing_ && i < checkpoint_size(defs)) log.emplace_back(i, defs[i]);
        return defs[i];
    }
    std::size_t checkpoint_size(const std::vector<scope_def>&) const noexcept { return mark_.scope_ids; }
    std::size_t checkpoint_size(const std::vector<principal_def>&) const noexcept { return mark_.principal_ids; }
    std::size_t checkpoint_size(const std::vector<role_def_rt>&) const noexcept { return mark_.role_ids; }
    template <class Def>
    static void restore(std::vector<Def>& defs, undo_log<Def>& log, std::size_t size) {
        for (std::size_t i = log.size(); i-- > 0;) defs[log[i].first] = log[i].second;
        defs.resize(size);
    }
    /// Puts row `index` at the head of principal p's list `head` (bindings or perm rows) and
    /// returns the row it goes before; marks p changed.
    std::uint32_t link(std::uint32_t p, std::uint32_t principal_def::*head, std::uint32_t index) {
        if (p == detail::none) return detail::none;
        auto& d = touch(principal_defs_, principal_undo_, p);
        const std::uint32_t next = d.*head;
        d.*head = index;
        mark_principal(p);
        return next;
    }
    void mark_principal(std::uint32_t p) {
        if (changing_ && p != detail::none) change_.principals.push_back(p);
    }
    template <class Def>
    void unref(std::vector<Def>& defs, undo_log<Def>& log, std::uint32_t i) {
        if (i != detail::none) --touch(defs, log, i).refs;
    }
    void unref_principal(std::uint32_t p) { unref(principal_defs_, principal_undo_, p); }

    /// The number of `id` (interned if new). A reference (a row naming the id) counts in refs.
    template <class Def>
    std::uint32_t intern(detail::id_index& ids, std::vector<Def>& defs, undo_log<Def>& log, std::string_view id,
                         std::size_t row, row_kind k, bool reference) {
        if (!detail::valid_id(id)) {
            fail(errc::invalid_id, k, row, id);
            return detail::none;
        }
        const auto [i, added] = ids.insert(id);
        if (added) {
            defs.emplace_back();
            defs.back().first_ref = static_cast<std::uint32_t>(row);
            defs.back().ref_kind = k;
        }
        if (reference) {
            Def& d = touch(defs, log, i);
            if (d.refs++ == 0 && !added) { // named again after every earlier reference went
                d.first_ref = static_cast<std::uint32_t>(row);
                d.ref_kind = k;
            }
        }
        return i;
    }
    /// Interns `id` and marks it defined by `row`; detail::none when the id is malformed or
    /// already defined (an error of this row).
    template <class Def>
    std::uint32_t define(detail::id_index& ids, std::vector<Def>& defs, undo_log<Def>& log, std::string_view id,
                         std::size_t row, row_kind k) {
        const std::uint32_t i = intern(ids, defs, log, id, row, k, false);
        if (i == detail::none) return i;
        if (defs[i].defined) return fail(errc::duplicate_id, k, row, id), detail::none;
        Def& d = touch(defs, log, i);
        d.defined = true;
        d.row = static_cast<std::uint32_t>(row);
        return i;
    }
    std::uint32_t intern_scope(std::string_view id, std::size_t row, row_kind k) {
        return intern(scope_ids_, scope_defs_, scope_undo_, id, row, k, true);
    }
    std::uint32_t intern_principal(std::string_view id, std::size_t row, row_kind k) {
        return intern(principal_ids_, principal_defs_, principal_undo_, id, row, k, true);
    }
    std::uint32_t intern_role(std::string_view id, std::size_t row, row_kind k) {
        return intern(role_ids_, role_defs_, role_undo_, id, row, k, true);
    }

    void add_role_def(std::string_view id, const set& permissions, view<std::string_view> parents, std::size_t row,
                      row_kind k) {
        const std::uint32_t r = define(role_ids_, role_defs_, role_undo_, id, row, k);
        if (r == detail::none) return;
        if (k == row_kind::role) set_ref(row, r);
        if (changing_) change_.roles = true;
        const auto pb = static_cast<std::uint32_t>(role_parents_.size());
        for (std::string_view p : parents) role_parents_.push_back(intern_role(p, row, k));
        auto& d = role_defs_[r]; // interning the parents may have grown the vector
        d.permissions = permissions.implied();
        d.parents_begin = pb;
        d.parents_end = static_cast<std::uint32_t>(role_parents_.size());
        d.def_kind = k;
    }
    std::size_t add_perm_row(row_kind k, std::string_view principal, std::string_view scope, const set& permissions) {
        const std::size_t row = next_row(k);
        perm_row r{k, detail::none, detail::none, static_cast<std::uint32_t>(row), permissions, detail::none};
        if (k != row_kind::deny_everyone) r.principal = intern_principal(principal, row, k);
        r.scope = intern_scope(scope, row, k);
        const auto index = static_cast<std::uint32_t>(perm_rows_.size());
        r.next = link(r.principal, &principal_def::perm_rows, index);
        if (k == row_kind::deny_everyone && changing_) change_.everyone = true;
        perm_rows_.push_back(r);
        set_ref(row, index);
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
    // By row number: the index of its binding, perm row or definition (detail::none for a role
    // table or a row that failed), its kind, and whether it was removed.
    std::vector<std::uint32_t> row_refs_;
    std::vector<row_kind> row_kinds_;
    std::vector<std::uint8_t> removed_;
    // The open change (begin_change): what it touched, and what rollback_change restores.
    bool changing_ = false;
    change_set change_;
    checkpoint mark_;
    undo_log<scope_def> scope_undo_;
    undo_log<principal_def> principal_undo_;
    undo_log<role_def_rt> role_undo_;
    std::vector<std::uint32_t> removed_log_;
};

} // namespace ward

// build()'s body: validation, scope numbering, role flattening, entry packing.
#include "detail/build.hpp"

#endif
