// SPDX-License-Identifier: MIT
// The database a service runs on (an SQLite file, or with WARD_SERVICE_TEST_DATABASE=postgresql a
// PostgreSQL database): the first start creates the schema and seeds it, a write changes the next
// decisions and leaves its version, a refused write leaves nothing, and a second start on the same
// database keeps everything and seeds nothing again.
#include "checks.hpp"

#include <string>

using namespace ward_service_test;

namespace {

std::string provisioning_login(client& http, const std::string& email) {
    return login(http, email, seeded_password, "provisioning");
}

std::string count(const std::string& db, const std::string& sql) { return database(db).query(sql).at(0).at(0); }

} // namespace

TEST_CASE("a database: seeded once, written, kept across a restart", "[restart]") {
    temp_dir dir;
    test_database data(dir);
    const std::string& db = data.location();
    std::string membership, versions;
    {
        service_process server(db);
        client http(server.port());

        // The seeded data: five ident users, Bob lists them, John may not.
        const std::string bob = login(http, seeded::bob_email), john = login(http, seeded::john_email);
        const response users = http.get("/api/v1/users", bob);
        REQUIRE_STATUS(users, 200);
        CHECK(users.json_body.size() == 5);
        CHECK(http.get("/api/v1/users", john).status == 403);

        // Kathryn is no member of acme; John makes her a read-only one: the next decisions follow,
        // and the write leaves one version.
        const std::string john_cl = provisioning_login(http, seeded::john_email);
        const std::string kathryn_cl = provisioning_login(http, seeded::kathryn_email);
        CHECK(http.get("/api/organizations/org_acme", kathryn_cl).status == 404);
        const std::string versions_before = count(db, "SELECT count(*) FROM cl_versions");
        const response joined = http.post(
            "/api/memberships", john_cl,
            document("memberships", {{"user_email", seeded::kathryn_email}},
                     {{"organization", "organizations", "org_acme"}, {"role", "roles", "role_acme_read_only"}}));
        REQUIRE_STATUS(joined, 201);
        membership = joined.json_body["data"]["id"].get<std::string>();
        CHECK(http.get("/api/organizations/org_acme", kathryn_cl).status == 200);
        versions = count(db, "SELECT count(*) FROM cl_versions");
        CHECK(std::stoi(versions) == std::stoi(versions_before) + 1);

        // A read-only member creates no role: nothing is stored, no version, no change logged
        // (the dump covers every table).
        const auto before = database(db).dump();
        CHECK_ERROR(http.post("/api/roles", kathryn_cl,
                              document("roles", {{"name", "Mine"}}, {{"organization", "organizations", "org_acme"}})),
                    401, "missing_permission");
        CHECK(database(db).dump() == before);
        // The membership's write is in the change log (other services on the database follow it).
        CHECK(count(db, "SELECT count(*) FROM policy_changes WHERE source = 'cl_memberships' AND record = '" +
                            membership + "'") == "1");
    }
    {
        // Started again: nothing seeded twice, the membership still decides, and goes.
        service_process server(db);
        client http(server.port());
        CHECK(count(db, "SELECT count(*) FROM users") == "5");
        CHECK(count(db, "SELECT count(*) FROM cl_organizations") == "2");
        CHECK(count(db, "SELECT count(*) FROM cl_versions") == versions);
        const std::string kathryn_cl = provisioning_login(http, seeded::kathryn_email);
        CHECK(http.get("/api/organizations/org_acme", kathryn_cl).status == 200);
        const std::string john_cl = provisioning_login(http, seeded::john_email);
        REQUIRE_STATUS(http.del("/api/memberships/" + membership, john_cl), 204);
        CHECK(http.get("/api/organizations/org_acme", kathryn_cl).status == 404);
    }
}
