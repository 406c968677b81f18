// SPDX-License-Identifier: MIT
// [restart]: data written through the API survives stopping the service and starting a new one on
// the same database file, and the new process decides with it. A restart does not seed again.
#include "checks.hpp"

#include <array>

using namespace ward_service_test;

namespace {
/// A permission row letting `role` read versions and nothing else.
json versions_read_only(const std::string& role) {
    return document("permissions",
                    {{"subject_class", "versions"},
                     {"can_create", false},
                     {"can_read", true},
                     {"can_update", false},
                     {"can_destroy", false}},
                    {{"role", "roles", role}});
}
} // namespace

TEST_CASE("writes survive a restart on the same database, and decisions follow them", "[restart]") {
    temp_dir dir;
    test_database data(dir);
    const std::string db = data.location();

    std::string new_user, shop_user, membership, role, secret_before, bob_token, dan_old_token, kathryn_old_token;
    std::map<std::string, std::vector<std::vector<std::string>>> stored;
    {
        service_process server(db);
        client http(server.port());
        secret_before = token_secret(db);
        bob_token = login(http, seeded::bob_email);
        dan_old_token = login(http, "dan@bluebricks.local", seeded_password, "bluebricks");

        // ident: a new global user; an application's user deleted; a mask changed.
        const response created = http.post("/api/v1/users", {},
                                           {{"email", "mae@provide.local"},
                                            {"password", "jemison-1992"},
                                            {"first_name", "Mae"},
                                            {"last_name", "Jemison"},
                                            {"privacy_policy_agreed_at", "1992-09-12T14:23:00Z"},
                                            {"metadata", {{"user_metadata", {{"mission", "STS-47"}}}}}});
        REQUIRE_STATUS(created, 201);
        new_user = created.json_body["id"].get<std::string>();
        REQUIRE_STATUS(http.del(std::string("/api/v1/users/") + seeded::guion,
                                mint(db, "ident", std::string("application:") + seeded::blog)),
                       204);
        REQUIRE_STATUS(http.put(std::string("/api/v1/users/") + seeded::sally,
                                mint(db, "ident", std::string("application:") + seeded::shop),
                                {{"permissions", 386 | seeded::list_users},
                                 {"terms_of_service_agreed_at", "1983-06-18T11:33:00.5Z"},
                                 {"metadata", {{"app_metadata", {{"shop_tier", 2}}}}}}),
                       204);

        const response virtual_user =
            http.post("/api/v1/users", mint(db, "ident", std::string("application:") + seeded::shop),
                      {{"first_name", "Shop"}, {"last_name", "Clerk"}});
        REQUIRE_STATUS(virtual_user, 201);
        shop_user = virtual_user.json_body["id"].get<std::string>();

        // Kathryn changes her password: her earlier sessions end.
        kathryn_old_token = login(http, seeded::kathryn_email);
        REQUIRE_STATUS(http.put(std::string("/api/v1/users/") + seeded::kathryn, kathryn_old_token,
                                {{"password", "kathryn-new-1"}}),
                       204);
        CHECK_ERROR(http.get("/api/v1/users", kathryn_old_token), 401, "invalid_token");

        // provisioning: Mae joins Acme as read-only; a custom role with one permission; a rename.
        const std::string john = login(http, seeded::john_email, seeded_password, "provisioning");
        const response joined = http.post(
            "/api/memberships", john,
            document("memberships", {{"user_email", "mae@provide.local"}},
                     {{"organization", "organizations", "org_acme"}, {"role", "roles", "role_acme_read_only"}}));
        REQUIRE_STATUS(joined, 201);
        membership = joined.json_body["data"]["id"].get<std::string>();
        const response made =
            http.post("/api/roles", john,
                      document("roles", {{"name", "Auditors"}}, {{"organization", "organizations", "org_acme"}}));
        REQUIRE_STATUS(made, 201);
        role = made.json_body["data"]["id"].get<std::string>();
        REQUIRE_STATUS(http.post("/api/permissions", john, versions_read_only(role)), 201);
        REQUIRE_STATUS(
            http.patch("/api/organizations/org_acme", john, document("organizations", {{"name", "Acme Restarted"}})),
            200);

        // bluebricks: Dan gets the Builder role.
        REQUIRE_STATUS(http.post("/api/v1/user/google-oauth2%7Cdan/roles",
                                 login(http, "alice@bluebricks.local", seeded_password, "bluebricks"),
                                 {{"roles", {"rol_Bu1ldAsDfGhJkL9z"}}}),
                       200);

        stored = database(db).dump();
        server.stop();
        INFO(server.exit_description() << "\n" << server.stderr_log());
        CHECK(server.stopped_cleanly());
    }

    service_process server(db);
    client http(server.port());

    SECTION("nothing changed in storage by stopping and starting; no seeding the second time") {
        CHECK(database(db).dump() == stored);
        CHECK(token_secret(db) == secret_before);
    }
    SECTION("tokens signed before the restart are still good; the new user logs in") {
        const response list = http.get("/api/v1/users", bob_token);
        REQUIRE_STATUS(list, 200);
        CHECK(ids_of(list.json_body) ==
              sorted({seeded::john, seeded::bob, seeded::kathryn, seeded::sally, new_user, shop_user}));
        const std::string mae = login(http, "mae@provide.local", "jemison-1992");
        const response own = http.get("/api/v1/users/" + new_user, mae);
        REQUIRE_STATUS(own, 200);
        CHECK(own.json_body["name"] == "Mae Jemison");
        CHECK(own.json_body["permissions"] == 415);
        CHECK(own.json_body["privacy_policy_agreed_at"] == "1992-09-12T14:23:00.000Z");
        CHECK(own.json_body["terms_of_service_agreed_at"].is_null());
        CHECK(own.json_body["metadata"] == json{{"user_metadata", {{"mission", "STS-47"}}}});
        CHECK_ERROR(http.get("/api/v1/users", mae), 403, "missing_permission");
        // Guion stays deleted.
        CHECK_ERROR(
            http.post("/api/v1/authenticate", {}, {{"email", seeded::guion_email}, {"password", seeded_password}}), 401,
            "invalid_credentials");
    }
    SECTION("a password change before the restart still refuses the tokens issued before it") {
        CHECK_ERROR(http.get("/api/v1/users", kathryn_old_token), 401, "invalid_token");
        CHECK_STATUS(http.get("/api/v1/users", login(http, seeded::kathryn_email, "kathryn-new-1")), 200);
    }
    SECTION("ident decisions use the changed mask") {
        // Sally now holds ListUsers at her application: she lists its users, nobody else's.
        const std::string sally = login(http, seeded::sally_email);
        CHECK(token_claims(sally)["permissions"] == (386 | seeded::list_users));
        const response own = http.get(std::string("/api/v1/users/") + seeded::sally, sally);
        REQUIRE_STATUS(own, 200);
        CHECK(own.json_body["terms_of_service_agreed_at"] == "1983-06-18T11:33:00.500Z");
        CHECK(own.json_body["metadata"] == json{{"app_metadata", {{"shop_tier", 2}}}});
        // Her app_metadata is still the application's: her own token does not change it.
        CHECK_ERROR(http.put(std::string("/api/v1/users/") + seeded::sally, sally, {{"metadata", json::object()}}), 403,
                    "missing_permission");
        const response clerk = http.get("/api/v1/users/" + shop_user, sally);
        REQUIRE_STATUS(clerk, 200);
        CHECK(clerk.json_body["name"] == "Shop Clerk");
        CHECK_ERROR(http.get(std::string("/api/v1/users/") + seeded::john, sally), 403, "missing_permission");
        const response blog = http.get("/api/v1/users", mint(db, "ident", std::string("application:") + seeded::blog));
        REQUIRE_STATUS(blog, 200);
        CHECK(blog.json_body == json::array());
    }
    SECTION("provisioning decisions use the new membership, role and permission") {
        const std::string mae = login(http, "mae@provide.local", "jemison-1992", "provisioning");
        const response orgs = http.get("/api/organizations", mae);
        REQUIRE_STATUS(orgs, 200);
        REQUIRE(ids_of(orgs.json_body) == std::vector<std::string>{"org_acme"});
        CHECK(orgs.json_body["data"][0]["attributes"]["name"] == "Acme Restarted");
        const response m = http.get("/api/memberships/" + membership, mae);
        REQUIRE_STATUS(m, 200);
        CHECK(m.json_body["data"]["relationships"]["role"]["data"]["id"] == "role_acme_read_only");
        CHECK_ERROR(http.patch("/api/organizations/org_acme", mae, document("organizations", {{"name", "Mae's"}})), 401,
                    "missing_permission");

        const std::string john = login(http, seeded::john_email, seeded_password, "provisioning");
        const response r = http.get("/api/roles/" + role, john);
        REQUIRE_STATUS(r, 200);
        CHECK(r.json_body["data"]["attributes"]["kind"] == "custom");
        const response perms = http.get("/api/permissions", john);
        REQUIRE_STATUS(perms, 200);
        CHECK(perms.json_body["data"].size() == 4);
        // The role's single permission is still one per subject.
        CHECK_ERROR(http.post("/api/permissions", john, versions_read_only(role)), 409, "duplicate_subject");
        // As read-only, Mae reads Acme's four roles; moved to the new role (versions only), none.
        const response read_only = http.get("/api/roles", mae);
        REQUIRE_STATUS(read_only, 200);
        CHECK(read_only.json_body["data"].size() == 4);
        REQUIRE_STATUS(http.patch("/api/memberships/" + membership, john,
                                  document("memberships", json::object(), {{"role", "roles", role}})),
                       200);
        const response auditor = http.get("/api/roles", mae);
        REQUIRE_STATUS(auditor, 200);
        CHECK(auditor.json_body["data"] == json::array());
        CHECK_ERROR(http.get("/api/roles/" + role, mae), 401, "missing_permission");
    }
    SECTION("bluebricks decisions use the role assignment; the old token stays capped") {
        const response fresh =
            http.get("/api/v1/user/me", login(http, "dan@bluebricks.local", seeded_password, "bluebricks"));
        REQUIRE_STATUS(fresh, 200);
        CHECK(contains(strings_of(fresh.json_body["permissions"]), "create:blueprints"));
        const response old = http.get("/api/v1/user/me", dan_old_token);
        REQUIRE_STATUS(old, 200);
        CHECK_FALSE(contains(strings_of(old.json_body["permissions"]), "create:blueprints"));
    }
    SECTION("a second restart, stopped with SIGINT, keeps it all too") {
        const auto before = database(db).dump();
        server.stop(std::chrono::seconds(10), SIGINT);
        {
            INFO(server.exit_description());
            CHECK(server.stopped_cleanly());
        }
        service_process third(db);
        client again(third.port());
        CHECK(database(db).dump() == before);
        CHECK_STATUS(again.get("/api/v1/users", bob_token), 200);
        CHECK_FALSE(login(again, "mae@provide.local", "jemison-1992").empty());
    }
}

TEST_CASE("each database keeps its own secret across restarts; another database's tokens are refused", "[restart]") {
    temp_dir dir;
    const std::string db = dir.file("ward.db");
    std::string secret;
    {
        service_process first(db);
        secret = token_secret(db);
        REQUIRE(secret.size() == 32);
    }
    {
        // A fresh database elsewhere has another secret: its tokens are not good here.
        temp_dir other_dir;
        const std::string other = other_dir.file("ward.db");
        service_process second(other);
        CHECK(token_secret(other) != secret);
        const std::string foreign = mint(other, "ident", std::string("user:") + seeded::bob);
        service_process back(db);
        client http(back.port());
        CHECK_ERROR(http.get("/api/v1/users", foreign), 401, "invalid_token");
        CHECK_STATUS(http.get("/api/v1/users", mint(db, "ident", std::string("user:") + seeded::bob)), 200);
    }
    CHECK(token_secret(db) == secret);
}
