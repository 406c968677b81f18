// SPDX-License-Identifier: MIT
#ifndef WARD_DETAIL_ITERATOR_HPP
#define WARD_DETAIL_ITERATOR_HPP

// One base for ward's index-walking forward iterators (a permission set's bits, a view's items):
// the iterator types, post-increment and comparison by position. The derived iterator gives
// operator*, index() (its position) and pre-increment, and says `using index_iterator::operator++;`.
#include <cstddef>
#include <iterator>

namespace ward::detail {

template <class Derived, class Value>
class index_iterator {
public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Value;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = Value;

    constexpr Derived operator++(int) noexcept {
        Derived before = static_cast<const Derived&>(*this);
        ++static_cast<Derived&>(*this);
        return before;
    }
    friend constexpr bool operator==(const Derived& a, const Derived& b) noexcept { return a.index() == b.index(); }
    friend constexpr bool operator!=(const Derived& a, const Derived& b) noexcept { return !(a == b); }
};

} // namespace ward::detail

#endif
