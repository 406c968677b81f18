// SPDX-License-Identifier: MIT
/// \file ward/vocabulary.hpp
/// How a service declares its permissions, and what ward knows about them at compile time.
///
/// A vocabulary is a scoped enum whose enumerators are bit positions (gaps allowed) plus a
/// specialization of ward::permission_traits that names each permission:
///
/// \code
/// enum class perm : unsigned { read_users = 0, update_users = 1, sudo = 29 };
/// template <> struct ward::permission_traits<perm> {
///     static constexpr ward::permission_name<perm> names[] = {
///         {perm::read_users, "read:users"}, {perm::update_users, "update:users"}, {perm::sudo, "sudo"}};
///     static constexpr ward::implication<perm> implications[] = {   // optional
///         {perm::sudo, perm::update_users}, {perm::update_users, perm::read_users}};
///     using wire_type = std::uint32_t;                               // optional
/// };
/// \endcode
///
/// A resource x action product (ward::product<R, A>, product.hpp) is a vocabulary too; its names
/// are generated. The compile-time tables behind ward::vocabulary are in detail/vocabulary.hpp.
#ifndef WARD_VOCABULARY_HPP
#define WARD_VOCABULARY_HPP

#include "config.hpp"
#include "detail/closure.hpp"
#include "detail/vocabulary.hpp"
#include "product.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>
#include <type_traits>

namespace ward {

/// Specialize for each permission enum: `names` (required), `implications` and `wire_type` (optional).
template <class P>
struct permission_traits;

/// One entry of permission_traits<E>::names.
template <class E>
struct permission_name {
    E value;
    std::string_view name;
};

/// One entry of permission_traits<E>::implications: holding `from` also grants `to`.
/// Implications are closed transitively at compile time; cycles (mutual implication) are fine.
template <class E>
struct implication {
    E from;
    E to;
};

template <class P>
class permission_set;

/// Everything ward knows about vocabulary P, computed at compile time from permission_traits.
/// Instantiating it checks the vocabulary: duplicate wire names, malformed names, implications to
/// undefined permissions and bit positions wider than the declared wire type are compile errors.
template <class P>
struct vocabulary {
    using source = detail::vocab_source<P>;
    using value_type = P;
    using wire_type = typename source::wire_type;

    static constexpr std::size_t bits = source::bits;                         ///< highest bit position + 1
    static constexpr std::size_t words = (bits + 63) / 64;                    ///< 64-bit words in a set
    static constexpr std::size_t size = detail::defined_count(source::names); ///< defined permissions

    static_assert(detail::names_well_formed(source::names),
                  "ward::permission_traits<P>::names: a wire name may hold only printable ASCII other than "
                  "space, '\"' and '\\\\' (an OAuth scope-token)");
    static_assert(detail::implications_known(source::names, source::implications),
                  "ward::permission_traits<P>::implications: an implication names a permission the vocabulary "
                  "does not define");
    static_assert(std::is_unsigned_v<wire_type> && sizeof(wire_type) <= 8,
                  "ward::permission_traits<P>::wire_type must be an unsigned integer of at most 64 bits");
    // The default (uint64_t) is a promise only for vocabularies of at most 64 bits; a wire_type the
    // traits declare must hold every bit.
    static_assert((!detail::declares_wire_type<P>::value && bits > 64) ||
                      bits <= std::numeric_limits<wire_type>::digits,
                  "ward::permission_traits<P>::wire_type is narrower than the vocabulary's highest bit");

    static constexpr std::size_t slots = detail::table_size(size, 4);
    static constexpr detail::name_table<slots> table = detail::make_name_table<slots>(source::names);
    static_assert(!table.duplicate, "ward::permission_traits<P>::names: two permissions share a wire name");

    static constexpr std::size_t max_name_length = detail::longest_name(source::names);
    /// The defined bits, as the words of a set.
    static constexpr std::array<std::uint64_t, words> defined = detail::defined_words<words>(source::names);

    static constexpr std::size_t implication_sources = detail::implication_sources(source::implications);
    static constexpr detail::closure_table<words, implication_sources> closure =
        detail::make_closure<words, implication_sources>(source::implications);

    /// The bit index of p, or npos when p is not a defined permission.
    static constexpr std::size_t index(P p) noexcept {
        const std::size_t i = source::index(p);
        return (i < bits && !source::names[i].empty()) ? i : npos;
    }
    static constexpr P from_index(std::size_t i) noexcept { return source::from_index(i); }
    static constexpr bool is_defined(std::size_t i) noexcept { return i < bits && !source::names[i].empty(); }

    /// The wire name of bit i (empty when undefined).
    static constexpr std::string_view name(std::size_t i) noexcept {
        return i < bits ? source::names[i] : std::string_view{};
    }

    /// The bit index whose wire name is exactly s (case-sensitive), or npos. Allocation-free.
    [[nodiscard]] static constexpr std::size_t find(std::string_view s) noexcept {
        if (s.empty() || s.size() > max_name_length) return npos;
        return detail::find_name(table, source::names, s);
    }

    static constexpr std::size_t npos = std::numeric_limits<std::size_t>::max();
};

/// True when P has a permission_traits specialization (or is a product of two such enums).
template <class P>
inline constexpr bool is_vocabulary_v = detail::has_traits<P>::value || detail::is_product<P>::value;

/// The wire name of one permission ("read:users"); empty for a value the vocabulary does not define.
template <class P>
constexpr std::string_view name_of(P p) noexcept {
    return vocabulary<P>::name(vocabulary<P>::index(p));
}

} // namespace ward

#endif
