// SPDX-License-Identifier: MIT
#ifndef WARD_DETAIL_HANDLE_HPP
#define WARD_DETAIL_HANDLE_HPP

#include <cstdint>
#include <limits>

namespace ward::detail {

/// "No index": the one sentinel of every 32-bit number ward keeps (handles, rows, parents, pools).
inline constexpr std::uint32_t none = std::numeric_limits<std::uint32_t>::max();

/// A dense 32-bit handle into one snapshot's table; Tag keeps scopes and principals apart.
template <class Tag>
struct handle {
    static constexpr std::uint32_t none = detail::none;
    std::uint32_t value = none;
    constexpr bool valid() const noexcept { return value != none; }
    constexpr explicit operator bool() const noexcept { return valid(); }
    friend constexpr bool operator==(handle a, handle b) noexcept { return a.value == b.value; }
    friend constexpr bool operator!=(handle a, handle b) noexcept { return a.value != b.value; }
};

struct scope_tag;
struct principal_tag;

} // namespace ward::detail

#endif
