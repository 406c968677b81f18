// SPDX-License-Identifier: MIT
// Commerce Layer Provisioning's versions (the audit trail) over HTTP on freshly seeded data: [rules]
// (every write leaves one with who, what and the changes; each is read only by whoever may read
// its record, decided by ward; versions are immutable; bad input and refused writes leave none),
// [store] (a write without an actor is refused whole; a database from before versions gets them).
#include "checks.hpp"
#include "policies.hpp"
#include "store.hpp"

#include <string>
#include <vector>

using namespace ward_service_test;

namespace {

std::string as_user(client& http, const std::string& email) {
    return login(http, email, seeded_password, "provisioning");
}

/// The versions `token` lists, oldest first (REQUIREs a 200).
json versions_seen(client& http, const std::string& token) {
    const response r = http.get("/api/versions", token);
    REQUIRE_STATUS(r, 200);
    REQUIRE(r.json_body["data"].is_array());
    return r.json_body["data"];
}

/// The ids of the versions of record `resource_id` in `versions`, oldest first.
std::vector<std::string> of_record(const json& versions, const std::string& resource_id) {
    std::vector<std::string> ids;
    for (const json& v : versions)
        if (v["attributes"]["resource_id"] == resource_id) ids.push_back(v["id"].get<std::string>());
    return ids;
}

/// The newest version of `resource_id` that `token` lists (REQUIREs one).
json newest(client& http, const std::string& token, const std::string& resource_id) {
    const json all = versions_seen(http, token);
    for (auto it = all.rbegin(); it != all.rend(); ++it)
        if ((*it)["attributes"]["resource_id"] == resource_id) return *it;
    FAIL("no version of " << resource_id);
    return nullptr;
}

json who_user(const std::string& id) { return json{{"type", "user"}, {"id", id}}; }

/// Creates `body` at `path` as `token` (REQUIREs a 201) and answers the new record's id.
std::string created(client& http, const std::string& path, const std::string& token, const json& body) {
    const response r = http.post(path, token, body);
    REQUIRE_STATUS(r, 201);
    return r.json_body["data"]["id"].get<std::string>();
}

json in_acme(const std::string& type, const json& attributes) {
    return document(type, attributes, {{"organization", "organizations", "org_acme"}});
}

/// `sql`, committed by the actor {"type": "user", "id": "someone"}.
void write_as_someone(ward_service::store& s, const char* sql) {
    ward_service::store::transaction t(s);
    t.act_as(R"({"type":"user","id":"someone"})");
    t.exec(sql);
    t.stop_acting();
    t.commit();
}

#define CHECK_CL_DENIED(answer) CHECK_ERROR((answer), 401, "missing_permission")

} // namespace

TEST_CASE("provisioning: versions", "[rules]") {
    fixture f;
    const std::string john = as_user(f.http, seeded::john_email), bob = as_user(f.http, seeded::bob_email),
                      sally = as_user(f.http, seeded::sally_email), kathryn = as_user(f.http, seeded::kathryn_email);

    SECTION("every write leaves a version: who, the event and the changes as {column: [old, new]}") {
        CHECK(versions_seen(f.http, john).empty()); // the seed leaves none
        REQUIRE_STATUS(
            f.http.patch("/api/organizations/org_acme", john, document("organizations", {{"name", "Acme Inc"}})), 200);
        const json renamed = newest(f.http, john, "org_acme");
        CHECK(renamed["type"] == "versions");
        CHECK(renamed["id"].get<std::string>().rfind("ver_", 0) == 0);
        CHECK(renamed["attributes"]["resource_type"] == "organizations");
        CHECK(renamed["attributes"]["event"] == "update");
        CHECK(renamed["attributes"]["who"] == who_user(seeded::john));
        CHECK(renamed["attributes"]["changes"] == json{{"name", {"Acme", "Acme Inc"}}});
        CHECK(renamed["attributes"]["created_at"].get<std::string>().size() == 24);
        CHECK(renamed["relationships"]["organization"]["data"]["id"] == "org_acme");
        // The same name again changes nothing, and leaves nothing.
        REQUIRE_STATUS(
            f.http.patch("/api/organizations/org_acme", john, document("organizations", {{"name", "Acme Inc"}})), 200);
        CHECK(versions_seen(f.http, john).size() == 1);

        const std::string role = created(f.http, "/api/roles", john, in_acme("roles", {{"name", "Support"}}));
        CHECK(newest(f.http, john, role)["attributes"]["changes"] == json{{"organization_id", {nullptr, "org_acme"}},
                                                                          {"name", {nullptr, "Support"}},
                                                                          {"kind", {nullptr, "custom"}}});
        const std::string perm = created(
            f.http, "/api/permissions", john,
            document("permissions", {{"subject_class", "orders"}, {"can_read", true}}, {{"role", "roles", role}}));
        const json made = newest(f.http, john, perm);
        CHECK(made["attributes"]["event"] == "create");
        CHECK(made["attributes"]["changes"]["can_read"] == json{nullptr, true});
        CHECK(made["attributes"]["changes"]["can_update"] == json{nullptr, false});
        REQUIRE_STATUS(f.http.patch("/api/permissions/" + perm, john, document("permissions", {{"can_update", true}})),
                       200);
        CHECK(newest(f.http, john, perm)["attributes"]["changes"] == json{{"can_update", {false, true}}});

        // A membership with a profile: its create, then the profile attached (an update).
        const std::string mem =
            created(f.http, "/api/memberships", john,
                    document("memberships", {{"user_email", seeded::guion_email}},
                             {{"organization", "organizations", "org_acme"},
                              {"role", "roles", "role_acme_read_only"},
                              {"membership_profile", "membership_profiles", "mpf_acme_test_only"}}));
        json all = versions_seen(f.http, john);
        REQUIRE(of_record(all, mem).size() == 2);
        CHECK(all[all.size() - 2]["attributes"]["event"] == "create");
        CHECK(all[all.size() - 2]["attributes"]["changes"]["owner"] == json{nullptr, false});
        CHECK(all.back()["attributes"]["changes"] == json{{"membership_profile_id", {nullptr, "mpf_acme_test_only"}}});
        // Another profile: one update, from the first to the second.
        json other = document("memberships", json::object());
        other["data"]["relationships"]["membership_profile"] = {
            {"data", {{"type", "membership_profiles"}, {"id", "mpf_acme_everything"}}}};
        REQUIRE_STATUS(f.http.patch("/api/memberships/" + mem, john, other), 200);
        CHECK(newest(f.http, john, mem)["attributes"]["changes"] ==
              json{{"membership_profile_id", {"mpf_acme_test_only", "mpf_acme_everything"}}});
        REQUIRE_STATUS(f.http.del("/api/memberships/" + mem, john), 204);
        const json gone = newest(f.http, john, mem);
        CHECK(gone["attributes"]["event"] == "destroy");
        CHECK(gone["attributes"]["changes"]["role_id"] == json{"role_acme_read_only", nullptr});
        CHECK(gone["attributes"]["changes"]["access_scope"] == json{"all", nullptr});
        // The profile link went with the membership: no version of its own.
        CHECK(of_record(versions_seen(f.http, john), mem).size() == 4);

        // One version, shown alone.
        const response one = f.http.get("/api/versions/" + gone["id"].get<std::string>(), bob);
        REQUIRE_STATUS(one, 200);
        CHECK(one.json_body["data"] == gone);
    }
    SECTION("a secret shows only as changed, never its value") {
        const response idp = f.http.post("/api/identity_providers", john,
                                         in_acme("identity_providers", {{"name", "Okta"},
                                                                        {"issuer", "https://acme.okta.example/"},
                                                                        {"client_id", "0oa1b2"},
                                                                        {"client_secret", "very-secret-value"},
                                                                        {"domains", {"okta.acme.example"}}}));
        REQUIRE_STATUS(idp, 201);
        const std::string id = idp.json_body["data"]["id"].get<std::string>();
        REQUIRE_STATUS(f.http.patch("/api/identity_providers/" + id, john,
                                    document("identity_providers", {{"client_secret", "another-secret-value"}})),
                       200);
        const response listed = f.http.get("/api/versions", bob);
        REQUIRE_STATUS(listed, 200);
        CHECK(listed.body.find("secret-value") == std::string::npos);
        const json rotated = newest(f.http, bob, id);
        CHECK(rotated["attributes"]["resource_type"] == "identity_providers");
        CHECK(rotated["attributes"]["changes"] == json{{"client_secret", {"[FILTERED]", "[FILTERED]"}}});
        const json first = versions_seen(f.http, bob)[0];
        CHECK(first["attributes"]["changes"]["domains"] == json{nullptr, {"okta.acme.example"}});
        CHECK(first["attributes"]["changes"]["client_secret"] == json{nullptr, "[FILTERED]"});
    }
    SECTION("a version is read by whoever may read its record, decided by ward as the record's show") {
        REQUIRE_STATUS(
            f.http.patch("/api/organizations/org_acme", john, document("organizations", {{"name", "Acme 2"}})), 200);
        const std::string role = created(f.http, "/api/roles", john, in_acme("roles", {{"name", "Support"}}));
        const json all = versions_seen(f.http, john);
        REQUIRE(all.size() == 2);
        const std::string org_version = all[0]["id"], role_version = all[1]["id"];
        CHECK(versions_seen(f.http, bob) == all); // read_only reads every subject
        // Sally's Order desk reads neither organizations nor roles: ward's denial, with its reason.
        CHECK(versions_seen(f.http, sally).empty());
        CHECK_CL_DENIED(f.http.get("/api/versions/" + org_version, sally));
        CHECK_CL_DENIED(f.http.get("/api/versions/" + role_version, sally));
        // Another organization's versions do not exist for Kathryn.
        CHECK(versions_seen(f.http, kathryn).empty());
        CHECK_ERROR(f.http.get("/api/versions/" + role_version, kathryn), 404, "not_found");
        // A roles row on the Order desk lets Sally read roles, and so their versions; not the
        // organization's (its show needs organizations.read).
        created(f.http, "/api/permissions", john,
                document("permissions", {{"subject_class", "roles"}, {"can_read", true}},
                         {{"role", "roles", "role_acme_orders"}}));
        CHECK_STATUS(f.http.get("/api/roles/" + role, sally), 200);
        CHECK_STATUS(f.http.get("/api/versions/" + role_version, sally), 200);
        CHECK_CL_DENIED(f.http.get("/api/organizations/org_acme", sally));
        CHECK_CL_DENIED(f.http.get("/api/versions/" + org_version, sally));
        CHECK(of_record(versions_seen(f.http, sally), role) == std::vector<std::string>{role_version});
        CHECK(of_record(versions_seen(f.http, sally), "org_acme").empty());
    }
    SECTION("credentials: decided at the credential, and at its environment once it is gone") {
        const response ci_grant = f.http.post("/api/v1/authenticate", {},
                                              {{"grant_type", "client_credentials"},
                                               {"client_id", "acme-ci"},
                                               {"client_secret", "ward-demo-client-secret"}});
        REQUIRE_STATUS(ci_grant, 201);
        const std::string ci = ci_grant.json_body["token"];
        const auto key = [&](const std::string& name, const std::string& mode) {
            return created(f.http, "/api/api_credentials", john,
                           in_acme("api_credentials", {{"name", name}, {"kind", "webapp"}, {"mode", mode}}));
        };
        const std::string test_key = key("Test key", "test"), live_key = key("Live key", "live");
        REQUIRE_STATUS(f.http.patch("/api/organizations/org_acme", john, document("organizations", {{"name", "A"}})),
                       200);
        // CI (read_only in test mode) reads the test credential's version only.
        json seen = versions_seen(f.http, ci);
        REQUIRE(seen.size() == 1);
        CHECK(seen[0]["attributes"]["resource_id"] == test_key);
        CHECK(seen[0]["attributes"]["changes"]["mode"] == json{nullptr, "test"});
        CHECK(seen[0]["attributes"]["changes"].dump().find("secret") == std::string::npos);
        const std::string live_version = of_record(versions_seen(f.http, john), live_key).at(0);
        CHECK_CL_DENIED(f.http.get("/api/versions/" + live_version, ci));
        CHECK_CL_DENIED(f.http.get("/api/versions/" + of_record(versions_seen(f.http, john), "org_acme").at(0), ci));
        // Deleted, the credential's versions stay readable in its environment, by CI as by Bob.
        REQUIRE_STATUS(f.http.del("/api/api_credentials/" + test_key, john), 204);
        seen = versions_seen(f.http, ci);
        CHECK(of_record(seen, test_key).size() == 2);
        CHECK(seen.back()["attributes"]["event"] == "destroy");
        CHECK(seen.back()["attributes"]["who"] == who_user(seeded::john));
        CHECK(of_record(versions_seen(f.http, bob), test_key).size() == 2);
        CHECK(of_record(versions_seen(f.http, sally), test_key).empty());
        // A credential's own writes name it as who.
        const response admin_ci = f.http.post(
            "/api/api_credentials", john,
            document("api_credentials", {{"name", "Admin CI"}, {"kind", "integration"}, {"mode", "test"}},
                     {{"organization", "organizations", "org_acme"}, {"role", "roles", "role_acme_admin"}}));
        REQUIRE_STATUS(admin_ci, 201);
        const std::string admin_id = admin_ci.json_body["data"]["id"];
        const response admin_grant =
            f.http.post("/api/v1/authenticate", {},
                        {{"grant_type", "client_credentials"},
                         {"client_id", admin_ci.json_body["data"]["attributes"]["client_id"]},
                         {"client_secret", admin_ci.json_body["data"]["attributes"]["client_secret"]}});
        REQUIRE_STATUS(admin_grant, 201);
        REQUIRE_STATUS(f.http.patch("/api/api_credentials/" + admin_id, admin_grant.json_body["token"],
                                    document("api_credentials", {{"name", "Renamed CI"}})),
                       200);
        const json renamed = newest(f.http, john, admin_id);
        CHECK(renamed["attributes"]["who"] == json{{"type", "api_credential"}, {"id", admin_id}});
        CHECK(renamed["attributes"]["changes"] == json{{"name", {"Admin CI", "Renamed CI"}}});
    }
    SECTION("a member restricted to an application reads versions only through it") {
        const std::string mem =
            created(f.http, "/api/memberships", john,
                    document("memberships", {{"user_email", seeded::kathryn_email}},
                             {{"organization", "organizations", "org_acme"}, {"role", "roles", "role_acme_admin"}}));
        const std::string amem = created(f.http, "/api/application_memberships", john,
                                         document("application_memberships", {{"kind", "admin"}},
                                                  {{"membership", "memberships", mem},
                                                   {"api_credential", "api_credentials", "cred_acme_dashboard"}}));
        const json restricted = newest(f.http, john, amem);
        CHECK(restricted["attributes"]["resource_type"] == "application_memberships");
        CHECK(restricted["attributes"]["changes"]["kind"] == json{nullptr, "admin"});
        const std::string version = restricted["id"];
        // Kathryn's own token, and one through the CI credential: restricted; through the
        // dashboard (the token subcommand's --application): read.
        const std::string direct = as_user(f.http, seeded::kathryn_email);
        const std::string through_ci =
            mint(f.db, "provisioning", std::string("user:") + seeded::kathryn, "--application", "cred_acme_ci");
        const std::string through_dashboard =
            mint(f.db, "provisioning", std::string("user:") + seeded::kathryn, "--application", "cred_acme_dashboard");
        CHECK(token_claims(through_dashboard)["application"] == "cred_acme_dashboard");
        CHECK_ERROR(f.http.get("/api/versions/" + version, direct), 401, "restricted_by_application");
        CHECK_ERROR(f.http.get("/api/versions/" + version, through_ci), 401, "restricted_by_application");
        CHECK_STATUS(f.http.get("/api/versions/" + version, through_dashboard), 200);
        CHECK(of_record(versions_seen(f.http, direct), amem).empty());
        CHECK(of_record(versions_seen(f.http, through_dashboard), amem) == std::vector<std::string>{version});
        // Its writes through the application name the application in who.
        REQUIRE_STATUS(f.http.patch("/api/organizations/org_acme", through_dashboard,
                                    document("organizations", {{"name", "Acme via the dashboard"}})),
                       200);
        CHECK(newest(f.http, john, "org_acme")["attributes"]["who"] ==
              json{{"type", "user"}, {"id", seeded::kathryn}, {"application", "cred_acme_dashboard"}});
        // Deleting the membership takes its application membership along: a destroy of each.
        REQUIRE_STATUS(f.http.del("/api/memberships/" + mem, john), 204);
        const json all = versions_seen(f.http, john);
        CHECK(of_record(all, amem).size() == 2);
        CHECK(newest(f.http, john, amem)["attributes"]["event"] == "destroy");
        CHECK(newest(f.http, john, mem)["attributes"]["event"] == "destroy");
    }
    SECTION("versions are immutable; bad ids and tokens are refused; refused writes leave none") {
        REQUIRE_STATUS(f.http.patch("/api/organizations/org_acme", john, document("organizations", {{"name", "B"}})),
                       200);
        const std::string version = versions_seen(f.http, john).at(0)["id"];
        const auto stored = database(f.db).dump();
        CHECK_ERROR(f.http.post("/api/versions", john, document("versions", {{"event", "create"}})), 405,
                    "method_not_allowed");
        CHECK_ERROR(f.http.patch("/api/versions/" + version, john, document("versions", {{"event", "destroy"}})), 405,
                    "method_not_allowed");
        CHECK_ERROR(f.http.del("/api/versions/" + version, john), 405, "method_not_allowed");
        CHECK_ERROR(f.http.get("/api/versions/mem_acme_john", john), 400, "bad_id");
        CHECK_ERROR(f.http.get("/api/versions/ver_%27%3B", john), 400, "bad_id");
        CHECK_ERROR(f.http.get("/api/versions/ver_nope", john), 404, "not_found");
        CHECK_ERROR(f.http.get("/api/versions", ""), 401, "unauthenticated");
        CHECK_ERROR(f.http.get("/api/versions", login(f.http, seeded::john_email)), 401, "invalid_token");
        // Writes refused by ward, by the input or by the data leave no version.
        CHECK_CL_DENIED(
            f.http.patch("/api/organizations/org_acme", bob, document("organizations", {{"name", "Bob's"}})));
        CHECK_ERROR(f.http.patch("/api/organizations/org_acme", john, document("organizations", {{"name", ""}})), 400,
                    "bad_length");
        CHECK_ERROR(f.http.post("/api/memberships", john,
                                document("memberships", {{"user_email", "nobody@provide.local"}},
                                         {{"organization", "organizations", "org_acme"},
                                          {"role", "roles", "role_acme_read_only"}})),
                    422, "unknown_user");
        CHECK_ERROR(f.http.post("/api/memberships", john,
                                document("memberships", {{"user_email", seeded::bob_email}},
                                         {{"organization", "organizations", "org_acme"},
                                          {"role", "roles", "role_acme_read_only"}})),
                    409, "already_member");
        CHECK_ERROR(f.http.del("/api/memberships/mem_acme_john", john), 401, "explicitly_denied");
        // Escalation through a membership, refused: nothing stored, no version.
        CHECK_ERROR(f.http.patch("/api/memberships/mem_acme_sally", bob,
                                 document("memberships", json::object(), {{"role", "roles", "role_acme_admin"}})),
                    401, "missing_permission");
        CHECK(database(f.db).dump() == stored);
    }
}

TEST_CASE("provisioning: deleting a user leaves the destroy of their memberships, by the ident caller", "[rules]") {
    fixture f;
    const std::string kathryn = login(f.http, seeded::kathryn_email); // ident, Sudo
    REQUIRE_STATUS(f.http.del(std::string("/api/v1/users/") + seeded::bob, kathryn), 204);
    const std::string john = as_user(f.http, seeded::john_email);
    const json gone = newest(f.http, john, "mem_acme_bob");
    CHECK(gone["attributes"]["event"] == "destroy");
    CHECK(gone["attributes"]["who"] == who_user(seeded::kathryn));
    CHECK(gone["attributes"]["changes"]["user_id"] == json{seeded::bob, nullptr});
}

TEST_CASE("the token subcommand's --application: an existing API credential, for provisioning", "[rules]") {
    fixture f;
    const std::string user = std::string("user:") + seeded::bob;
    const std::string token = mint(f.db, "provisioning", user, "--application", "cred_acme_dashboard");
    CHECK(token_claims(token)["application"] == "cred_acme_dashboard");
    CHECK_STATUS(f.http.get("/api/organizations/org_acme", token), 200);
    const program_result unknown = run_program({service_binary(), "token", "--db", f.db, "--audience", "provisioning",
                                                "--subject", user, "--application", "cred_nope"});
    CHECK(unknown.exit_code == 1);
    CHECK(unknown.out.empty());
    CHECK(unknown.err.find("no API credential cred_nope") != std::string::npos);
    const program_result ident = run_program({service_binary(), "token", "--db", f.db, "--audience", "ident",
                                              "--subject", user, "--application", "cred_acme_dashboard"});
    CHECK(ident.exit_code == 2);
    CHECK(ident.out.empty());
    const program_result credential =
        run_program({service_binary(), "token", "--db", f.db, "--audience", "provisioning", "--subject",
                     "api_credential:cred_acme_ci", "--application", "cred_acme_dashboard"});
    CHECK(credential.exit_code == 1);
    CHECK(credential.out.empty());
}

TEST_CASE("a write to a Provisioning record without an actor is refused whole", "[store]") {
    temp_dir dir;
    const std::string path = dir.file("ward.db");
    ward_service::store s(path, 1000);
    CHECK_THROWS_AS(([&] {
                        ward_service::store::transaction t(s);
                        t.exec("UPDATE cl_organizations SET name = 'Nobody''s' WHERE id = 'org_acme'");
                        t.commit();
                    }()),
                    ward_service::store_error);
    CHECK(database(path).query("SELECT name FROM cl_organizations WHERE id = 'org_acme'")[0][0] == "Acme");
    write_as_someone(s, "UPDATE cl_organizations SET name = 'Acme 2' WHERE id = 'org_acme'");
    const auto rows = database(path).query("SELECT resource_type, resource_id, event, who, changes FROM cl_versions");
    REQUIRE(rows.size() == 1);
    CHECK(rows[0] == std::vector<std::string>{"organizations", "org_acme", "update",
                                              R"({"type":"user","id":"someone"})", R"({"name":["Acme","Acme 2"]})"});
    CHECK(database(path).query("SELECT count(*) FROM cl_version_actor")[0][0] == "0");
}

TEST_CASE("a database from before versions gets their table and triggers", "[store]") {
    temp_dir dir;
    const std::string path = dir.file("ward.db");
    { ward_service::store first(path, 1000); }
    provisioning_without<ward_service::store>(path, {"cl_versions", "cl_version_actor"});
    ward_service::store again(path, 1000);
    write_as_someone(again, "DELETE FROM cl_membership_profiles WHERE id = 'mpf_acme_everything'");
    const auto rows = database(path).query("SELECT resource_type, event FROM cl_versions");
    CHECK(rows == std::vector<std::vector<std::string>>{{"membership_profiles", "destroy"}});
}
