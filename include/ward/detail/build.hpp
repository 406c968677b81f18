// SPDX-License-Identifier: MIT
#ifndef WARD_DETAIL_BUILD_HPP
#define WARD_DETAIL_BUILD_HPP

// policy_builder::build()'s body: validate the rows, number the scope tree, flatten the roles,
// pack each principal's entries, and collect the denies for everyone. A deny's mask is widened
// here, once, to every permission that implies a denied one (see deny_mask): every query reads
// the widened mask, so what is left after a deny stays closed under the implications.

#include "../builder.hpp"
#include "../error.hpp"
#include "../permission_set.hpp"
#include "../snapshot.hpp"
#include "closure.hpp"
#include "handle.hpp"
#include "id_index.hpp"
#include "sort.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace ward::detail {

/// The snapshot's deduplicated pool of masks (for masks that are not kept inline in entries).
template <class P>
class mask_pool {
public:
    using set = permission_set<P>;

    /// A pool over `masks`, which may hold masks already (a derived snapshot's copy of its pool).
    explicit mask_pool(std::vector<set>& masks) : masks_(masks), slots_(table_size(masks.size(), 64)) {
        for (std::uint32_t k = 0; k < masks_.size(); ++k) slots_.place(masks_[k].hash(), k + 1);
    }

    /// The index of `m` in the pool, added if new.
    std::uint32_t intern(const set& m) {
        const std::uint32_t found = slots_.find(m.hash(), [&](std::uint32_t v) { return masks_[v - 1] == m; });
        if (found != 0) return found - 1;
        const auto idx = static_cast<std::uint32_t>(masks_.size());
        masks_.push_back(m);
        if (masks_.size() * 2 > slots_.size()) {
            slots_.reset(slots_.size() * 2);
            for (std::uint32_t k = 0; k < masks_.size(); ++k) slots_.place(masks_[k].hash(), k + 1);
        } else {
            slots_.place(m.hash(), idx + 1);
        }
        return idx;
    }

    /// The mask at index i.
    const set& at(std::uint32_t i) const noexcept { return masks_[i]; }

private:
    std::vector<set>& masks_;
    slot_table<std::uint32_t> slots_; // mask index + 1
};

/// A deny row's mask as the snapshot keeps it: the permissions it names and every permission
/// that implies one of them (denying read also denies update when update implies read), so
/// that granted minus denied stays closed under the vocabulary's implications.
template <class P>
[[nodiscard]] permission_set<P> deny_mask(const permission_set<P>& named) noexcept {
    return permission_set<P>::from_words(detail::implying(vocabulary<P>::closure, named.words()));
}

/// Packs principals into pages: each principal's bindings, grants and denies in force as entries
/// sorted by (scope, row), with the bindings a later `replace` binding at the same scope drops,
/// empty entries and duplicates left out; its application restrictions; and its bindings as
/// roles_at lists them. build() packs every principal; policy_writer repacks the principals a
/// change touched and copies the others from the previous page, with the same code.
template <class P>
struct principal_steps {
    using builder = policy_builder<P>;
    using set = permission_set<P>;
    using entry = typename snapshot<P>::entry;
    using page = typename snapshot<P>::page;

    principal_steps(const builder& b_, const snapshot<P>& s_, const std::uint32_t* pre_, mask_pool<P>& pool_)
        : b(b_), s(s_), pre(pre_), pool(pool_) {}

    const builder& b;
    const snapshot<P>& s;
    const std::uint32_t* pre; ///< the builder's scope index -> its number
    mask_pool<P>& pool;
    const std::uint32_t* renumber = nullptr; ///< copied slots: a scope's old number -> its new one
    std::size_t entries = 0;                 ///< entries packed so far (packed or copied)
    bool restricted = false;                 ///< a packed page restricts someone
    bool holes = false;                      ///< a packed principal is not defined

    /// The page of principals [first, first + page::size) (those that exist). With `old`, only the
    /// principals in `dirty` (sorted, page-relative) are packed from the rows; the others are
    /// copied from `old`.
    std::shared_ptr<const page> page_from(std::uint32_t first, const page* old, view<std::uint32_t> dirty) {
        auto pg = std::make_shared<page>();
        const auto n = static_cast<std::uint32_t>(b.principal_defs_.size());
        pg->count = n - first < page::size ? n - first : page::size;
        std::size_t d = 0;
        pg->heads.resize(pg->count);
        for (std::uint32_t i = 0; i < pg->count; ++i) {
            const bool repack = old == nullptr || i >= old->count || (d < dirty.size() && dirty[d] == i);
            if (d < dirty.size() && dirty[d] == i) ++d;
            const auto start = static_cast<std::uint32_t>(pg->entries.size());
            if (repack) pack(first + i, *pg, i);
            else copy(*old, i, *pg);
            close(*pg, i, start);
        }
        if (!pg->restrict_first.empty() && pg->restrictions.empty()) pg->restrict_first.clear();
        if (!pg->member_first.empty() && pg->members.empty()) pg->member_first.clear();
        restricted = restricted || !pg->restrict_first.empty();
        return pg;
    }

private:
    struct raw {
        entry e;
        bool replace;
    };
    std::vector<raw> raws_, restr_;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> within_; // parallel to restr_: (scope, mask)
    std::vector<std::uint32_t> order_;

    [[nodiscard]] entry make_entry(std::uint32_t sp, const set& m, std::uint32_t row, entry_kind k) {
        entry e{};
        e.begin = sp;
        e.end = s.scope_end_[sp];
        e.tagged_row = row | (static_cast<std::uint32_t>(k) << 30);
        if constexpr (snapshot<P>::inline_masks) e.mask = m.words()[0];
        else e.mask = pool.intern(m);
        return e;
    }
    bool grants_nothing(const entry& e) const noexcept {
        if constexpr (snapshot<P>::inline_masks) return e.mask == 0;
        else return pool.at(e.mask).none();
    }
    static bool by_scope_row(const raw& x, const raw& y) {
        return x.e.begin != y.e.begin ? x.e.begin < y.e.begin : x.e.row() < y.e.row();
    }
    void sort_order(const std::vector<raw>& v) {
        order_.resize(v.size());
        for (std::uint32_t i = 0; i < order_.size(); ++i) order_[i] = i;
        detail::sort(order_.begin(), order_.end(),
                     [&](std::uint32_t x, std::uint32_t y) { return by_scope_row(v[x], v[y]); });
    }

    /// Principal p's rows in force, packed into slot i of pg.
    void pack(std::uint32_t p, page& pg, std::uint32_t i) {
        const auto& def = b.principal_defs_[p];
        pg.kind[i] = def.kind;
        pg.live[i] = def.defined;
        holes = holes || !def.defined;
        raws_.clear();
        restr_.clear();
        within_.clear();
        for (std::uint32_t k = def.bindings; k != none; k = b.bindings_[k].next) {
            const auto& bd = b.bindings_[k];
            if (b.removed(bd.row)) continue;
            set m;
            for (std::uint32_t r = bd.roles_begin; r < bd.roles_end; ++r) m |= s.role_masks_[b.binding_roles_[r]];
            raws_.push_back({make_entry(pre[bd.scope], m, bd.row, entry_kind::binding), bd.replace});
        }
        for (std::uint32_t k = def.perm_rows; k != none; k = b.perm_rows_[k].next) {
            const auto& r = b.perm_rows_[k];
            if (b.removed(r.row)) continue;
            const std::uint32_t sp = pre[r.scope];
            switch (r.kind) {
            case row_kind::grant:
                raws_.push_back({make_entry(sp, r.permissions.implied(), r.row, entry_kind::grant), false});
                break;
            case row_kind::deny:
                raws_.push_back({make_entry(sp, deny_mask(r.permissions), r.row, entry_kind::deny), false});
                break;
            case row_kind::restriction: {
                // By default a restriction governs the application's parent (its organization).
                std::uint32_t w = r.within != none ? pre[r.within] : s.scope_parent_[sp];
                if (w == none) w = sp;
                entry e{};
                e.begin = sp;
                e.end = s.scope_end_[sp];
                e.tagged_row = r.row;
                restr_.push_back({e, false});
                within_.push_back({w, pool.intern(r.permissions.implied())});
                break;
            }
            default: break;
            }
        }
        sort_order(raws_);
        const std::size_t start = pg.entries.size();
        for (std::size_t g = 0; g < order_.size();) {
            // One scope: a replacing binding drops the bindings of earlier rows.
            std::size_t h = g;
            std::uint32_t last_replace = 0;
            bool has_replace = false;
            for (; h < order_.size() && raws_[order_[h]].e.begin == raws_[order_[g]].e.begin; ++h)
                if (raws_[order_[h]].replace) {
                    has_replace = true;
                    last_replace = raws_[order_[h]].e.row();
                }
            const std::size_t group_start = pg.entries.size();
            for (std::size_t k = g; k < h; ++k) {
                const entry& e = raws_[order_[k]].e;
                if (has_replace && e.kind() == entry_kind::binding && e.row() < last_replace) continue;
                if (grants_nothing(e)) continue; // grants or denies nothing
                bool dup = false;                // a duplicate row adds nothing; keep the earliest
                for (std::size_t q = group_start; q < pg.entries.size() && !dup; ++q)
                    dup = pg.entries[q].mask == e.mask && pg.entries[q].kind() == e.kind();
                if (!dup) pg.entries.push_back(e);
            }
            g = h;
        }
        entries += pg.entries.size() - start;
        if (!restr_.empty()) {
            if (pg.restrict_first.empty()) pg.restrict_first.assign(page::size + 1, 0);
            sort_order(restr_);
            for (std::uint32_t k : order_)
                pg.restrictions.push_back({within_[k].first, s.scope_end_[within_[k].first], restr_[k].e.begin,
                                           restr_[k].e.end, within_[k].second, restr_[k].e.tagged_row});
        }
        pack_members(def, pg);
    }

    /// roles_at's list: the bindings in force by (scope, row), those a later `replace` at the same
    /// scope drops left out.
    void pack_members(const typename builder::principal_def& def, page& pg) {
        raws_.clear();
        std::vector<std::uint32_t>& index = binding_of_;
        index.clear();
        for (std::uint32_t k = def.bindings; k != none; k = b.bindings_[k].next) {
            const auto& bd = b.bindings_[k];
            if (b.removed(bd.row)) continue;
            entry e{};
            e.begin = pre[bd.scope];
            e.tagged_row = bd.row;
            raws_.push_back({e, bd.replace});
            index.push_back(k);
        }
        if (raws_.empty()) return;
        if (pg.member_first.empty()) pg.member_first.assign(page::size + 1, 0);
        sort_order(raws_);
        for (std::size_t g = 0; g < order_.size();) {
            std::size_t h = g;
            std::uint32_t last_replace = 0;
            for (; h < order_.size() && raws_[order_[h]].e.begin == raws_[order_[g]].e.begin; ++h)
                if (raws_[order_[h]].replace) last_replace = raws_[order_[h]].e.row();
            for (std::size_t k = g; k < h; ++k) {
                const auto& bd = b.bindings_[index[order_[k]]];
                if (bd.row < last_replace) continue;
                const std::uint32_t sp = pre[bd.scope];
                const auto rb = static_cast<std::uint32_t>(pg.member_roles.size());
                for (std::uint32_t r = bd.roles_begin; r < bd.roles_end; ++r)
                    pg.member_roles.push_back(b.binding_roles_[r]);
                pg.members.push_back({sp, s.scope_end_[sp], rb, static_cast<std::uint32_t>(pg.member_roles.size())});
            }
            g = h;
        }
    }
    std::vector<std::uint32_t> binding_of_; ///< pack_members: raws_[i] is bindings_[binding_of_[i]]

    /// Slot i of `old`, copied into the same slot of pg.
    void copy(const page& old, std::uint32_t i, page& pg) {
        pg.kind[i] = old.kind[i];
        pg.live[i] = old.live[i];
        holes = holes || !old.live[i];
        const std::size_t e0 = pg.entries.size(), r0 = pg.restrictions.size(), m0 = pg.members.size();
        old.each_entry(i, [&](const entry& e) {
            pg.entries.push_back(e);
            return true;
        });
        entries += pg.entries.size() - e0;
        if (!old.restrict_first.empty() && old.restrict_first[i] != old.restrict_first[i + 1]) {
            if (pg.restrict_first.empty()) pg.restrict_first.assign(page::size + 1, 0);
            pg.restrictions.insert(pg.restrictions.end(), old.restrictions.begin() + old.restrict_first[i],
                                   old.restrictions.begin() + old.restrict_first[i + 1]);
        }
        if (!old.member_first.empty() && old.member_first[i] != old.member_first[i + 1]) {
            if (pg.member_first.empty()) pg.member_first.assign(page::size + 1, 0);
            for (std::uint32_t m = old.member_first[i]; m < old.member_first[i + 1]; ++m) {
                detail::membership mb = old.members[m];
                const auto rb = static_cast<std::uint32_t>(pg.member_roles.size());
                pg.member_roles.insert(pg.member_roles.end(), old.member_roles.begin() + mb.roles_begin,
                                       old.member_roles.begin() + mb.roles_end);
                mb.roles_begin = rb;
                mb.roles_end = static_cast<std::uint32_t>(pg.member_roles.size());
                pg.members.push_back(mb);
            }
        }
        if (renumber == nullptr) return;
        // The tree was renumbered: every range becomes its scope's new [number, end).
        auto range = [&](std::uint32_t& begin, std::uint32_t& end) {
            begin = renumber[begin];
            end = s.scope_end_[begin];
        };
        for (std::size_t k = e0; k < pg.entries.size(); ++k) range(pg.entries[k].begin, pg.entries[k].end);
        for (std::size_t k = r0; k < pg.restrictions.size(); ++k) {
            range(pg.restrictions[k].within_begin, pg.restrictions[k].within_end);
            range(pg.restrictions[k].app_begin, pg.restrictions[k].app_end);
        }
        for (std::size_t k = m0; k < pg.members.size(); ++k) range(pg.members[k].begin, pg.members[k].end);
    }
    /// Ends slot i, whose entries were appended from `start`: the first goes to its head, the
    /// others stay; the offsets of slot i + 1 start where slot i's arrays end.
    static void close(page& pg, std::uint32_t i, std::uint32_t start) {
        auto& h = pg.heads[i];
        h.first = entry{};
        h.first.begin = none;
        if (pg.entries.size() > start) {
            pg.entry_count += pg.entries.size() - start;
            h.first = pg.entries[start];
            pg.entries.erase(pg.entries.begin() + start); // the slot's own entries follow it: a few
        }
        h.rest = start;
        h.end = static_cast<std::uint32_t>(pg.entries.size());
        if (!pg.restrict_first.empty()) pg.restrict_first[i + 1] = static_cast<std::uint32_t>(pg.restrictions.size());
        if (!pg.member_first.empty()) pg.member_first[i + 1] = static_cast<std::uint32_t>(pg.members.size());
    }
};

template <class P>
struct build_steps {
    using builder = policy_builder<P>;
    using set = permission_set<P>;
    using entry = typename snapshot<P>::entry;

    [[nodiscard]] static build_result<P> run(const builder& b) {
        build_result<P> out;
        if (!b.schema_.valid() || b.schema_.size() == 0) {
            // The schema is no row: the error says so rather than blame row 0.
            out.error =
                build_error{b.schema_.valid() ? errc::empty_input : errc::unknown_kind, row_kind::schema, 0, {}};
            return out;
        }
        auto snap = std::make_shared<snapshot<P>>();
        snapshot<P>& s = *snap;
        s.version_ = b.version_;
        s.schema_ = b.schema_;
        std::vector<std::uint32_t> pre; // the builder's scope index -> its preorder number
        // Every check runs, so that the error names the earliest bad row whichever check finds it
        // (a scope cycle in the first rows comes before an unknown id further down). Numbering and
        // flattening take rows that do not validate (an undefined scope counts as a root, an
        // undefined role has no parents); their results are dropped with the error.
        out.error = validate(b);
        keep_earliest(out.error, number_scopes(b, s, pre));
        keep_earliest(out.error, flatten_roles(b, s));
        if (!out.error.ok()) return out;
        // Principal handles are the builder's numbers: its index is taken as it is.
        s.principal_ids_ = shared_ids(b.principal_ids_);
        s.principal_count_ = b.principal_defs_.size();

        std::vector<set> masks;
        mask_pool<P> pool(masks);
        collect_denies_for_everyone(b, s, pre.data(), pool);
        principal_steps<P> fill(b, s, pre.data(), pool);
        for (std::uint32_t first = 0; first < s.principal_count_; first += snapshot<P>::page::size)
            s.pages_.push_back(fill.page_from(first, nullptr, {}));
        s.entry_count_ = fill.entries;
        s.any_restriction_ = fill.restricted;
        s.principal_holes_ = fill.holes;
        s.masks_ = shared_vec<set>(std::move(masks));
        s.scope_number_ = shared_vec<std::uint32_t>(std::move(pre));
        role_ancestors(b, s);
        out.value = std::move(snap);
        return out;
    }

    /// Keeps `first`, or `e` where it names an earlier row.
    static void keep_earliest(build_error& first, build_error e) {
        if (!e.ok() && (first.ok() || e.row < first.row)) first = std::move(e);
    }

    /// Keeps the earliest bad row, whichever check finds it.
    static void consider(build_error& first, errc e, row_kind k, std::size_t row, std::string_view id) {
        if (!first.ok() && first.row <= row) return;
        first = build_error{e, k, row, std::string(id)};
    }

    /// Every referenced id is defined, and every scope is a root or under a parent of a kind the
    /// schema allows.
    [[nodiscard]] static build_error validate(const builder& b) {
        build_error first = b.error_;
        // An id that is not defined is an error of the earliest row in force that names it; an id
        // nothing names (its rows were removed) is no error: it is left out of the snapshot.
        auto unknown = [&](const auto& defs, const id_index& ids, errc e, auto names) {
            for (std::uint32_t i = 0; i < defs.size(); ++i) {
                const auto& d = defs[i];
                if (d.defined || d.refs == 0) continue;
                if (!b.removed(d.first_ref)) consider(first, e, d.ref_kind, d.first_ref, ids.at(i));
                else earliest_reference(b, first, e, i, names, ids.at(i));
            }
        };
        unknown(b.scope_defs_, b.scope_ids_, errc::unknown_scope, names_scope{});
        unknown(b.principal_defs_, b.principal_ids_, errc::unknown_principal, names_principal{});
        unknown(b.role_defs_, b.role_ids_, errc::unknown_role, names_role{});
        for (std::uint32_t i = 0; i < b.scope_defs_.size(); ++i) {
            const auto& d = b.scope_defs_[i];
            if (!d.defined || d.kind == none) continue;
            if (d.parent == none) {
                if (!b.schema_.may_be_root(d.kind))
                    consider(first, errc::wrong_scope_kind, row_kind::scope, d.row, b.scope_ids_.at(i));
            } else if (b.scope_defs_[d.parent].defined && b.scope_defs_[d.parent].kind != none &&
                       !b.schema_.allows(b.scope_defs_[d.parent].kind, d.kind)) {
                consider(first, errc::wrong_scope_kind, row_kind::scope, d.row, b.scope_ids_.at(i));
            }
        }
        return first;
    }

    struct names_scope {};
    struct names_principal {};
    struct names_role {};
    /// The earliest row in force that names id number i (its first reference was removed): scans
    /// every row (only on the error path).
    template <class Names>
    static void earliest_reference(const builder& b, build_error& first, errc e, std::uint32_t i, Names,
                                   std::string_view id) {
        auto seen = [&](std::uint32_t row, row_kind k) {
            if (!b.removed(row)) consider(first, e, k, row, id);
        };
        for (const auto& bd : b.bindings_) {
            if constexpr (std::is_same_v<Names, names_scope>) {
                if (bd.scope == i) seen(bd.row, row_kind::binding);
            } else if constexpr (std::is_same_v<Names, names_principal>) {
                if (bd.principal == i) seen(bd.row, row_kind::binding);
            } else {
                for (std::uint32_t k = bd.roles_begin; k < bd.roles_end; ++k)
                    if (b.binding_roles_[k] == i) seen(bd.row, row_kind::binding);
            }
        }
        if constexpr (std::is_same_v<Names, names_scope>) {
            for (const auto& r : b.perm_rows_)
                if (r.scope == i || r.within == i) seen(r.row, r.kind);
            for (const auto& d : b.scope_defs_)
                if (d.defined && d.parent == i) seen(d.row, row_kind::scope);
        } else if constexpr (std::is_same_v<Names, names_principal>) {
            for (const auto& r : b.perm_rows_)
                if (r.principal == i) seen(r.row, r.kind);
        } else {
            for (const auto& d : b.role_defs_)
                if (d.defined)
                    for (std::uint32_t k = d.parents_begin; k < d.parents_end; ++k)
                        if (b.role_parents_[k] == i) seen(d.row, d.def_kind);
        }
    }

    /// Numbers the scope tree in preorder, so that a subtree is the range [number, end). A scope
    /// no root reaches is on a cycle: the error names the earliest such row.
    [[nodiscard]] static build_error number_scopes(const builder& b, snapshot<P>& s, std::vector<std::uint32_t>& pre) {
        const auto n_scopes = static_cast<std::uint32_t>(b.scope_defs_.size());
        std::vector<std::uint32_t> child_first(n_scopes + 1, 0), children(n_scopes), roots;
        for (std::uint32_t i = 0; i < n_scopes; ++i) {
            if (b.scope_defs_[i].parent == none) roots.push_back(i);
            else ++child_first[b.scope_defs_[i].parent + 1];
        }
        for (std::uint32_t i = 0; i < n_scopes; ++i) child_first[i + 1] += child_first[i];
        {
            std::vector<std::uint32_t> fill(child_first.begin(), child_first.end() - 1);
            for (std::uint32_t i = 0; i < n_scopes; ++i)
                if (b.scope_defs_[i].parent != none) children[fill[b.scope_defs_[i].parent]++] = i;
        }
        pre.assign(n_scopes, none);
        std::vector<std::uint32_t> scope_end(n_scopes, 0), scope_parent(n_scopes, none);
        std::vector<std::uint8_t> scope_kind(n_scopes, 0);
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
                        scope_end[pre[node]] = static_cast<std::uint32_t>(order.size());
                        stack.pop_back();
                    }
                }
            }
        }
        build_error error;
        if (order.size() != n_scopes) {
            for (std::uint32_t i = 0; i < n_scopes; ++i)
                if (pre[i] == none)
                    consider(error, errc::scope_cycle, row_kind::scope, b.scope_defs_[i].row, b.scope_ids_.at(i));
            return error;
        }
        id_index ids;
        ids.reserve(n_scopes, b.scope_ids_.arena_bytes());
        for (std::uint32_t k = 0; k < n_scopes; ++k) {
            const std::uint32_t i = order[k];
            ids.insert(b.scope_ids_.at(i));
            const bool live = b.scope_defs_[i].defined;
            s.scope_holes_ = s.scope_holes_ || !live;
            scope_kind[k] = live ? static_cast<std::uint8_t>(b.scope_defs_[i].kind) : removed_scope_kind;
            scope_parent[k] = b.scope_defs_[i].parent == none ? none : pre[b.scope_defs_[i].parent];
        }
        s.scope_ids_ = shared_ids(std::move(ids));
        s.scope_end_ = shared_vec<std::uint32_t>(std::move(scope_end));
        s.scope_parent_ = shared_vec<std::uint32_t>(std::move(scope_parent));
        s.scope_kind_ = shared_vec<std::uint8_t>(std::move(scope_kind));
        return error;
    }

    /// Flattens every role into one mask (parents first); a role that inherits itself is an error,
    /// reported at the row that closed the cycle (closing_role).
    [[nodiscard]] static build_error flatten_roles(const builder& b, snapshot<P>& s) {
        const auto n_roles = static_cast<std::uint32_t>(b.role_defs_.size());
        std::vector<set> role_masks(n_roles, set{});
        std::vector<std::uint8_t> state(n_roles, 0); // 0 new, 1 on stack, 2 done
        std::vector<std::pair<std::uint32_t, std::uint32_t>> stack;
        for (std::uint32_t r0 = 0; r0 < n_roles; ++r0) {
            if (state[r0] == 2) continue;
            stack.push_back({r0, b.role_defs_[r0].parents_begin});
            state[r0] = 1;
            while (!stack.empty()) {
                auto& [r, next] = stack.back();
                const auto& d = b.role_defs_[r];
                if (next < d.parents_end) {
                    const std::uint32_t q = b.role_parents_[next++];
                    if (q == none) continue; // a malformed parent id: validate() reports that row
                    if (state[q] == 1) {
                        // Found from wherever the walk began; the error names the row that closed it.
                        const std::uint32_t c = closing_role(b);
                        return build_error{errc::role_cycle, b.role_defs_[c].def_kind, b.role_defs_[c].row,
                                           std::string(b.role_ids_.at(c))};
                    }
                    if (state[q] == 0) {
                        state[q] = 1;
                        stack.push_back({q, b.role_defs_[q].parents_begin});
                    }
                } else {
                    set m = d.permissions;
                    for (std::uint32_t k = d.parents_begin; k < d.parents_end; ++k)
                        if (b.role_parents_[k] != none) m |= role_masks[b.role_parents_[k]];
                    role_masks[r] = m.implied();
                    state[r] = 2;
                    stack.pop_back();
                }
            }
        }
        std::vector<std::uint8_t> defined(n_roles);
        for (std::uint32_t r = 0; r < n_roles; ++r) defined[r] = b.role_defs_[r].defined ? 1 : 0;
        s.role_ids_ = shared_ids(b.role_ids_);
        s.role_masks_ = shared_vec<set>(std::move(role_masks));
        s.role_defined_ = shared_vec<std::uint8_t>(std::move(defined));
        return {};
    }

    /// Do the roles defined by rows up to `last_row` inherit in a cycle? A parent edge counts once
    /// both its roles are defined by then. (Only on the error path: build() found a cycle.)
    [[nodiscard]] static bool has_role_cycle(const builder& b, std::uint32_t last_row) {
        const auto n_roles = static_cast<std::uint32_t>(b.role_defs_.size());
        auto in = [&](std::uint32_t r) { return b.role_defs_[r].row <= last_row; };
        std::vector<std::uint8_t> state(n_roles, 0); // 0 new, 1 on stack, 2 done
        std::vector<std::pair<std::uint32_t, std::uint32_t>> stack;
        for (std::uint32_t r0 = 0; r0 < n_roles; ++r0) {
            if (state[r0] != 0 || !in(r0)) continue;
            stack.push_back({r0, b.role_defs_[r0].parents_begin});
            state[r0] = 1;
            while (!stack.empty()) {
                auto& [r, next] = stack.back();
                if (next < b.role_defs_[r].parents_end) {
                    const std::uint32_t q = b.role_parents_[next++];
                    if (q == none || !in(q)) continue;
                    if (state[q] == 1) return true;
                    if (state[q] == 0) {
                        state[q] = 1;
                        stack.push_back({q, b.role_defs_[q].parents_begin});
                    }
                } else {
                    state[r] = 2;
                    stack.pop_back();
                }
            }
        }
        return false;
    }

    /// The role whose definition closed the first cycle: the earliest row after which the roles
    /// defined so far inherit in a cycle (of the rows that form that cycle, the latest). Adding
    /// rows only adds edges, so that row is found by a binary search over the definition rows.
    [[nodiscard]] static std::uint32_t closing_role(const builder& b) {
        std::vector<std::uint32_t> by_row(b.role_defs_.size());
        for (std::uint32_t r = 0; r < by_row.size(); ++r) by_row[r] = r;
        detail::sort(by_row.begin(), by_row.end(),
                     [&](std::uint32_t x, std::uint32_t y) { return b.role_defs_[x].row < b.role_defs_[y].row; });
        std::size_t lo = 0, hi = by_row.size() - 1; // the rows up to by_row[hi] hold a cycle
        while (lo < hi) {
            const std::size_t mid = lo + (hi - lo) / 2;
            if (has_role_cycle(b, b.role_defs_[by_row[mid]].row)) hi = mid;
            else lo = mid + 1;
        }
        return by_row[lo];
    }

    /// Denies for everyone: each scope's own rows (for explain), and the union inherited down the
    /// tree (what a check reads).
    static void collect_denies_for_everyone(const builder& b, snapshot<P>& s, const std::uint32_t* pre,
                                            mask_pool<P>& pool) {
        const auto n_scopes = static_cast<std::uint32_t>(s.scope_end_.size());
        std::vector<set> everyone(n_scopes);
        std::vector<std::uint32_t> everyone_first(n_scopes + 1, 0);
        std::vector<std::pair<std::uint32_t, std::uint32_t>> rows, masks;
        for (const auto& r : b.perm_rows_)
            if (r.kind == row_kind::deny_everyone && !b.removed(r.row)) {
                const std::uint32_t sp = pre[r.scope];
                everyone[sp] |= deny_mask(r.permissions);
                rows.push_back({r.row, sp});
                ++everyone_first[sp + 1];
            }
        if (rows.empty()) { // none: the tables stay empty and checks skip them
            s.everyone_first_ = {};
            s.everyone_rows_ = {};
            s.everyone_ = {};
            s.deny_all_ = {};
            return;
        }
        for (std::uint32_t k = 0; k < n_scopes; ++k) everyone_first[k + 1] += everyone_first[k];
        masks.resize(rows.size());
        std::vector<std::uint32_t> fill(everyone_first.begin(), everyone_first.end() - 1);
        for (const auto& r : b.perm_rows_) // perm_rows_ is in row order, so each scope's rows are too
            if (r.kind == row_kind::deny_everyone && !b.removed(r.row))
                masks[fill[pre[r.scope]]++] = {r.row, pool.intern(deny_mask(r.permissions))};
        std::vector<std::uint32_t> deny_all(n_scopes, none);
        std::vector<set> inherited(n_scopes);
        for (std::uint32_t k = 0; k < n_scopes; ++k) {
            const std::uint32_t par = s.scope_parent_[k];
            inherited[k] = everyone[k];
            if (par != none) inherited[k] |= inherited[par];
            if (inherited[k].any()) deny_all[k] = pool.intern(inherited[k]);
        }
        s.everyone_first_ = shared_vec<std::uint32_t>(std::move(everyone_first));
        s.everyone_rows_ = shared_vec<std::pair<std::uint32_t, std::uint32_t>>(std::move(rows));
        s.everyone_ = shared_vec<std::pair<std::uint32_t, std::uint32_t>>(std::move(masks));
        s.deny_all_ = shared_vec<std::uint32_t>(std::move(deny_all));
    }

    /// Each role's parents, transitively, nearest first (for roles_at).
    static void role_ancestors(const builder& b, snapshot<P>& s) {
        const auto n_roles = static_cast<std::uint32_t>(b.role_defs_.size());
        std::vector<std::uint32_t> first(n_roles + 1, 0), ancestors;
        std::vector<std::uint32_t> stamp(n_roles, none);
        for (std::uint32_t r = 0; r < n_roles; ++r) {
            const auto begin = static_cast<std::uint32_t>(ancestors.size());
            stamp[r] = r;
            for (std::uint32_t k = b.role_defs_[r].parents_begin; k < b.role_defs_[r].parents_end; ++k) {
                const std::uint32_t q = b.role_parents_[k];
                if (stamp[q] == r) continue;
                stamp[q] = r;
                ancestors.push_back(q);
            }
            for (std::uint32_t i = begin; i < ancestors.size(); ++i) { // breadth first
                const std::uint32_t a = ancestors[i];
                for (std::uint32_t k = b.role_defs_[a].parents_begin; k < b.role_defs_[a].parents_end; ++k) {
                    const std::uint32_t q = b.role_parents_[k];
                    if (stamp[q] == r) continue;
                    stamp[q] = r;
                    ancestors.push_back(q);
                }
            }
            first[r + 1] = static_cast<std::uint32_t>(ancestors.size());
        }
        s.role_ancestor_first_ = shared_vec<std::uint32_t>(std::move(first));
        s.role_ancestors_ = shared_vec<std::uint32_t>(std::move(ancestors));
    }
};

} // namespace ward::detail

#endif
