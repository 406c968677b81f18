// SPDX-License-Identifier: MIT
// ward-service replicas on one PostgreSQL database (benchmarks/replicas.sh starts the server and
// runs this): three real `ward-service serve` processes on a fresh database, then
//
//   visible everywhere  `--writes` membership writes (PATCH of a membership's access scope), each
//                       through the next replica in turn; for each, the time from sending it until
//                       all three replicas report its version (Ward-Version of a GET on each, polled
//                       on kept-alive connections; no Ward-Min-Version, so nothing asks them to
//                       catch up). Baseline: the write's own round trip through its replica.
//   read throughput     `--clients` threads, each GETting one organization (a ward decision) on a
//                       kept-alive connection for `--seconds`, all on one replica, then spread over
//                       the three. Ratio: three / one.
//
// Usage: ward_replicas_bench --uri postgresql://USER@HOST:PORT/DB [--writes 500] [--seconds 5]
//        [--clients 4] [--json FILE]
// Wall-clock times; the machine runs the database, the three services and the clients at once.
#include "harness.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace ward_service_test;
using clock_type = std::chrono::steady_clock;

double ms_since(clock_type::time_point t) {
    return std::chrono::duration<double, std::milli>(clock_type::now() - t).count();
}

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

std::int64_t version_of(const response& r) {
    const std::string v = r.header("Ward-Version");
    if ((r.status != 200 && r.status != 201) || v.empty()) throw std::runtime_error("no version: " + r.describe());
    return std::stoll(v);
}

/// Requests per second of `clients` threads for `seconds`, client k on port ports[k % size].
double throughput(const std::vector<int>& ports, const std::string& token, int clients, double seconds) {
    std::atomic<long> done{0}, failed{0};
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (int k = 0; k < clients; ++k)
        threads.emplace_back([&, k] {
            client http(ports[static_cast<std::size_t>(k) % ports.size()], /*keep_alive=*/true);
            while (!stop) {
                if (http.get("/api/organizations/org_acme", token).status == 200) ++done;
                else ++failed;
            }
        });
    const auto start = clock_type::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (auto& t : threads) t.join();
    const double elapsed = ms_since(start) / 1000;
    if (failed) std::cerr << "ward_replicas_bench: " << failed << " reads failed\n";
    return static_cast<double>(done) / elapsed;
}

} // namespace

int main(int argc, char** argv) {
#if WARD_SERVICE_POSTGRESQL
    std::map<std::string, std::string> args = {
        {"--writes", "500"}, {"--seconds", "5"}, {"--clients", "4"}, {"--json", ""}, {"--uri", ""}};
    for (int i = 1; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
    if (args["--uri"].empty()) {
        std::cerr << "usage: ward_replicas_bench --uri postgresql://USER@HOST:PORT/DB [--writes N] [--seconds S] "
                     "[--clients C] [--json FILE]\n";
        return 2;
    }
    const int writes = std::stoi(args["--writes"]), clients = std::stoi(args["--clients"]);
    const double seconds = std::stod(args["--seconds"]);
    try {
        ::setenv("WARD_PG_URI", args["--uri"].c_str(), 1);
        ::setenv("WARD_SERVICE_TEST_DATABASE", "postgresql", 1);
        temp_dir dir;
        test_database data(dir); // a fresh database on the server, dropped at the end
        std::vector<std::unique_ptr<service_process>> replicas;
        for (int i = 0; i < 3; ++i)
            replicas.push_back(std::make_unique<service_process>(data.location(), std::vector<std::string>{},
                                                                 std::chrono::seconds(30), verified::no));
        std::vector<int> ports;
        for (auto& r : replicas) ports.push_back(r->port());
        std::vector<std::unique_ptr<client>> http;
        for (int p : ports) http.push_back(std::make_unique<client>(p, /*keep_alive=*/true));
        const std::string john = login(*http[0], seeded::john_email, seeded_password, "provisioning");

        // Write, then wait until every replica reports the write's version.
        std::vector<double> round_trip, everywhere;
        const std::string path = "/api/memberships/mem_acme_sally";
        for (int i = 0; i < writes; ++i) {
            client& writer = *http[static_cast<std::size_t>(i) % 3];
            const auto start = clock_type::now();
            const response w = writer.patch(
                path, john,
                json{{"data", {{"type", "memberships"}, {"attributes", {{"access_scope", i % 2 ? "live" : "test"}}}}}});
            const std::int64_t version = version_of(w);
            round_trip.push_back(ms_since(start));
            for (auto& h : http)
                while (version_of(h->get(path, john)) < version) {}
            everywhere.push_back(ms_since(start));
        }
        const double one = throughput({ports[0]}, john, clients, seconds);
        const double three = throughput(ports, john, clients, seconds);

        char text[1024];
        std::snprintf(text, sizeof text,
                      "writes %d: round trip median %.3f ms p99 %.3f ms; visible on all 3 replicas median %.3f ms "
                      "p99 %.3f ms (%.2fx / %.2fx the round trip)\n"
                      "reads (%d clients, %.0f s each): 1 replica %.0f/s, 3 replicas %.0f/s (%.2fx)\n",
                      writes, percentile(round_trip, 0.5), percentile(round_trip, 0.99), percentile(everywhere, 0.5),
                      percentile(everywhere, 0.99), percentile(everywhere, 0.5) / percentile(round_trip, 0.5),
                      percentile(everywhere, 0.99) / percentile(round_trip, 0.99), clients, seconds, one, three,
                      three / one);
        std::cout << text;
        if (!args["--json"].empty()) {
            std::ofstream(args["--json"])
                << json{{"writes", writes},
                        {"round_trip_ms",
                         {{"median", percentile(round_trip, 0.5)}, {"p99", percentile(round_trip, 0.99)}}},
                        {"visible_everywhere_ms",
                         {{"median", percentile(everywhere, 0.5)}, {"p99", percentile(everywhere, 0.99)}}},
                        {"clients", clients},
                        {"seconds", seconds},
                        {"reads_per_s", {{"one_replica", one}, {"three_replicas", three}}}}
                       .dump(2)
                << "\n";
        }
    } catch (const std::exception& e) {
        std::cerr << "ward_replicas_bench: " << e.what() << "\n";
        return 1;
    }
    return 0;
#else
    (void)argc;
    (void)argv;
    std::cerr << "ward_replicas_bench: built without libpq (Debian: libpq-dev)\n";
    return 2;
#endif
}
