// SPDX-License-Identifier: MIT
/// \file ward/view.hpp
/// ward::view<T>: a read-only view of contiguous items, the C++17 stand-in for
/// std::span<const T> that builder calls and token claims take.
#ifndef WARD_VIEW_HPP
#define WARD_VIEW_HPP

#include <cstddef>
#include <initializer_list>
#include <type_traits>
#include <utility>

namespace ward {

/// A read-only view of contiguous items (a C++17 stand-in for std::span<const T>).
template <class T>
class view {
public:
    constexpr view() noexcept = default;
    constexpr view(const T* data, std::size_t size) noexcept : data_(data), size_(size) {}
    template <std::size_t N>
    constexpr view(const T (&a)[N]) noexcept : data_(a), size_(N) {} // NOLINT
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winit-list-lifetime"
#endif
    /// Views a braced list; valid for the full expression it appears in (a call's argument).
    constexpr view(std::initializer_list<T> il) noexcept : data_(il.begin()), size_(il.size()) {}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
    /// Views a contiguous container (anything with data() and size(), e.g. std::vector, std::array).
    template <class C, class = decltype(std::declval<const C&>().data()),
              class = std::enable_if_t<std::is_convertible_v<decltype(std::declval<const C&>().data()), const T*>>>
    constexpr view(const C& c) noexcept : data_(c.data()), size_(c.size()) {} // NOLINT
    constexpr const T* begin() const noexcept { return data_; }
    constexpr const T* end() const noexcept { return data_ + size_; }
    constexpr std::size_t size() const noexcept { return size_; }
    constexpr bool empty() const noexcept { return size_ == 0; }
    constexpr const T& operator[](std::size_t i) const noexcept { return data_[i]; }

private:
    const T* data_ = nullptr;
    std::size_t size_ = 0;
};

} // namespace ward

#endif
