// SPDX-License-Identifier: MIT
// The benchmark binary links the allocation counter of the tests (tests/support/alloc_counter.cpp
// replaces the global operator new/delete) to count allocations per thread, and, on request, the
// heap bytes that stay allocated. This header adds what only the benchmarks need.
#ifndef WARD_BENCH_ALLOC_COUNT_HPP
#define WARD_BENCH_ALLOC_COUNT_HPP

#include "support/alloc_counter.hpp" // tests/: shared with the alloc test suite

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>

namespace wb {

using wt::count_bytes;
using wt::counted_bytes;
using wt::thread_allocations;

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
