// SPDX-License-Identifier: MIT
/// \file ward/view.hpp
/// ward::view<T>: a read-only view of contiguous items, the C++17 stand-in for
/// std::span<const T> that builder calls and token claims take. view<std::string_view> views any
/// contiguous range of strings (std::vector<std::string>, std::array<std::string_view, N>, ...).
#ifndef WARD_VIEW_HPP
#define WARD_VIEW_HPP

#include "detail/iterator.hpp"

#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <string_view>
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

/// A read-only view of a contiguous sequence of strings: what builder calls (bind's roles,
/// define_role's parents) and the `permissions` names claim take. It views, without copying and
/// without a helper, any contiguous range whose items convert to std::string_view:
/// std::vector<std::string>, std::array<std::string_view, N>, a braced list, a C array of
/// `const char*`, ... A null `const char*` item reads as an empty string (refused or skipped like
/// any empty item). Items are read on access, as string_views: the viewed range must outlive
/// the view (as a call's argument, it does).
template <>
class view<std::string_view> {
    template <class C>
    using item_of = std::remove_cv_t<std::remove_reference_t<decltype(*std::data(std::declval<const C&>()))>>;
    template <class C, class = void>
    struct is_string_range : std::false_type {};
    template <class C>
    struct is_string_range<
        C, std::void_t<decltype(std::data(std::declval<const C&>())), decltype(std::size(std::declval<const C&>()))>>
        : std::bool_constant<std::is_convertible_v<const item_of<C>&, std::string_view> &&
                             !std::is_convertible_v<const C&, std::string_view>> {};

    template <class T>
    static std::string_view read(const void* data, std::size_t i) noexcept {
        const T& item = static_cast<const T*>(data)[i];
        if constexpr (std::is_pointer_v<T>) {
            if (item == nullptr) return {};
        }
        return std::string_view(item);
    }

public:
    /// Iterates the items as std::string_view values.
    class iterator : public detail::index_iterator<iterator, std::string_view> {
    public:
        constexpr iterator() noexcept = default;
        constexpr std::string_view operator*() const noexcept { return (*v_)[i_]; }
        constexpr std::size_t index() const noexcept { return i_; } ///< the item's position
        using detail::index_iterator<iterator, std::string_view>::operator++;
        constexpr iterator& operator++() noexcept {
            ++i_;
            return *this;
        }

    private:
        friend class view;
        constexpr iterator(const view* v, std::size_t i) noexcept : v_(v), i_(i) {}
        const view* v_ = nullptr;
        std::size_t i_ = 0;
    };

    constexpr view() noexcept = default;
    constexpr view(const std::string_view* data, std::size_t size) noexcept : views_(data), size_(size) {}
    template <std::size_t N>
    constexpr view(const std::string_view (&a)[N]) noexcept : views_(a), size_(N) {} // NOLINT
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winit-list-lifetime"
#endif
    /// Views a braced list; valid for the full expression it appears in (a call's argument).
    constexpr view(std::initializer_list<std::string_view> il) noexcept : views_(il.begin()), size_(il.size()) {}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
    /// Views any contiguous range of strings (data() and size(), or a C array): std::vector of
    /// std::string or std::string_view, std::array, std::initializer_list of another string type.
    template <class C, class = std::enable_if_t<is_string_range<C>::value>>
    view(const C& c) noexcept : size_(std::size(c)) { // NOLINT(google-explicit-constructor)
        using T = item_of<C>;
        if constexpr (std::is_same_v<T, std::string_view>) {
            views_ = std::data(c);
        } else {
            data_ = std::data(c);
            read_ = &read<T>;
        }
    }

    constexpr iterator begin() const noexcept { return iterator(this, 0); }
    constexpr iterator end() const noexcept { return iterator(this, size_); }
    constexpr std::size_t size() const noexcept { return size_; }
    constexpr bool empty() const noexcept { return size_ == 0; }
    /// The i-th item (i < size()).
    constexpr std::string_view operator[](std::size_t i) const noexcept {
        // read_ is tested rather than views_: a constant expression may compare a null function
        // pointer, but (under some sanitizers) not an object's address, with nullptr.
        return read_ != nullptr ? read_(data_, i) : views_[i];
    }

private:
    const std::string_view* views_ = nullptr; ///< items that are string_views (constexpr-friendly)
    const void* data_ = nullptr;              ///< otherwise: the items, read through read_
    std::string_view (*read_)(const void*, std::size_t) noexcept = nullptr;
    std::size_t size_ = 0;
};

} // namespace ward

#endif
