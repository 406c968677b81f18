// SPDX-License-Identifier: MIT
// 7. ward-service's write path: one Provisioning membership change in a database of 10,000 and of
// 100,000 memberships (100 and 1,000 organizations of 100 members each, every member also an
// ident user), stored and published the way the service does it, against the way it did it before
// (the baseline, in the same run).
//
//   service_write/N/incremental  app::impl::write, the service's own write: the transaction (the
//                                membership's UPDATE, its version and the change log its triggers
//                                fill), the units the changed record changes, policy_writer's
//                                prepared snapshot, the commit, the publish.
//   service_write/N/rebuild      the write as it was before: the same transaction and UPDATE, the
//                                API's version, then every row of the Provisioning API read back in
//                                the transaction and built in full, the commit, the publish (the
//                                baseline).
//   service_write/N/store_only   the same transaction, UPDATE, version and commit, and no policy
//                                at all: what the database's part of a write costs, the floor.
//
// Each iteration moves one membership (the next one, round robin) between the live and the test
// access scope. Times are wall-clock (the commit writes the SQLite file, synchronous=FULL, in a
// temporary directory), HTTP excluded: the request's parsing and the handler's own reads cost the
// same in both. The database and the service state are made once per size and kept for the run.
#include "app_impl.hpp"
#include "policies.hpp"
#include "store.hpp"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include <unistd.h>

namespace {

using ward_service::app;
using ward_service::store;

constexpr int members_per_organization = 100;

/// A database of `memberships` memberships (and as many users), and the service state on it.
struct world {
    std::string dir;
    std::unique_ptr<store> db;
    std::unique_ptr<app::impl> service;
    int memberships = 0;
    int next = 0;
    bool stale = false; ///< the rebuild baseline published snapshots the service's rows do not know

    static nlohmann::json who() { return {{"type", "user"}, {"id", "benchmark"}}; }

    explicit world(int n) : memberships(n) {
        char templ[] = "/tmp/ward-bench-service-XXXXXX";
        if (!mkdtemp(templ)) std::abort();
        dir = templ;
        const std::string path = dir + "/ward.db";
        {
            store s(path, 1000);
            store::transaction t(s);
            t.act_as(R"({"type":"user","id":"benchmark"})");
            const std::string now = "2026-12-05T00:00:00.000Z";
            for (int o = 0; o < n / members_per_organization; ++o) {
                const std::string org = "org_bench_" + std::to_string(o);
                t.exec("INSERT INTO cl_organizations VALUES (?1, 'o', ?2)", org, now);
                for (const char* kind : {"admin", "read_only"})
                    t.exec("INSERT INTO cl_roles VALUES (?1, ?2, 'r', ?3, ?4)", org + "_" + kind, org, kind, now);
                for (int m = 0; m < members_per_organization; ++m) {
                    const std::string id = std::to_string(o * members_per_organization + m);
                    t.exec("INSERT INTO users (id, email, first_name, last_name, permissions, created_at) "
                           "VALUES (?1, ?2, 'f', 'l', 415, ?3)",
                           "user_bench_" + id, "u" + id + "@bench", now);
                    t.exec("INSERT INTO cl_memberships VALUES (?1, ?2, ?3, ?4, 0, 'all', ?5)", "mem_bench_" + id, org,
                           "user_bench_" + id, org + (m == 0 ? "_admin" : "_read_only"), now);
                }
            }
            t.stop_acting();
            t.commit();
        }
        db = std::make_unique<store>(path, 1000); // opening again clears the change log
        start();
    }
    /// The service's state from the stored rows, and one write (the first write after loading
    /// grows the builder's arrays; it is not what a write costs).
    void start() {
        service.reset();
        service = std::make_unique<app::impl>(*db, ward_service::app_options{});
        auto serial = service->serialize();
        service->write(
            serial, app::impl::api_provisioning, [this](store::transaction& t) { change(t); }, who());
        stale = false;
    }
    ~world() {
        service.reset();
        db.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }

    /// The UPDATE of one write: the next membership to the other access scope.
    void change(store::transaction& t) {
        const int i = next++ % memberships;
        t.exec("UPDATE cl_memberships SET access_scope = CASE access_scope WHEN 'test' THEN 'live' ELSE 'test' END "
               "WHERE id = ?1",
               "mem_bench_" + std::to_string(i));
    }
};

world& world_of(int n) {
    static std::map<int, std::unique_ptr<world>> worlds;
    auto& w = worlds[n];
    if (!w) w = std::make_unique<world>(n);
    return *w;
}

void service_write_incremental(benchmark::State& state, int memberships) {
    world& w = world_of(memberships);
    if (w.stale) w.start();
    app::impl& s = *w.service;
    const nlohmann::json who = world::who();
    for (auto _ : state) {
        auto serial = s.serialize();
        s.write(
            serial, app::impl::api_provisioning, [&](store::transaction& t) { w.change(t); }, who);
    }
    state.counters["memberships"] = static_cast<double>(w.memberships);
    if (s.provisioning_rows.last_derivation() != ward::derivation::incremental)
        state.SkipWithError("the write was not derived incrementally");
}

void service_write_rebuild(benchmark::State& state, int memberships) {
    world& w = world_of(memberships);
    app::impl& s = *w.service;
    for (auto _ : state) {
        auto serial = s.serialize();
        std::shared_ptr<const ward::snapshot<ward_service::cl_perm>> next;
        {
            store::transaction t(*w.db);
            t.act_as(ward_service::dump(world::who()));
            w.change(t);
            t.stop_acting();
            // The triggers fill the change log either way; this write does not read it.
            t.bump_version("provisioning");
            std::string error;
            next = ward_service::build_provisioning(t.load_provisioning(), error);
            if (!next) {
                state.SkipWithError(error.c_str());
                break;
            }
            t.commit();
        }
        s.provisioning.publish(std::move(next));
    }
    state.counters["memberships"] = static_cast<double>(w.memberships);
    w.stale = true; // an incremental run after this one starts the service again first
}

void service_write_store_only(benchmark::State& state, int memberships) {
    world& w = world_of(memberships);
    app::impl& s = *w.service;
    for (auto _ : state) {
        auto serial = s.serialize();
        store::transaction t(*w.db);
        t.act_as(ward_service::dump(world::who()));
        w.change(t);
        t.stop_acting();
        t.bump_version("provisioning");
        t.commit();
    }
    state.counters["memberships"] = static_cast<double>(w.memberships);
    w.stale = true; // the service's policy did not follow these writes
}

/// service_write/<memberships>/<impl>, wall-clock time in microseconds.
void register_all() {
    const struct {
        const char* name;
        void (*run)(benchmark::State&, int);
    } impls[] = {{"incremental", service_write_incremental},
                 {"rebuild", service_write_rebuild},
                 {"store_only", service_write_store_only}};
    for (int n : {10000, 100000})
        for (const auto& i : impls)
            benchmark::RegisterBenchmark(("service_write/" + std::to_string(n) + "/" + i.name).c_str(), i.run, n)
                ->Unit(benchmark::kMicrosecond)
                ->UseRealTime();
}

const int registered = (register_all(), 0);

} // namespace
