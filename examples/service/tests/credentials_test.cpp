// SPDX-License-Identifier: MIT
// Commerce Layer Provisioning's API credentials (and their client-credentials tokens) and
// application memberships, over HTTP on freshly seeded data: [rules] for every rule of the README's
// table, [restart] for what survives a restart, [store] for the tables on an older database.
#include "checks.hpp"
#include "policies.hpp"
#include "store.hpp"

using namespace ward_service_test;

namespace {

std::string provisioning(client& http, const std::string& email, const std::string& client_id = {}) {
    json body = {{"email", email}, {"password", seeded_password}, {"audience", "provisioning"}};
    if (!client_id.empty()) body["client_id"] = client_id;
    const response r = http.post("/api/v1/authenticate", {}, body);
    if (r.status != 201) throw std::runtime_error("login " + email + ": " + r.describe());
    return r.json_body["token"].get<std::string>();
}

response client_token(client& http, const std::string& client_id, const std::string& secret) {
    return http.post("/api/v1/authenticate", {},
                     {{"grant_type", "client_credentials"}, {"client_id", client_id}, {"client_secret", secret}});
}

std::string credential_token(client& http, const std::string& client_id, const std::string& secret) {
    const response r = client_token(http, client_id, secret);
    if (r.status != 201) throw std::runtime_error("client credentials " + client_id + ": " + r.describe());
    return r.json_body["token"].get<std::string>();
}

/// The token of a credential that `token`'s holder creates from `body` (which must succeed).
std::string new_credential_token(client& http, const std::string& token, const json& body) {
    const response made = http.post("/api/api_credentials", token, body);
    REQUIRE_STATUS(made, 201);
    return credential_token(http, made.json_body["data"]["attributes"]["client_id"],
                            made.json_body["data"]["attributes"]["client_secret"]);
}

constexpr const char* demo_secret = "ward-demo-client-secret";

json credential_document(const std::string& name, const std::string& kind, const std::string& mode,
                         const std::string& organization, const std::string& role = {}) {
    std::vector<std::array<std::string, 3>> rels = {{"organization", "organizations", organization}};
    if (!role.empty()) rels.push_back({"role", "roles", role});
    return document("api_credentials", {{"name", name}, {"kind", kind}, {"mode", mode}}, rels);
}

json restriction_document(const std::string& membership, const std::string& credential,
                          const std::string& kind = "read_only") {
    return document("application_memberships", {{"kind", kind}},
                    {{"membership", "memberships", membership}, {"api_credential", "api_credentials", credential}});
}

std::vector<std::string> listed(client& http, const std::string& path, const std::string& token) {
    const response r = http.get(path, token);
    REQUIRE_STATUS(r, 200);
    return ids_of(r.json_body);
}

#define CHECK_CL_DENIED(answer) CHECK_ERROR((answer), 401, "missing_permission")
/// What the application's set leaves out, for a member restricted to it.
#define CHECK_CL_RESTRICTED(answer) CHECK_ERROR((answer), 401, "restricted_by_application")

json rename(const std::string& name) { return document("organizations", {{"name", name}}); }

} // namespace

TEST_CASE("provisioning: API credentials", "[rules]") {
    fixture f;
    const std::string john = provisioning(f.http, seeded::john_email), bob = provisioning(f.http, seeded::bob_email),
                      sally = provisioning(f.http, seeded::sally_email),
                      kathryn = provisioning(f.http, seeded::kathryn_email);

    SECTION("reading needs api_credentials.read; another organization's credentials are 404") {
        CHECK(listed(f.http, "/api/api_credentials", john) == sorted({"cred_acme_ci", "cred_acme_dashboard"}));
        CHECK(listed(f.http, "/api/api_credentials", bob) == sorted({"cred_acme_ci", "cred_acme_dashboard"}));
        CHECK(listed(f.http, "/api/api_credentials", sally).empty());
        CHECK(listed(f.http, "/api/api_credentials", kathryn).empty());
        const response one = f.http.get("/api/api_credentials/cred_acme_ci", bob);
        REQUIRE_STATUS(one, 200);
        const json& a = one.json_body["data"];
        CHECK(a["type"] == "api_credentials");
        CHECK(a["attributes"]["kind"] == "integration");
        CHECK(a["attributes"]["mode"] == "test");
        CHECK(a["attributes"]["client_id"] == "acme-ci");
        CHECK_FALSE(a["attributes"].contains("client_secret"));
        CHECK(a["relationships"]["role"]["data"]["id"] == "role_acme_read_only");
        CHECK(f.http.get("/api/api_credentials/cred_acme_dashboard", bob)
                  .json_body["data"]["relationships"]["role"]["data"]
                  .is_null());
        CHECK_CL_DENIED(f.http.get("/api/api_credentials/cred_acme_ci", sally));
        CHECK_ERROR(f.http.get("/api/api_credentials/cred_acme_ci", kathryn), 404, "not_found");
        CHECK_ERROR(f.http.get("/api/api_credentials/cred_nope", john), 404, "not_found");
        CHECK_ERROR(f.http.get("/api/api_credentials/nope", john), 400, "bad_id");
        CHECK_ERROR(f.http.get("/api/api_credentials"), 401, "unauthenticated");
    }
    SECTION("creating: api_credentials.create; the secret once, stored hashed; bad input changes nothing") {
        const auto before = database(f.db).dump();
        CHECK_CL_DENIED(
            f.http.post("/api/api_credentials", bob, credential_document("X", "webapp", "live", "org_acme")));
        CHECK_ERROR(
            f.http.post("/api/api_credentials", kathryn, credential_document("X", "webapp", "live", "org_acme")), 404,
            "not_found");
        CHECK_ERROR(f.http.post("/api/api_credentials", john, credential_document("X", "robot", "live", "org_acme")),
                    400, "bad_value");
        CHECK_ERROR(f.http.post("/api/api_credentials", john, credential_document("X", "webapp", "prod", "org_acme")),
                    400, "bad_value");
        CHECK_ERROR(f.http.post("/api/api_credentials", john,
                                credential_document("X", "webapp", "live", "org_acme", "role_acme_admin")),
                    422, "role_not_allowed");
        CHECK_ERROR(f.http.post("/api/api_credentials", john,
                                credential_document("X", "integration", "live", "org_acme", "role_globex_admin")),
                    422, "unknown_role");
        CHECK_ERROR(
            f.http.post("/api/api_credentials", john,
                        document("api_credentials",
                                 {{"name", "X"}, {"kind", "webapp"}, {"mode", "live"}, {"client_secret", "mine"}},
                                 {{"organization", "organizations", "org_acme"}})),
            400, "unknown_field");
        CHECK(database(f.db).dump() == before);

        const response r =
            f.http.post("/api/api_credentials", john,
                        credential_document("Importer", "integration", "live", "org_acme", "role_acme_orders"));
        REQUIRE_STATUS(r, 201);
        const json& a = r.json_body["data"];
        const std::string id = a["id"].get<std::string>();
        const std::string secret = a["attributes"]["client_secret"].get<std::string>();
        CHECK(id.rfind("cred_", 0) == 0);
        CHECK(secret.size() >= 32);
        const auto stored = database(f.db).query("SELECT secret_hash FROM cl_api_credentials WHERE id = ?", {id});
        REQUIRE(stored.size() == 1);
        CHECK(stored[0][0].rfind("pbkdf2-sha256$", 0) == 0);
        CHECK(stored[0][0].find(secret) == std::string::npos);
        const response again = f.http.get("/api/api_credentials/" + id, john);
        REQUIRE_STATUS(again, 200);
        CHECK_FALSE(again.json_body["data"]["attributes"].contains("client_secret"));
        CHECK(again.body.find(secret) == std::string::npos);
        // Its own token works.
        CHECK_STATUS(client_token(f.http, a["attributes"]["client_id"].get<std::string>(), secret), 201);
    }
    SECTION("nobody creates a credential whose role confers more than they hold") {
        // Bob (read_only) may not create at all; give a custom role api_credentials C/R and try.
        const response role = f.http.post(
            "/api/roles", john, document("roles", {{"name", "Keys"}}, {{"organization", "organizations", "org_acme"}}));
        REQUIRE_STATUS(role, 201);
        const std::string keys = role.json_body["data"]["id"].get<std::string>();
        REQUIRE_STATUS(f.http.post("/api/permissions", john,
                                   document("permissions",
                                            {{"subject_class", "api_credentials"},
                                             {"can_create", true},
                                             {"can_read", true},
                                             {"can_update", true},
                                             {"can_destroy", false}},
                                            {{"role", "roles", keys}})),
                       201);
        REQUIRE_STATUS(f.http.patch("/api/memberships/mem_acme_bob", john,
                                    document("memberships", json::object(), {{"role", "roles", keys}})),
                       200);
        const auto before = database(f.db).dump();
        const response up =
            f.http.post("/api/api_credentials", bob,
                        credential_document("Up", "integration", "live", "org_acme", "role_acme_admin"));
        CHECK_ERROR(up, 401, "beyond_own_permissions");
        CHECK(database(f.db).dump() == before);
        // Within what he holds: fine.
        CHECK_STATUS(f.http.post("/api/api_credentials", bob,
                                 credential_document("Same", "integration", "live", "org_acme", keys)),
                     201);
        // And no role upgrade on an existing credential either.
        CHECK_ERROR(f.http.patch("/api/api_credentials/cred_acme_ci", bob,
                                 document("api_credentials", json::object(), {{"role", "roles", "role_acme_admin"}})),
                    401, "beyond_own_permissions");
    }
    SECTION("updating and deleting: api_credentials.update / destroy; kind and mode are fixed") {
        CHECK_CL_DENIED(
            f.http.patch("/api/api_credentials/cred_acme_ci", bob, document("api_credentials", {{"name", "B"}})));
        CHECK_CL_DENIED(f.http.del("/api/api_credentials/cred_acme_ci", bob));
        CHECK_ERROR(f.http.del("/api/api_credentials/cred_acme_ci", kathryn), 404, "not_found");
        CHECK_ERROR(
            f.http.patch("/api/api_credentials/cred_acme_ci", john, document("api_credentials", {{"mode", "live"}})),
            400, "unknown_field");
        const response r =
            f.http.patch("/api/api_credentials/cred_acme_ci", john, document("api_credentials", {{"name", "Nightly"}}));
        REQUIRE_STATUS(r, 200);
        CHECK(r.json_body["data"]["attributes"]["name"] == "Nightly");
        CHECK_STATUS(f.http.del("/api/api_credentials/cred_acme_ci", john), 204);
        CHECK_ERROR(f.http.get("/api/api_credentials/cred_acme_ci", john), 404, "not_found");
    }
}

TEST_CASE("provisioning: an API credential's own token (client credentials)", "[rules]") {
    fixture f;
    const std::string john = provisioning(f.http, seeded::john_email);

    SECTION("a wrong secret or client_id: one answer; the token acts with the role, in its mode only") {
        CHECK_ERROR(client_token(f.http, "acme-ci", "wrong"), 401, "invalid_credentials");
        CHECK_ERROR(client_token(f.http, "nobody", demo_secret), 401, "invalid_credentials");
        const response granted = client_token(f.http, "acme-ci", demo_secret);
        REQUIRE_STATUS(granted, 201);
        CHECK(granted.json_body["subject"] == "api_credential:cred_acme_ci");
        CHECK(granted.json_body["mode"] == "test");
        const std::string ci = granted.json_body["token"].get<std::string>();
        // read_only in test: reads test-mode credentials, not live ones, and writes nothing.
        CHECK(listed(f.http, "/api/api_credentials", ci) == std::vector<std::string>{"cred_acme_ci"});
        CHECK_STATUS(f.http.get("/api/api_credentials/cred_acme_ci", ci), 200);
        CHECK_CL_DENIED(f.http.get("/api/api_credentials/cred_acme_dashboard", ci));
        CHECK_CL_DENIED(
            f.http.post("/api/api_credentials", ci, credential_document("X", "webapp", "test", "org_acme")));
        // The rest of the Provisioning API is for users.
        CHECK_ERROR(f.http.get("/api/organizations", ci), 401, "invalid_token");
        CHECK_ERROR(f.http.get("/api/memberships", ci), 401, "invalid_token");
    }
    SECTION("an admin credential in test mode cannot act on live") {
        const std::string token = new_credential_token(
            f.http, john, credential_document("Test admin", "integration", "test", "org_acme", "role_acme_admin"));
        const auto before = database(f.db).dump();
        CHECK_CL_DENIED(
            f.http.post("/api/api_credentials", token, credential_document("Live", "webapp", "live", "org_acme")));
        CHECK_CL_DENIED(f.http.del("/api/api_credentials/cred_acme_dashboard", token));
        CHECK(database(f.db).dump() == before);
        CHECK_STATUS(f.http.post("/api/api_credentials", token, credential_document("T", "webapp", "test", "org_acme")),
                     201);
    }
    SECTION("a credential without a role gets no provisioning permissions") {
        const std::string dashboard = credential_token(f.http, "acme-dashboard", demo_secret);
        CHECK(listed(f.http, "/api/api_credentials", dashboard).empty());
        CHECK_CL_DENIED(f.http.get("/api/api_credentials/cred_acme_dashboard", dashboard));
    }
    SECTION("another organization's credential token sees nothing of acme") {
        const std::string kathryn = provisioning(f.http, seeded::kathryn_email);
        const std::string token = new_credential_token(
            f.http, kathryn, credential_document("G", "integration", "live", "org_globex", "role_globex_admin"));
        CHECK_ERROR(f.http.get("/api/api_credentials/cred_acme_dashboard", token), 404, "not_found");
        CHECK_ERROR(f.http.post("/api/api_credentials", token, credential_document("X", "webapp", "live", "org_acme")),
                    404, "not_found");
    }
    SECTION("deleting the credential makes its tokens stop working") {
        const std::string ci = credential_token(f.http, "acme-ci", demo_secret);
        REQUIRE_STATUS(f.http.get("/api/api_credentials/cred_acme_ci", ci), 200);
        REQUIRE_STATUS(f.http.del("/api/api_credentials/cred_acme_ci", john), 204);
        CHECK_ERROR(f.http.get("/api/api_credentials", ci), 401, "invalid_token");
        CHECK_ERROR(client_token(f.http, "acme-ci", demo_secret), 401, "invalid_credentials");
    }
}

TEST_CASE("provisioning: application memberships", "[rules]") {
    fixture f;
    const std::string john = provisioning(f.http, seeded::john_email), bob = provisioning(f.http, seeded::bob_email),
                      kathryn = provisioning(f.http, seeded::kathryn_email);
    // Kathryn joins acme as an admin, then is restricted to the dashboard, read-only there.
    const response joined =
        f.http.post("/api/memberships", john,
                    document("memberships", {{"user_email", seeded::kathryn_email}},
                             {{"organization", "organizations", "org_acme"}, {"role", "roles", "role_acme_admin"}}));
    REQUIRE_STATUS(joined, 201);
    const std::string mem = joined.json_body["data"]["id"].get<std::string>();

    SECTION("creating needs application_memberships.create and everything the membership gives") {
        const auto before = database(f.db).dump();
        CHECK_CL_DENIED(
            f.http.post("/api/application_memberships", bob, restriction_document(mem, "cred_acme_dashboard")));
        CHECK_ERROR(f.http.post("/api/application_memberships", john, restriction_document(mem, "cred_nope")), 422,
                    "unknown_api_credential");
        CHECK_ERROR(f.http.post("/api/application_memberships", john,
                                restriction_document(mem, "cred_acme_dashboard", "owner")),
                    400, "bad_value");
        CHECK_ERROR(f.http.post("/api/application_memberships", john,
                                restriction_document("mem_globex_kathryn", "cred_acme_dashboard")),
                    404, "not_found");
        // The owner's membership is the owner's alone.
        CHECK_ERROR(f.http.post("/api/application_memberships", kathryn,
                                restriction_document("mem_acme_john", "cred_acme_dashboard")),
                    401, "owner_required");
        CHECK(database(f.db).dump() == before);
        const response r =
            f.http.post("/api/application_memberships", john, restriction_document(mem, "cred_acme_dashboard"));
        REQUIRE_STATUS(r, 201);
        CHECK(r.json_body["data"]["attributes"]["kind"] == "read_only");
        CHECK(r.json_body["data"]["relationships"]["api_credential"]["data"]["id"] == "cred_acme_dashboard");
        CHECK_ERROR(f.http.post("/api/application_memberships", john, restriction_document(mem, "cred_acme_dashboard")),
                    409, "already_restricted");
        CHECK(listed(f.http, "/api/application_memberships", bob) ==
              std::vector<std::string>{r.json_body["data"]["id"].get<std::string>()});
    }
    SECTION("restricted: the role intersected with the application's set, nothing elsewhere") {
        REQUIRE_STATUS(
            f.http.post("/api/application_memberships", john, restriction_document(mem, "cred_acme_dashboard")), 201);
        // Without the application, and through another one: nothing in acme.
        const std::string direct = provisioning(f.http, seeded::kathryn_email);
        const std::string other = provisioning(f.http, seeded::kathryn_email, "acme-ci");
        const std::string dashboard = provisioning(f.http, seeded::kathryn_email, "acme-dashboard");
        CHECK_ERROR(f.http.patch("/api/organizations/org_acme", direct, rename("K")), 401, "restricted_by_application");
        CHECK_ERROR(f.http.get("/api/organizations/org_acme", other), 401, "restricted_by_application");
        CHECK_ERROR(f.http.get("/api/api_credentials/cred_acme_ci", other), 401, "restricted_by_application");
        // Through the dashboard: admin & read-only = read-only.
        CHECK_STATUS(f.http.get("/api/organizations/org_acme", dashboard), 200);
        CHECK_STATUS(f.http.get("/api/api_credentials/cred_acme_ci", dashboard), 200);
        CHECK_CL_RESTRICTED(f.http.patch("/api/organizations/org_acme", dashboard, rename("K")));
        CHECK_CL_RESTRICTED(
            f.http.post("/api/api_credentials", dashboard, credential_document("X", "webapp", "live", "org_acme")));
        // Her own organization is not restricted.
        CHECK_STATUS(f.http.patch("/api/organizations/org_globex", direct, rename("Globex 2")), 200);
        // Widened to admin through the dashboard: full access there.
        const std::string am = listed(f.http, "/api/application_memberships", john).at(0);
        CHECK_CL_DENIED(f.http.patch("/api/application_memberships/" + am, bob,
                                     document("application_memberships", {{"kind", "admin"}})));
        REQUIRE_STATUS(f.http.patch("/api/application_memberships/" + am, john,
                                    document("application_memberships", {{"kind", "admin"}})),
                       200);
        CHECK_STATUS(f.http.patch("/api/organizations/org_acme", dashboard, rename("Acme 2")), 200);
        // A deleted application's user tokens stop working; a credential in use is not deleted.
        CHECK_ERROR(f.http.del("/api/api_credentials/cred_acme_dashboard", john), 409, "in_use");
        REQUIRE_STATUS(f.http.del("/api/application_memberships/" + am, john), 204);
        CHECK_STATUS(f.http.patch("/api/organizations/org_acme", direct, rename("Acme 3")), 200);
        REQUIRE_STATUS(f.http.del("/api/api_credentials/cred_acme_dashboard", john), 204);
        CHECK_ERROR(f.http.get("/api/organizations/org_acme", dashboard), 401, "invalid_token");
    }
    SECTION("a restricted member cannot lift their own restriction") {
        REQUIRE_STATUS(
            f.http.post("/api/application_memberships", john, restriction_document(mem, "cred_acme_dashboard")), 201);
        const std::string am = listed(f.http, "/api/application_memberships", john).at(0);
        const std::string dashboard = provisioning(f.http, seeded::kathryn_email, "acme-dashboard");
        const auto before = database(f.db).dump();
        CHECK_CL_RESTRICTED(f.http.del("/api/application_memberships/" + am, dashboard));
        CHECK_CL_RESTRICTED(f.http.patch("/api/application_memberships/" + am, dashboard,
                                         document("application_memberships", {{"kind", "admin"}})));
        CHECK(database(f.db).dump() == before);
    }
    SECTION("a custom application's set: stored, checked, held by whoever writes it; the real intersection") {
        const auto custom = [&](const json& names) {
            return document(
                "application_memberships", {{"kind", "custom"}, {"permissions", names}},
                {{"membership", "memberships", mem}, {"api_credential", "api_credentials", "cred_acme_dashboard"}});
        };
        const auto before = database(f.db).dump();
        CHECK_ERROR(f.http.post("/api/application_memberships", john,
                                restriction_document(mem, "cred_acme_dashboard", "custom")),
                    400, "missing_field");
        json fixed = restriction_document(mem, "cred_acme_dashboard");
        fixed["data"]["attributes"]["permissions"] = {"organizations.read"};
        CHECK_ERROR(f.http.post("/api/application_memberships", john, fixed), 400, "bad_value");
        CHECK_ERROR(f.http.post("/api/application_memberships", john, custom("organizations.read")), 400, "wrong_type");
        CHECK_ERROR(f.http.post("/api/application_memberships", john, custom({"organizations.read", 7})), 400,
                    "wrong_type");
        CHECK_ERROR(f.http.post("/api/application_memberships", john, custom({"orders.fly"})), 400, "bad_value");
        CHECK_ERROR(f.http.post("/api/application_memberships", john, custom({"organizations.destroy"})), 422,
                    "beyond_full_access");
        CHECK_CL_DENIED(f.http.post("/api/application_memberships", bob, custom({"organizations.read"})));
        // Sally's Order desk may manage application memberships, and restrict Guion's Order desk
        // membership; not with a set beyond what she holds herself.
        for (const char* subject : {"application_memberships", "memberships"})
            REQUIRE_STATUS(
                f.http.post(
                    "/api/permissions", john,
                    document(
                        "permissions",
                        {{"subject_class", subject}, {"can_create", true}, {"can_read", true}, {"can_update", true}},
                        {{"role", "roles", "role_acme_orders"}})),
                201);
        const response guion = f.http.post(
            "/api/memberships", john,
            document("memberships", {{"user_email", seeded::guion_email}, {"access_scope", "live"}},
                     {{"organization", "organizations", "org_acme"}, {"role", "roles", "role_acme_orders"}}));
        REQUIRE_STATUS(guion, 201);
        json beyond = custom({"customers.destroy"});
        beyond["data"]["relationships"]["membership"]["data"]["id"] = guion.json_body["data"]["id"];
        const std::string sally = provisioning(f.http, seeded::sally_email);
        const auto granted = database(f.db).dump();
        CHECK_ERROR(f.http.post("/api/application_memberships", sally, beyond), 401, "beyond_own_permissions");
        CHECK(database(f.db).dump() == granted);
        // With the Everything profile, Guion's Order desk reaches every environment: more than
        // Sally (live) holds, so she may not restrict it at all.
        json everything = document("memberships", json::object());
        everything["data"]["relationships"]["membership_profile"] = {
            {"data", {{"type", "membership_profiles"}, {"id", "mpf_acme_everything"}}}};
        REQUIRE_STATUS(
            f.http.patch("/api/memberships/" + guion.json_body["data"]["id"].get<std::string>(), john, everything),
            200);
        json plain = restriction_document(guion.json_body["data"]["id"], "cred_acme_dashboard");
        const auto profiled = database(f.db).dump();
        CHECK_ERROR(f.http.post("/api/application_memberships", sally, plain), 401, "beyond_own_permissions");
        CHECK(database(f.db).dump() == profiled);
        CHECK(granted.at("cl_application_memberships") == before.at("cl_application_memberships"));

        const response r =
            f.http.post("/api/application_memberships", john, custom({"organizations.read", "memberships.read"}));
        REQUIRE_STATUS(r, 201);
        CHECK(r.json_body["data"]["attributes"]["kind"] == "custom");
        CHECK(strings_of(r.json_body["data"]["attributes"]["permissions"]) ==
              std::vector<std::string>{"memberships.read", "organizations.read"});
        const std::string am = r.json_body["data"]["id"];
        CHECK(f.http.get("/api/application_memberships/" + am, john).json_body["data"] == r.json_body["data"]);
        // Kathryn's admin role, intersected with the set: she reads the organization and its
        // memberships through the dashboard, and nothing else.
        const std::string dashboard = provisioning(f.http, seeded::kathryn_email, "acme-dashboard");
        CHECK_STATUS(f.http.get("/api/organizations/org_acme", dashboard), 200);
        CHECK_STATUS(f.http.get("/api/memberships/mem_acme_bob", dashboard), 200);
        CHECK_CL_RESTRICTED(f.http.get("/api/roles/role_acme_admin", dashboard));
        CHECK_CL_RESTRICTED(f.http.patch("/api/organizations/org_acme", dashboard, rename("K")));
        // Another set: roles only.
        REQUIRE_STATUS(f.http.patch("/api/application_memberships/" + am, john,
                                    document("application_memberships", {{"permissions", {"roles.read"}}})),
                       200);
        CHECK_STATUS(f.http.get("/api/roles/role_acme_admin", dashboard), 200);
        CHECK_CL_RESTRICTED(f.http.get("/api/organizations/org_acme", dashboard));
        // Back to read_only: the set goes; a set needs the custom kind, which needs a set.
        const response fixed_again = f.http.patch("/api/application_memberships/" + am, john,
                                                  document("application_memberships", {{"kind", "read_only"}}));
        REQUIRE_STATUS(fixed_again, 200);
        CHECK(fixed_again.json_body["data"]["attributes"]["permissions"].is_null());
        const auto read_only = database(f.db).dump();
        CHECK_ERROR(f.http.patch("/api/application_memberships/" + am, john,
                                 document("application_memberships", {{"permissions", {"roles.read"}}})),
                    400, "bad_value");
        CHECK_ERROR(f.http.patch("/api/application_memberships/" + am, john,
                                 document("application_memberships", {{"kind", "custom"}})),
                    400, "missing_field");
        CHECK(database(f.db).dump() == read_only);
    }
    SECTION("another organization's application memberships are 404") {
        REQUIRE_STATUS(
            f.http.post("/api/application_memberships", john, restriction_document(mem, "cred_acme_dashboard")), 201);
        const std::string am = listed(f.http, "/api/application_memberships", john).at(0);
        const std::string sally = provisioning(f.http, seeded::sally_email);
        CHECK_CL_DENIED(f.http.get("/api/application_memberships/" + am, sally));
        const response created = f.http.post("/api/organizations", provisioning(f.http, seeded::guion_email),
                                             document("organizations", {{"name", "Other"}}));
        REQUIRE_STATUS(created, 201);
        CHECK_ERROR(f.http.get("/api/application_memberships/" + am, provisioning(f.http, seeded::guion_email)), 404,
                    "not_found");
        CHECK_ERROR(f.http.get("/api/application_memberships/amem_nope", john), 404, "not_found");
    }
}

TEST_CASE("API credentials and application memberships survive a restart", "[restart]") {
    temp_dir dir;
    test_database data(dir);
    const std::string db = data.location();
    std::string id, client_id, secret, mem, ci_token;
    {
        service_process server(db);
        client http(server.port());
        const std::string john = provisioning(http, seeded::john_email);
        const response made =
            http.post("/api/api_credentials", john,
                      credential_document("Kept", "integration", "test", "org_acme", "role_acme_read_only"));
        REQUIRE_STATUS(made, 201);
        id = made.json_body["data"]["id"].get<std::string>();
        client_id = made.json_body["data"]["attributes"]["client_id"].get<std::string>();
        secret = made.json_body["data"]["attributes"]["client_secret"].get<std::string>();
        ci_token = credential_token(http, client_id, secret);
        const response joined =
            http.post("/api/memberships", john,
                      document("memberships", {{"user_email", seeded::kathryn_email}},
                               {{"organization", "organizations", "org_acme"}, {"role", "roles", "role_acme_admin"}}));
        REQUIRE_STATUS(joined, 201);
        mem = joined.json_body["data"]["id"].get<std::string>();
        REQUIRE_STATUS(http.post("/api/application_memberships", john, restriction_document(mem, id)), 201);
    }
    service_process server(db);
    client http(server.port());
    CHECK_STATUS(http.get("/api/api_credentials/" + id, ci_token), 200);
    CHECK_STATUS(client_token(http, client_id, secret), 201);
    const std::string kathryn = provisioning(http, seeded::kathryn_email);
    CHECK_ERROR(http.get("/api/organizations/org_acme", kathryn), 401, "restricted_by_application");
    CHECK_STATUS(http.get("/api/organizations/org_acme", provisioning(http, seeded::kathryn_email, client_id)), 200);
}

TEST_CASE("a new database seeds two API credentials; an older one gets the tables, empty", "[store]") {
    temp_dir dir;
    const std::string path = dir.file("ward.db");
    {
        ward_service::store s(path, 1000);
        const ward_service::provisioning_rows rows = s.load_provisioning();
        REQUIRE(rows.api_credentials.size() == 2);
        CHECK(rows.api_credentials[0].id == "cred_acme_ci");
        CHECK(rows.api_credentials[0].role_id == std::optional<std::string>("role_acme_read_only"));
        CHECK(rows.api_credentials[1].id == "cred_acme_dashboard");
        CHECK_FALSE(rows.api_credentials[1].role_id.has_value());
        CHECK(rows.application_memberships.empty());
    }
    const ward_service::provisioning_rows rows =
        provisioning_without<ward_service::store>(path, {"cl_application_memberships", "cl_api_credentials"});
    CHECK(rows.api_credentials.empty());
    CHECK(rows.application_memberships.empty());
}

TEST_CASE("application memberships from before custom sets get the kind and the permissions, rows kept", "[store]") {
    temp_dir dir;
    const std::string path = dir.file("ward.db");
    { ward_service::store first(path, 1000); }
    sqlite3* old = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &old) == SQLITE_OK);
    CHECK(sqlite3_exec(old,
                       "DROP TABLE cl_application_memberships; CREATE TABLE cl_application_memberships (id TEXT "
                       "PRIMARY KEY, membership_id TEXT NOT NULL REFERENCES cl_memberships(id) ON DELETE CASCADE, "
                       "api_credential_id TEXT NOT NULL REFERENCES cl_api_credentials(id), kind TEXT NOT NULL CHECK "
                       "(kind IN ('admin', 'read_only')), created_at TEXT NOT NULL, UNIQUE (membership_id, "
                       "api_credential_id)); INSERT INTO cl_application_memberships VALUES ('amem_old', "
                       "'mem_acme_bob', 'cred_acme_dashboard', 'read_only', '2026-01-01T00:00:00.000Z');",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(old);
    ward_service::store s(path, 1000);
    const ward_service::provisioning_rows rows = s.load_provisioning();
    REQUIRE(rows.application_memberships.size() == 1);
    CHECK(rows.application_memberships[0].id == "amem_old");
    CHECK(rows.application_memberships[0].kind == "read_only");
    CHECK(rows.application_memberships[0].permissions.empty());
    ward_service::store::transaction t(s);
    t.act_as(R"({"type":"user","id":"upgrade"})");
    t.exec("UPDATE cl_application_memberships SET kind = 'custom', permissions = 'roles.read' WHERE id = 'amem_old'");
    t.commit();
    std::string error;
    CHECK(ward_service::build_provisioning(s.load_provisioning(), error) != nullptr);
    CHECK(error.empty());
}

TEST_CASE("API credentials and application memberships: hostile input changes nothing", "[robustness]") {
    fixture f;
    const std::string john = provisioning(f.http, seeded::john_email);
    const auto before = database(f.db).dump();

    SECTION("bodies of the wrong shape: 400, nothing stored") {
        CHECK_ERROR(f.http.post("/api/api_credentials", john,
                                document("api_credentials", {{"name", "X"}, {"kind", 7}, {"mode", "live"}},
                                         {{"organization", "organizations", "org_acme"}})),
                    400, "wrong_type");
        CHECK_ERROR(f.http.post("/api/api_credentials", john,
                                document("api_credentials", {{"name", "X"}, {"kind", "webapp"}, {"mode", "live"}},
                                         {{"organization", "roles", "org_acme"}})),
                    400, "wrong_type");
        CHECK_ERROR(f.http.post("/api/api_credentials", john,
                                document("api_credentials", {{"name", "X"}, {"kind", "webapp"}, {"mode", "live"}},
                                         {{"organization", "organizations", "org_acme'; DROP TABLE users; --"}})),
                    400, "bad_id");
        CHECK_ERROR(f.http.post("/api/api_credentials", john, credential_document("", "webapp", "live", "org_acme")),
                    400, "bad_length");
        CHECK_ERROR(f.http.post("/api/application_memberships", john,
                                document("application_memberships", {{"kind", true}},
                                         {{"membership", "memberships", "mem_acme_bob"},
                                          {"api_credential", "api_credentials", "cred_acme_ci"}})),
                    400, "wrong_type");
        CHECK_ERROR(f.http.post("/api/application_memberships", john,
                                document("application_memberships", json::object(),
                                         {{"membership", "memberships", "mem_acme_bob"}})),
                    400, "missing_field");
        CHECK_ERROR(f.http.get("/api/application_memberships/amem_%00", john), 400, "bad_id");
        CHECK_ERROR(f.http.del("/api/api_credentials/cred_x%27%3B", john), 400, "bad_id");
    }
    SECTION("grants and tokens of the wrong shape: 400 or 401") {
        CHECK_ERROR(f.http.post("/api/v1/authenticate", {}, {{"grant_type", 1}}), 400, "bad_grant_type");
        CHECK_ERROR(f.http.post("/api/v1/authenticate", {}, {{"grant_type", "implicit"}}), 400, "bad_grant_type");
        CHECK_ERROR(f.http.post("/api/v1/authenticate", {},
                                {{"grant_type", "client_credentials"},
                                 {"client_id", "acme-ci"},
                                 {"client_secret", demo_secret},
                                 {"audience", "ident"}}),
                    400, "bad_audience");
        CHECK_ERROR(f.http.post("/api/v1/authenticate", {},
                                {{"grant_type", "client_credentials"},
                                 {"client_id", "acme-ci"},
                                 {"client_secret", demo_secret},
                                 {"email", seeded::john_email}}),
                    400, "unknown_field");
        CHECK_ERROR(f.http.post("/api/v1/authenticate", {},
                                {{"email", seeded::john_email},
                                 {"password", seeded_password},
                                 {"audience", "provisioning"},
                                 {"client_id", "nobody"}}),
                    422, "unknown_client");
        CHECK_ERROR(
            f.http.post("/api/v1/authenticate", {},
                        {{"email", seeded::john_email}, {"password", seeded_password}, {"client_id", "acme-ci"}}),
            400, "unknown_field");
        // Forged with the service's own secret: an application that is not a string or does not
        // exist, a credential that does not exist.
        json odd = base_claims("provisioning", std::string("user:") + seeded::john);
        odd["application"] = 5;
        CHECK_ERROR(f.http.get("/api/api_credentials", forge(f.db, odd)), 401, "invalid_token");
        odd["application"] = "cred_gone";
        CHECK_ERROR(f.http.get("/api/organizations", forge(f.db, odd)), 401, "invalid_token");
        CHECK_ERROR(
            f.http.get("/api/api_credentials", forge(f.db, base_claims("provisioning", "api_credential:cred_gone"))),
            401, "invalid_token");
        CHECK_ERROR(
            f.http.get("/api/api_credentials", forge(f.db, base_claims("ident", "api_credential:cred_acme_ci"))), 401,
            "invalid_token");
    }
    CHECK(database(f.db).dump() == before);
}
