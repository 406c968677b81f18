// SPDX-License-Identifier: MIT
// Publishing while reading: the latency of live::read() + check with no writer, against the same
// with a writer thread publishing 1,000 snapshots per second (two pre-built snapshots of the
// 1,000-organization policy, alternated, so the writer does not build), and the same again while
// another reader holds a guard for 50 ms at a time (a slow request: publish() must not wait for it).
// The figure that holds is the ratio writer / no_writer measured in one run (docs/performance.md).
// The writer's own publish() times are reported as counters (wall time, so preemption shows).
#include "alloc_count.hpp"
#include "world.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <thread>

namespace {

using ward::credential;
using wb::perm;
using wb::perms;
using clock_type = std::chrono::steady_clock;

constexpr std::size_t orgs = 1000;
constexpr auto publish_period = std::chrono::microseconds(1000); // 1,000 publishes per second
constexpr auto slow_hold = std::chrono::milliseconds(50);

struct live_case {
    std::array<std::shared_ptr<const ward::snapshot<perm>>, 2> snaps;
    ward::principal_handle p;
    ward::scope_handle s;
    perms required;
};

/// The first user of organization 500 asks for a permission it holds; both snapshots give the
/// same handles (built from the same rows).
const live_case& the_case() {
    static const live_case made = [] {
        const wb::world& w = wb::world_for(orgs);
        const wb::dataset& d = *w.data;
        live_case c{};
        c.snaps = {w.snap, wb::build_snapshot(d, 2)};
        const std::size_t org = orgs / 2, user = org * wb::users_per_org;
        c.p = c.snaps[0]->find_principal(d.user_ids[user]);
        c.s = c.snaps[0]->find_scope(d.org_ids[org]);
        c.required = perms{wb::perm_at(d.role_perms[d.user_roles[user][0]][0])};
        for (const auto& snap : c.snaps) {
            if (snap->find_principal(d.user_ids[user]) != c.p || snap->find_scope(d.org_ids[org]) != c.s ||
                !snap->check(credential<perm>::of(c.p), c.required, c.s).allowed)
                std::abort();
        }
        return c;
    }();
    return made;
}

/// Publishes the two snapshots alternately, one every publish_period (on a steady schedule),
/// for as long as it lives; records how long each publish() took.
class steady_writer {
public:
    explicit steady_writer(ward::live<perm>& current) : current_(current), thread_([this] { run(); }) {}
    ~steady_writer() { stop(); }
    steady_writer(const steady_writer&) = delete;
    steady_writer& operator=(const steady_writer&) = delete;
    void stop() {
        if (!stop_.exchange(true)) thread_.join();
    }
    /// Call after stop().
    void report(benchmark::State& state, double seconds) const {
        state.counters["publishes_per_s"] = seconds > 0 ? static_cast<double>(publishes_) / seconds : 0.0;
        state.counters["publish_mean_us"] =
            publishes_ ? std::chrono::duration<double, std::micro>(total_).count() / static_cast<double>(publishes_)
                       : 0.0;
        state.counters["publish_max_us"] = std::chrono::duration<double, std::micro>(max_).count();
        state.counters["max_retired"] = static_cast<double>(max_retired_);
    }

private:
    void run() {
        const live_case& c = the_case();
        auto next = clock_type::now();
        std::uint64_t k = 0;
        while (!stop_.load(std::memory_order_relaxed)) {
            next += publish_period;
            std::this_thread::sleep_until(next);
            const auto t0 = clock_type::now();
            current_.publish(c.snaps[++k & 1]);
            const auto dt = clock_type::now() - t0;
            total_ += dt;
            max_ = std::max(max_, dt);
            ++publishes_;
            max_retired_ = std::max(max_retired_, current_.retired());
        }
    }

    ward::live<perm>& current_;
    std::atomic<bool> stop_{false};
    std::uint64_t publishes_ = 0;
    clock_type::duration total_{};
    clock_type::duration max_{};
    std::size_t max_retired_ = 0;
    std::thread thread_;
};

/// A reader that holds a guard for slow_hold, lets go, and takes another one, until stopped.
class slow_reader {
public:
    explicit slow_reader(const ward::live<perm>& current)
        : thread_([this, &current] {
              while (!stop_.load()) {
                  const auto g = current.read();
                  const auto until = clock_type::now() + slow_hold;
                  while (!stop_.load() && clock_type::now() < until)
                      std::this_thread::sleep_for(std::chrono::milliseconds(1));
                  benchmark::DoNotOptimize(g->version());
              }
          }) {}
    ~slow_reader() {
        stop_.store(true);
        thread_.join();
    }

private:
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

/// The timed loop every case shares: read() + check through the guard.
void read_check_loop(benchmark::State& state, const ward::live<perm>& current) {
    const live_case& c = the_case();
    const credential<perm> cred = credential<perm>::of(c.p);
    wb::alloc_probe probe;
    for (auto _ : state) {
        const auto g = current.read();
        const auto d = g->check(cred, c.required, c.s);
        benchmark::DoNotOptimize(d);
    }
    probe.report(state);
}

void no_writer(benchmark::State& state) {
    ward::live<perm> current(the_case().snaps[0]);
    read_check_loop(state, current);
}

void with_writer(benchmark::State& state) {
    ward::live<perm> current(the_case().snaps[0]);
    const auto t0 = clock_type::now();
    steady_writer writer(current);
    read_check_loop(state, current);
    writer.stop();
    writer.report(state, std::chrono::duration<double>(clock_type::now() - t0).count());
}

void with_writer_and_slow_reader(benchmark::State& state) {
    ward::live<perm> current(the_case().snaps[0]);
    const slow_reader slow(current);
    const auto t0 = clock_type::now();
    steady_writer writer(current);
    read_check_loop(state, current);
    writer.stop();
    writer.report(state, std::chrono::duration<double>(clock_type::now() - t0).count());
}

} // namespace

BENCHMARK(no_writer)->Name("publishing/read_check/no_writer");
BENCHMARK(with_writer)->Name("publishing/read_check/writer_1000_per_s");
BENCHMARK(with_writer_and_slow_reader)->Name("publishing/read_check/writer_1000_per_s_slow_reader");
