// SPDX-License-Identifier: MIT
// Counts every call of the global allocation functions in this test binary (they are replaced in
// alloc_counter.cpp), so a test can prove that a call allocates nothing.
#ifndef WARD_TESTS_ALLOC_COUNTER_HPP
#define WARD_TESTS_ALLOC_COUNTER_HPP

#include <atomic>
#include <cstddef>

namespace wt {

std::size_t allocation_count() noexcept;

/// How many times `f()` called operator new (any form) while it ran.
template <class F>
std::size_t allocations_during(F&& f) {
    const std::size_t before = allocation_count();
    f();
    return allocation_count() - before;
}

} // namespace wt

#endif
