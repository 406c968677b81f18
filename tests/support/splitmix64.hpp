// SPDX-License-Identifier: MIT
// Deterministic randomness for the property tests: splitmix64 (a 64-bit state, a fixed mix), and
// the seed every property test starts from, which WARD_PROPERTY_SEED in the environment replaces so
// that a failing case can be reproduced.
#ifndef WARD_TESTS_SPLITMIX64_HPP
#define WARD_TESTS_SPLITMIX64_HPP

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <utility>
#include <vector>

namespace wt {

struct splitmix64 {
    std::uint64_t state;
    std::uint64_t next() noexcept {
        std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    /// A number in [0, n).
    std::size_t below(std::size_t n) noexcept { return static_cast<std::size_t>(next() % n); }
    /// True `percent` times in a hundred.
    bool chance(unsigned percent) noexcept { return next() % 100 < percent; }
    template <class T>
    void shuffle(std::vector<T>& v) noexcept {
        for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
    }
};

/// WARD_PROPERTY_SEED from the environment (any base strtoull reads), or a fixed default.
inline std::uint64_t property_seed() {
    if (const char* s = std::getenv("WARD_PROPERTY_SEED")) return std::strtoull(s, nullptr, 0);
    return 0x5eed20240b0a7d00ull;
}

} // namespace wt

#endif
