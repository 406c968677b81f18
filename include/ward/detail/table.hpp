// SPDX-License-Identifier: MIT
#ifndef WARD_DETAIL_TABLE_HPP
#define WARD_DETAIL_TABLE_HPP

// The one open-addressing (linear probing) scheme of ward, for the compile-time permission-name
// table and the run-time id and mask indexes. A table is any array of Slot with a power-of-two
// size() and operator[] (std::array at compile time, std::vector at run time); Slot{} marks an
// empty slot, so items are stored as index + 1 (optionally with hash bits above the index).

#include <cstddef>
#include <cstdint>

namespace ward::detail {

/// The number of slots for `n` items: a power of two, at least `at_least` and at least 2n (load
/// factor at most one half, so a probe always ends on an empty slot).
constexpr std::size_t table_size(std::size_t n, std::size_t at_least) noexcept {
    std::size_t s = at_least;
    while (s < 2 * n) s *= 2;
    return s;
}

/// Walks `hash`'s probe sequence: the index of the first slot that is empty or for which
/// match(slot) holds. The caller tests slots[i] == Slot{} for "not found" (and inserts there).
template <class Slots, class Match>
constexpr std::size_t probe(const Slots& slots, std::uint64_t hash, Match match) noexcept {
    const std::size_t mask = slots.size() - 1;
    std::size_t i = static_cast<std::size_t>(hash) & mask;
    while (!(slots[i] == typename Slots::value_type{}) && !match(slots[i])) i = (i + 1) & mask;
    return i;
}

/// The first empty slot of `hash`'s probe sequence: where a new item goes.
template <class Slots>
constexpr std::size_t free_slot(const Slots& slots, std::uint64_t hash) noexcept {
    return probe(slots, hash, [](const auto&) { return false; });
}

} // namespace ward::detail

#endif
