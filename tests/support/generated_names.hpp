// SPDX-License-Identifier: MIT
// Generated vocabularies for tests and benchmarks: N permissions named "p0".."p<N-1>", built at
// compile time (no hand-written list of a thousand names).
#ifndef WARD_TESTS_GENERATED_NAMES_HPP
#define WARD_TESTS_GENERATED_NAMES_HPP

#include <ward/vocabulary.hpp>

#include <array>
#include <cstddef>
#include <string_view>

namespace ward_testing {

template <std::size_t N>
struct generated_names {
    static constexpr std::size_t digits(std::size_t i) noexcept { return i < 10 ? 1 : 1 + digits(i / 10); }
    static constexpr std::size_t total() noexcept {
        std::size_t t = 0;
        for (std::size_t i = 0; i < N; ++i) t += 1 + digits(i);
        return t;
    }
    static constexpr std::array<char, total()> make() noexcept {
        std::array<char, total()> b{};
        std::size_t k = 0;
        for (std::size_t i = 0; i < N; ++i) {
            b[k++] = 'p';
            const std::size_t d = digits(i);
            std::size_t v = i;
            for (std::size_t j = 0; j < d; ++j) {
                b[k + d - 1 - j] = static_cast<char>('0' + v % 10);
                v /= 10;
            }
            k += d;
        }
        return b;
    }
    static constexpr std::array<char, total()> chars = make();
    template <class E>
    static constexpr std::array<ward::permission_name<E>, N> entries() noexcept {
        std::array<ward::permission_name<E>, N> out{};
        std::size_t k = 0;
        for (std::size_t i = 0; i < N; ++i) {
            const std::size_t len = 1 + digits(i);
            out[i] = {static_cast<E>(i), std::string_view(chars.data() + k, len)};
            k += len;
        }
        return out;
    }
};

} // namespace ward_testing

#endif
