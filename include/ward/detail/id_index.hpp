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

/// The 128-bit product of a and b, folded to 64 bits (high half xor low half).
inline std::uint64_t fold_multiply(std::uint64_t a, std::uint64_t b) noexcept {
#if defined(__SIZEOF_INT128__)
    __extension__ using u128 = unsigned __int128;
    const u128 r = static_cast<u128>(a) * b;
    return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
#else
    const std::uint64_t a_lo = a & 0xffffffffu, a_hi = a >> 32, b_lo = b & 0xffffffffu, b_hi = b >> 32;
    const std::uint64_t lo_lo = a_lo * b_lo, hi_lo = a_hi * b_lo, lo_hi = a_lo * b_hi, hi_hi = a_hi * b_hi;
    const std::uint64_t cross = (lo_lo >> 32) + (hi_lo & 0xffffffffu) + lo_hi;
    const std::uint64_t high = hi_hi + (hi_lo >> 32) + (cross >> 32);
    const std::uint64_t low = (cross << 32) | (lo_lo & 0xffffffffu);
    return low ^ high;
#endif
}

/// A fast non-cryptographic hash of a byte string (the structure of wyhash): 16 bytes per
/// multiply, the last 16 read as two overlapping words, no byte loop for ids of 4 bytes or more.
/// An id of up to 16 bytes costs two multiplies, one of up to 32 three.
inline std::uint64_t hash_bytes(std::string_view s) noexcept {
    constexpr std::uint64_t k0 = 0xa0761d6478bd642full, k1 = 0xe7037ed1a0b428dbull, k2 = 0x8ebc6af09c88c6e3ull;
    const char* p = s.data();
    const std::size_t n = s.size();
    std::uint64_t seed = k2, a = 0, b = 0;
    if (n <= 16) {
        if (n >= 8) {
            a = read8(p);
            b = read8(p + n - 8);
        } else if (n >= 4) {
            a = read4(p);
            b = read4(p + n - 4);
        } else if (n > 0) {
            const auto byte = [&](std::size_t i) {
                return static_cast<std::uint64_t>(static_cast<unsigned char>(p[i]));
            };
            a = (byte(0) << 16) | (byte(n / 2) << 8) | byte(n - 1);
        }
    } else {
        std::size_t left = n;
        for (; left > 16; left -= 16, p += 16) seed = fold_multiply(read8(p) ^ k1, read8(p + 8) ^ seed);
        a = read8(p + left - 16);
        b = read8(p + left - 8);
    }
    const std::uint64_t x = a ^ k1, y = b ^ seed;
    return fold_multiply(fold_multiply(x, y) ^ k0 ^ n, x ^ y ^ k1);
}

/// Whether the n bytes at a and b are equal: words, the last one overlapping (ids are short; no call).
inline bool same_bytes(const char* a, const char* b, std::size_t n) noexcept {
    if (n >= 8) {
        for (std::size_t i = 0; i + 8 < n; i += 8)
            if (read8(a + i) != read8(b + i)) return false;
        return read8(a + n - 8) == read8(b + n - 8);
    }
    if (n >= 4) return read4(a) == read4(b) && read4(a + n - 4) == read4(b + n - 4);
    for (std::size_t i = 0; i < n; ++i)
        if (a[i] != b[i]) return false;
    return true;
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
    /// Where `hash`'s probe sequence starts (to prefetch it), or nullptr for an empty table.
    const Slot* first_probe(std::uint64_t hash) const noexcept {
        return slots_.empty() ? nullptr : slots_.data() + (static_cast<std::size_t>(hash) & (slots_.size() - 1));
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
            if (static_cast<std::uint32_t>(v >> 32) != tag) return false;
            const std::uint32_t i = static_cast<std::uint32_t>(v) - 1u; // a number the index holds
            const std::uint32_t begin = offsets_[i], size = offsets_[i + 1] - begin;
            return size == s.size() && same_bytes(arena_.data() + begin, s.data(), size);
        });
        return slot == 0 ? npos : static_cast<std::uint32_t>(slot) - 1u;
    }

    /// The slot where looking up `s` starts, for the caller to prefetch before it interns several
    /// ids of one row (nullptr for an empty index). The prefetch belongs in the caller's body:
    /// g++ drops calls of a function whose only effect is a prefetch.
    const void* slot_address(std::string_view s) const noexcept { return slots_.first_probe(hash_bytes(s)); }

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
