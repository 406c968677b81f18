// SPDX-License-Identifier: MIT
// Counts the calls of the global allocation functions, which alloc_counter.cpp replaces. Linked
// into the alloc test suite (so a test can prove that a call allocates nothing) and into the
// benchmarks (allocations per operation, heap bytes a structure keeps).
#ifndef WARD_TESTS_ALLOC_COUNTER_HPP
#define WARD_TESTS_ALLOC_COUNTER_HPP

#include <cstddef>
#include <cstdint>

namespace wt {

/// Calls of any operator new made by the calling thread so far (a thread-local counter: one plain
/// increment per allocation, so timings barely move).
std::uint64_t thread_allocations() noexcept;

/// Net heap bytes (malloc_usable_size of each block: what malloc really hands out, rounding
/// included, its per-block header not) allocated and not yet freed while counting was on.
/// Used only off the timed path, to measure what a built structure keeps.
void count_bytes(bool on) noexcept;
std::int64_t counted_bytes() noexcept;

/// How many times `f()` called operator new (any form) on this thread while it ran.
template <class F>
std::size_t allocations_during(F&& f) {
    const std::uint64_t before = thread_allocations();
    f();
    return static_cast<std::size_t>(thread_allocations() - before);
}

} // namespace wt

#endif
