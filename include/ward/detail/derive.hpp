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

    [[nodiscard]] static build_result<P> run(const builder& b, const snapshot<P>& cur) {
        const auto& ch = b.change_;
        // The scope tree renumbers, roles reach every principal bound to them, denies for
        // everyone reach every scope below them: those changes build in full.
        if (!b.changing_ || ch.scopes || ch.roles || ch.everyone || !b.error_.ok() || !references_defined(b) ||
            b.principal_defs_.size() < cur.principal_count_)
            return b.build();

        auto snap = std::make_shared<snapshot<P>>(cur); // shares every table
        snapshot<P>& s = *snap;
        s.version_ = b.version_;
        const std::size_t n = b.principal_defs_.size();
        if (n != cur.principal_count_) s.principal_ids_ = shared_ids(b.principal_ids_);
        s.principal_count_ = n;

        std::vector<std::uint32_t> dirty(ch.principals.begin(), ch.principals.end());
        for (auto p = static_cast<std::uint32_t>(cur.principal_count_); p < n; ++p) dirty.push_back(p);
        detail::sort(dirty.begin(), dirty.end(), [](std::uint32_t x, std::uint32_t y) { return x < y; });

        std::vector<set> masks = cur.masks_.copy();
        const std::size_t old_masks = masks.size();
        mask_pool<P> pool(masks);
        principal_steps<P> fill(b, s, s.scope_number_.data(), pool);
        std::size_t dropped = 0; // entries of the pages replaced
        std::vector<std::uint32_t> slots;
        for (std::size_t i = 0; i < dirty.size();) {
            const std::uint32_t g = dirty[i] >> page::bits;
            slots.clear();
            for (; i < dirty.size() && (dirty[i] >> page::bits) == g; ++i)
                if (slots.empty() || slots.back() != (dirty[i] & page::mask)) slots.push_back(dirty[i] & page::mask);
            const page* old = g < cur.pages_.size() ? &cur.pages_[g] : nullptr;
            if (old != nullptr) dropped += old->entries.size();
            s.pages_.replace(g, fill.page_from(g << page::bits, old, view<std::uint32_t>(slots.data(), slots.size())));
        }
        s.entry_count_ = cur.entry_count_ - dropped + fill.entries;
        s.any_restriction_ = cur.any_restriction_ || fill.restricted;
        s.principal_holes_ = cur.principal_holes_ || fill.holes;
        if (masks.size() != old_masks) s.masks_ = shared_vec<set>(std::move(masks));
        build_result<P> out;
        out.value = std::move(snap);
        return out;
    }

private:
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
