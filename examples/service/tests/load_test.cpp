// SPDX-License-Identifier: MIT
// [load]: a bounded load on one service. Two client threads send a few thousand requests each, a
// mix of allowed and denied reads across the three APIs; every request must arrive (no transport
// error) with its expected status. The test prints the median and 99th percentile of the
// authorization step and of the whole handler (from Server-Timing) and of the client's round trip.
// A second run adds a writer whose every write publishes a new snapshot while the readers read.
#include "checks.hpp"

#include <atomic>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <mutex>

using namespace ward_service_test;

namespace {

/// authz and total durations in ms from "authz;dur=<ms>, total;dur=<ms>"; false if unreadable.
bool parse_server_timing(const std::string& header, double& authz, double& total) {
    auto read = [&](const char* name, double& out) {
        const std::string key = std::string(name) + ";dur=";
        const auto at = header.find(key);
        if (at == std::string::npos) return false;
        const char* begin = header.c_str() + at + key.size();
        char* end = nullptr;
        out = std::strtod(begin, &end);
        return end != begin && std::isfinite(out) && out >= 0;
    };
    return read("authz", authz) && read("total", total);
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
    return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

struct sample {
    double authz = 0, total = 0, round_trip = 0;
};

struct mix_entry {
    const char* what;
    std::string path, token;
    int status;
};

struct thread_result {
    std::vector<sample> samples;
    std::size_t transport_errors = 0, wrong_status = 0, bad_timing = 0;
    std::vector<std::string> first_problems;
};

/// Every client thread's samples and counts together; their first problems become Catch2 messages.
struct merged {
    std::vector<double> authz, total, round_trip;
    std::size_t transport_errors = 0, wrong_status = 0, bad_timing = 0;
};

merged merge(const std::vector<thread_result>& results) {
    merged m;
    for (const thread_result& r : results) {
        for (const std::string& p : r.first_problems) UNSCOPED_INFO(p);
        m.transport_errors += r.transport_errors;
        m.wrong_status += r.wrong_status;
        m.bad_timing += r.bad_timing;
        for (const sample& x : r.samples) {
            m.authz.push_back(x.authz);
            m.total.push_back(x.total);
            m.round_trip.push_back(x.round_trip);
        }
    }
    return m;
}

void print_row(const char* name, const std::vector<double>& values) {
    std::cout << "  " << std::left << std::setw(30) << name << std::right << " median " << std::fixed
              << std::setprecision(4) << std::setw(9) << percentile(values, 0.5) << " ms   p99 " << std::setw(9)
              << percentile(values, 0.99) << " ms\n";
}

} // namespace

TEST_CASE("two clients, a few thousand mixed requests each: every answer as expected", "[load]") {
    fixture f;
    const std::string bob = login(f.http, seeded::bob_email);
    const std::string john = login(f.http, seeded::john_email);
    const std::string shop = mint(f.db, "ident", std::string("application:") + seeded::shop);
    const std::string alice = login(f.http, "alice@bluebricks.local", seeded_password, "bluebricks");
    const std::string gus = login(f.http, "gus@bluebricks.local", seeded_password, "bluebricks");
    const std::string john_cl = login(f.http, seeded::john_email, seeded_password, "provisioning");
    const std::string sally_cl = login(f.http, seeded::sally_email, seeded_password, "provisioning");
    const auto before = database(f.db).dump();

    const std::vector<mix_entry> mix = {
        {"list users (ListUsers)", "/api/v1/users", bob, 200},
        {"list users (denied)", "/api/v1/users", john, 403},
        {"own record", std::string("/api/v1/users/") + seeded::john, john, 200},
        {"other app's user (404)", std::string("/api/v1/users/") + seeded::guion, shop, 404},
        {"bluebricks me", "/api/v1/user/me", alice, 200},
        {"bluebricks me (denied)", "/api/v1/user/me", gus, 403},
        {"provisioning memberships", "/api/memberships", john_cl, 200},
        {"provisioning role (denied)", "/api/roles/role_acme_admin", sally_cl, 401},
    };
    constexpr std::size_t per_thread = 3000;
    constexpr int threads = 2;

    std::vector<thread_result> results(threads);
    const auto started = std::chrono::steady_clock::now();
    {
        std::vector<std::thread> workers;
        for (int t = 0; t < threads; ++t) {
            workers.emplace_back([&, t] {
                thread_result& out = results[static_cast<std::size_t>(t)];
                out.samples.reserve(per_thread);
                client http(f.server.port());
                for (std::size_t i = 0; i < per_thread; ++i) {
                    const mix_entry& m = mix[(i + static_cast<std::size_t>(t) * 3) % mix.size()];
                    const auto t0 = std::chrono::steady_clock::now();
                    const response r = http.get(m.path, m.token);
                    const double round_trip =
                        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
                    auto note = [&](const std::string& problem) {
                        if (out.first_problems.size() < 5)
                            out.first_problems.push_back(std::string(m.what) + ": " + problem);
                    };
                    if (r.status == 0) {
                        ++out.transport_errors;
                        note(r.describe());
                        continue;
                    }
                    if (r.status != m.status || (r.status >= 400 && !r.is_error(r.status))) {
                        ++out.wrong_status;
                        note(r.describe());
                    }
                    sample s;
                    s.round_trip = round_trip;
                    if (!parse_server_timing(r.header("Server-Timing"), s.authz, s.total) || s.authz > s.total) {
                        ++out.bad_timing;
                        note("Server-Timing: '" + r.header("Server-Timing") + "'");
                        continue;
                    }
                    out.samples.push_back(s);
                }
            });
        }
        for (std::thread& w : workers) w.join();
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    const merged m = merge(results);
    const std::vector<double>&authz = m.authz, &total = m.total, &round_trip = m.round_trip;
    const std::size_t transport_errors = m.transport_errors, wrong_status = m.wrong_status, bad_timing = m.bad_timing;
    const std::size_t requests = per_thread * threads;
    std::cout << "ward-service [load]: " << requests << " requests from " << threads << " threads in " << std::fixed
              << std::setprecision(2) << seconds << " s (" << std::setprecision(0)
              << static_cast<double>(requests) / seconds << " requests/s), one connection per request\n";
    print_row("authz (Server-Timing)", authz);
    print_row("handler total (Server-Timing)", total);
    print_row("client round trip", round_trip);
    std::cout << "  authz / handler total at the median: " << std::setprecision(1)
              << (percentile(total, 0.5) > 0 ? 100.0 * percentile(authz, 0.5) / percentile(total, 0.5) : 0.0) << " %\n";

    CHECK(transport_errors == 0);
    CHECK(wrong_status == 0);
    CHECK(bad_timing == 0);
    CHECK(authz.size() == requests);
    REQUIRE(f.server.running());
    CHECK(database(f.db).dump() == before);
}

TEST_CASE("reads keep being answered while writes publish new snapshots of all three policies", "[load]") {
    fixture f;
    const std::string bob = login(f.http, seeded::bob_email);
    const std::string john = login(f.http, seeded::john_email);
    const std::string kathryn = login(f.http, seeded::kathryn_email);
    const std::string alice = login(f.http, "alice@bluebricks.local", seeded_password, "bluebricks");
    const std::string gus = login(f.http, "gus@bluebricks.local", seeded_password, "bluebricks");
    const std::string john_cl = login(f.http, seeded::john_email, seeded_password, "provisioning");
    const std::string sally_cl = login(f.http, seeded::sally_email, seeded_password, "provisioning");
    const auto versions = [&] {
        return database(f.db).query("SELECT key, value FROM settings WHERE key LIKE 'policy_version_%' ORDER BY key");
    };
    const auto versions_before = versions();

    // None of the writes changes what these reads are answered.
    const std::vector<mix_entry> mix = {
        {"list users (ListUsers)", "/api/v1/users", bob, 200},
        {"list users (denied)", "/api/v1/users", john, 403},
        {"bluebricks me", "/api/v1/user/me", alice, 200},
        {"bluebricks me (denied)", "/api/v1/user/me", gus, 403},
        {"provisioning memberships", "/api/memberships", john_cl, 200},
        {"provisioning role (denied)", "/api/roles/role_acme_admin", sally_cl, 401},
    };
    constexpr std::size_t per_reader = 1500;
    constexpr std::size_t max_writes = 300;
    std::atomic<int> readers_left{2};
    std::vector<thread_result> results(2);
    std::size_t writes = 0, write_errors = 0;
    std::vector<double> write_ms;
    std::vector<std::string> write_problems;
    {
        std::vector<std::thread> workers;
        for (int t = 0; t < 2; ++t) {
            workers.emplace_back([&, t] {
                thread_result& out = results[static_cast<std::size_t>(t)];
                client http(f.server.port());
                for (std::size_t i = 0; i < per_reader; ++i) {
                    const mix_entry& m = mix[(i + static_cast<std::size_t>(t) * 3) % mix.size()];
                    const auto t0 = std::chrono::steady_clock::now();
                    const response r = http.get(m.path, m.token);
                    sample x;
                    x.round_trip =
                        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
                    if (r.status == 0) ++out.transport_errors;
                    else if (r.status != m.status || (r.status >= 400 && !r.is_error(r.status))) ++out.wrong_status;
                    else if (!parse_server_timing(r.header("Server-Timing"), x.authz, x.total)) ++out.bad_timing;
                    else {
                        out.samples.push_back(x);
                        continue;
                    }
                    if (out.first_problems.size() < 5)
                        out.first_problems.push_back(std::string(m.what) + ": " + r.describe());
                }
                --readers_left;
            });
        }
        // The writer: each write commits and publishes a new snapshot (ident, provisioning,
        // bluebricks in turn) until the readers are done.
        workers.emplace_back([&] {
            client http(f.server.port());
            for (std::size_t i = 0; i < max_writes && readers_left.load() > 0; ++i) {
                response r;
                int expected = 200;
                const auto t0 = std::chrono::steady_clock::now();
                switch (i % 3) {
                case 0:
                    r = http.put(std::string("/api/v1/users/") + seeded::sally, kathryn,
                                 {{"permissions", i % 2 ? 386 : 390}});
                    expected = 204;
                    break;
                case 1:
                    r = http.post(
                        "/api/roles", john_cl,
                        json{{"data",
                              {{"type", "roles"},
                               {"attributes", {{"name", "Load " + std::to_string(i)}}},
                               {"relationships",
                                {{"organization", {{"data", {{"type", "organizations"}, {"id", "org_acme"}}}}}}}}}});
                    expected = 201;
                    break;
                default:
                    r = http.post("/api/v1/user/auth0%7Cben/roles", alice,
                                  {{"roles", {"rol_Bu1ldAsDfGhJkL9z"}}, {"add", i % 2 == 0}});
                    break;
                }
                ++writes;
                write_ms.push_back(
                    std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
                if (r.status != expected) {
                    ++write_errors;
                    if (write_problems.size() < 5) write_problems.push_back(r.describe());
                }
            }
        });
        for (std::thread& w : workers) w.join();
    }
    const merged m = merge(results);
    const std::vector<double>&authz = m.authz, &total = m.total, &round_trip = m.round_trip;
    const std::size_t transport_errors = m.transport_errors, wrong_status = m.wrong_status, bad_timing = m.bad_timing;
    for (const std::string& p : write_problems) UNSCOPED_INFO("write: " << p);
    std::cout << "ward-service [load]: " << 2 * per_reader << " reads from 2 threads while a third made " << writes
              << " writes, each publishing a new snapshot\n";
    print_row("reads: authz (Server-Timing)", authz);
    print_row("reads: handler total", total);
    print_row("reads: client round trip", round_trip);
    print_row("writes: client round trip", write_ms);
    CHECK(transport_errors == 0);
    CHECK(wrong_status == 0);
    CHECK(bad_timing == 0);
    CHECK(write_errors == 0);
    REQUIRE(writes >= 3);
    // Every write moved its API's policy version on.
    const auto versions_after = versions();
    REQUIRE(versions_after.size() == 3);
    REQUIRE(versions_before.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
        INFO(versions_after[i][0]);
        CHECK(std::stoul(versions_after[i][1]) > std::stoul(versions_before[i][1]));
    }
    CHECK(database(f.db).query("SELECT count(*) FROM cl_roles WHERE name LIKE 'Load %'")[0][0] ==
          std::to_string((writes + 1) / 3));
    REQUIRE(f.server.running());
}

TEST_CASE("requests on a kept-alive connection are answered; both ways timed and reported", "[load]") {
    fixture f;
    const std::string bob = login(f.http, seeded::bob_email);
    client kept(f.server.port(), /*keep_alive=*/true);
    client fresh(f.server.port(), /*keep_alive=*/false);
    std::vector<double> kept_ms, fresh_ms;
    for (int i = 0; i < 60; ++i) {
        for (auto [c, sink] : {std::pair<client*, std::vector<double>*>{&kept, &kept_ms}, {&fresh, &fresh_ms}}) {
            const auto t0 = std::chrono::steady_clock::now();
            const response r = c->get(std::string("/api/v1/users/") + seeded::john, bob);
            sink->push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
            REQUIRE_STATUS(r, 200);
        }
    }
    std::cout << "ward-service [load]: GET one user, 60 times each way\n";
    print_row("kept-alive connection", kept_ms);
    print_row("one connection per request", fresh_ms);
    // A reused connection must not wait for delayed ACKs (Nagle: ~40 ms a request if it does).
    // The figures are reported, not asserted: times belong to benchmarks, not to tests.
}
