// SPDX-License-Identifier: MIT
// The benchmark binary replaces the global operator new/delete (alloc_count.cpp) to count
// allocations per thread, and, on request, the heap bytes that stay allocated.
#ifndef WARD_BENCH_ALLOC_COUNT_HPP
#define WARD_BENCH_ALLOC_COUNT_HPP

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>

namespace wb {

/// Calls of any operator new made by the calling thread so far.
std::uint64_t thread_allocations() noexcept;

/// Net heap bytes (malloc_usable_size of each block: what malloc really hands out, rounding
/// included, its per-block header not) allocated and not yet freed while counting was on.
/// Used only off the timed path, to measure what a built structure keeps.
void count_bytes(bool on) noexcept;
std::int64_t counted_bytes() noexcept;

/// Heap bytes that `make()` leaves allocated (what the object it returns holds). Not thread-safe
/// against other allocating threads; call it while nothing else runs.
template <class F>
std::int64_t retained_bytes(F&& make) {
    count_bytes(true);
    const std::int64_t before = counted_bytes();
    auto kept = make();
    const std::int64_t after = counted_bytes();
    count_bytes(false);
    benchmark::DoNotOptimize(kept);
    // `kept` is freed here with counting off, which leaves the tally alone.
    return after - before;
}

/// Counts this thread's allocations over a benchmark's timed loop; report() sets the
/// "allocs_per_op" counter (allocations / iterations).
class alloc_probe {
public:
    alloc_probe() noexcept : start_(thread_allocations()) {}
    void report(benchmark::State& state, double ops_per_iteration = 1.0) const {
        const double n = static_cast<double>(thread_allocations() - start_);
        const double ops = static_cast<double>(state.iterations()) * ops_per_iteration;
        state.counters["allocs_per_op"] = ops > 0 ? n / ops : 0.0;
    }

private:
    std::uint64_t start_;
};

} // namespace wb

#endif
