// SPDX-License-Identifier: MIT
// 4. Building: the time to turn the rows of the 1,000-organization policy (10,000 memberships)
// and of the 100,000-organization one (1,000,000 memberships) into a ward snapshot (builder calls
// plus build(), builder destroyed) and into the hand-written maps; and the memory each keeps.
//
// Counters (per benchmark):
//   ns_per_row                    timed build / rows (rows = organizations + roles + users + memberships)
//   build_call_ns_per_row         ward only: the build() call alone / rows
//   heap_bytes_per_membership     net heap bytes the built structure keeps, counted by the
//                                 replaced operator new (malloc_usable_size of each live block)
//   bytes_per_membership          ward only: snapshot::memory_bytes() / memberships
//   bytes_per_membership_beyond_ids   ward only: (memory_bytes() - id_bytes()) / memberships
//   id_bytes_per_membership       ward only: id_bytes() / memberships (the id strings themselves)
// Times are the building thread's CPU time (CLOCK_THREAD_CPUTIME_ID): the machine is shared, and
// wall time would count the time other processes held the core. Destroying the built structure is
// not timed (manual timing).
#include "alloc_count.hpp"
#include "world.hpp"

#include <benchmark/benchmark.h>

#include <chrono>
#include <memory>

#include <time.h>

namespace {

/// The calling thread's CPU time.
struct clock_type {
    using time_point = double;
    static double now() noexcept {
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
    }
};

double seconds(double d) { return d; }

void build_ward(benchmark::State& state, std::size_t orgs) {
    const wb::dataset& d = *wb::world_for(orgs).data;
    double total = 0, build_call = 0;
    for (auto _ : state) {
        std::shared_ptr<const ward::snapshot<wb::perm>> snap;
        const auto t0 = clock_type::now();
        clock_type::time_point t1, t2;
        {
            ward::policy_builder<wb::perm> b;
            wb::add_rows(b, d);
            t1 = clock_type::now();
            auto r = b.build();
            t2 = clock_type::now();
            snap = std::move(r.value);
        }
        const auto t3 = clock_type::now();
        state.SetIterationTime(seconds(t3 - t0));
        total += seconds(t3 - t0);
        build_call += seconds(t2 - t1);
        benchmark::DoNotOptimize(snap);
        if (!snap) state.SkipWithError("build failed");
    }
    const double rows = static_cast<double>(d.row_count()), m = static_cast<double>(d.memberships());
    const double iters = static_cast<double>(state.iterations());
    state.counters["ns_per_row"] = total * 1e9 / iters / rows;
    state.counters["build_call_ns_per_row"] = build_call * 1e9 / iters / rows;
    state.counters["rows"] = rows;
    state.counters["memberships"] = m;

    const auto snap = wb::build_snapshot(d);
    state.counters["bytes_per_membership"] = static_cast<double>(snap->memory_bytes()) / m;
    state.counters["bytes_per_membership_beyond_ids"] =
        static_cast<double>(snap->memory_bytes() - snap->id_bytes()) / m;
    state.counters["id_bytes_per_membership"] = static_cast<double>(snap->id_bytes()) / m;
    const std::int64_t heap = wb::retained_bytes([&] { return wb::build_snapshot(d); });
    state.counters["heap_bytes_per_membership"] = static_cast<double>(heap) / m;
}

void build_baseline(benchmark::State& state, std::size_t orgs) {
    const wb::dataset& d = *wb::world_for(orgs).data;
    double total = 0;
    for (auto _ : state) {
        const auto t0 = clock_type::now();
        auto b = std::make_unique<wb::baseline_policy>();
        b->load(d);
        const auto t1 = clock_type::now();
        state.SetIterationTime(seconds(t1 - t0));
        total += seconds(t1 - t0);
        benchmark::DoNotOptimize(b);
    }
    const double rows = static_cast<double>(d.row_count()), m = static_cast<double>(d.memberships());
    state.counters["ns_per_row"] = total * 1e9 / static_cast<double>(state.iterations()) / rows;
    state.counters["rows"] = rows;
    state.counters["memberships"] = m;
    const std::int64_t heap = wb::retained_bytes([&] {
        auto b = std::make_unique<wb::baseline_policy>();
        b->load(d);
        return b;
    });
    state.counters["heap_bytes_per_membership"] = static_cast<double>(heap) / m;
}

} // namespace

BENCHMARK_CAPTURE(build_ward, o1k, std::size_t{1000})
    ->Name("build/10000/ward")
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(build_baseline, o1k, std::size_t{1000})
    ->Name("build/10000/baseline")
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(build_ward, o100k, std::size_t{100000})
    ->Name("build/1000000/ward")
    ->UseManualTime()
    ->Iterations(1)
    ->Repetitions(3)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(build_baseline, o100k, std::size_t{100000})
    ->Name("build/1000000/baseline")
    ->UseManualTime()
    ->Iterations(1)
    ->Repetitions(3)
    ->Unit(benchmark::kMillisecond);
