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
#include <utility>
#include <vector>

namespace ward::detail {

/// The snapshot's deduplicated pool of masks (for masks that are not kept inline in entries).
template <class P>
class mask_pool {
public:
    using set = permission_set<P>;

    explicit mask_pool(std::vector<set>& masks) : masks_(masks), slots_(64) {}

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

private:
    std::vector<set>& masks_;
    slot_table<std::uint32_t> slots_; // mask index + 1
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
        s.principal_ids_ = b.principal_ids_;
        s.principal_kind_.resize(b.principal_defs_.size());
        for (std::size_t i = 0; i < b.principal_defs_.size(); ++i) s.principal_kind_[i] = b.principal_defs_[i].kind;

        mask_pool<P> pool(s.masks_);
        pack_entries(b, s, pre, pool);
        collect_denies_for_everyone(b, s, pre, pool);
        membership_steps<P>::run(b, s, pre); // roles_at's tables (builder.hpp)
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
        for (std::uint32_t i = 0; i < b.scope_defs_.size(); ++i)
            if (!b.scope_defs_[i].defined)
                consider(first, errc::unknown_scope, b.scope_defs_[i].ref_kind, b.scope_defs_[i].first_ref,
                         b.scope_ids_.at(i));
        for (std::uint32_t i = 0; i < b.principal_defs_.size(); ++i)
            if (!b.principal_defs_[i].defined)
                consider(first, errc::unknown_principal, b.principal_defs_[i].ref_kind, b.principal_defs_[i].first_ref,
                         b.principal_ids_.at(i));
        for (std::uint32_t i = 0; i < b.role_defs_.size(); ++i)
            if (!b.role_defs_[i].defined)
                consider(first, errc::unknown_role, b.role_defs_[i].ref_kind, b.role_defs_[i].first_ref,
                         b.role_ids_.at(i));
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
        s.scope_end_.assign(n_scopes, 0);
        s.scope_parent_.assign(n_scopes, none);
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
        build_error error;
        if (order.size() != n_scopes) {
            for (std::uint32_t i = 0; i < n_scopes; ++i)
                if (pre[i] == none)
                    consider(error, errc::scope_cycle, row_kind::scope, b.scope_defs_[i].row, b.scope_ids_.at(i));
            return error;
        }
        s.scope_ids_.reserve(n_scopes, b.scope_ids_.arena_bytes());
        for (std::uint32_t k = 0; k < n_scopes; ++k) {
            const std::uint32_t i = order[k];
            s.scope_ids_.insert(b.scope_ids_.at(i));
            s.scope_kind_[k] = static_cast<std::uint8_t>(b.scope_defs_[i].kind);
            s.scope_parent_[k] = b.scope_defs_[i].parent == none ? none : pre[b.scope_defs_[i].parent];
        }
        return error;
    }

    /// Flattens every role into one mask (parents first); a role that inherits itself is an error,
    /// reported at the row that closed the cycle (closing_role).
    [[nodiscard]] static build_error flatten_roles(const builder& b, snapshot<P>& s) {
        const auto n_roles = static_cast<std::uint32_t>(b.role_defs_.size());
        s.role_masks_.assign(n_roles, set{});
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
                        if (b.role_parents_[k] != none) m |= s.role_masks_[b.role_parents_[k]];
                    s.role_masks_[r] = m.implied();
                    state[r] = 2;
                    stack.pop_back();
                }
            }
        }
        s.role_ids_ = b.role_ids_;
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

    /// A deny row's mask as the snapshot keeps it: the permissions it names and every permission
    /// that implies one of them (denying read also denies update when update implies read), so
    /// that granted minus denied stays closed under the vocabulary's implications.
    [[nodiscard]] static set deny_mask(const set& named) noexcept {
        return set::from_words(detail::implying(vocabulary<P>::closure, named.words()));
    }

    [[nodiscard]] static entry make_entry(const snapshot<P>& s, mask_pool<P>& pool, std::uint32_t sp, const set& m,
                                          std::uint32_t row, entry_kind k) {
        entry e{};
        e.begin = sp;
        e.end = s.scope_end_[sp];
        e.tagged_row = row | (static_cast<std::uint32_t>(k) << 30);
        if constexpr (snapshot<P>::inline_masks) e.mask = m.words()[0];
        else e.mask = pool.intern(m);
        return e;
    }

    /// Each principal's bindings, grants and denies as entries sorted by (scope, row), with the
    /// bindings a `replace` binding drops, empty entries and duplicates left out; and each
    /// principal's application restrictions.
    static void pack_entries(const builder& b, snapshot<P>& s, const std::vector<std::uint32_t>& pre,
                             mask_pool<P>& pool) {
        const auto n_principals = static_cast<std::uint32_t>(b.principal_defs_.size());
        struct raw {
            std::uint32_t principal;
            entry e;
            bool replace;
        };
        std::vector<raw> raws, restr;
        std::vector<std::pair<std::uint32_t, std::uint32_t>> restr_within; // parallel to restr
        raws.reserve(b.bindings_.size() + b.perm_rows_.size());
        for (const auto& bd : b.bindings_) {
            set m;
            for (std::uint32_t k = bd.roles_begin; k < bd.roles_end; ++k) m |= s.role_masks_[b.binding_roles_[k]];
            raws.push_back(
                {bd.principal, make_entry(s, pool, pre[bd.scope], m, bd.row, entry_kind::binding), bd.replace});
        }
        for (const auto& r : b.perm_rows_) {
            const std::uint32_t sp = pre[r.scope];
            switch (r.kind) {
            case row_kind::grant:
                raws.push_back(
                    {r.principal, make_entry(s, pool, sp, r.permissions.implied(), r.row, entry_kind::grant), false});
                break;
            case row_kind::deny:
                raws.push_back(
                    {r.principal, make_entry(s, pool, sp, deny_mask(r.permissions), r.row, entry_kind::deny), false});
                break;
            case row_kind::restriction: {
                // By default a restriction governs the application's parent (its organization).
                std::uint32_t w = r.within != none ? pre[r.within] : s.scope_parent_[sp];
                if (w == none) w = sp;
                entry e{};
                e.begin = sp;
                e.end = s.scope_end_[sp];
                e.tagged_row = r.row;
                restr.push_back({r.principal, e, false});
                restr_within.push_back({w, pool.intern(r.permissions.implied())});
                break;
            }
            default: break;
            }
        }
        auto by_scope_row = [](const raw& x, const raw& y) {
            return x.e.begin != y.e.begin ? x.e.begin < y.e.begin : x.e.row() < y.e.row();
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
                    if (has_replace && e.kind() == entry_kind::binding && e.row() < last_replace) continue;
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
    }

    /// Denies for everyone: each scope's own rows (for explain), and the union inherited down the
    /// tree (what a check reads).
    static void collect_denies_for_everyone(const builder& b, snapshot<P>& s, const std::vector<std::uint32_t>& pre,
                                            mask_pool<P>& pool) {
        const auto n_scopes = static_cast<std::uint32_t>(s.scope_end_.size());
        std::vector<set> everyone(n_scopes);
        s.everyone_first_.assign(n_scopes + 1, 0);
        for (const auto& r : b.perm_rows_)
            if (r.kind == row_kind::deny_everyone) {
                const std::uint32_t sp = pre[r.scope];
                everyone[sp] |= deny_mask(r.permissions);
                s.everyone_rows_.push_back({r.row, sp});
                ++s.everyone_first_[sp + 1];
            }
        if (s.everyone_rows_.empty()) {
            s.everyone_first_.clear();
            return;
        }
        for (std::uint32_t k = 0; k < n_scopes; ++k) s.everyone_first_[k + 1] += s.everyone_first_[k];
        s.everyone_.resize(s.everyone_rows_.size());
        std::vector<std::uint32_t> fill(s.everyone_first_.begin(), s.everyone_first_.end() - 1);
        for (const auto& r : b.perm_rows_) // perm_rows_ is in row order, so each scope's rows are too
            if (r.kind == row_kind::deny_everyone)
                s.everyone_[fill[pre[r.scope]]++] = {r.row, pool.intern(deny_mask(r.permissions))};
        s.deny_all_.assign(n_scopes, none);
        std::vector<set> inherited(n_scopes);
        for (std::uint32_t k = 0; k < n_scopes; ++k) {
            const std::uint32_t par = s.scope_parent_[k];
            inherited[k] = everyone[k];
            if (par != none) inherited[k] |= inherited[par];
            if (inherited[k].any()) s.deny_all_[k] = pool.intern(inherited[k]);
        }
    }
};

} // namespace ward::detail

#endif
