// SPDX-License-Identifier: MIT
#ifndef WARD_DETAIL_ID_INDEX_HPP
#define WARD_DETAIL_ID_INDEX_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
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

/// An append-only set of string ids numbered 0..n-1 in insertion order, stored in one arena, with
/// an open-addressing index. find() never allocates.
class id_index {
public:
    static constexpr std::uint32_t npos = std::numeric_limits<std::uint32_t>::max();

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
        const std::size_t mask = slots_.size() - 1;
        const auto tag = static_cast<std::uint32_t>(h >> 32);
        for (std::size_t i = static_cast<std::size_t>(h) & mask;; i = (i + 1) & mask) {
            const std::uint64_t slot = slots_[i];
            if (slot == 0) return npos;
            if (static_cast<std::uint32_t>(slot >> 32) == tag) {
                const auto idx = static_cast<std::uint32_t>(slot) - 1u;
                if (at(idx) == s) return idx;
            }
        }
    }

    /// Adds `s` if new; returns its number and whether it was added.
    std::pair<std::uint32_t, bool> insert(std::string_view s) {
        const std::uint64_t h = hash_bytes(s);
        const std::uint32_t found = find(s, h);
        if (found != npos) return {found, false};
        if ((size() + 1) * 2 > slots_.size()) grow();
        const auto idx = static_cast<std::uint32_t>(size());
        arena_.append(s.data(), s.size());
        offsets_.push_back(static_cast<std::uint32_t>(arena_.size()));
        place(h, idx);
        return {idx, true};
    }

    void reserve(std::size_t n, std::size_t bytes) {
        offsets_.reserve(n + 1);
        arena_.reserve(bytes);
        std::size_t want = 16;
        while (want < 2 * n) want *= 2;
        if (want > slots_.size()) rehash(want);
    }

    std::size_t memory_bytes() const noexcept {
        return arena_.capacity() + offsets_.capacity() * sizeof(std::uint32_t) + slots_.capacity() * sizeof(std::uint64_t);
    }
    std::size_t arena_bytes() const noexcept { return arena_.size(); }

private:
    void place(std::uint64_t h, std::uint32_t idx) noexcept {
        const std::size_t mask = slots_.size() - 1;
        std::size_t i = static_cast<std::size_t>(h) & mask;
        while (slots_[i] != 0) i = (i + 1) & mask;
        slots_[i] = (static_cast<std::uint64_t>(static_cast<std::uint32_t>(h >> 32)) << 32) | (idx + 1u);
    }
    void grow() { rehash(slots_.empty() ? 16 : slots_.size() * 2); }
    void rehash(std::size_t n) {
        slots_.assign(n, 0);
        for (std::uint32_t i = 0; i < size(); ++i) place(hash_bytes(at(i)), i);
    }

    std::string arena_;
    std::vector<std::uint32_t> offsets_;
    std::vector<std::uint64_t> slots_;
};

} // namespace ward::detail

#endif
