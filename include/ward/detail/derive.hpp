// SPDX-License-Identifier: MIT
#ifndef WARD_DETAIL_DERIVE_HPP
#define WARD_DETAIL_DERIVE_HPP

// policy_writer::apply's body: the next snapshot from the current one and the change the builder
// recorded since begin_change(). A change to principals' rows repacks the pages of the principals
// it names (principal_steps, the code build() packs with) and shares everything else; any other
// change, and any change that may be invalid, is handed to build(), whose result is the
// reference: the derived snapshot is the one build() would give, and a refused change gets
// build()'s error.

#include "../builder.hpp"
#include "../snapshot.hpp"
#include "build.hpp"
#include "sort.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace ward::detail {

template <class P>
struct derive_steps {
    using builder = policy_builder<P>;
    using set = permission_set<P>;
    using page = typename snapshot<P>::page;

    /// The next snapshot; `how` says whether it was derived or built in full.
    [[nodiscard]] static build_result<P> run(const builder& b, const snapshot<P>& cur, derivation& how) {
        how = derivation::full;
        const auto& ch = b.change_;
        // A change that may be invalid builds in full: build() names the error.
        if (!b.changing_ || !b.error_.ok() || !references_defined(b) || !scopes_in_place(b, cur) ||
            b.principal_defs_.size() < cur.principal_count_)
            return b.build();

        auto snap = std::make_shared<snapshot<P>>(cur); // shares every table
        snapshot<P>& s = *snap;
        s.version_ = b.version_;
        const std::size_t n = b.principal_defs_.size();
        if (n != cur.principal_count_) s.principal_ids_ = cur.principal_ids_.extended(b.principal_ids_);
        s.principal_count_ = n;

        std::vector<std::uint32_t> dirty(ch.principals.begin(), ch.principals.end());
        for (auto p = static_cast<std::uint32_t>(cur.principal_count_); p < n; ++p) dirty.push_back(p);

        // New scopes renumber the tree (each goes after its parent's last descendant): every entry
        // is copied with its scope's new number. Removed scopes only become holes.
        std::vector<std::uint32_t> renumber;
        if (b.scope_defs_.size() > cur.scope_count()) {
            std::vector<std::uint32_t> pre;
            if (!build_steps<P>::number_scopes(b, s, pre).ok()) return b.build();
            renumber.resize(cur.scope_count());
            for (std::uint32_t i = 0; i < cur.scope_count(); ++i) renumber[cur.scope_number_[i]] = pre[i];
            s.scope_number_ = shared_vec<std::uint32_t>(std::move(pre));
        } else if (ch.scopes) {
            mark_removed_scopes(b, s);
        }
        if (ch.roles) { // flatten again; principals bound to a role whose permissions changed repack
            if (!build_steps<P>::flatten_roles(b, s).ok()) return b.build(); // a cycle: build() names its row
            build_steps<P>::role_ancestors(b, s);
            bound_to_changed_roles(b, cur, s, dirty);
        }
        detail::sort(dirty.begin(), dirty.end(), [](std::uint32_t x, std::uint32_t y) { return x < y; });

        std::vector<set> masks = cur.masks_.copy();
        const std::size_t old_masks = masks.size();
        mask_pool<P> pool(masks);
        if (ch.everyone || ch.scopes) build_steps<P>::collect_denies_for_everyone(b, s, s.scope_number_.data(), pool);
        principal_steps<P> fill(b, s, s.scope_number_.data(), pool);
        fill.renumber = renumber.empty() ? nullptr : renumber.data();
        std::size_t dropped = 0; // entries of the pages replaced
        std::vector<std::uint32_t> slots;
        const std::size_t pages = (n + page::size - 1) / page::size;
        for (std::size_t i = 0, g = 0; g < pages; ++g) {
            if (renumber.empty()) { // only the pages of dirty principals; the others stay shared
                if (i == dirty.size()) break;
                g = dirty[i] >> page::bits;
            }
            slots.clear();
            for (; i < dirty.size() && (dirty[i] >> page::bits) == g; ++i)
                if (slots.empty() || slots.back() != (dirty[i] & page::mask)) slots.push_back(dirty[i] & page::mask);
            const page* old = g < cur.pages_.size() ? &cur.pages_[g] : nullptr;
            if (old != nullptr) dropped += old->entry_count;
            s.pages_.replace(g, fill.page_from(static_cast<std::uint32_t>(g << page::bits), old,
                                               view<std::uint32_t>(slots.data(), slots.size())));
        }
        s.entry_count_ = cur.entry_count_ - dropped + fill.entries;
        s.any_restriction_ = cur.any_restriction_ || fill.restricted;
        s.principal_holes_ = cur.principal_holes_ || fill.holes;
        if (masks.size() != old_masks) s.masks_ = shared_vec<set>(std::move(masks));
        build_result<P> out;
        out.value = std::move(snap);
        how = derivation::incremental;
        return out;
    }

private:
    /// The scope tree keeps its numbering: no new scope, and every scope the change touched keeps
    /// its parent and kind (it was removed, or removed and defined again as it was), and is where
    /// the schema allows it.
    static bool scopes_in_place(const builder& b, const snapshot<P>& cur) {
        if (b.scope_defs_.size() < cur.scope_count()) return false;
        auto placed = [&](const auto& d) {
            if (!d.defined) return true;
            if (d.kind == none) return false;
            return d.parent == none
                       ? b.schema_.may_be_root(d.kind)
                       : b.scope_defs_[d.parent].kind != none && b.schema_.allows(b.scope_defs_[d.parent].kind, d.kind);
        };
        for (const auto& [i, old] : b.scope_undo_) {
            const auto& d = b.scope_defs_[i];
            if (d.parent != old.parent || d.kind != old.kind || !placed(d)) return false;
        }
        for (std::size_t i = cur.scope_count(); i < b.scope_defs_.size(); ++i)
            if (!placed(b.scope_defs_[i])) return false;
        return true;
    }
    /// The scopes removed (or defined again) by the change: their kind marks the hole.
    static void mark_removed_scopes(const builder& b, snapshot<P>& s) {
        std::vector<std::uint8_t> kinds = s.scope_kind_.copy();
        bool holes = false;
        for (std::uint32_t i = 0; i < b.scope_defs_.size(); ++i) {
            const auto& d = b.scope_defs_[i];
            const std::uint32_t k = s.scope_number_[i];
            kinds[k] = d.defined ? static_cast<std::uint8_t>(d.kind) : removed_scope_kind;
            holes = holes || !d.defined;
        }
        s.scope_kind_ = shared_vec<std::uint8_t>(std::move(kinds));
        s.scope_holes_ = holes;
    }
    /// Adds to `dirty` the principals with a binding in force to a role whose flattened
    /// permissions (or whether it is defined) changed.
    static void bound_to_changed_roles(const builder& b, const snapshot<P>& cur, const snapshot<P>& s,
                                       std::vector<std::uint32_t>& dirty) {
        std::vector<std::uint8_t> changed(s.role_masks_.size(), 0);
        bool any = false;
        for (std::uint32_t r = 0; r < cur.role_masks_.size(); ++r)
            if (!(cur.role_masks_[r] == s.role_masks_[r]) || cur.role_defined_[r] != s.role_defined_[r]) {
                changed[r] = 1;
                any = true;
            }
        if (!any) return;
        for (const auto& bd : b.bindings_) {
            if (b.removed(bd.row)) continue;
            for (std::uint32_t k = bd.roles_begin; k < bd.roles_end; ++k)
                if (changed[b.binding_roles_[k]]) {
                    dirty.push_back(bd.principal);
                    break;
                }
        }
    }

    /// Every id the change touched is defined or named by no row in force (the rows were valid
    /// before the change, so only those can have become invalid). When this fails, build() finds
    /// the error (and the row it names).
    static bool references_defined(const builder& b) {
        auto ok = [](const auto& defs, const auto& log, std::size_t before) {
            for (const auto& [i, old] : log)
                if (!defs[i].defined && defs[i].refs != 0) return false;
            for (std::size_t i = before; i < defs.size(); ++i)
                if (!defs[i].defined && defs[i].refs != 0) return false;
            return true;
        };
        return ok(b.scope_defs_, b.scope_undo_, b.mark_.scope_ids) &&
               ok(b.principal_defs_, b.principal_undo_, b.mark_.principal_ids) &&
               ok(b.role_defs_, b.role_undo_, b.mark_.role_ids);
    }
};

} // namespace ward::detail

#endif
