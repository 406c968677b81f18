// SPDX-License-Identifier: MIT
/// \file ward/detail/closure.hpp
/// The transitive closure of a vocabulary's implications, computed at compile time: for each bit
/// that implies something, the mask of every bit it grants (itself included); and its converse,
/// the bits that imply a given set (what a deny removes, so that what is left stays closed).
#ifndef WARD_DETAIL_CLOSURE_HPP
#define WARD_DETAIL_CLOSURE_HPP

#include <array>
#include <cstddef>
#include <cstdint>

namespace ward::detail {

/// One implication as bit indices: holding `from` also grants `to`.
struct index_pair {
    std::size_t from;
    std::size_t to;
};

template <std::size_t N>
[[nodiscard]] constexpr std::size_t implication_sources(const std::array<index_pair, N>& imps) noexcept {
    std::size_t n = 0;
    for (std::size_t i = 0; i < N; ++i) {
        bool seen = false;
        for (std::size_t j = 0; j < i; ++j) seen = seen || imps[j].from == imps[i].from;
        n += seen ? 0 : 1;
    }
    return n;
}

template <std::size_t Words, std::size_t Sources>
struct closure_table {
    std::array<std::size_t, Sources> source{};
    std::array<std::array<std::uint64_t, Words>, Sources> mask{};
};

template <std::size_t Words, std::size_t Sources, std::size_t N>
[[nodiscard]] constexpr closure_table<Words, Sources> make_closure(const std::array<index_pair, N>& imps) noexcept {
    closure_table<Words, Sources> t{};
    std::size_t k = 0;
    for (std::size_t i = 0; i < N; ++i) {
        bool seen = false;
        for (std::size_t j = 0; j < i; ++j) seen = seen || imps[j].from == imps[i].from;
        if (seen) continue;
        t.source[k] = imps[i].from;
        t.mask[k][imps[i].from / 64] |= std::uint64_t{1} << (imps[i].from % 64);
        ++k;
    }
    for (std::size_t s = 0; s < Sources; ++s) {
        bool changed = true;
        while (changed) {
            changed = false;
            for (const auto& i : imps) {
                const bool has_from = (t.mask[s][i.from / 64] >> (i.from % 64)) & 1u;
                const bool has_to = (t.mask[s][i.to / 64] >> (i.to % 64)) & 1u;
                if (has_from && !has_to) {
                    t.mask[s][i.to / 64] |= std::uint64_t{1} << (i.to % 64);
                    changed = true;
                }
            }
        }
    }
    return t;
}

/// The bits of `target` together with every bit that implies one of them (directly or through a
/// chain): a source whose closure meets `target`. One pass suffices because each closure is already
/// transitive. A deny widened this way removes, with X, every permission that would grant X again,
/// so a closed set minus it stays closed.
template <std::size_t Words, std::size_t Sources>
[[nodiscard]] constexpr std::array<std::uint64_t, Words>
implying(const closure_table<Words, Sources>& t, const std::array<std::uint64_t, Words>& target) noexcept {
    std::array<std::uint64_t, Words> out = target;
    for (std::size_t s = 0; s < Sources; ++s) {
        bool meets = false;
        for (std::size_t k = 0; k < Words; ++k) meets = meets || (t.mask[s][k] & target[k]) != 0;
        if (meets) out[t.source[s] / 64] |= std::uint64_t{1} << (t.source[s] % 64);
    }
    return out;
}

} // namespace ward::detail

#endif
