// SPDX-License-Identifier: MIT
// Three ward-service replicas on one PostgreSQL database (CTest label scaleout; the tests need
// WARD_SERVICE_TEST_DATABASE=postgresql and a server, which CTest's fixtures start): a write through
// one replica is decided by the others (at once when the read asks for the write's version with
// Ward-Min-Version, within a bounded wait without), a replica killed and started again catches up,
// the database restarted under running replicas loses no acknowledged write and no replica decides
// with a revoked permission once it reports the revoking version, and a burst of concurrent writes
// through all three ends with all three at one version giving identical answers.
#include "checks.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace ward_service_test;

namespace {

using namespace std::chrono_literals;

/// One replica: the service on the shared database, and a client of it.
struct replica {
    std::unique_ptr<service_process> server;
    std::unique_ptr<client> http;
    explicit replica(const std::string& db) { start(db); }
    void start(const std::string& db) {
        server = std::make_unique<service_process>(db);
        http = std::make_unique<client>(server->port());
    }
    void stop() {
        http.reset();
        server.reset();
    }
};

std::int64_t version_of(const response& r) {
    const std::string v = r.header("Ward-Version");
    REQUIRE(!v.empty());
    return std::stoll(v);
}

/// GET `path` as `token`, asking for at least `version` (Ward-Min-Version).
response get_at(client& http, const std::string& path, const std::string& token, std::int64_t version) {
    return http.raw("GET", path, {{"Authorization", "Bearer " + token}, {"Ward-Min-Version", std::to_string(version)}});
}

/// Polls `path` until it answers `status` (a bounded wait: 5 s); the answer.
response eventually(client& http, const std::string& path, const std::string& token, int status) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    response r = http.get(path, token);
    while (r.status != status && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(20ms);
        r = http.get(path, token);
    }
    return r;
}

std::string provisioning_login(client& http, const std::string& email) {
    return login(http, email, seeded_password, "provisioning");
}

json membership_of(const std::string& email, const std::string& role) {
    return document("memberships", {{"user_email", email}},
                    {{"organization", "organizations", "org_acme"}, {"role", "roles", role}});
}

bool on_postgresql() {
    const char* kind = std::getenv("WARD_SERVICE_TEST_DATABASE");
    return kind && std::string(kind) == "postgresql";
}

} // namespace

TEST_CASE("replicas: a write through one is decided by the others; a restarted one catches up", "[.replicas]") {
    REQUIRE(on_postgresql()); // CTest runs this with WARD_SERVICE_TEST_DATABASE=postgresql
    temp_dir dir;
    test_database data(dir);
    std::array<replica, 3> r{replica(data.location()), replica(data.location()), replica(data.location())};
    const std::string john = provisioning_login(*r[0].http, seeded::john_email);
    const std::string kathryn = provisioning_login(*r[1].http, seeded::kathryn_email); // any replica's token works
    const std::string acme = "/api/organizations/org_acme";
    for (auto& x : r) CHECK(x.http->get(acme, kathryn).status == 404);

    // Kathryn joins acme through replica 0: replicas 1 and 2 decide it, at once when asked for the
    // write's version, and by themselves within the bounded wait.
    const response joined =
        r[0].http->post("/api/memberships", john, membership_of(seeded::kathryn_email, "role_acme_read_only"));
    REQUIRE_STATUS(joined, 201);
    const std::int64_t v1 = version_of(joined);
    CHECK(get_at(*r[1].http, acme, kathryn, v1).status == 200);
    CHECK(eventually(*r[2].http, acme, kathryn, 200).status == 200);
    CHECK(version_of(r[2].http->get(acme, kathryn)) >= v1);

    // Revoked through replica 1: once a replica reports that version, it no longer lets her in.
    const std::string membership = joined.json_body["data"]["id"].get<std::string>();
    const response left = r[1].http->del("/api/memberships/" + membership, john);
    REQUIRE_STATUS(left, 204);
    const std::int64_t v2 = version_of(left);
    CHECK(v2 > v1);
    for (auto& x : r) {
        const response a = get_at(*x.http, acme, kathryn, v2);
        CHECK(a.status == 404);
        CHECK(version_of(a) >= v2);
    }

    // Replica 2 stops; a write goes through replica 0; replica 2 starts again and decides it.
    r[2].stop();
    const response again =
        r[0].http->post("/api/memberships", john, membership_of(seeded::kathryn_email, "role_acme_admin"));
    REQUIRE_STATUS(again, 201);
    const std::int64_t v3 = version_of(again);
    r[2].start(data.location());
    const response after_restart = r[2].http->get(acme, kathryn);
    CHECK(after_restart.status == 200);
    CHECK(version_of(after_restart) >= v3);

    // A version no replica has reached yet: a bounded wait, then 503 (the client retries).
    const response ahead = get_at(*r[1].http, acme, kathryn, v3 + 1000000);
    CHECK_ERROR(ahead, 503, "version_unavailable");
    CHECK_ERROR(r[1].http->raw("GET", acme, {{"Authorization", "Bearer " + kathryn}, {"Ward-Min-Version", "x1"}}), 400,
                "bad_request");
}

TEST_CASE("replicas: one that falls behind the kept change log builds its policies from all rows", "[.replicas]") {
    REQUIRE(on_postgresql());
    temp_dir dir;
    test_database data(dir);
    // The log keeps 3 changes; replica 1 is paused (SIGSTOP) while replica 0 makes more.
    service_process writer(data.location(), {"--kept-changes", "3"});
    service_process paused(data.location(), {"--kept-changes", "3"});
    client w(writer.port()), p(paused.port());
    const std::string john = provisioning_login(w, seeded::john_email);
    const std::string kathryn = provisioning_login(w, seeded::kathryn_email);
    const std::string acme = "/api/organizations/org_acme";
    CHECK(p.get(acme, kathryn).status == 404);
    REQUIRE(::kill(paused.pid(), SIGSTOP) == 0);
    std::int64_t last = 0;
    for (const char* access : {"test", "live", "all", "test", "live"}) {
        const response a =
            w.patch("/api/memberships/mem_acme_sally", john, document("memberships", {{"access_scope", access}}));
        REQUIRE_STATUS(a, 200);
        last = version_of(a);
    }
    const response joined =
        w.post("/api/memberships", john, membership_of(seeded::kathryn_email, "role_acme_read_only"));
    REQUIRE_STATUS(joined, 201);
    last = version_of(joined);
    CHECK(database(data.location()).query("SELECT count(*) FROM policy_changes").at(0).at(0) == "3"); // pruned
    REQUIRE(::kill(paused.pid(), SIGCONT) == 0);
    // The pruned changes are gone, so it reloads: the same answers as the writer, at the same position.
    const response after = get_at(p, acme, kathryn, last);
    CHECK(after.status == 200);
    CHECK(version_of(after) >= last);
    const response sally = get_at(p, "/api/memberships/mem_acme_sally", john, last);
    REQUIRE_STATUS(sally, 200);
    CHECK(sally.json_body["data"]["attributes"]["access_scope"] == "live");
    CHECK(p.get("/api/memberships", kathryn).body == w.get("/api/memberships", kathryn).body);
}

TEST_CASE("replicas: a burst of concurrent writes through all three ends in one state", "[.replicas]") {
    REQUIRE(on_postgresql());
    temp_dir dir;
    test_database data(dir);
    std::array<replica, 3> r{replica(data.location()), replica(data.location()), replica(data.location())};
    const std::string john = provisioning_login(*r[0].http, seeded::john_email);

    // Each replica's writer moves members of acme between roles and access scopes, and adds and
    // removes a member of its own, 40 writes each, all at once.
    const std::array<std::string, 3> joiners = {seeded::kathryn_email, seeded::guion_email, seeded::bob_email};
    std::atomic<int> acknowledged{0}, failed{0};
    std::atomic<std::int64_t> newest{0};
    std::vector<std::thread> writers;
    for (std::size_t i = 0; i < r.size(); ++i)
        writers.emplace_back([&, i] {
            client http(r[i].server->port());
            for (int n = 0; n < 40; ++n) {
                response a;
                if (n % 4 == 0 && i < 2) {
                    a = http.post("/api/memberships", john,
                                  membership_of(joiners[i], n % 8 == 0 ? "role_acme_read_only" : "role_acme_admin"));
                    if (a.status == 201) {
                        const std::string id = a.json_body["data"]["id"].get<std::string>();
                        a = http.del("/api/memberships/" + id, john);
                    }
                } else {
                    const char* access = (n + static_cast<int>(i)) % 3 == 0 ? "live" : (n % 3 == 1 ? "test" : "all");
                    a = http.patch("/api/memberships/mem_acme_sally", john,
                                   document("memberships", {{"access_scope", access}}));
                }
                if (a.status >= 200 && a.status < 300) {
                    ++acknowledged;
                    std::int64_t v = version_of(a), seen = newest.load();
                    while (v > seen && !newest.compare_exchange_weak(seen, v)) {}
                } else {
                    ++failed;
                }
            }
        });
    for (auto& t : writers) t.join();
    CHECK(failed == 0);
    CHECK(acknowledged == 120);

    // All three reach the newest version and answer a fixed set of checks alike.
    const std::vector<std::string> people = {seeded::john_email, seeded::bob_email, seeded::sally_email,
                                             seeded::kathryn_email, seeded::guion_email};
    std::vector<std::string> tokens;
    for (const std::string& p : people) tokens.push_back(provisioning_login(*r[0].http, p));
    const std::vector<std::string> paths = {"/api/organizations/org_acme", "/api/memberships", "/api/roles",
                                            "/api/memberships/mem_acme_sally", "/api/api_credentials"};
    std::vector<std::string> first;
    for (std::size_t i = 0; i < r.size(); ++i) {
        std::vector<std::string> answers;
        for (const std::string& t : tokens)
            for (const std::string& p : paths) {
                const response a = get_at(*r[i].http, p, t, newest);
                INFO("replica " << i << " " << p);
                CHECK(version_of(a) >= newest);
                answers.push_back(std::to_string(a.status) + " " + a.body);
            }
        CHECK(version_of(r[i].http->get("/api/organizations/org_acme", tokens[0])) == newest);
        if (i == 0) first = answers;
        else CHECK(answers == first);
    }
}

TEST_CASE("replicas: the database restarts under running replicas", "[.replicas_restart]") {
    REQUIRE(on_postgresql());
    const char* script = std::getenv("WARD_PG_SERVER_SCRIPT");
    const char* server_dir = std::getenv("WARD_PG_DIR");
    REQUIRE(script);
    REQUIRE(server_dir);
    temp_dir dir;
    test_database data(dir);
    std::array<replica, 3> r{replica(data.location()), replica(data.location()), replica(data.location())};
    const std::string john = provisioning_login(*r[0].http, seeded::john_email);
    const std::string kathryn = provisioning_login(*r[0].http, seeded::kathryn_email);
    const std::string acme = "/api/organizations/org_acme";

    const response joined =
        r[0].http->post("/api/memberships", john, membership_of(seeded::kathryn_email, "role_acme_read_only"));
    REQUIRE_STATUS(joined, 201);
    const std::string membership = joined.json_body["data"]["id"].get<std::string>();
    for (auto& x : r) CHECK(get_at(*x.http, acme, kathryn, version_of(joined)).status == 200);

    const std::string restart = std::string("bash '") + script + "' restart '" + server_dir + "' >/dev/null";
    REQUIRE(std::system(restart.c_str()) == 0);

    // The revocation goes through replica 1 once it reaches the database again (a write that
    // fails is answered 500 and stores nothing; the client retries).
    response left;
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    do {
        left = r[1].http->del("/api/memberships/" + membership, john);
        if (left.status == 204) break;
        CHECK((left.status == 500 || left.status == 404));
        std::this_thread::sleep_for(100ms);
    } while (std::chrono::steady_clock::now() < deadline);
    REQUIRE_STATUS(left, 204);
    const std::int64_t revoked = version_of(left);

    // Every replica follows (reconnected), and none lets her in once it reports that version.
    for (auto& x : r) {
        response a;
        const auto until = std::chrono::steady_clock::now() + 20s;
        do {
            a = get_at(*x.http, acme, kathryn, revoked);
        } while (a.status == 503 && std::chrono::steady_clock::now() < until);
        CHECK(a.status == 404);
        CHECK(version_of(a) >= revoked);
    }
    // No acknowledged write is lost: the revocation is stored, the seeded memberships are there.
    CHECK(
        database(data.location()).query("SELECT count(*) FROM cl_memberships WHERE id = ?", {membership}).at(0).at(0) ==
        "0");
    CHECK(database(data.location()).query("SELECT count(*) FROM cl_memberships").at(0).at(0) == "4");
}
