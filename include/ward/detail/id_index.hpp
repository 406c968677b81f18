// SPDX-License-Identifier: MIT
#ifndef WARD_DETAIL_ID_INDEX_HPP
#define WARD_DETAIL_ID_INDEX_HPP

#include "handle.hpp"
#include "table.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ward::detail {

inline std::uint64_t mix64(std::uint64_t x) noexcept {
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ull;
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ull;
    x ^= x >> 32;
    return x;
}

inline std::uint64_t read8(const char* p) noexcept {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
}
inline std::uint64_t read4(const char* p) noexcept {
    std::uint32_t w;
    std::memcpy(&w, p, 4);
    return w;
}

/// A fast non-cryptographic hash of a byte string: 8 bytes at a time, the tail read as one
/// overlapping word (no byte loop, no variable-length copy).
inline std::uint64_t hash_bytes(std::string_view s) noexcept {
    const char* p = s.data();
    std::size_t n = s.size();
    std::uint64_t h = 0x9e3779b97f4a7c15ull ^ (n * 0xff51afd7ed558ccdull);
    if (n > 8) {
        const char* const last = p + n - 8;
        for (; p < last; p += 8) h = (h ^ mix64(read8(p))) * 0x9fb21c651e98df25ull;
        h = (h ^ mix64(read8(last))) * 0x9fb21c651e98df25ull;
    } else if (n >= 4) {
        h = (h ^ mix64((read4(p) << 32) | read4(p + n - 4))) * 0x9fb21c651e98df25ull;
    } else if (n > 0) {
        const auto b = [&](std::size_t i) { return static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])); };
        h = (h ^ mix64((b(0) << 16) | (b(n / 2) << 8) | b(n - 1))) * 0x9fb21c651e98df25ull;
    }
    return mix64(h);
}

/// A run-time open-addressing table of Slot values (see table.hpp), grown by its owner.
template <class Slot>
class slot_table {
public:
    explicit slot_table(std::size_t n = 0) : slots_(n, Slot{}) {}

    std::size_t size() const noexcept { return slots_.size(); }
    bool empty() const noexcept { return slots_.empty(); }
    /// The slot on `hash`'s probe sequence for which match(slot) holds, or Slot{}.
    template <class Match>
    Slot find(std::uint64_t hash, Match match) const noexcept {
        return slots_[probe(slots_, hash, match)];
    }
    /// Empties the slot on `hash`'s probe sequence for which match(slot) holds (the owner makes sure
    /// no other probe sequence runs through it).
    template <class Match>
    void erase(std::uint64_t hash, Match match) noexcept {
        const std::size_t i = probe(slots_, hash, match);
        slots_[i] = Slot{};
    }
    /// Stores `v` in the first empty slot of `hash`'s probe sequence.
    void place(std::uint64_t hash, Slot v) noexcept { slots_[free_slot(slots_, hash)] = v; }
    /// Empties the table and makes it `n` slots (a power of two).
    void reset(std::size_t n) { slots_.assign(n, Slot{}); }
    std::size_t memory_bytes() const noexcept { return slots_.capacity() * sizeof(Slot); }

private:
    std::vector<Slot> slots_;
};

/// An append-only set of string ids numbered 0..n-1 in insertion order, stored in one arena, with
/// an open-addressing index (each slot: the hash's high 32 bits, then number + 1). find() never
/// allocates.
class id_index {
public:
    static constexpr std::uint32_t npos = detail::none;

    id_index() { offsets_.push_back(0); }

    std::size_t size() const noexcept { return offsets_.size() - 1; }

    std::string_view at(std::uint32_t i) const noexcept {
        if (i >= size()) return {};
        return std::string_view(arena_.data() + offsets_[i], offsets_[i + 1] - offsets_[i]);
    }

    /// The number of `s`, or npos.
    std::uint32_t find(std::string_view s) const noexcept { return find(s, hash_bytes(s)); }

    std::uint32_t find(std::string_view s, std::uint64_t h) const noexcept {
        if (slots_.empty()) return npos;
        const auto tag = static_cast<std::uint32_t>(h >> 32);
        const std::uint64_t slot = slots_.find(h, [&](std::uint64_t v) {
            return static_cast<std::uint32_t>(v >> 32) == tag && at(static_cast<std::uint32_t>(v) - 1u) == s;
        });
        return slot == 0 ? npos : static_cast<std::uint32_t>(slot) - 1u;
    }

    /// Adds `s` if new; returns its number and whether it was added.
    std::pair<std::uint32_t, bool> insert(std::string_view s) {
        const std::uint64_t h = hash_bytes(s);
        const std::uint32_t found = find(s, h);
        if (found != npos) return {found, false};
        if ((size() + 1) * 2 > slots_.size()) rehash(slots_.empty() ? 16 : slots_.size() * 2);
        const auto idx = static_cast<std::uint32_t>(size());
        arena_.append(s.data(), s.size());
        offsets_.push_back(static_cast<std::uint32_t>(arena_.size()));
        place(h, idx);
        return {idx, true};
    }

    /// Forgets the ids numbered n and above (the latest ones), as if they had never been added.
    /// Emptying the slot of the latest id leaves every other probe sequence intact: no id added
    /// before it can have probed past a slot that was empty then.
    void truncate(std::size_t n) {
        if (n >= size()) return;
        for (std::size_t i = size(); i-- > n;) {
            const std::uint64_t h = hash_bytes(at(static_cast<std::uint32_t>(i)));
            const auto want = (static_cast<std::uint64_t>(static_cast<std::uint32_t>(h >> 32)) << 32) | (i + 1u);
            slots_.erase(h, [&](std::uint64_t v) { return v == want; });
            arena_.resize(offsets_[i]);
            offsets_.pop_back();
        }
    }

    void reserve(std::size_t n, std::size_t bytes) {
        offsets_.reserve(n + 1);
        arena_.reserve(bytes);
        const std::size_t want = table_size(n, 16);
        if (want > slots_.size()) rehash(want);
    }

    std::size_t memory_bytes() const noexcept {
        return arena_.capacity() + offsets_.capacity() * sizeof(std::uint32_t) + slots_.memory_bytes();
    }
    std::size_t arena_bytes() const noexcept { return arena_.size(); }

private:
    void place(std::uint64_t h, std::uint32_t idx) noexcept {
        slots_.place(h, (static_cast<std::uint64_t>(static_cast<std::uint32_t>(h >> 32)) << 32) | (idx + 1u));
    }
    void rehash(std::size_t n) {
        slots_.reset(n);
        for (std::uint32_t i = 0; i < size(); ++i) place(hash_bytes(at(i)), i);
    }

    std::string arena_;
    std::vector<std::uint32_t> offsets_;
    slot_table<std::uint64_t> slots_;
};

} // namespace ward::detail

#endif
