// SPDX-License-Identifier: MIT
/// \file ward/scope.hpp
/// Scope kinds and their hierarchy. A scope_schema says which kinds exist and under which parent
/// kinds each may be placed; the policy builder refuses a scope under a parent of the wrong kind.
#ifndef WARD_SCOPE_HPP
#define WARD_SCOPE_HPP

#include "detail/handle.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string_view>

namespace ward {

/// A dense handle to a scope of one snapshot: its position in the numbered scope tree.
/// `scope_handle{}` (value scope_handle::none) names no scope.
using scope_handle = detail::handle<detail::scope_tag>;

/// The kinds of scope a service has and how they nest (at most 16 kinds).
///
/// The standard schema is platform > organization > application > user, with resources anywhere
/// below an organization:
///   platform      root
///   organization  root, or under platform
///   application   under organization
///   user          under platform, organization or application
///   resource      under organization, application, user or resource
class scope_schema {
public:
    static constexpr std::size_t max_kinds = 16;
    static constexpr std::size_t npos = std::numeric_limits<std::size_t>::max();

    constexpr scope_schema() noexcept = default;

    /// Declares a kind. `parents` names earlier kinds it may be placed under; `may_be_root` lets a
    /// scope of this kind have no parent. An unknown parent kind or a duplicate makes the schema
    /// invalid (a policy built with it fails with errc::unknown_kind).
    constexpr scope_schema& kind(std::string_view name, std::initializer_list<std::string_view> parents,
                                 bool may_be_root = false) noexcept {
        if (count_ == max_kinds || name.empty() || find(name) != npos) {
            valid_ = false;
            return *this;
        }
        std::uint32_t mask = 0;
        for (std::string_view p : parents) {
            const std::size_t k = p == name ? count_ : find(p);
            if (k == npos) valid_ = false;
            else mask |= std::uint32_t{1} << k;
        }
        names_[count_] = name;
        parents_[count_] = mask;
        root_[count_] = may_be_root;
        ++count_;
        return *this;
    }

    /// platform > organization > application > user, and resource (see the class comment).
    static constexpr scope_schema standard() noexcept {
        scope_schema s;
        s.kind("platform", {}, true)
            .kind("organization", {"platform"}, true)
            .kind("application", {"organization"})
            .kind("user", {"platform", "organization", "application"})
            .kind("resource", {"organization", "application", "user", "resource"});
        return s;
    }

    constexpr std::size_t size() const noexcept { return count_; }
    constexpr bool valid() const noexcept { return valid_; }
    constexpr std::string_view name(std::size_t k) const noexcept {
        return k < count_ ? names_[k] : std::string_view{};
    }
    constexpr std::size_t find(std::string_view name) const noexcept {
        for (std::size_t k = 0; k < count_; ++k)
            if (names_[k] == name) return k;
        return npos;
    }
    /// May a scope of kind `child` be placed under one of kind `parent`?
    constexpr bool allows(std::size_t parent, std::size_t child) const noexcept {
        return child < count_ && parent < count_ && ((parents_[child] >> parent) & 1u) != 0;
    }
    constexpr bool may_be_root(std::size_t k) const noexcept { return k < count_ && root_[k]; }

private:
    std::array<std::string_view, max_kinds> names_{};
    std::array<std::uint32_t, max_kinds> parents_{};
    std::array<bool, max_kinds> root_{};
    std::size_t count_ = 0;
    bool valid_ = true;
};

} // namespace ward

#endif
