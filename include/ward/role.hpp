// SPDX-License-Identifier: MIT
/// \file ward/role.hpp
/// Compile-time role tables: named permission sets that inherit other roles, flattened at compile
/// time so that a policy's invariants can be static_assert'ed.
///
/// \code
/// constexpr auto ladder = ward::make_roles<perm>({
///     {"guest",    ward::permissions<perm>("read:organization")},
///     {"viewer",   ward::permissions<perm>("read:users"), {"guest"}},
///     {"admin",    ward::permissions<perm>("update:users delete:users"), {"viewer"}},
/// });
/// static_assert(!ladder["viewer"].contains_any(ward::permissions<perm>("delete:users")), "viewer can never delete users");
/// \endcode
/// (ward::permissions is in parse.hpp.)
#ifndef WARD_ROLE_HPP
#define WARD_ROLE_HPP

#include "config.hpp"
#include "permission_set.hpp"

#include <array>
#include <cstddef>
#include <initializer_list>
#include <limits>
#include <string_view>

namespace ward {

/// One role of a compile-time table: a name, its own permissions and the roles it inherits.
template <class P>
struct role_def {
    std::string_view name;
    permission_set<P> permissions;
    std::array<std::string_view, WARD_MAX_ROLE_PARENTS> parents{};
    std::size_t parent_count = 0;
    bool too_many_parents = false;

    constexpr role_def(std::string_view n, permission_set<P> p,
                       std::initializer_list<std::string_view> inherits = {}) noexcept
        : name(n), permissions(p) {
        for (std::string_view s : inherits) {
            if (parent_count == parents.size()) {
                too_many_parents = true;
                break;
            }
            parents[parent_count++] = s;
        }
    }
};

namespace detail {
// Non-constexpr on purpose: reaching one of these while a constexpr role table is built is a
// compile error whose diagnostic names the problem.
inline void ward_role_table_error_duplicate_role_name() noexcept {}
inline void ward_role_table_error_parent_role_is_not_defined() noexcept {}
inline void ward_role_table_error_roles_inherit_in_a_cycle() noexcept {}
inline void ward_role_table_error_too_many_parents() noexcept {}
inline void ward_role_table_error_empty_role_name() noexcept {}
inline void ward_role_table_error_role_is_not_in_the_table() noexcept {}
} // namespace detail

/// A compile-time table of N roles, each flattened (its permissions united with every inherited
/// role's, transitively, then closed under the vocabulary's implications).
///
/// Declared constexpr, an undefined parent, a cycle, a duplicate or empty name is a compile error
/// (the diagnostic names ward_role_table_error_...). A table that is not constexpr and has such a
/// mistake is marked invalid: every role in it is empty and a policy refuses to import it.
template <class P, std::size_t N>
class role_table {
public:
    static constexpr std::size_t npos = std::numeric_limits<std::size_t>::max();

    constexpr explicit role_table(const role_def<P> (&defs)[N]) noexcept {
        for (std::size_t i = 0; i < N; ++i) {
            names_[i] = defs[i].name;
            if (defs[i].name.empty()) fail(detail::ward_role_table_error_empty_role_name);
            if (defs[i].too_many_parents) fail(detail::ward_role_table_error_too_many_parents);
            for (std::size_t j = 0; j < i; ++j)
                if (defs[j].name == defs[i].name) fail(detail::ward_role_table_error_duplicate_role_name);
        }
        for (std::size_t i = 0; i < N; ++i)
            for (std::size_t k = 0; k < defs[i].parent_count; ++k) {
                const std::size_t p = find(defs[i].parents[k]);
                if (p == npos) fail(detail::ward_role_table_error_parent_role_is_not_defined);
                parent_[i][k] = p;
            }
        std::array<unsigned char, N> state{}; // 0 new, 1 in progress, 2 done
        for (std::size_t i = 0; i < N && valid_; ++i) flatten(defs, i, state);
        if (!valid_)
            for (auto& f : flat_) f = permission_set<P>{};
    }

    [[nodiscard]] constexpr std::size_t size() const noexcept { return N; }
    [[nodiscard]] constexpr bool valid() const noexcept { return valid_; }
    [[nodiscard]] constexpr std::string_view name(std::size_t i) const noexcept {
        return i < N ? names_[i] : std::string_view{};
    }
    /// Role i's flattened permissions (empty for an out-of-range index).
    [[nodiscard]] constexpr permission_set<P> permissions(std::size_t i) const noexcept {
        return i < N ? flat_[i] : permission_set<P>{};
    }
    /// The index of the role called `name`, or npos.
    [[nodiscard]] constexpr std::size_t find(std::string_view name) const noexcept {
        for (std::size_t i = 0; i < N; ++i)
            if (names_[i] == name) return i;
        return npos;
    }
    [[nodiscard]] constexpr bool contains(std::string_view name) const noexcept { return find(name) != npos; }
    /// The flattened permissions of the role called `name`. In a constant expression an unknown
    /// name is a compile error; at run time it is the empty set.
    [[nodiscard]] constexpr permission_set<P> operator[](std::string_view name) const noexcept {
        const std::size_t i = find(name);
        if (i == npos) {
            detail::ward_role_table_error_role_is_not_in_the_table();
            return {};
        }
        return flat_[i];
    }
    /// True when role `a` holds every permission of role `b` (b is at or below a in a ladder).
    [[nodiscard]] constexpr bool includes(std::string_view a, std::string_view b) const noexcept {
        const std::size_t i = find(a), j = find(b);
        return i != npos && j != npos && flat_[i].contains_all(flat_[j]);
    }

private:
    constexpr void fail(void (*report)() noexcept) noexcept {
        report();
        valid_ = false;
    }
    constexpr void flatten(const role_def<P> (&defs)[N], std::size_t i, std::array<unsigned char, N>& state) noexcept {
        if (state[i] == 2) return;
        if (state[i] == 1) {
            fail(detail::ward_role_table_error_roles_inherit_in_a_cycle);
            return;
        }
        state[i] = 1;
        permission_set<P> s = defs[i].permissions;
        for (std::size_t k = 0; k < defs[i].parent_count && valid_; ++k) {
            flatten(defs, parent_[i][k], state);
            s |= flat_[parent_[i][k]];
        }
        flat_[i] = s.implied();
        state[i] = 2;
    }

    std::array<std::string_view, N> names_{};
    std::array<permission_set<P>, N> flat_{};
    std::array<std::array<std::size_t, WARD_MAX_ROLE_PARENTS>, N> parent_{};
    bool valid_ = true;
};

/// Builds a role table from a braced list of role_def: `ward::make_roles<perm>({{...}, {...}})`.
template <class P, std::size_t N>
[[nodiscard]] constexpr role_table<P, N> make_roles(const role_def<P> (&defs)[N]) noexcept {
    return role_table<P, N>(defs);
}

} // namespace ward

#endif
