// SPDX-License-Identifier: MIT
/// \file ward/permission_set.hpp
/// ward::permission_set<P>: a constexpr, fixed-width bitmask over one vocabulary.
#ifndef WARD_PERMISSION_SET_HPP
#define WARD_PERMISSION_SET_HPP

#include "detail/iterator.hpp"
#include "error.hpp"
#include "vocabulary.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <string_view> // declares the std::hash primary template specialized below

namespace ward {

/// A set of permissions of vocabulary P, stored as vocabulary<P>::words 64-bit words.
///
/// Only permissions the vocabulary defines can be members: inserting an undefined value is a
/// no-op and `contains` of one is false. Sets of two vocabularies are distinct types and never mix.
/// "All of" and "any of" are named: contains_all, contains_any.
template <class P>
class permission_set {
public:
    using vocabulary_type = vocabulary<P>;
    using value_type = P;
    using word_array = std::array<std::uint64_t, vocabulary_type::words>;
    static constexpr std::size_t word_count = vocabulary_type::words;

    constexpr permission_set() noexcept = default;
    /// A set of one permission (implicit: a single permission is a valid requirement).
    constexpr permission_set(P p) noexcept { insert(p); } // NOLINT(google-explicit-constructor)
    constexpr permission_set(std::initializer_list<P> ps) noexcept {
        for (P p : ps) insert(p);
    }

    /// Every permission the vocabulary defines.
    static constexpr permission_set all() noexcept { return from_words_unchecked(vocabulary_type::defined); }
    /// The set with exactly the bits of `w` that the vocabulary defines (others are dropped).
    static constexpr permission_set from_words(const word_array& w) noexcept {
        permission_set s = from_words_unchecked(w);
        s.mask_to_defined();
        return s;
    }

    // ---- queries --------------------------------------------------------------------------------
    constexpr bool contains(P p) const noexcept {
        const std::size_t i = vocabulary_type::index(p);
        return i != vocabulary_type::npos && test(i);
    }
    /// True when every permission of `other` is in this set. An empty `other` is trivially contained.
    constexpr bool contains_all(const permission_set& other) const noexcept {
        for (std::size_t k = 0; k < word_count; ++k)
            if ((other.w_[k] & ~w_[k]) != 0) return false;
        return true;
    }
    /// True when at least one permission of `other` is in this set. False for an empty `other`.
    constexpr bool contains_any(const permission_set& other) const noexcept {
        for (std::size_t k = 0; k < word_count; ++k)
            if ((other.w_[k] & w_[k]) != 0) return true;
        return false;
    }
    constexpr bool none() const noexcept {
        for (std::uint64_t x : w_)
            if (x != 0) return false;
        return true;
    }
    constexpr bool any() const noexcept { return !none(); }
    constexpr bool empty() const noexcept { return none(); }
    constexpr std::size_t count() const noexcept {
        std::size_t n = 0;
        for (std::uint64_t x : w_) n += static_cast<std::size_t>(detail::popcount64(x));
        return n;
    }
    constexpr std::size_t size() const noexcept { return count(); }
    /// Bit i (for callers iterating indices); false for undefined or out-of-range bits.
    constexpr bool test(std::size_t i) const noexcept {
        return i < vocabulary_type::bits && ((w_[i / 64] >> (i % 64)) & 1u) != 0;
    }
    constexpr const word_array& words() const noexcept { return w_; }

    // ---- modification -----------------------------------------------------------------------------
    constexpr permission_set& insert(P p) noexcept {
        const std::size_t i = vocabulary_type::index(p);
        if (i != vocabulary_type::npos) w_[i / 64] |= std::uint64_t{1} << (i % 64);
        return *this;
    }
    constexpr permission_set& erase(P p) noexcept {
        const std::size_t i = vocabulary_type::index(p);
        if (i != vocabulary_type::npos) w_[i / 64] &= ~(std::uint64_t{1} << (i % 64));
        return *this;
    }
    constexpr void clear() noexcept { w_ = word_array{}; }

    /// This set together with everything it implies (the vocabulary's implications, closed
    /// transitively at compile time).
    constexpr permission_set implied() const noexcept {
        permission_set out = *this;
        for (std::size_t s = 0; s < vocabulary_type::implication_sources; ++s)
            if (test(vocabulary_type::closure.source[s]))
                for (std::size_t k = 0; k < word_count; ++k) out.w_[k] |= vocabulary_type::closure.mask[s][k];
        return out;
    }

    // ---- set algebra ------------------------------------------------------------------------------
    constexpr permission_set& operator|=(const permission_set& o) noexcept {
        for (std::size_t k = 0; k < word_count; ++k) w_[k] |= o.w_[k];
        return *this;
    }
    constexpr permission_set& operator&=(const permission_set& o) noexcept {
        for (std::size_t k = 0; k < word_count; ++k) w_[k] &= o.w_[k];
        return *this;
    }
    /// Difference: the permissions of this set that are not in `o`.
    constexpr permission_set& operator-=(const permission_set& o) noexcept {
        for (std::size_t k = 0; k < word_count; ++k) w_[k] &= ~o.w_[k];
        return *this;
    }
    constexpr permission_set& operator^=(const permission_set& o) noexcept {
        for (std::size_t k = 0; k < word_count; ++k) w_[k] ^= o.w_[k];
        return *this;
    }
    friend constexpr permission_set operator|(permission_set a, const permission_set& b) noexcept { return a |= b; }
    friend constexpr permission_set operator&(permission_set a, const permission_set& b) noexcept { return a &= b; }
    friend constexpr permission_set operator-(permission_set a, const permission_set& b) noexcept { return a -= b; }
    friend constexpr permission_set operator^(permission_set a, const permission_set& b) noexcept { return a ^= b; }
    /// Complement within the vocabulary: every defined permission not in this set.
    constexpr permission_set operator~() const noexcept {
        permission_set out;
        for (std::size_t k = 0; k < word_count; ++k) out.w_[k] = ~w_[k] & vocabulary_type::defined[k];
        return out;
    }
    friend constexpr bool operator==(const permission_set& a, const permission_set& b) noexcept {
        for (std::size_t k = 0; k < word_count; ++k)
            if (a.w_[k] != b.w_[k]) return false;
        return true;
    }
    friend constexpr bool operator!=(const permission_set& a, const permission_set& b) noexcept { return !(a == b); }

    // ---- integer wire form (vocabularies of at most 64 bits) --------------------------------------
    /// The set as an unsigned integer, bit i = permission at position i.
    template <class U = typename vocabulary_type::wire_type>
    constexpr U to_integer() const noexcept {
        static_assert(vocabulary_type::bits <= 64,
                      "ward::permission_set::to_integer: the vocabulary is wider than 64 bits");
        static_assert(std::is_unsigned_v<U> && std::numeric_limits<U>::digits >= int(vocabulary_type::bits),
                      "ward::permission_set::to_integer: U is narrower than the vocabulary");
        return static_cast<U>(w_[0]);
    }
    /// Decodes an integer mask. A bit the vocabulary does not define is rejected (errc::unknown_bit,
    /// position = that bit), never kept; the value is then empty.
    [[nodiscard]] static constexpr parse_result<permission_set> from_integer(std::uint64_t v) noexcept {
        static_assert(vocabulary_type::bits <= 64,
                      "ward::permission_set::from_integer: the vocabulary is wider than 64 bits");
        const std::uint64_t unknown = v & ~vocabulary_type::defined[0];
        if (unknown != 0)
            return {permission_set{}, errc::unknown_bit, static_cast<std::size_t>(detail::ctz64(unknown)), 0};
        return {from_words_unchecked(word_array{v}), errc::ok, 0, 0};
    }

    // ---- hashing ----------------------------------------------------------------------------------
    constexpr std::size_t hash() const noexcept {
        std::uint64_t h = 14695981039346656037ull;
        for (std::uint64_t x : w_) {
            h ^= x + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
            h *= 1099511628211ull;
        }
        return static_cast<std::size_t>(h);
    }

    // ---- iteration in bit order ------------------------------------------------------------------
    class iterator : public detail::index_iterator<iterator, P> {
    public:
        constexpr iterator() noexcept = default;
        constexpr P operator*() const noexcept { return vocabulary_type::from_index(i_); }
        constexpr std::size_t index() const noexcept { return i_; }
        using detail::index_iterator<iterator, P>::operator++;
        constexpr iterator& operator++() noexcept {
            i_ = s_->next_from(i_ + 1);
            return *this;
        }

    private:
        friend class permission_set;
        constexpr iterator(const permission_set* s, std::size_t i) noexcept : s_(s), i_(i) {}
        const permission_set* s_ = nullptr;
        std::size_t i_ = vocabulary_type::bits;
    };
    constexpr iterator begin() const noexcept { return iterator(this, next_from(0)); }
    constexpr iterator end() const noexcept { return iterator(this, vocabulary_type::bits); }

private:
    static constexpr permission_set from_words_unchecked(const word_array& w) noexcept {
        permission_set s;
        s.w_ = w;
        return s;
    }
    constexpr void mask_to_defined() noexcept {
        for (std::size_t k = 0; k < word_count; ++k) w_[k] &= vocabulary_type::defined[k];
    }
    /// The first set bit at or after i, or bits.
    constexpr std::size_t next_from(std::size_t i) const noexcept {
        if (i >= vocabulary_type::bits) return vocabulary_type::bits;
        std::size_t k = i / 64;
        std::uint64_t x = w_[k] & (~std::uint64_t{0} << (i % 64));
        for (;;) {
            if (x != 0) return k * 64 + static_cast<std::size_t>(detail::ctz64(x));
            if (++k == word_count) return vocabulary_type::bits;
            x = w_[k];
        }
    }

    word_array w_{};
};

/// The permissions of resource r in a product vocabulary, all actions: a row of the product.
template <class Product>
constexpr permission_set<Product> row(decltype(Product::resource) r) noexcept {
    permission_set<Product> s;
    for (std::size_t a = 0; a < vocabulary<decltype(Product::action)>::bits; ++a)
        s.insert(Product{r, vocabulary<decltype(Product::action)>::from_index(a)});
    return s;
}

/// The permissions of action a over every resource of a product vocabulary: a column.
template <class Product>
constexpr permission_set<Product> column(decltype(Product::action) a) noexcept {
    permission_set<Product> s;
    for (std::size_t r = 0; r < vocabulary<decltype(Product::resource)>::bits; ++r)
        s.insert(Product{vocabulary<decltype(Product::resource)>::from_index(r), a});
    return s;
}

} // namespace ward

namespace std {
template <class P>
struct hash<ward::permission_set<P>> {
    constexpr std::size_t operator()(const ward::permission_set<P>& s) const noexcept { return s.hash(); }
};
} // namespace std

#endif
