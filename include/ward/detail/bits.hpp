// SPDX-License-Identifier: MIT
/// \file ward/detail/bits.hpp
/// Bit tricks (popcount, count trailing zeros) and the FNV-1a hash, all constexpr.
#ifndef WARD_DETAIL_BITS_HPP
#define WARD_DETAIL_BITS_HPP

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ward::detail {

constexpr int popcount64(std::uint64_t x) noexcept {
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_popcountll(x);
#else
    int n = 0;
    for (; x; x &= x - 1) ++n;
    return n;
#endif
}

/// Index of the lowest set bit; x must not be zero.
constexpr int ctz64(std::uint64_t x) noexcept {
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_ctzll(x);
#else
    int n = 0;
    while (!(x & 1u)) {
        x >>= 1;
        ++n;
    }
    return n;
#endif
}

/// FNV-1a, 64 bit: constexpr, no allocation, good enough for short ids.
constexpr std::uint64_t fnv1a(std::string_view s) noexcept {
    std::uint64_t h = 14695981039346656037ull;
    for (char c : s) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ull;
    }
    return h;
}

} // namespace ward::detail

#endif
