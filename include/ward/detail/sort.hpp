// SPDX-License-Identifier: MIT
#ifndef WARD_DETAIL_SORT_HPP
#define WARD_DETAIL_SORT_HPP

#include <type_traits>

namespace ward::detail {

/// Sorts [first, last) by `less`: insertion sort for short ranges, heapsort otherwise (no
/// recursion, O(n log n), no allocation, no <algorithm> in the include graph).
template <class It, class Less>
void sort(It first, It last, Less less) {
    using diff = std::remove_const_t<decltype(last - first)>;
    const diff n = last - first;
    if (n < 2) return;
    if (n <= 16) {
        for (It i = first + 1; i != last; ++i)
            for (It j = i; j != first && less(*j, *(j - 1)); --j) {
                auto t = *j;
                *j = *(j - 1);
                *(j - 1) = t;
            }
        return;
    }
    auto sift = [&](diff root, diff size) {
        for (;;) {
            auto child = 2 * root + 1;
            if (child >= size) return;
            if (child + 1 < size && less(first[child], first[child + 1])) ++child;
            if (!less(first[root], first[child])) return;
            auto t = first[root];
            first[root] = first[child];
            first[child] = t;
            root = child;
        }
    };
    for (auto i = n / 2; i-- > 0;) sift(i, n);
    for (auto end = n - 1; end > 0; --end) {
        auto t = first[0];
        first[0] = first[end];
        first[end] = t;
        sift(0, end);
    }
}

} // namespace ward::detail

#endif
