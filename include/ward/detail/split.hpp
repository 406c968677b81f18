// SPDX-License-Identifier: MIT
/// \file ward/detail/split.hpp
/// The one loop that walks a space-separated list (an OAuth scope string, bound scopes): a
/// constexpr, allocation-free range of items with their byte offsets.
#ifndef WARD_DETAIL_SPLIT_HPP
#define WARD_DETAIL_SPLIT_HPP

#include <cstddef>
#include <string_view>

namespace ward::detail {

/// One item of a space-separated list and the byte offset where it starts.
struct split_item {
    std::string_view text;
    std::size_t offset;
};

/// The items of `s` between single spaces, in order. n spaces give n + 1 items, so a leading,
/// trailing or repeated space yields an empty item (callers decide whether that is an error), and
/// an empty `s` yields one empty item at offset 0. Usage:
/// `for (const detail::split_item item : detail::split_spaces(s)) use(item.text, item.offset);`
class split_spaces {
public:
    class iterator {
    public:
        constexpr split_item operator*() const noexcept { return {s_.substr(start_, end_ - start_), start_}; }
        constexpr iterator& operator++() noexcept {
            start_ = end_ == s_.size() ? s_.size() + 1 : end_ + 1;
            end_ = item_end(s_, start_);
            return *this;
        }
        friend constexpr bool operator==(const iterator& a, const iterator& b) noexcept { return a.start_ == b.start_; }
        friend constexpr bool operator!=(const iterator& a, const iterator& b) noexcept { return a.start_ != b.start_; }

    private:
        friend class split_spaces;
        constexpr iterator(std::string_view s, std::size_t start) noexcept
            : s_(s), start_(start), end_(item_end(s, start)) {}
        static constexpr std::size_t item_end(std::string_view s, std::size_t start) noexcept {
            std::size_t end = start;
            while (end < s.size() && s[end] != ' ') ++end;
            return end;
        }
        std::string_view s_;
        std::size_t start_;
        std::size_t end_;
    };

    constexpr explicit split_spaces(std::string_view s) noexcept : s_(s) {}
    constexpr iterator begin() const noexcept { return iterator(s_, 0); }
    constexpr iterator end() const noexcept { return iterator(s_, s_.size() + 1); }

private:
    std::string_view s_;
};

} // namespace ward::detail

#endif
