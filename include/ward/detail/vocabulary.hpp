// SPDX-License-Identifier: MIT
/// \file ward/detail/vocabulary.hpp
/// The raw description of a vocabulary (bit count, names by bit, implications by bit) for a
/// permission enum and for a product of two, and the compile-time checks and name table
/// ward::vocabulary derives from it.
#ifndef WARD_DETAIL_VOCABULARY_HPP
#define WARD_DETAIL_VOCABULARY_HPP

#include "../config.hpp"
#include "../product.hpp"
#include "bits.hpp"
#include "chars.hpp"
#include "closure.hpp"
#include "table.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <string_view>
#include <type_traits>

namespace ward {

template <class P>
struct permission_traits;

namespace detail {

template <class T>
struct is_product : std::false_type {};
template <class R, class A, name_order O, char S>
struct is_product<product<R, A, O, S>> : std::true_type {};

template <class T, class = void>
struct has_implications : std::false_type {};
template <class T>
struct has_implications<T, std::void_t<decltype(std::size(T::implications))>> : std::true_type {};

template <class T, class = void>
struct declared_wire_type {
    using type = std::uint64_t;
};
template <class T>
struct declared_wire_type<T, std::void_t<typename T::wire_type>> {
    using type = typename T::wire_type;
};

template <class P, class = void>
struct declares_wire_type : std::false_type {};
template <class P>
struct declares_wire_type<P, std::void_t<typename permission_traits<P>::wire_type>> : std::true_type {};

template <class T, class = void>
struct has_traits : std::false_type {};
template <class T>
struct has_traits<T, std::void_t<decltype(std::size(permission_traits<T>::names))>> : std::true_type {};

template <class T, class = void>
struct has_exclusions : std::false_type {};
template <class T>
struct has_exclusions<T, std::void_t<decltype(std::size(product_traits<T>::excluded))>> : std::true_type {};

// ---- the raw description of a vocabulary: bit count, names by bit, implications by bit ----------

template <class P, class = void>
struct vocab_source;

template <class E>
constexpr long long enum_position(E e) noexcept {
    using U = std::underlying_type_t<E>;
    return static_cast<long long>(static_cast<U>(e));
}

template <class E>
constexpr bool enum_positions_in_range() noexcept {
    for (const auto& n : permission_traits<E>::names) {
        const long long v = enum_position(n.value);
        if (v < 0 || v >= WARD_MAX_PERMISSION_BITS) return false;
    }
    return true;
}

template <class E>
constexpr std::size_t enum_bits() noexcept {
    long long hi = -1;
    for (const auto& n : permission_traits<E>::names) {
        const long long v = enum_position(n.value);
        if (v >= 0 && v < WARD_MAX_PERMISSION_BITS && v > hi) hi = v;
    }
    return static_cast<std::size_t>(hi + 1);
}

template <class E>
constexpr bool enum_positions_unique() noexcept {
    std::array<bool, WARD_MAX_PERMISSION_BITS> seen{};
    for (const auto& n : permission_traits<E>::names) {
        const long long v = enum_position(n.value);
        if (v < 0 || v >= WARD_MAX_PERMISSION_BITS) continue;
        if (seen[static_cast<std::size_t>(v)]) return false;
        seen[static_cast<std::size_t>(v)] = true;
    }
    return true;
}

template <class E>
struct vocab_source<E, std::enable_if_t<std::is_enum_v<E>>> {
    using traits = permission_traits<E>;
    using underlying = std::underlying_type_t<E>;

    static_assert(std::size(traits::names) > 0,
                  "ward::permission_traits<P>::names: a vocabulary needs at least one permission");
    static_assert(enum_positions_in_range<E>(),
                  "ward::permission_traits<P>::names: every bit position must be in [0, WARD_MAX_PERMISSION_BITS)");
    static_assert(enum_positions_unique<E>(),
                  "ward::permission_traits<P>::names: two entries name the same enumerator");

    static constexpr std::size_t bits = enum_bits<E>();

    static constexpr std::size_t index(E e) noexcept {
        const long long v = enum_position(e);
        return v < 0 ? std::numeric_limits<std::size_t>::max() : static_cast<std::size_t>(v);
    }
    static constexpr E from_index(std::size_t i) noexcept { return static_cast<E>(static_cast<underlying>(i)); }

    static constexpr std::array<std::string_view, bits> make_names() noexcept {
        std::array<std::string_view, bits> out{};
        for (const auto& n : traits::names) out[index(n.value)] = n.name;
        return out;
    }
    static constexpr std::array<std::string_view, bits> names = make_names();

    static constexpr std::size_t implication_count() noexcept {
        if constexpr (has_implications<traits>::value) return std::size(traits::implications);
        else return 0;
    }
    static constexpr std::array<index_pair, implication_count()> make_implications() noexcept {
        std::array<index_pair, implication_count()> out{};
        if constexpr (has_implications<traits>::value) {
            std::size_t k = 0;
            for (const auto& i : traits::implications) out[k++] = {index(i.from), index(i.to)};
        }
        return out;
    }
    static constexpr std::array<index_pair, implication_count()> implications = make_implications();

    using wire_type = typename declared_wire_type<traits>::type;
};

template <class R, class A, name_order O, char S>
struct vocab_source<product<R, A, O, S>> {
    using rsrc = vocab_source<R>;
    using asrc = vocab_source<A>;
    using value_type = product<R, A, O, S>;

    static_assert(rsrc::bits * asrc::bits <= WARD_MAX_PERMISSION_BITS,
                  "ward::product<R, A>: resources x actions exceeds WARD_MAX_PERMISSION_BITS");

    static constexpr std::size_t bits = rsrc::bits * asrc::bits;

    static constexpr std::size_t index(value_type p) noexcept {
        const std::size_t r = rsrc::index(p.resource), a = asrc::index(p.action);
        if (r >= rsrc::bits || a >= asrc::bits) return std::numeric_limits<std::size_t>::max();
        return r * asrc::bits + a;
    }
    static constexpr value_type from_index(std::size_t i) noexcept {
        return value_type{rsrc::from_index(i / asrc::bits), asrc::from_index(i % asrc::bits)};
    }

    /// Is (resource r, action a) a permission: both named, and not excluded by product_traits?
    static constexpr bool cell(std::size_t r, std::size_t a) noexcept {
        if (r >= rsrc::bits || a >= asrc::bits || rsrc::names[r].empty() || asrc::names[a].empty()) return false;
        if constexpr (has_exclusions<value_type>::value) {
            for (const value_type& x : product_traits<value_type>::excluded)
                if (index(x) == r * asrc::bits + a) return false;
        }
        return true;
    }

    static constexpr std::size_t name_chars() noexcept {
        std::size_t total = 0;
        for (std::size_t r = 0; r < rsrc::bits; ++r)
            for (std::size_t a = 0; a < asrc::bits; ++a)
                if (cell(r, a)) total += rsrc::names[r].size() + 1 + asrc::names[a].size();
        return total == 0 ? 1 : total;
    }
    static constexpr std::size_t chars = name_chars();
    static constexpr std::array<char, chars> make_storage() noexcept {
        std::array<char, chars> buf{};
        std::size_t k = 0;
        for (std::size_t r = 0; r < rsrc::bits; ++r)
            for (std::size_t a = 0; a < asrc::bits; ++a) {
                if (!cell(r, a)) continue;
                const std::string_view first = O == name_order::action_resource ? asrc::names[a] : rsrc::names[r];
                const std::string_view second = O == name_order::action_resource ? rsrc::names[r] : asrc::names[a];
                for (char c : first) buf[k++] = c;
                buf[k++] = S;
                for (char c : second) buf[k++] = c;
            }
        return buf;
    }
    static constexpr std::array<char, chars> storage = make_storage();

    static constexpr std::array<std::string_view, bits> make_names() noexcept {
        std::array<std::string_view, bits> out{};
        std::size_t k = 0;
        for (std::size_t r = 0; r < rsrc::bits; ++r)
            for (std::size_t a = 0; a < asrc::bits; ++a) {
                if (!cell(r, a)) continue;
                const std::size_t len = rsrc::names[r].size() + 1 + asrc::names[a].size();
                out[r * asrc::bits + a] = std::string_view(storage.data() + k, len);
                k += len;
            }
        return out;
    }
    static constexpr std::array<std::string_view, bits> names = make_names();

    // An action implication ("update implies read") holds in every row where both cells exist.
    static constexpr std::size_t implication_count() noexcept {
        std::size_t n = 0;
        for (std::size_t r = 0; r < rsrc::bits; ++r)
            for (const auto& i : asrc::implications) n += cell(r, i.from) && cell(r, i.to) ? 1 : 0;
        return n;
    }
    static constexpr std::array<index_pair, implication_count()> make_implications() noexcept {
        std::array<index_pair, implication_count()> out{};
        std::size_t k = 0;
        for (std::size_t r = 0; r < rsrc::bits; ++r)
            for (const auto& i : asrc::implications)
                if (cell(r, i.from) && cell(r, i.to)) out[k++] = {r * asrc::bits + i.from, r * asrc::bits + i.to};
        return out;
    }
    static constexpr std::array<index_pair, implication_count()> implications = make_implications();

    using wire_type = std::uint64_t;
};

// ---- facts derived from the names -----------------------------------------------------------------

template <std::size_t Bits>
constexpr std::size_t defined_count(const std::array<std::string_view, Bits>& names) noexcept {
    std::size_t n = 0;
    for (const std::string_view& s : names) n += s.empty() ? 0 : 1;
    return n;
}

template <std::size_t Bits>
constexpr std::size_t longest_name(const std::array<std::string_view, Bits>& names) noexcept {
    std::size_t m = 0;
    for (const std::string_view& s : names) m = s.size() > m ? s.size() : m;
    return m;
}

template <std::size_t Words, std::size_t Bits>
constexpr std::array<std::uint64_t, Words> defined_words(const std::array<std::string_view, Bits>& names) noexcept {
    std::array<std::uint64_t, Words> w{};
    for (std::size_t i = 0; i < Bits; ++i)
        if (!names[i].empty()) w[i / 64] |= std::uint64_t{1} << (i % 64);
    return w;
}

template <std::size_t Bits>
constexpr bool names_well_formed(const std::array<std::string_view, Bits>& names) noexcept {
    for (const std::string_view& s : names)
        for (char c : s)
            if (!is_name_char(c)) return false;
    return true;
}

template <std::size_t Bits, std::size_t N>
constexpr bool implications_known(const std::array<std::string_view, Bits>& names,
                                  const std::array<index_pair, N>& imps) noexcept {
    for (const auto& i : imps) {
        if (i.from >= Bits || i.to >= Bits) return false;
        if (names[i.from].empty() || names[i.to].empty()) return false;
    }
    return true;
}

// ---- the name -> bit table (detail/table.hpp's open addressing, hashed with fnv1a) ---------------

template <std::size_t Slots>
struct name_table {
    std::array<std::uint16_t, Slots> slot{}; // bit index + 1, 0 = empty
    bool duplicate = false;
};

template <std::size_t Slots, std::size_t Bits>
constexpr name_table<Slots> make_name_table(const std::array<std::string_view, Bits>& names) noexcept {
    name_table<Slots> t{};
    for (std::size_t i = 0; i < Bits; ++i) {
        if (names[i].empty()) continue;
        const std::size_t h =
            probe(t.slot, fnv1a(names[i]), [&](std::uint16_t x) { return names[x - 1u] == names[i]; });
        if (t.slot[h] != 0) t.duplicate = true;
        else t.slot[h] = static_cast<std::uint16_t>(i + 1);
    }
    return t;
}

/// The bit whose name is s, or npos.
template <std::size_t Slots, std::size_t Bits>
constexpr std::size_t find_name(const name_table<Slots>& t, const std::array<std::string_view, Bits>& names,
                                std::string_view s) noexcept {
    const std::size_t h = probe(t.slot, fnv1a(s), [&](std::uint16_t x) { return names[x - 1u] == s; });
    return t.slot[h] != 0 ? t.slot[h] - 1u : std::numeric_limits<std::size_t>::max();
}

} // namespace detail
} // namespace ward

#endif
