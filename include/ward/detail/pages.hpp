// SPDX-License-Identifier: MIT
#ifndef WARD_DETAIL_PAGES_HPP
#define WARD_DETAIL_PAGES_HPP

// The pieces a snapshot shares with the snapshot it was derived from (policy_writer): immutable
// arrays and id indexes held by shared pointers, and the principals' entries in pages of 1,024
// principals (WARD_PRINCIPAL_PAGE_BITS), so that a change to one principal copies one page and a small directory, not the
// policy. Readers see plain arrays: a shared_vec caches its data pointer, a page_table keeps a flat
// directory of raw page pointers next to the owning chunks.

#include "../config.hpp"
#include "handle.hpp"
#include "id_index.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

namespace ward::detail {

/// A binding as roles_at reads it: roles member_roles[roles_begin, roles_end) bound at the scope
/// numbered `begin` (covering numbers [begin, end)).
struct membership {
    std::uint32_t begin, end;
    std::uint32_t roles_begin, roles_end;
};

enum class entry_kind : std::uint32_t { binding = 0, grant = 1, deny = 2, restriction = 3 };

/// An application restriction of a principal: governs targets in [within_begin, within_end); there
/// the principal acts only through an application in [app_begin, app_end), capped by `mask`.
struct restriction {
    std::uint32_t within_begin, within_end;
    std::uint32_t app_begin, app_end;
    std::uint32_t mask;
    std::uint32_t row;
};

/// An immutable vector that snapshots share. Reads cost what a std::vector's cost.
template <class T>
class shared_vec {
public:
    shared_vec() = default;
    explicit shared_vec(std::vector<T> v) : owner_(std::make_shared<const std::vector<T>>(std::move(v))) {
        data_ = owner_->data();
        size_ = owner_->size();
    }

    const T& operator[](std::size_t i) const noexcept { return data_[i]; }
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    const T* data() const noexcept { return data_; }
    const T* begin() const noexcept { return data_; }
    const T* end() const noexcept { return data_ + size_; }
    /// A copy to change (the next snapshot's version of this array).
    std::vector<T> copy() const { return owner_ ? *owner_ : std::vector<T>{}; }
    std::size_t memory_bytes() const noexcept { return owner_ ? owner_->capacity() * sizeof(T) : 0; }
    /// The bytes of this array unless `other` holds the same one.
    std::size_t unshared_bytes(const shared_vec& other) const noexcept {
        return owner_ == other.owner_ ? 0 : memory_bytes();
    }

private:
    std::shared_ptr<const std::vector<T>> owner_;
    const T* data_ = nullptr;
    std::size_t size_ = 0;
};

/// An immutable id_index that snapshots share: a base index and a small index of the ids added
/// after it (numbered on from the base's size), so that adding an id copies the small one only.
/// When the small one reaches extra_limit ids, the next addition starts a new base.
class shared_ids {
public:
    static constexpr std::size_t extra_limit = 4096;

    shared_ids() : base_(empty_index()), extra_(empty_index()) {}
    explicit shared_ids(id_index ids)
        : base_(std::make_shared<const id_index>(std::move(ids))), extra_(empty_index()), base_size_(base_->size()) {}

    std::size_t size() const noexcept { return base_size_ + extra_->size(); }
    std::string_view at(std::uint32_t i) const noexcept {
        return i < base_size_ ? base_->at(i) : extra_->at(static_cast<std::uint32_t>(i - base_size_));
    }
    std::uint32_t find(std::string_view s) const noexcept {
        const std::uint64_t h = hash_bytes(s);
        const std::uint32_t i = base_->find(s, h);
        if (i != none || extra_->size() == 0) return i;
        const std::uint32_t j = extra_->find(s, h);
        return j == none ? none : static_cast<std::uint32_t>(base_size_ + j);
    }
    /// These ids and `all`'s ids numbered from size() on (`all` holds these first): shares the
    /// base, or starts a new one from `all` when the added ids would pass extra_limit.
    shared_ids extended(const id_index& all) const {
        if (extra_->size() + (all.size() - size()) > extra_limit) return shared_ids(all);
        id_index extra = *extra_;
        for (auto i = static_cast<std::uint32_t>(size()); i < all.size(); ++i) extra.insert(all.at(i));
        shared_ids out = *this;
        out.extra_ = std::make_shared<const id_index>(std::move(extra));
        return out;
    }
    std::size_t memory_bytes() const noexcept { return base_->memory_bytes() + extra_->memory_bytes(); }
    std::size_t arena_bytes() const noexcept { return base_->arena_bytes() + extra_->arena_bytes(); }
    std::size_t unshared_bytes(const shared_ids& other) const noexcept {
        return (base_ == other.base_ ? 0 : base_->memory_bytes()) +
               (extra_ == other.extra_ ? 0 : extra_->memory_bytes());
    }

private:
    static const std::shared_ptr<const id_index>& empty_index() {
        static const std::shared_ptr<const id_index> e = std::make_shared<const id_index>();
        return e;
    }
    std::shared_ptr<const id_index> base_, extra_;
    std::size_t base_size_ = 0;
};

/// Pages of a flat array of Page objects: page i covers items [i * Page::size, (i + 1) * Page::size).
/// Pages are immutable once published; derive() replaces a page by a new one. Ownership is kept
/// in chunks of 64 pages, so that copying the table for the next snapshot touches one reference
/// count per chunk, and replacing a page copies one chunk.
template <class Page>
class page_table {
public:
    static constexpr std::size_t chunk_size = 64;
    using entry = typename Page::entry;
    using head = typename Page::head;
    /// What the decision path reads first: a page's heads and entries, without touching the page.
    struct slot {
        const head* heads;
        const entry* entries;
        const Page* page;
    };

    const Page& operator[](std::size_t i) const noexcept { return *dir_[i].page; }
    const slot& at(std::size_t i) const noexcept { return dir_[i]; }
    std::size_t size() const noexcept { return dir_.size(); }

    void push_back(std::shared_ptr<const Page> page) {
        if (dir_.size() % chunk_size == 0) chunks_.push_back(std::make_shared<chunk>());
        dir_.push_back(slot_of(*page));
        (*chunks_.back())[(dir_.size() - 1) % chunk_size] = std::move(page);
    }
    /// Puts `page` at i (i == size() appends). Copies the chunk when another table shares it.
    void replace(std::size_t i, std::shared_ptr<const Page> page) {
        if (i == dir_.size()) return push_back(std::move(page));
        std::shared_ptr<chunk>& c = chunks_[i / chunk_size];
        if (c.use_count() > 1) c = std::make_shared<chunk>(*c);
        dir_[i] = slot_of(*page);
        (*c)[i % chunk_size] = std::move(page);
    }
    /// The page at i with ownership (to copy and change it).
    const std::shared_ptr<const Page>& owner(std::size_t i) const noexcept {
        return (*chunks_[i / chunk_size])[i % chunk_size];
    }

    /// Bytes of the directory, the chunks and every page.
    std::size_t memory_bytes() const noexcept {
        std::size_t n =
            dir_.capacity() * sizeof(slot) + chunks_.capacity() * sizeof(chunks_[0]) + chunks_.size() * sizeof(chunk);
        for (const slot& p : dir_) n += p.page->memory_bytes();
        return n;
    }
    /// The bytes of this table that `other` does not share: the directory, and the chunks and
    /// pages it does not hold.
    std::size_t unshared_bytes(const page_table& other) const noexcept {
        std::size_t n = dir_.capacity() * sizeof(slot) + chunks_.capacity() * sizeof(chunks_[0]);
        for (std::size_t c = 0; c < chunks_.size(); ++c)
            if (c >= other.chunks_.size() || chunks_[c] != other.chunks_[c]) n += sizeof(chunk);
        for (std::size_t i = 0; i < dir_.size(); ++i)
            if (i >= other.dir_.size() || dir_[i].page != other.dir_[i].page) n += dir_[i].page->memory_bytes();
        return n;
    }

private:
    using chunk = std::array<std::shared_ptr<const Page>, chunk_size>;
    static slot slot_of(const Page& p) noexcept { return {p.heads.data(), p.entries.data(), &p}; }
    std::vector<slot> dir_;
    std::vector<std::shared_ptr<chunk>> chunks_;
};

/// One grant, binding or deny of a principal, as the decision path reads it.
template <class MaskRef>
struct packed_entry {
    std::uint32_t begin; ///< the scope's number; the entry covers numbers [begin, end)
    std::uint32_t end;
    std::uint32_t tagged_row; ///< row number (low 30 bits) and entry_kind (high 2 bits)
    MaskRef mask;             ///< the mask's word, or its index in the pool
    std::uint32_t row() const noexcept { return tagged_row & 0x3fffffffu; }
    entry_kind kind() const noexcept { return static_cast<entry_kind>(tagged_row >> 30); }
};

/// A principal's record on the decision path: its first entry, kept inline, and where its other
/// entries are. A decision at a principal with one entry (most principals) reads this record and
/// nothing else from the principal's page: one cache line (32 bytes, aligned to 32).
template <class MaskRef>
struct alignas(32) principal_head {
    packed_entry<MaskRef> first; ///< begin == none (covers nothing) when the principal has no entry
    std::uint32_t rest;          ///< its other entries are entries[rest, end)
    std::uint32_t end;
    bool empty() const noexcept { return first.begin == none; }
    std::uint32_t size() const noexcept { return empty() ? 0 : 1 + (end - rest); }
};

/// The principals numbered [base, base + count) (count <= 2^WARD_PRINCIPAL_PAGE_BITS) with their entries, application restrictions,
/// bindings (for roles_at), kinds and whether each is defined (a removed principal leaves a hole).
/// heads has one record per principal; the other offsets arrays are indexed by the principal's
/// place on the page.
template <class MaskRef, class Kind>
struct principal_page {
    static constexpr std::uint32_t bits = WARD_PRINCIPAL_PAGE_BITS;
    static constexpr std::uint32_t size = 1u << bits;
    static constexpr std::uint32_t mask = size - 1;
    using entry = packed_entry<MaskRef>;
    using head = principal_head<MaskRef>;
    static_assert(sizeof(head) == 32, "a principal's head is one 32-byte record");

    std::vector<head> heads;                   ///< one per principal (count of them)
    std::vector<entry> entries;                ///< every principal's entries after its first, by principal
    std::vector<std::uint32_t> restrict_first; ///< empty when nobody on the page is restricted
    std::vector<restriction> restrictions;
    std::vector<std::uint32_t> member_first; ///< empty when nobody on the page has a binding
    std::vector<membership> members;
    std::vector<std::uint32_t> member_roles;
    std::uint32_t count = 0;
    std::size_t entry_count = 0; ///< entries on the page, the heads' included
    Kind kind[size] = {};
    bool live[size] = {};

    principal_page() = default;
    principal_page(const principal_page& o)
        : heads(o.heads), entries(o.entries), restrict_first(o.restrict_first), restrictions(o.restrictions),
          member_first(o.member_first), members(o.members), member_roles(o.member_roles), count(o.count),
          entry_count(o.entry_count) {
        for (std::uint32_t i = 0; i < size; ++i) {
            kind[i] = o.kind[i];
            live[i] = o.live[i];
        }
    }
    principal_page& operator=(const principal_page&) = delete;

    /// Calls f(entry) for each entry of the principal at place i, in order, until f returns false.
    template <class F>
    void each_entry(std::uint32_t i, F&& f) const {
        const head& h = heads[i];
        if (h.empty() || !f(h.first)) return;
        for (std::uint32_t k = h.rest; k < h.end; ++k)
            if (!f(entries[k])) return;
    }

    std::size_t memory_bytes() const noexcept {
        return sizeof(principal_page) + heads.capacity() * sizeof(head) + entries.capacity() * sizeof(entry) +
               (restrict_first.capacity() + member_first.capacity() + member_roles.capacity()) * sizeof(std::uint32_t) +
               restrictions.capacity() * sizeof(restriction) + members.capacity() * sizeof(membership);
    }
};

} // namespace ward::detail

#endif
