// SPDX-License-Identifier: MIT
// 2. Decisions on the 1,000-organization policy (one allowed and one denied request of a user in
//    organization 500), by dense handle, by string ids, and by the hand-written baseline.
// 3. Scaling: 10, 1,000, 100,000 and 1,000,000 memberships, requests drawn at random over all
//    users from a precomputed table (so neither the generator nor a predictable pattern is
//    measured, and caches miss as they do in a service).
// 6. Batch checks (100 requests per call) and reverse queries.
// 7. Reading through ward::live while another thread publishes snapshots.
#include "alloc_count.hpp"
#include "world.hpp"

#include <benchmark/benchmark.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

using ward::credential;
using wb::perm;
using wb::perms;

constexpr std::size_t org_1k = 1000;

// ---- 2. one fixed request, 1,000 organizations ---------------------------------------------------------

/// The first user of the middle organization and a permission it holds / lacks.
struct fixed_case {
    const wb::world* w;
    std::size_t user, org;
    std::size_t allowed_perm, denied_perm;
    ward::principal_handle p;
    ward::scope_handle s;
};

const fixed_case& fixed() {
    static const fixed_case made = [] {
        fixed_case c{};
        c.w = &wb::world_for(org_1k);
        const wb::dataset& d = *c.w->data;
        c.org = org_1k / 2;
        c.user = c.org * wb::users_per_org;
        c.allowed_perm = d.role_perms[d.user_roles[c.user][0]][0];
        const perms held = d.held_by(c.user);
        c.denied_perm = 0;
        while (held.contains(wb::perm_at(c.denied_perm))) ++c.denied_perm;
        c.p = c.w->snap->find_principal(d.user_ids[c.user]);
        c.s = c.w->snap->find_scope(d.org_ids[c.org]);
        return c;
    }();
    return made;
}

void decide_handle(benchmark::State& state, bool allowed) {
    const fixed_case& c = fixed();
    const ward::snapshot<perm>& snap = *c.w->snap;
    const credential<perm> cred = credential<perm>::of(c.p);
    const perms required{wb::perm_at(allowed ? c.allowed_perm : c.denied_perm)};
    const ward::scope_handle target = c.s;
    wb::alloc_probe probe;
    for (auto _ : state) {
        const auto d = snap.check(cred, required, target);
        benchmark::DoNotOptimize(d);
    }
    probe.report(state);
    if (snap.check(cred, required, target).allowed != allowed) state.SkipWithError("wrong answer");
}

void decide_strings(benchmark::State& state, bool allowed) {
    const fixed_case& c = fixed();
    const ward::snapshot<perm>& snap = *c.w->snap;
    const std::string& user = c.w->data->user_ids[c.user];
    const std::string& org = c.w->data->org_ids[c.org];
    const perms required{wb::perm_at(allowed ? c.allowed_perm : c.denied_perm)};
    wb::alloc_probe probe;
    for (auto _ : state) {
        const auto cred = credential<perm>::of(snap.find_principal(user));
        const auto d = snap.check(cred, required, snap.find_scope(org));
        benchmark::DoNotOptimize(d);
    }
    probe.report(state);
    if (snap.check(credential<perm>::of(snap.find_principal(user)), required, snap.find_scope(org)).allowed != allowed)
        state.SkipWithError("wrong answer");
}

void decide_baseline(benchmark::State& state, bool allowed) {
    const fixed_case& c = fixed();
    const wb::baseline_policy& base = *c.w->base;
    const std::string& user = c.w->data->user_ids[c.user];
    const std::string& org = c.w->data->org_ids[c.org];
    const std::size_t p = allowed ? c.allowed_perm : c.denied_perm;
    const std::string_view object = wb::resource_names[p / wb::action_count];
    const std::string_view action = wb::action_names[p % wb::action_count];
    wb::alloc_probe probe;
    for (auto _ : state) {
        bool r = base.check(user, org, object, action);
        benchmark::DoNotOptimize(r);
    }
    probe.report(state);
    if (base.check(user, org, object, action) != allowed) state.SkipWithError("wrong answer");
}

// ---- 3. scaling: random requests over all users ---------------------------------------------------------

constexpr std::size_t req_mask = wb::request_count - 1;

void scale_handle(benchmark::State& state, std::size_t memberships) {
    const wb::world& w = wb::world_for(memberships / wb::users_per_org);
    const ward::snapshot<perm>& snap = *w.snap;
    const wb::handle_request* reqs = w.by_handle.data();
    std::size_t i = 0, allowed = 0;
    wb::alloc_probe probe;
    for (auto _ : state) {
        const wb::handle_request& r = reqs[i++ & req_mask];
        const auto d = snap.check(credential<perm>::of(r.principal), r.required, r.target);
        allowed += d.allowed;
        benchmark::DoNotOptimize(d);
    }
    probe.report(state);
    benchmark::DoNotOptimize(allowed);
    state.counters["memberships"] = static_cast<double>(w.data->memberships());
}

/// The same random requests in batches of 64 independent requests, each with its own credential
/// (snapshot::check over a view of batch_request): the throughput mode. Time per decision.
void scale_batch(benchmark::State& state, std::size_t memberships) {
    constexpr std::size_t batch_size = 64;
    const wb::world& w = wb::world_for(memberships / wb::users_per_org);
    const ward::snapshot<perm>& snap = *w.snap;
    std::vector<credential<perm>> creds(wb::request_count);
    std::vector<ward::batch_request<perm>> reqs(wb::request_count);
    for (std::size_t i = 0; i < wb::request_count; ++i) {
        creds[i] = credential<perm>::of(w.by_handle[i].principal);
        reqs[i] = {&creds[i], w.by_handle[i].required, w.by_handle[i].target};
    }
    std::array<ward::decision<perm>, batch_size> out{};
    std::size_t i = 0, allowed = 0;
    wb::alloc_probe probe;
    for (auto _ : state) {
        snap.check(ward::view<ward::batch_request<perm>>(reqs.data() + i, batch_size), out.data());
        i = (i + batch_size) & req_mask;
        allowed += out[0].allowed;
        benchmark::DoNotOptimize(out);
    }
    probe.report(state);
    benchmark::DoNotOptimize(allowed);
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch_size));
    state.counters["ns_per_decision"] = benchmark::Counter(static_cast<double>(state.iterations() * batch_size),
                                                           benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    state.counters["memberships"] = static_cast<double>(w.data->memberships());
}

void scale_strings(benchmark::State& state, std::size_t memberships) {
    const wb::world& w = wb::world_for(memberships / wb::users_per_org);
    const ward::snapshot<perm>& snap = *w.snap;
    const wb::string_request* reqs = w.by_string.data();
    std::size_t i = 0, allowed = 0;
    wb::alloc_probe probe;
    for (auto _ : state) {
        const wb::string_request& r = reqs[i++ & req_mask];
        const auto d =
            snap.check(credential<perm>::of(snap.find_principal(r.principal)), r.required, snap.find_scope(r.target));
        allowed += d.allowed;
        benchmark::DoNotOptimize(d);
    }
    probe.report(state);
    benchmark::DoNotOptimize(allowed);
    state.counters["memberships"] = static_cast<double>(w.data->memberships());
}

void scale_baseline(benchmark::State& state, std::size_t memberships) {
    const wb::world& w = wb::world_for(memberships / wb::users_per_org);
    const wb::baseline_policy& base = *w.base;
    const wb::baseline_request* reqs = w.by_baseline.data();
    std::size_t i = 0, allowed = 0;
    wb::alloc_probe probe;
    for (auto _ : state) {
        const wb::baseline_request& r = reqs[i++ & req_mask];
        bool ok = base.check(*r.user, *r.org, r.object, r.action);
        allowed += ok;
        benchmark::DoNotOptimize(ok);
    }
    probe.report(state);
    benchmark::DoNotOptimize(allowed);
    state.counters["memberships"] = static_cast<double>(w.data->memberships());
}

// ---- 6. batch checks and reverse queries (1,000 organizations) -----------------------------------------

constexpr std::size_t batch = 100;

/// 100 requests of the fixed user: each of the 64 permissions in turn, at its organization, and
/// one request in four at another organization (where it is not a member).
struct batch_case {
    std::array<ward::request<perm>, batch> ward_reqs{};
    std::array<wb::baseline_request, batch> base_reqs{};
};
const batch_case& batch_requests() {
    static const batch_case made = [] {
        const fixed_case& c = fixed();
        const wb::dataset& d = *c.w->data;
        batch_case b;
        for (std::size_t i = 0; i < batch; ++i) {
            const std::size_t p = (i * 7) % (wb::resource_count * wb::action_count);
            const std::size_t org = i % 4 == 3 ? (c.org + 1 + i) % org_1k : c.org;
            b.ward_reqs[i] = {perms{wb::perm_at(p)}, c.w->snap->find_scope(d.org_ids[org])};
            b.base_reqs[i] = {&d.user_ids[c.user], &d.org_ids[org], wb::resource_names[p / wb::action_count],
                              wb::action_names[p % wb::action_count]};
        }
        return b;
    }();
    return made;
}

void batch_ward(benchmark::State& state) {
    const fixed_case& c = fixed();
    const ward::snapshot<perm>& snap = *c.w->snap;
    const auto& reqs = batch_requests().ward_reqs;
    const credential<perm> cred = credential<perm>::of(c.p);
    std::array<ward::decision<perm>, batch> out{};
    wb::alloc_probe probe;
    for (auto _ : state) {
        snap.check(cred, ward::view<ward::request<perm>>(reqs.data(), reqs.size()), out.data());
        benchmark::DoNotOptimize(out);
    }
    probe.report(state);
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
    // The batch must agree with the baseline request by request.
    const auto& base = batch_requests().base_reqs;
    for (std::size_t i = 0; i < batch; ++i)
        if (out[i].allowed != c.w->base->check(*base[i].user, *base[i].org, base[i].object, base[i].action))
            state.SkipWithError("batch disagrees with the baseline");
}

void batch_baseline(benchmark::State& state) {
    const fixed_case& c = fixed();
    const wb::baseline_policy& base = *c.w->base;
    const auto& reqs = batch_requests().base_reqs;
    std::array<bool, batch> out{};
    wb::alloc_probe probe;
    for (auto _ : state) {
        for (std::size_t i = 0; i < batch; ++i)
            out[i] = base.check(*reqs[i].user, *reqs[i].org, reqs[i].object, reqs[i].action);
        benchmark::DoNotOptimize(out);
    }
    probe.report(state);
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
}

void effective_ward(benchmark::State& state) {
    const fixed_case& c = fixed();
    const ward::snapshot<perm>& snap = *c.w->snap;
    const credential<perm> cred = credential<perm>::of(c.p);
    const ward::scope_handle target = c.s;
    wb::alloc_probe probe;
    for (auto _ : state) {
        const auto r = snap.effective_permissions(cred, target);
        benchmark::DoNotOptimize(r);
    }
    probe.report(state);
    if (snap.effective_permissions(cred, target).permissions != c.w->data->held_by(c.user))
        state.SkipWithError("wrong answer");
}

/// The same, then the names written into a caller's buffer (the body of `GET /user/me`).
void effective_ward_names(benchmark::State& state) {
    const fixed_case& c = fixed();
    const ward::snapshot<perm>& snap = *c.w->snap;
    const credential<perm> cred = credential<perm>::of(c.p);
    const ward::scope_handle target = c.s;
    std::array<char, 1024> buf{};
    wb::alloc_probe probe;
    for (auto _ : state) {
        const auto r = snap.effective_permissions(cred, target);
        const auto f = ward::format_to(buf.data(), buf.data() + buf.size(), r.permissions);
        benchmark::DoNotOptimize(f);
        benchmark::DoNotOptimize(buf);
    }
    probe.report(state);
}

void effective_baseline(benchmark::State& state) {
    const fixed_case& c = fixed();
    const wb::baseline_policy& base = *c.w->base;
    const std::string& user = c.w->data->user_ids[c.user];
    const std::string& org = c.w->data->org_ids[c.org];
    wb::alloc_probe probe;
    for (auto _ : state) {
        auto r = base.permissions_of(user, org);
        benchmark::DoNotOptimize(r);
    }
    probe.report(state);
}

/// "Which principals may do this here": every user holding the fixed user's first permission in
/// the middle organization (ward scans its principals; the baseline scans its user map).
void who_ward(benchmark::State& state) {
    const fixed_case& c = fixed();
    const ward::snapshot<perm>& snap = *c.w->snap;
    const perms required{wb::perm_at(c.allowed_perm)};
    std::array<ward::principal_handle, 64> out{};
    std::size_t n = 0;
    wb::alloc_probe probe;
    for (auto _ : state) {
        n = snap.principals_with(required, c.s, out.data(), out.size());
        benchmark::DoNotOptimize(n);
        benchmark::DoNotOptimize(out);
    }
    probe.report(state);
    state.counters["found"] = static_cast<double>(n);
}

void who_baseline(benchmark::State& state) {
    const fixed_case& c = fixed();
    const wb::baseline_policy& base = *c.w->base;
    const std::string& org = c.w->data->org_ids[c.org];
    const std::string_view object = wb::resource_names[c.allowed_perm / wb::action_count];
    const std::string_view action = wb::action_names[c.allowed_perm % wb::action_count];
    std::vector<const std::string*> out;
    out.reserve(64);
    wb::alloc_probe probe;
    for (auto _ : state) {
        out.clear();
        std::string key;
        key.append(org).append(1, '|').append(object).append(1, '|').append(action);
        for (const auto& [user, orgs] : base.members) {
            const auto o = orgs.find(org);
            if (o == orgs.end()) continue;
            for (const std::string& role : o->second) {
                const auto r = base.roles.find(role);
                if (r != base.roles.end() && r->second.count(key) != 0) {
                    out.push_back(&user);
                    break;
                }
            }
        }
        benchmark::DoNotOptimize(out);
    }
    probe.report(state);
    state.counters["found"] = static_cast<double>(out.size());
}

// ---- 7. live reads while a writer publishes ------------------------------------------------------------

constexpr auto publish_every = std::chrono::microseconds(100);

/// Runs `publish(k)` every publish_every on a background thread for as long as it lives.
class publisher {
public:
    template <class F>
    explicit publisher(F f)
        : thread_([this, f] {
              std::uint64_t k = 0;
              while (!stop_.load(std::memory_order_relaxed)) {
                  f(k++);
                  published_.store(k, std::memory_order_relaxed);
                  std::this_thread::sleep_for(publish_every);
              }
          }) {}
    ~publisher() {
        stop_.store(true);
        thread_.join();
    }
    std::uint64_t published() const noexcept { return published_.load(std::memory_order_relaxed); }

private:
    std::atomic<bool> stop_{false};
    std::atomic<std::uint64_t> published_{0};
    std::thread thread_;
};

/// Two snapshots of the 1,000-organization policy (versions 1 and 2; the same handles).
const std::array<std::shared_ptr<const ward::snapshot<perm>>, 2>& two_snapshots() {
    static const std::array<std::shared_ptr<const ward::snapshot<perm>>, 2> s = {
        wb::world_for(org_1k).snap, wb::build_snapshot(*wb::world_for(org_1k).data, 2)};
    return s;
}

void live_ward(benchmark::State& state) {
    const fixed_case& c = fixed();
    const auto& snaps = two_snapshots();
    ward::live<perm> current(snaps[0]);
    const credential<perm> cred = credential<perm>::of(c.p);
    const perms required{wb::perm_at(c.allowed_perm)};
    std::uint64_t published = 0;
    {
        publisher writer([&](std::uint64_t k) { current.publish(snaps[(k + 1) & 1]); });
        wb::alloc_probe probe;
        for (auto _ : state) {
            const auto g = current.read();
            const auto d = g->check(cred, required, c.s);
            benchmark::DoNotOptimize(d);
        }
        probe.report(state);
        published = writer.published();
    }
    state.counters["publishes"] = static_cast<double>(published);
}

/// The same check on a snapshot held directly (no live handle, no writer): the floor.
void live_reference(benchmark::State& state) {
    const fixed_case& c = fixed();
    const ward::snapshot<perm>& snap = *c.w->snap;
    const credential<perm> cred = credential<perm>::of(c.p);
    const perms required{wb::perm_at(c.allowed_perm)};
    wb::alloc_probe probe;
    for (auto _ : state) {
        const auto d = snap.check(cred, required, c.s);
        benchmark::DoNotOptimize(d);
    }
    probe.report(state);
}

/// The hand-written reload pattern with ward's check: a std::shared_ptr copied under a mutex.
void live_mutex_ward(benchmark::State& state) {
    const fixed_case& c = fixed();
    const auto& snaps = two_snapshots();
    std::mutex m;
    std::shared_ptr<const ward::snapshot<perm>> current = snaps[0];
    const credential<perm> cred = credential<perm>::of(c.p);
    const perms required{wb::perm_at(c.allowed_perm)};
    std::uint64_t published = 0;
    {
        publisher writer([&](std::uint64_t k) {
            const std::lock_guard<std::mutex> lock(m);
            current = snaps[(k + 1) & 1];
        });
        wb::alloc_probe probe;
        for (auto _ : state) {
            std::shared_ptr<const ward::snapshot<perm>> s;
            {
                const std::lock_guard<std::mutex> lock(m);
                s = current;
            }
            const auto d = s->check(cred, required, c.s);
            benchmark::DoNotOptimize(d);
        }
        probe.report(state);
        published = writer.published();
    }
    state.counters["publishes"] = static_cast<double>(published);
}

/// The baseline: the hand-written maps behind a std::shared_ptr copied under a mutex.
void live_baseline(benchmark::State& state) {
    const fixed_case& c = fixed();
    static const std::array<std::shared_ptr<const wb::baseline_policy>, 2> bases = [] {
        std::array<std::shared_ptr<const wb::baseline_policy>, 2> b;
        for (auto& p : b) {
            auto q = std::make_shared<wb::baseline_policy>();
            q->load(*wb::world_for(org_1k).data);
            p = std::move(q);
        }
        return b;
    }();
    std::mutex m;
    std::shared_ptr<const wb::baseline_policy> current = bases[0];
    const std::string& user = c.w->data->user_ids[c.user];
    const std::string& org = c.w->data->org_ids[c.org];
    const std::string_view object = wb::resource_names[c.allowed_perm / wb::action_count];
    const std::string_view action = wb::action_names[c.allowed_perm % wb::action_count];
    std::uint64_t published = 0;
    {
        publisher writer([&](std::uint64_t k) {
            const std::lock_guard<std::mutex> lock(m);
            current = bases[(k + 1) & 1];
        });
        wb::alloc_probe probe;
        for (auto _ : state) {
            std::shared_ptr<const wb::baseline_policy> s;
            {
                const std::lock_guard<std::mutex> lock(m);
                s = current;
            }
            bool ok = s->check(user, org, object, action);
            benchmark::DoNotOptimize(ok);
        }
        probe.report(state);
        published = writer.published();
    }
    state.counters["publishes"] = static_cast<double>(published);
}

// ---- diagnosis: the memory floor under the 1,000,000-membership decisions ---------------------------------
// The heads a decision reads at 1,000,000 principals are 32 MB of 32-byte records (one per
// principal), of which the scale benchmark's 65,536 random requests touch about 64,000. The same
// reads on a plain 32 MB array of such records, in the same run: a chain of dependent reads through
// 65,536 random records (what a single check cannot beat: the latency of wherever those records
// live), the same over all 1,048,576 records (a read that misses every cache), and independent
// reads of the 65,536 with the record 16 reads ahead prefetched, as the batch does (what a batch
// cannot beat). Per read.
struct alignas(32) floor_record {
    std::uint64_t next, value, pad[2];
};
constexpr std::size_t floor_records = std::size_t{1} << 20; // 32 MB

struct floor_data {
    std::vector<floor_record> touched_cycle; ///< next: a cycle through wb::request_count random records
    std::vector<floor_record> full_cycle;    ///< next: a cycle through every record
    std::vector<std::uint32_t> touched;      ///< the wb::request_count records, in the cycle's order
};

const floor_data& floor_table() {
    static const floor_data made = [] {
        floor_data f;
        f.touched_cycle.resize(floor_records);
        f.full_cycle.resize(floor_records);
        std::vector<std::uint32_t> order(floor_records);
        for (std::uint32_t i = 0; i < floor_records; ++i) order[i] = i;
        std::uint64_t x = 0x5eed;
        auto next = [&x] {
            x += 0x9e3779b97f4a7c15ull;
            std::uint64_t z = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
            return z ^ (z >> 31);
        };
        for (std::size_t i = floor_records - 1; i > 0; --i) std::swap(order[i], order[next() % (i + 1)]);
        for (std::size_t i = 0; i < floor_records; ++i) {
            f.full_cycle[order[i]].next = order[(i + 1) % floor_records];
            f.full_cycle[order[i]].value = i;
        }
        f.touched.assign(order.begin(), order.begin() + wb::request_count);
        for (std::size_t i = 0; i < f.touched.size(); ++i) {
            f.touched_cycle[f.touched[i]].next = f.touched[(i + 1) % f.touched.size()];
            f.touched_cycle[f.touched[i]].value = i;
        }
        return f;
    }();
    return made;
}

void floor_chain(benchmark::State& state, bool all_records) {
    const floor_data& f = floor_table();
    const floor_record* t = all_records ? f.full_cycle.data() : f.touched_cycle.data();
    std::uint64_t at = f.touched[0];
    for (auto _ : state) {
        at = t[at].next;
        benchmark::DoNotOptimize(at);
    }
}

void floor_independent(benchmark::State& state) {
    const floor_record* t = floor_table().touched_cycle.data();
    const std::vector<std::uint32_t>& index = floor_table().touched;
    constexpr std::size_t batch_size = 64, ahead = 16;
    std::size_t i = 0;
    std::uint64_t sum = 0;
    for (auto _ : state) {
        const std::uint32_t* idx = index.data() + i;
        for (std::size_t k = 0; k < ahead && k < batch_size; ++k) WARD_PREFETCH(t + idx[k]);
        for (std::size_t k = 0; k < batch_size; ++k) {
            if (k + ahead < batch_size) WARD_PREFETCH(t + idx[k + ahead]);
            sum += t[idx[k]].value;
        }
        i = (i + batch_size) & req_mask;
        benchmark::DoNotOptimize(sum);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch_size));
    state.counters["ns_per_read"] = benchmark::Counter(static_cast<double>(state.iterations() * batch_size),
                                                       benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

} // namespace

BENCHMARK_CAPTURE(decide_handle, allowed, true)->Name("decide/1000orgs/allowed/ward_handle");
BENCHMARK_CAPTURE(decide_strings, allowed, true)->Name("decide/1000orgs/allowed/ward_strings");
BENCHMARK_CAPTURE(decide_baseline, allowed, true)->Name("decide/1000orgs/allowed/baseline");
BENCHMARK_CAPTURE(decide_handle, denied, false)->Name("decide/1000orgs/denied/ward_handle");
BENCHMARK_CAPTURE(decide_strings, denied, false)->Name("decide/1000orgs/denied/ward_strings");
BENCHMARK_CAPTURE(decide_baseline, denied, false)->Name("decide/1000orgs/denied/baseline");

#define WARD_SCALE(fn, impl)                                                                                           \
    BENCHMARK_CAPTURE(fn, m10, std::size_t{10})->Name("scale/10/" impl);                                               \
    BENCHMARK_CAPTURE(fn, m1k, std::size_t{1000})->Name("scale/1000/" impl);                                           \
    BENCHMARK_CAPTURE(fn, m100k, std::size_t{100000})->Name("scale/100000/" impl);                                     \
    BENCHMARK_CAPTURE(fn, m1m, std::size_t{1000000})->Name("scale/1000000/" impl)
WARD_SCALE(scale_handle, "ward_handle");
WARD_SCALE(scale_strings, "ward_strings");
WARD_SCALE(scale_baseline, "baseline");
WARD_SCALE(scale_batch, "ward_batch64");

BENCHMARK_CAPTURE(floor_chain, touched, false)->Name("diag/memory_floor_32MB/dependent_read");
BENCHMARK_CAPTURE(floor_chain, all, true)->Name("diag/memory_floor_32MB/dependent_read_uncached");
BENCHMARK(floor_independent)->Name("diag/memory_floor_32MB/independent_reads64");

BENCHMARK(batch_ward)->Name("batch/100/ward");
BENCHMARK(batch_baseline)->Name("batch/100/baseline");
BENCHMARK(effective_ward)->Name("reverse/effective_permissions/ward");
BENCHMARK(effective_ward_names)->Name("reverse/effective_permissions/ward_names");
BENCHMARK(effective_baseline)->Name("reverse/effective_permissions/baseline");
BENCHMARK(who_ward)->Name("reverse/principals_with/ward");
BENCHMARK(who_baseline)->Name("reverse/principals_with/baseline");

BENCHMARK(live_ward)->Name("live/1000orgs/ward_live");
BENCHMARK(live_mutex_ward)->Name("live/1000orgs/ward_mutex_shared_ptr");
BENCHMARK(live_reference)->Name("live/1000orgs/ward_no_writer");
BENCHMARK(live_baseline)->Name("live/1000orgs/baseline");
