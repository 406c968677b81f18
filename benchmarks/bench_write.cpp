// SPDX-License-Identifier: MIT
// 6. Writing: the time to publish one membership change at 10,000 memberships (1,000
// organizations) and at 1,000,000 (100,000 organizations), with policy_writer::apply (the next
// snapshot derived from the current one) and, as the baseline in the same run, with a full
// rebuild of the same rows (policy_builder::build, what a write cost before policy_writer).
//
// Each iteration makes one change, alternately: bind a user of a random organization to another
// of its organization's roles with assign::replace, then remove that row again, so the policy
// does not grow. The writer (and the baseline's builder) is made once per size and kept for the
// run. An iteration's time is the writing thread's CPU time (CLOCK_THREAD_CPUTIME_ID; the machine
// is shared) of the builder calls and of apply() (or build()), including freeing the snapshot it
// replaces.
//
// Counters of writer/...:
//   memberships              the policy's memberships
//   snapshot_bytes           snapshot::memory_bytes() of the snapshot before one change
//   unshared_bytes           of the snapshot after that change, the bytes the one before does not
//                            share with it (snapshot::unshared_bytes)
//   unshared_percent         unshared_bytes / snapshot_bytes, in percent (issue target: at most 5)
#include "world.hpp"

#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string_view>

#include <time.h>

namespace {

using wb::perm;

/// The calling thread's CPU time, in seconds.
double thread_seconds() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

[[noreturn]] void die(const char* what) {
    std::fprintf(stderr, "ward benchmarks: %s\n", what);
    std::abort();
}

constexpr std::size_t nothing_pending = static_cast<std::size_t>(-1);

/// The changes of one benchmark: a generator, and the row of the binding to remove next.
struct changes {
    const wb::dataset* data;
    wb::rng g;
    std::size_t pending = nothing_pending;

    /// Makes the next change on `rows`: binds a random user to a role of its organization it does
    /// not hold (replacing its membership there), or removes the binding the previous change added.
    void next(ward::policy_builder<perm>& rows) {
        if (pending != nothing_pending) {
            if (rows.remove(pending) != ward::errc::ok) die("remove() refused the row the previous change added");
            pending = nothing_pending;
            return;
        }
        const wb::dataset& d = *data;
        const std::size_t u = g.below(d.user_ids.size());
        const std::size_t o = d.org_of(u);
        std::size_t role = 0;
        do {
            role = o * wb::roles_per_org + g.below(wb::roles_per_org);
        } while (role == d.user_roles[u][0] || role == d.user_roles[u][1]);
        const std::array<std::string_view, 1> roles{d.role_ids[role]};
        pending = rows.bind(d.user_ids[u], d.org_ids[o], ward::view<std::string_view>(roles.data(), roles.size()),
                            ward::assign::replace);
    }
};

/// The case of `orgs` organizations, made on first use (by `make`) and kept for the run.
template <class Case, class Make>
Case& cached(std::size_t orgs, Make make) {
    static std::map<std::size_t, std::unique_ptr<Case>> cache;
    auto& slot = cache[orgs];
    if (!slot) {
        const wb::dataset& d = *wb::world_for(orgs).data;
        slot = std::make_unique<Case>();
        make(*slot, d);
        slot->next = changes{&d, wb::rng{0xc4a9 + orgs}, nothing_pending};
    }
    return *slot;
}

/// A writer of the policy of `orgs` organizations.
struct writer_case {
    std::unique_ptr<ward::policy_writer<perm>> writer;
    changes next;
};
writer_case& writer_for(std::size_t orgs) {
    return cached<writer_case>(orgs, [](writer_case& c, const wb::dataset& d) {
        ward::policy_builder<perm> b;
        wb::add_rows(b, d);
        c.writer = std::make_unique<ward::policy_writer<perm>>(std::move(b));
        if (!c.writer->current()) die(c.writer->error().message().c_str());
    });
}

/// The baseline: the rows of the same policy in a builder, built in full after each change.
struct rebuild_case {
    ward::policy_builder<perm> rows;
    changes next;
};
rebuild_case& rebuild_for(std::size_t orgs) {
    return cached<rebuild_case>(orgs, [](rebuild_case& c, const wb::dataset& d) { wb::add_rows(c.rows, d); });
}

void write_apply(benchmark::State& state, std::size_t orgs) {
    writer_case& c = writer_for(orgs);
    ward::policy_writer<perm>& w = *c.writer;
    for (auto _ : state) {
        const double t0 = thread_seconds();
        auto r = w.apply([&](ward::policy_builder<perm>& rows) { c.next.next(rows); });
        const double t1 = thread_seconds();
        state.SetIterationTime(t1 - t0);
        if (!r) {
            state.SkipWithError(r.error.message().c_str());
            break;
        }
        benchmark::DoNotOptimize(r.value);
    }
    // Memory: one change more, and what the snapshot after it does not share with the one before.
    const std::shared_ptr<const ward::snapshot<perm>> first = w.current();
    const auto r = w.apply([&](ward::policy_builder<perm>& rows) { c.next.next(rows); });
    if (!r) die(r.error.message().c_str());
    const double total = static_cast<double>(first->memory_bytes());
    const double own = static_cast<double>(r.value->unshared_bytes(*first));
    state.counters["memberships"] = static_cast<double>(c.next.data->memberships());
    state.counters["snapshot_bytes"] = total;
    state.counters["unshared_bytes"] = own;
    state.counters["unshared_percent"] = 100.0 * own / total;
}

void write_rebuild(benchmark::State& state, std::size_t orgs) {
    rebuild_case& c = rebuild_for(orgs);
    std::uint64_t version = c.rows.version();
    for (auto _ : state) {
        const double t0 = thread_seconds();
        c.next.next(c.rows);
        c.rows.set_version(++version);
        auto r = c.rows.build();
        r.value.reset(); // a write replaces the previous snapshot: freeing it is part of the cost
        const double t1 = thread_seconds();
        state.SetIterationTime(t1 - t0);
        if (!r.error.ok()) {
            state.SkipWithError(r.error.message().c_str());
            break;
        }
    }
    state.counters["memberships"] = static_cast<double>(c.next.data->memberships());
}

} // namespace

BENCHMARK_CAPTURE(write_apply, o1k, std::size_t{1000})
    ->Name("write/10000/writer")
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(write_rebuild, o1k, std::size_t{1000})
    ->Name("write/10000/rebuild")
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(write_apply, o100k, std::size_t{100000})
    ->Name("write/1000000/writer")
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(write_rebuild, o100k, std::size_t{100000})
    ->Name("write/1000000/rebuild")
    ->UseManualTime()
    ->Iterations(2)
    ->Repetitions(3)
    ->Unit(benchmark::kMicrosecond);
