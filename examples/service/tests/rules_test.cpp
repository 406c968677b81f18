// SPDX-License-Identifier: MIT
// [rules]: every rule of the README's endpoint tables, over HTTP, on freshly seeded data.
#include "checks.hpp"

#include <array>

using namespace ward_service_test;

namespace {

std::string user_path(const std::string& id) { return "/api/v1/users/" + id; }
std::string app_token(const fixture& f, const char* application) {
    return mint(f.db, "ident", std::string("application:") + application);
}
std::string provisioning(fixture& f, const std::string& email) {
    return login(f.http, email, seeded_password, "provisioning");
}
/// The seeded Provisioning users' tokens: John owns org_acme (admin), Bob reads it (read_only),
/// Sally works its order desk, Kathryn owns org_globex (admin).
struct provisioning_users {
    std::string john, bob, sally, kathryn;
};
provisioning_users provisioning_logins(fixture& f) {
    return {provisioning(f, seeded::john_email), provisioning(f, seeded::bob_email),
            provisioning(f, seeded::sally_email), provisioning(f, seeded::kathryn_email)};
}
/// The ids `path` lists for `token`, after checking it answered 200 with a list (bare, or a JSON:API
/// document's data).
std::vector<std::string> listed(fixture& f, const std::string& path, const std::string& token) {
    const response r = f.http.get(path, token);
    REQUIRE_STATUS(r, 200);
    const json& body = r.json_body;
    REQUIRE((body.is_array() || (body.is_object() && body.contains("data") && body["data"].is_array())));
    return ids_of(body);
}
std::string bluebricks(fixture& f, const std::string& name) {
    return login(f.http, name + "@bluebricks.local", seeded_password, "bluebricks");
}

json membership_document(const std::string& email, const std::string& organization, const std::string& role,
                         const std::string& access_scope = {}) {
    json attributes = {{"user_email", email}};
    if (!access_scope.empty()) attributes["access_scope"] = access_scope;
    return document("memberships", attributes,
                    {{"organization", "organizations", organization}, {"role", "roles", role}});
}

json permission_document(const std::string& role, const std::string& subject, bool c, bool r, bool u, bool d) {
    return document(
        "permissions",
        {{"subject_class", subject}, {"can_create", c}, {"can_read", r}, {"can_update", u}, {"can_destroy", d}},
        {{"role", "roles", role}});
}

/// The provisioning API answers 401 where others answer 403 for a missing permission.
#define CHECK_CL_DENIED(answer) CHECK_ERROR((answer), 401, "missing_permission")

json stored_memberships(const std::string& db) {
    json out = json::array();
    for (const auto& row : database(db).query(
             "SELECT id, organization_id, user_id, role_id, owner, access_scope FROM cl_memberships ORDER BY id"))
        out.push_back(row);
    return out;
}

/// POSTs a permission row (`permission_document`'s arguments) as `token` and checks it is refused
/// with `status` and `error`.
void check_row_refused(fixture& f, const std::string& token, const std::string& role, const std::string& subject,
                       bool can_create, bool can_read, bool can_update, bool can_destroy, int status,
                       const std::string& error) {
    INFO(role << " " << subject);
    CHECK_ERROR(f.http.post("/api/permissions", token,
                            permission_document(role, subject, can_create, can_read, can_update, can_destroy)),
                status, error);
}
} // namespace

// ==== provide ident ==================================================================================

TEST_CASE("ident: GET /api/v1/users needs ListUsers (or Sudo) at the caller's home scope", "[rules]") {
    fixture f;
    const std::vector<std::string> everyone =
        sorted({seeded::john, seeded::bob, seeded::kathryn, seeded::sally, seeded::guion});

    SECTION("users: ListUsers or Sudo at the platform lists everyone") {
        for (const char* email : {seeded::bob_email, seeded::kathryn_email}) {
            INFO(email);
            CHECK(listed(f, "/api/v1/users", login(f.http, email)) == everyone);
        }
    }
    SECTION("users without ListUsers: 403 with ward's reason") {
        for (const char* email : {seeded::john_email, seeded::sally_email, seeded::guion_email}) {
            INFO(email);
            const response r = f.http.get("/api/v1/users", login(f.http, email));
            CHECK_ERROR(r, 403, "missing_permission");
            CHECK(r.json_body["error"].value("reason", "").find("list_users") != std::string::npos);
        }
    }
    SECTION("an application token sees only its application's users") {
        CHECK(listed(f, "/api/v1/users", app_token(f, seeded::shop)) == std::vector<std::string>{seeded::sally});
        CHECK(listed(f, "/api/v1/users", app_token(f, seeded::blog)) == std::vector<std::string>{seeded::guion});
    }
    SECTION("an organization token (30) has no ListUsers") {
        const std::string org = mint(f.db, "ident", std::string("organization:") + seeded::organization);
        CHECK(token_claims(org)["permissions"] == 30);
        CHECK_ERROR(f.http.get("/api/v1/users", org), 403, "missing_permission");
    }
    SECTION("a token's permissions claim caps the stored grant, never extends it") {
        // Bob and Kathryn with tokens capped to 415: no listing (the token was not issued it).
        CHECK_ERROR(f.http.get("/api/v1/users",
                               mint(f.db, "ident", std::string("user:") + seeded::bob, "--permissions", "415")),
                    403, "not_in_token");
        CHECK_ERROR(f.http.get("/api/v1/users",
                               mint(f.db, "ident", std::string("user:") + seeded::kathryn, "--permissions", "415")),
                    403, "not_in_token");
        // John with a token claiming ListUsers and Sudo: his stored mask still has neither.
        const std::string inflated = std::to_string(seeded::default_mask | seeded::list_users | seeded::sudo);
        CHECK_ERROR(f.http.get("/api/v1/users",
                               mint(f.db, "ident", std::string("user:") + seeded::john, "--permissions", inflated)),
                    403, "missing_permission");
        // The default for a user subject is the stored mask.
        const std::string bob = mint(f.db, "ident", std::string("user:") + seeded::bob);
        CHECK(token_claims(bob)["permissions"] == (seeded::default_mask | seeded::list_users));
        CHECK_STATUS(f.http.get("/api/v1/users", bob), 200);
    }
    SECTION("no token: 401") { CHECK_ERROR_STATUS(f.http.get("/api/v1/users"), 401); }
}

TEST_CASE("ident: an `extended` claim caps the token per resource, \"*\" everywhere else", "[rules]") {
    fixture f;
    // Kathryn (Sudo) with a token whose extended claim keeps her power to the shop application.
    auto kathryn = [&](const json& extended) {
        json c = base_claims("ident", std::string("user:") + seeded::kathryn);
        c["permissions"] = seeded::default_mask | seeded::sudo;
        c["extended"] = extended;
        return forge(f.db, c);
    };
    const std::string shop_only =
        kathryn({{std::string("application:") + seeded::shop, seeded::default_mask | seeded::list_users},
                 {"*", seeded::default_mask}});
    CHECK_STATUS(f.http.get(user_path(seeded::sally), shop_only), 200);                // in the shop: ListUsers kept
    CHECK_ERROR(f.http.get(user_path(seeded::guion), shop_only), 403, "not_in_token"); // the blog: "*" applies
    CHECK_ERROR(f.http.get("/api/v1/users", shop_only), 403, "not_in_token");          // the platform: "*" applies
    // "*" alone caps everything; it never adds what the permissions claim lacks.
    CHECK_ERROR(f.http.get("/api/v1/users", kathryn({{"*", seeded::default_mask}})), 403, "not_in_token");
    CHECK_STATUS(f.http.get("/api/v1/users", kathryn({{"*", seeded::default_mask | seeded::sudo}})), 200);
    json narrow = base_claims("ident", std::string("user:") + seeded::john);
    narrow["permissions"] = seeded::default_mask;
    narrow["extended"] = {{"*", seeded::default_mask | seeded::sudo}};
    CHECK_ERROR(f.http.get("/api/v1/users", forge(f.db, narrow)), 403,
                "missing_permission"); // nor what the policy lacks
    // A malformed extended claim refuses the token.
    CHECK_ERROR(f.http.get("/api/v1/users", kathryn(json::array({510}))), 401, "invalid_token");
    CHECK_ERROR(f.http.get("/api/v1/users", kathryn({{"*", -1}})), 401, "invalid_token");
    json many = json::object();
    for (int i = 0; i < 9; ++i) many["application:x" + std::to_string(i)] = 510;
    CHECK_ERROR(f.http.get("/api/v1/users", kathryn(many)), 401, "invalid_token");
}

TEST_CASE("ident: POST /api/v1/users", "[rules]") {
    fixture f;
    const std::string shop = app_token(f, seeded::shop);

    SECTION("with a password: no token needed, a global user with mask 415; 409 for a duplicate email") {
        const response r =
            f.http.post("/api/v1/users", {}, {{"email", "new@provide.local"}, {"password", "password-1234"}});
        REQUIRE_STATUS(r, 201);
        CHECK(r.json_body["permissions"] == 415);
        CHECK(r.json_body["application_id"].is_null());
        CHECK(r.json_body["email"] == "new@provide.local");
        const auto before = database(f.db).dump();
        CHECK_ERROR(f.http.post("/api/v1/users", {}, {{"email", "new@provide.local"}, {"password", "password-5678"}}),
                    409, "email_taken");
        CHECK_ERROR(f.http.post("/api/v1/users", {}, {{"email", seeded::john_email}, {"password", "password-5678"}}),
                    409, "email_taken");
        CHECK(database(f.db).dump() == before);
        // Bob (ListUsers) sees six users now.
        const response list = f.http.get("/api/v1/users", login(f.http, seeded::bob_email));
        REQUIRE_STATUS(list, 200);
        CHECK(list.json_body.size() == 6);
    }
    SECTION("without a password: a virtual user needs an application token with CreateUser") {
        const auto before = database(f.db).dump();
        CHECK_ERROR_STATUS(f.http.post("/api/v1/users", {}, {{"email", "virtual@provide.local"}}), 401);
        const response user_token =
            f.http.post("/api/v1/users", login(f.http, seeded::kathryn_email), {{"email", "virtual@provide.local"}});
        CHECK_ERROR_STATUS(user_token, 403);
        const std::string org = mint(f.db, "ident", std::string("organization:") + seeded::organization);
        CHECK_ERROR_STATUS(f.http.post("/api/v1/users", org, {{"email", "virtual@provide.local"}}), 403);
        // An application token capped below CreateUser.
        const std::string capped =
            mint(f.db, "ident", std::string("application:") + seeded::shop, "--permissions", "510");
        CHECK_ERROR(f.http.post("/api/v1/users", capped, {{"email", "virtual@provide.local"}}), 403, "not_in_token");
        CHECK(database(f.db).dump() == before);

        const response r =
            f.http.post("/api/v1/users", shop, {{"email", "virtual@provide.local"}, {"first_name", "Vera"}});
        REQUIRE_STATUS(r, 201);
        CHECK(r.json_body["application_id"] == seeded::shop);
        CHECK(r.json_body["first_name"] == "Vera");
        CHECK(r.json_body["permissions"] == 415);
        auto stored = database(f.db).query("SELECT password_hash, application_id FROM users WHERE id = ?",
                                           {r.json_body["id"].get<std::string>()});
        REQUIRE(stored.size() == 1);
        CHECK(stored[0] == std::vector<std::string>{"NULL", seeded::shop});
        // Virtual users cannot log in.
        CHECK_ERROR(
            f.http.post("/api/v1/authenticate", {}, {{"email", "virtual@provide.local"}, {"password", "any password"}}),
            401, "invalid_credentials");
    }
    SECTION("an application token with a password still creates under its application") {
        const response r =
            f.http.post("/api/v1/users", shop, {{"email", "shopper@provide.local"}, {"password", "password-1234"}});
        REQUIRE_STATUS(r, 201);
        CHECK(r.json_body["application_id"] == seeded::shop);
    }
    SECTION("`permissions` needs UpdateUser at the target and only bits the caller holds") {
        const auto before = database(f.db).dump();
        CHECK_ERROR_STATUS(
            f.http.post("/api/v1/users", {},
                        {{"email", "p@provide.local"}, {"password", "password-1234"}, {"permissions", 386}}),
            401);
        // Sudo is not a bit the application holds.
        const response beyond =
            f.http.post("/api/v1/users", shop, {{"email", "p@provide.local"}, {"permissions", 415 | (1 << 29)}});
        CHECK_ERROR(beyond, 403, "beyond_own_permissions");
        CHECK(database(f.db).dump() == before);

        const response r =
            f.http.post("/api/v1/users", shop, {{"email", "p@provide.local"}, {"permissions", 386 | (1 << 20)}});
        REQUIRE_STATUS(r, 201);
        CHECK(r.json_body["permissions"] == (386 | (1 << 20)));
        // 0 means the default.
        const response zero = f.http.post("/api/v1/users", shop, {{"email", "z@provide.local"}, {"permissions", 0}});
        REQUIRE_STATUS(zero, 201);
        CHECK(zero.json_body["permissions"] == 415);
    }
}

TEST_CASE("ident: GET /api/v1/users/{id}", "[rules]") {
    fixture f;
    const std::string john = login(f.http, seeded::john_email);
    const std::string bob = login(f.http, seeded::bob_email);

    SECTION("the caller's own record needs nothing") {
        for (const auto& [email, id] :
             std::vector<std::pair<const char*, const char*>>{{seeded::john_email, seeded::john},
                                                              {seeded::sally_email, seeded::sally},
                                                              {seeded::guion_email, seeded::guion}}) {
            INFO(email);
            const response r = f.http.get(user_path(id), login(f.http, email));
            REQUIRE_STATUS(r, 200);
            CHECK(r.json_body["id"] == id);
            CHECK(r.json_body["email"] == email);
        }
    }
    SECTION("another user's record needs ListUsers at the record") {
        CHECK_ERROR(f.http.get(user_path(seeded::bob), john), 403, "missing_permission");
        CHECK_ERROR(f.http.get(user_path(seeded::john), login(f.http, seeded::sally_email)), 403, "missing_permission");
        const response r = f.http.get(user_path(seeded::john), bob);
        REQUIRE_STATUS(r, 200);
        CHECK(r.json_body["name"] == "John Young");
        const response sally = f.http.get(user_path(seeded::sally), bob);
        REQUIRE_STATUS(sally, 200);
        CHECK(sally.json_body["application_id"] == seeded::shop);
    }
    SECTION("an application token: its users 200, the other application's and global users 404") {
        const std::string shop = app_token(f, seeded::shop);
        CHECK_STATUS(f.http.get(user_path(seeded::sally), shop), 200);
        CHECK_ERROR(f.http.get(user_path(seeded::guion), shop), 404, "not_found");
        CHECK_ERROR(f.http.get(user_path(seeded::john), shop), 404, "not_found");
        const std::string blog = app_token(f, seeded::blog);
        CHECK_STATUS(f.http.get(user_path(seeded::guion), blog), 200);
        CHECK_ERROR(f.http.get(user_path(seeded::sally), blog), 404, "not_found");
        // The same answer as for a record that does not exist: no existence oracle.
        CHECK_ERROR(f.http.get(user_path("00000000-0000-4000-8000-000000000000"), shop), 404, "not_found");
    }
    SECTION("an unknown id: 404") {
        CHECK_ERROR(f.http.get(user_path("00000000-0000-4000-8000-000000000000"), bob), 404, "not_found");
    }
}

TEST_CASE("ident: PUT /api/v1/users/{id}", "[rules]") {
    fixture f;
    const std::string john = login(f.http, seeded::john_email);

    SECTION("the caller's own names, email and password") {
        const std::string john_provisioning = provisioning(f, seeded::john_email);
        CHECK_STATUS(
            f.http.put(user_path(seeded::john), john,
                       {{"first_name", "Johnny"}, {"email", "johnny@provide.local"}, {"password", "new password 1"}}),
            204);
        // A new password logs every earlier session out, on both APIs that John's record serves.
        CHECK_ERROR(f.http.get(user_path(seeded::john), john), 401, "invalid_token");
        CHECK_ERROR(f.http.get("/api/user", john_provisioning), 401, "invalid_token");
        const std::string johnny = login(f.http, "johnny@provide.local", "new password 1");
        const response r = f.http.get(user_path(seeded::john), johnny);
        REQUIRE_STATUS(r, 200);
        CHECK(r.json_body["first_name"] == "Johnny");
        CHECK(r.json_body["name"] == "Johnny Young");
        CHECK(r.json_body["email"] == "johnny@provide.local");
        CHECK_STATUS(f.http.get("/api/user", login(f.http, "johnny@provide.local", "new password 1", "provisioning")),
                     200);
        // Names and email alone do not.
        CHECK_STATUS(f.http.put(user_path(seeded::john), johnny, {{"last_name", "Young Jr."}}), 204);
        CHECK_STATUS(f.http.get(user_path(seeded::john), johnny), 200);
        CHECK_ERROR(
            f.http.post("/api/v1/authenticate", {}, {{"email", "johnny@provide.local"}, {"password", seeded_password}}),
            401, "invalid_credentials");
    }
    SECTION("not the caller's own permissions, nor anyone else's record") {
        const auto before = database(f.db).dump();
        CHECK_ERROR_STATUS(f.http.put(user_path(seeded::john), john, {{"permissions", 415 | (1 << 20)}}), 403);
        CHECK_ERROR_STATUS(f.http.put(user_path(seeded::bob), john, {{"first_name", "Robert"}}), 403);
        // ListUsers is not UpdateUser.
        CHECK_ERROR_STATUS(f.http.put(user_path(seeded::john), login(f.http, seeded::bob_email), {{"first_name", "X"}}),
                           403);
        // An application cannot update another application's user (outside its scope).
        CHECK_ERROR(f.http.put(user_path(seeded::guion), app_token(f, seeded::shop), {{"first_name", "X"}}), 404,
                    "not_found");
        CHECK(database(f.db).dump() == before);
    }
    SECTION("Sudo updates anyone's names and masks") {
        const std::string kathryn = login(f.http, seeded::kathryn_email);
        CHECK_STATUS(f.http.put(user_path(seeded::john), kathryn, {{"last_name", "Young Jr."}, {"permissions", 386}}),
                     204);
        const response r = f.http.get(user_path(seeded::john), kathryn);
        REQUIRE_STATUS(r, 200);
        CHECK(r.json_body["last_name"] == "Young Jr.");
        CHECK(r.json_body["permissions"] == 386);
        // John's next token carries the new mask.
        CHECK(token_claims(login(f.http, seeded::john_email))["permissions"] == 386);
    }
    SECTION("an application updates its users' masks, only with bits it holds") {
        const std::string shop = app_token(f, seeded::shop);
        const std::string sally_before = login(f.http, seeded::sally_email);
        CHECK_STATUS(f.http.put(user_path(seeded::sally), shop, {{"permissions", 386 | (1 << 20)}}), 204);
        CHECK(database(f.db).query("SELECT permissions FROM users WHERE id = ?", {seeded::sally})[0][0] ==
              std::to_string(386 | (1 << 20)));
        // Sally's new token reads her application's users (ListUsers at her home scope); her old
        // token's permissions claim still caps her at 386.
        const response made = f.http.post("/api/v1/users", shop, {{"first_name", "Virtual"}});
        REQUIRE_STATUS(made, 201);
        const std::string virtual_user = made.json_body["id"];
        CHECK_STATUS(f.http.get(user_path(virtual_user), login(f.http, seeded::sally_email)), 200);
        CHECK_ERROR(f.http.get(user_path(virtual_user), sally_before), 403, "not_in_token");
        const auto before = database(f.db).dump();
        CHECK_ERROR(f.http.put(user_path(seeded::sally), shop, {{"permissions", 386 | (1 << 29)}}), 403,
                    "beyond_own_permissions");
        CHECK(database(f.db).dump() == before);
    }
}

TEST_CASE("ident: nobody changes or deletes a user more privileged than themselves", "[rules]") {
    fixture f;
    const std::string kathryn = login(f.http, seeded::kathryn_email);
    // Kathryn (Sudo) makes John a helpdesk: UpdateUser and DeleteUser, no Sudo, no ListUsers.
    constexpr int helpdesk = 415 | 0x400000 | 0x800000;
    REQUIRE_STATUS(f.http.put(user_path(seeded::john), kathryn, {{"permissions", helpdesk}}), 204);
    const std::string john = login(f.http, seeded::john_email);
    const auto before = database(f.db).dump();
    // Not a sudoer's password, email or mask: that would be a way to log in as Sudo.
    CHECK_ERROR(
        f.http.put(user_path(seeded::kathryn), john, {{"password", "taken over 1"}, {"email", "mine@evil.example"}}),
        403, "outranked");
    CHECK_ERROR(f.http.put(user_path(seeded::kathryn), john, {{"permissions", 1}}), 403, "outranked");
    CHECK_ERROR(f.http.del(user_path(seeded::kathryn), john), 403, "outranked");
    // Nor Bob's, who holds ListUsers, which John does not.
    CHECK_ERROR(f.http.put(user_path(seeded::bob), john, {{"first_name", "Robert"}}), 403, "outranked");
    CHECK(database(f.db).dump() == before);
    CHECK_FALSE(login(f.http, seeded::kathryn_email).empty());
    // Sally (386) holds nothing privileged: John manages her.
    CHECK_STATUS(f.http.put(user_path(seeded::sally), john, {{"first_name", "Sal"}}), 204);
    CHECK(database(f.db).query("SELECT first_name FROM users WHERE id = ?", {seeded::sally})[0][0] == "Sal");
    // Kathryn manages everyone.
    CHECK_STATUS(f.http.put(user_path(seeded::bob), kathryn, {{"first_name", "Robert"}}), 204);
}

TEST_CASE("ident: agreements and metadata follow the names' rules; app_metadata is set like a mask", "[rules]") {
    fixture f;
    const std::string john = login(f.http, seeded::john_email);
    const std::string kathryn = login(f.http, seeded::kathryn_email);
    const std::string shop = app_token(f, seeded::shop);
    const auto stored_john = [&] {
        return database(f.db).query("SELECT privacy_policy_agreed_at, terms_of_service_agreed_at, metadata FROM users "
                                    "WHERE id = ?",
                                    {seeded::john})[0];
    };
    // John's metadata as seeded (the seed document's): his app_metadata names his ident user.
    const json john_app_metadata = {{"ident_user_id", seeded::john}};

    SECTION("the caller's own agreements and metadata, its app_metadata unchanged") {
        const json metadata = {{"app_metadata", john_app_metadata}, {"user_metadata", {{"theme", "dark"}}}};
        CHECK_STATUS(f.http.put(user_path(seeded::john), john,
                                {{"privacy_policy_agreed_at", "2024-05-01T08:00:00Z"},
                                 {"terms_of_service_agreed_at", nullptr},
                                 {"metadata", metadata}}),
                     204);
        const response r = f.http.get(user_path(seeded::john), john);
        REQUIRE_STATUS(r, 200);
        CHECK(r.json_body["privacy_policy_agreed_at"] == "2024-05-01T08:00:00.000Z");
        CHECK(r.json_body["terms_of_service_agreed_at"].is_null());
        CHECK(r.json_body["metadata"] == metadata);
        // The whole object is replaced, not merged.
        CHECK(!r.json_body["metadata"].contains("email_verified"));
        // Absent fields stay as they are.
        CHECK_STATUS(f.http.put(user_path(seeded::john), john, {{"first_name", "Johnny"}}), 204);
        CHECK(stored_john() == std::vector<std::string>{"2024-05-01T08:00:00.000Z", "NULL", metadata.dump()});
    }
    SECTION("not one's own app_metadata: adding, changing or dropping it needs UpdateUser at the record") {
        const auto before = database(f.db).dump();
        for (const json& metadata : {json{{"app_metadata", {{"ident_user_id", seeded::john}, {"role", "admin"}}}},
                                     json{{"app_metadata", {{"ident_user_id", seeded::kathryn}}}},
                                     json{{"user_metadata", json::object()}}, json::object()}) {
            INFO(metadata.dump());
            CHECK_ERROR(f.http.put(user_path(seeded::john), john, {{"metadata", metadata}}), 403, "missing_permission");
            // Nothing else of the same request is written either.
            CHECK_ERROR(f.http.put(user_path(seeded::john), john, {{"first_name", "X"}, {"metadata", metadata}}), 403,
                        "missing_permission");
        }
        CHECK(database(f.db).dump() == before);
        // Kathryn (Sudo) sets it; Sally's application sets its user's.
        const json granted = {{"app_metadata", {{"ident_user_id", seeded::john}, {"plan", "gold"}}}};
        CHECK_STATUS(f.http.put(user_path(seeded::john), kathryn, {{"metadata", granted}}), 204);
        CHECK(f.http.get(user_path(seeded::john), john).json_body["metadata"] == granted);
        CHECK_STATUS(f.http.put(user_path(seeded::sally), shop, {{"metadata", {{"app_metadata", {{"shop_tier", 2}}}}}}),
                     204);
        // And John may now change his user_metadata, carrying the new app_metadata along.
        json mine = granted;
        mine["user_metadata"] = {{"locale", "en"}};
        CHECK_STATUS(f.http.put(user_path(seeded::john), john, {{"metadata", mine}}), 204);
    }
    SECTION("another user's agreements and metadata need UpdateUser at the record, and outranking them") {
        const auto before = database(f.db).dump();
        const std::string bob = login(f.http, seeded::bob_email);
        CHECK_ERROR(f.http.put(user_path(seeded::bob), john, {{"privacy_policy_agreed_at", "2024-05-01T08:00:00Z"}}),
                    403, "missing_permission");
        CHECK_ERROR(f.http.put(user_path(seeded::bob), john, {{"terms_of_service_agreed_at", nullptr}}), 403,
                    "missing_permission");
        CHECK_ERROR(f.http.put(user_path(seeded::bob), john, {{"metadata", {{"user_metadata", {{"x", 1}}}}}}), 403,
                    "missing_permission");
        // ListUsers reads, it does not write.
        CHECK_ERROR(f.http.put(user_path(seeded::john), bob, {{"metadata", json::object()}}), 403,
                    "missing_permission");
        // An application writes only its own users'.
        CHECK_ERROR(f.http.put(user_path(seeded::guion), shop, {{"metadata", json::object()}}), 404, "not_found");
        CHECK(database(f.db).dump() == before);

        // John as a helpdesk (UpdateUser, no Sudo) writes Sally's, not Kathryn's nor Bob's.
        REQUIRE_STATUS(f.http.put(user_path(seeded::john), kathryn, {{"permissions", 415 | seeded::update_user}}), 204);
        const std::string helpdesk = login(f.http, seeded::john_email);
        const auto after_grant = database(f.db).dump();
        CHECK_ERROR(f.http.put(user_path(seeded::kathryn), helpdesk, {{"metadata", {{"app_metadata", {{"x", 1}}}}}}),
                    403, "outranked");
        CHECK_ERROR(
            f.http.put(user_path(seeded::bob), helpdesk, {{"terms_of_service_agreed_at", "2024-05-01T08:00:00Z"}}), 403,
            "outranked");
        CHECK(database(f.db).dump() == after_grant);
        CHECK_STATUS(f.http.put(user_path(seeded::sally), helpdesk,
                                {{"terms_of_service_agreed_at", "2024-05-01T08:00:00.1Z"},
                                 {"metadata", {{"app_metadata", {{"desk", true}}}}}}),
                     204);
        const response sally = f.http.get(user_path(seeded::sally), shop);
        REQUIRE_STATUS(sally, 200);
        CHECK(sally.json_body["terms_of_service_agreed_at"] == "2024-05-01T08:00:00.100Z");
        CHECK(sally.json_body["metadata"] == json{{"app_metadata", {{"desk", true}}}});
    }
    SECTION("creating: agreements and user metadata need nothing; app_metadata needs UpdateUser at the target") {
        const json user_metadata = {{"user_metadata", {{"newsletter", false}}}};
        const response r = f.http.post("/api/v1/users", {},
                                       {{"email", "new@provide.local"},
                                        {"password", "password-1234"},
                                        {"privacy_policy_agreed_at", "2024-05-01T08:00:00.25Z"},
                                        {"terms_of_service_agreed_at", "2024-05-01T08:00:01Z"},
                                        {"metadata", user_metadata}});
        REQUIRE_STATUS(r, 201);
        CHECK(r.json_body["privacy_policy_agreed_at"] == "2024-05-01T08:00:00.250Z");
        CHECK(r.json_body["terms_of_service_agreed_at"] == "2024-05-01T08:00:01.000Z");
        CHECK(r.json_body["metadata"] == user_metadata);
        const response plain =
            f.http.post("/api/v1/users", {}, {{"email", "plain@provide.local"}, {"password", "password-1234"}});
        REQUIRE_STATUS(plain, 201);
        CHECK(plain.json_body["privacy_policy_agreed_at"].is_null());
        CHECK(plain.json_body["terms_of_service_agreed_at"].is_null());
        CHECK(plain.json_body["metadata"] == json::object());

        const auto before = database(f.db).dump();
        const json app_metadata = {{"app_metadata", {{"role", "admin"}}}};
        CHECK_ERROR_STATUS(
            f.http.post("/api/v1/users", {},
                        {{"email", "a@provide.local"}, {"password", "password-1234"}, {"metadata", app_metadata}}),
            401);
        CHECK_ERROR(
            f.http.post("/api/v1/users", john,
                        {{"email", "a@provide.local"}, {"password", "password-1234"}, {"metadata", app_metadata}}),
            403, "missing_permission");
        // An application token capped below UpdateUser (CreateUser kept).
        const std::string capped = mint(f.db, "ident", std::string("application:") + seeded::shop, "--permissions",
                                        std::to_string(510 | seeded::create_user));
        CHECK_ERROR(f.http.post("/api/v1/users", capped, {{"first_name", "V"}, {"metadata", app_metadata}}), 403,
                    "not_in_token");
        CHECK(database(f.db).dump() == before);
        // An empty app_metadata is no app_metadata.
        CHECK_STATUS(f.http.post("/api/v1/users", {},
                                 {{"email", "e@provide.local"},
                                  {"password", "password-1234"},
                                  {"metadata", {{"app_metadata", json::object()}}}}),
                     201);
        const response made = f.http.post("/api/v1/users", shop, {{"first_name", "V"}, {"metadata", app_metadata}});
        REQUIRE_STATUS(made, 201);
        CHECK(made.json_body["metadata"] == app_metadata);
        CHECK_STATUS(f.http.post("/api/v1/users", capped, {{"first_name", "W"}, {"metadata", user_metadata}}), 201);
    }
}

TEST_CASE("ident: DELETE /api/v1/users/{id}", "[rules]") {
    fixture f;
    const std::string kathryn = login(f.http, seeded::kathryn_email);

    SECTION("DeleteUser (or Sudo) at the record") {
        const auto before = database(f.db).dump();
        CHECK_ERROR(f.http.del(user_path(seeded::bob), login(f.http, seeded::john_email)), 403, "missing_permission");
        CHECK_ERROR(f.http.del(user_path(seeded::john), login(f.http, seeded::bob_email)), 403, "missing_permission");
        // Not even one's own record without DeleteUser.
        CHECK_ERROR(f.http.del(user_path(seeded::john), login(f.http, seeded::john_email)), 403, "missing_permission");
        CHECK_ERROR(f.http.del(user_path(seeded::guion), app_token(f, seeded::shop)), 404, "not_found");
        CHECK(database(f.db).dump() == before);

        const std::string bob = login(f.http, seeded::bob_email);
        const std::string bob_provisioning = provisioning(f, seeded::bob_email);
        CHECK_STATUS(f.http.del(user_path(seeded::bob), kathryn), 204);
        CHECK_ERROR(f.http.get(user_path(seeded::bob), kathryn), 404, "not_found");
        // His memberships go with him, and his still-valid token no longer works.
        CHECK(database(f.db).query("SELECT count(*) FROM cl_memberships WHERE id = 'mem_acme_bob'")[0][0] == "0");
        CHECK_ERROR(f.http.get("/api/v1/users", bob), 401, "invalid_token");
        CHECK_ERROR(f.http.post("/api/organizations", bob_provisioning, document("organizations", {{"name", "Ghost"}})),
                    401, "invalid_token");

        CHECK_STATUS(f.http.del(user_path(seeded::sally), app_token(f, seeded::shop)), 204);
        CHECK(listed(f, "/api/v1/users", kathryn) == sorted({seeded::john, seeded::kathryn, seeded::guion}));
    }
    SECTION("409 while the user owns a provisioning organization") {
        const auto before = database(f.db).dump();
        CHECK_ERROR(f.http.del(user_path(seeded::john), kathryn), 409, "owns_organization");
        CHECK(database(f.db).dump() == before);
    }
}

// ==== Commerce Layer Provisioning ======================================================================

TEST_CASE("provisioning: organizations", "[rules]") {
    fixture f;
    const auto [john, bob, sally, kathryn] = provisioning_logins(f);

    SECTION("reading: admin and read_only members; another organization's record is 404") {
        for (const std::string* t : {&john, &bob}) {
            INFO((t == &bob ? "bob" : "john"));
            CHECK(listed(f, "/api/organizations", *t) == std::vector<std::string>{"org_acme"});
        }
        CHECK(listed(f, "/api/organizations", kathryn) == std::vector<std::string>{"org_globex"});
        CHECK(listed(f, "/api/organizations", provisioning(f, seeded::guion_email)).empty());

        const response one = f.http.get("/api/organizations/org_acme", bob);
        REQUIRE_STATUS(one, 200);
        CHECK(one.json_body["data"]["id"] == "org_acme");
        CHECK(one.json_body["data"]["type"] == "organizations");
        CHECK(one.json_body["data"]["attributes"]["name"] == "Acme");
        CHECK_ERROR(f.http.get("/api/organizations/org_globex", john), 404, "not_found");
        CHECK_ERROR(f.http.get("/api/organizations/org_acme", kathryn), 404, "not_found");
        CHECK_ERROR(f.http.get("/api/organizations/org_nosuchthing", john), 404, "not_found");
    }
    SECTION("a custom role reads the organization only through a permission on organizations") {
        // Order desk (Sally, access scope live) has no organizations row: an empty list, and 401.
        CHECK(listed(f, "/api/organizations", sally).empty());
        CHECK_CL_DENIED(f.http.get("/api/organizations/org_acme", sally));
        REQUIRE_STATUS(f.http.post("/api/permissions", john,
                                   permission_document("role_acme_orders", "organizations", false, true, false, false)),
                       201);
        // With the row, Sally reads her organization (her membership is still live-only).
        CHECK(listed(f, "/api/organizations", sally) == std::vector<std::string>{"org_acme"});
        CHECK_STATUS(f.http.get("/api/organizations/org_acme", sally), 200);
        // Read, not update.
        CHECK_CL_DENIED(
            f.http.patch("/api/organizations/org_acme", sally, document("organizations", {{"name", "Sally's"}})));
    }
    SECTION("updating: admins only; others get 401") {
        const auto before = database(f.db).dump();
        CHECK_CL_DENIED(
            f.http.patch("/api/organizations/org_acme", bob, document("organizations", {{"name", "Bob's"}})));
        CHECK_CL_DENIED(
            f.http.patch("/api/organizations/org_acme", sally, document("organizations", {{"name", "Sally's"}})));
        CHECK_ERROR(
            f.http.patch("/api/organizations/org_acme", kathryn, document("organizations", {{"name", "Globex's"}})),
            404, "not_found");
        CHECK(database(f.db).dump() == before);

        const response r =
            f.http.patch("/api/organizations/org_acme", john, document("organizations", {{"name", "Acme Corp"}}));
        REQUIRE_STATUS(r, 200);
        CHECK(r.json_body["data"]["attributes"]["name"] == "Acme Corp");
        const response again = f.http.get("/api/organizations/org_acme", bob);
        REQUIRE_STATUS(again, 200);
        CHECK(again.json_body["data"]["attributes"]["name"] == "Acme Corp");
    }
    SECTION("deleting: 405, for everyone") {
        const auto before = database(f.db).dump();
        CHECK_ERROR(f.http.del("/api/organizations/org_acme", john), 405, "method_not_allowed");
        CHECK_ERROR(f.http.del("/api/organizations/org_globex", kathryn), 405, "method_not_allowed");
        CHECK(database(f.db).dump() == before);
    }
    SECTION("creating: any authenticated user; the creator owns it as admin, with admin and read_only roles") {
        CHECK_ERROR_STATUS(f.http.post("/api/organizations", {}, document("organizations", {{"name", "Nobody's"}})),
                           401);
        const std::string guion = provisioning(f, seeded::guion_email);
        const response r =
            f.http.post("/api/organizations", guion, document("organizations", {{"name", "Blue Origin"}}));
        REQUIRE_STATUS(r, 201);
        const std::string id = r.json_body["data"]["id"].get<std::string>();
        CHECK(id.rfind("org_", 0) == 0);
        CHECK(r.json_body["data"]["attributes"]["name"] == "Blue Origin");

        CHECK(listed(f, "/api/organizations", guion) == std::vector<std::string>{id});
        const response roles = f.http.get("/api/roles", guion);
        REQUIRE_STATUS(roles, 200);
        REQUIRE(roles.json_body["data"].size() == 2);
        std::vector<std::string> kinds;
        for (const json& role : roles.json_body["data"]) kinds.push_back(role["attributes"].value("kind", ""));
        CHECK(sorted(kinds) == sorted({"admin", "read_only"}));
        const response members = f.http.get("/api/memberships", guion);
        REQUIRE_STATUS(members, 200);
        REQUIRE(members.json_body["data"].size() == 1);
        const json& m = members.json_body["data"][0];
        CHECK(m["attributes"]["owner"] == true);
        CHECK(m["attributes"]["user_email"] == seeded::guion_email);
        CHECK(m["relationships"]["organization"]["data"]["id"] == id);
        // The role is the new organization's admin role: Guion may update it; John may not see it.
        CHECK_STATUS(f.http.patch("/api/organizations/" + id, guion, document("organizations", {{"name", "Blue"}})),
                     200);
        CHECK_ERROR(f.http.get("/api/organizations/" + id, john), 404, "not_found");
    }
}

TEST_CASE("provisioning: memberships", "[rules]") {
    fixture f;
    const auto [john, bob, sally, kathryn] = provisioning_logins(f);

    SECTION("reading needs memberships.read in the membership's organization") {
        for (const std::string* t : {&john, &bob}) {
            CHECK(listed(f, "/api/memberships", *t) == sorted({"mem_acme_john", "mem_acme_bob", "mem_acme_sally"}));
        }
        const response one = f.http.get("/api/memberships/mem_acme_sally", bob);
        REQUIRE_STATUS(one, 200);
        CHECK(one.json_body["data"]["attributes"]["access_scope"] == "live");
        CHECK(one.json_body["data"]["attributes"]["owner"] == false);
        CHECK(one.json_body["data"]["relationships"]["role"]["data"]["id"] == "role_acme_orders");
        CHECK_ERROR(f.http.get("/api/memberships/mem_acme_john", kathryn), 404, "not_found");
        CHECK_ERROR(f.http.get("/api/memberships/mem_globex_kathryn", john), 404, "not_found");
        // Sally's Order desk role has no memberships row: she sees her own membership only.
        CHECK(listed(f, "/api/memberships", sally) == std::vector<std::string>{"mem_acme_sally"});
        CHECK_CL_DENIED(f.http.get("/api/memberships/mem_acme_john", sally));
    }
    SECTION("creating: admins only; 422 unknown user or another organization's role; 409 already a member") {
        const json stored = stored_memberships(f.db);
        const json kathryn_read_only = membership_document(seeded::kathryn_email, "org_acme", "role_acme_read_only");
        CHECK_CL_DENIED(f.http.post("/api/memberships", bob, kathryn_read_only));
        CHECK_CL_DENIED(f.http.post("/api/memberships", sally, kathryn_read_only));
        CHECK_ERROR(f.http.post("/api/memberships", kathryn, kathryn_read_only), 404, "not_found");
        CHECK_ERROR(f.http.post("/api/memberships", john,
                                membership_document("nobody@provide.local", "org_acme", "role_acme_read_only")),
                    422, "unknown_user");
        CHECK_ERROR(f.http.post("/api/memberships", john,
                                membership_document(seeded::kathryn_email, "org_acme", "role_globex_admin")),
                    422, "unknown_role");
        CHECK_ERROR(f.http.post("/api/memberships", john,
                                membership_document(seeded::bob_email, "org_acme", "role_acme_admin")),
                    409, "already_member");
        CHECK(stored_memberships(f.db) == stored);

        const response r = f.http.post("/api/memberships", john,
                                       membership_document(seeded::kathryn_email, "org_acme", "role_acme_read_only"));
        REQUIRE_STATUS(r, 201);
        const json& m = r.json_body["data"];
        CHECK(m["id"].get<std::string>().rfind("mem_", 0) == 0);
        CHECK(m["attributes"]["user_email"] == seeded::kathryn_email);
        CHECK(m["attributes"]["access_scope"] == "all");
        CHECK(m["attributes"]["owner"] == false);
        CHECK(m["relationships"]["role"]["data"]["id"] == "role_acme_read_only");
        // Kathryn now reads Acme, but cannot update it.
        CHECK(listed(f, "/api/organizations", kathryn) == sorted({"org_acme", "org_globex"}));
        CHECK_CL_DENIED(
            f.http.patch("/api/organizations/org_acme", kathryn, document("organizations", {{"name", "K"}})));
    }
    SECTION("updating: memberships.update; a new role changes what the member can do") {
        CHECK_CL_DENIED(f.http.patch("/api/memberships/mem_acme_bob", bob,
                                     document("memberships", json::object(), {{"role", "roles", "role_acme_admin"}})));
        CHECK_CL_DENIED(
            f.http.patch("/api/organizations/org_acme", bob, document("organizations", {{"name", "Bob's"}})));
        const response r =
            f.http.patch("/api/memberships/mem_acme_bob", john,
                         document("memberships", json::object(), {{"role", "roles", "role_acme_admin"}}));
        REQUIRE_STATUS(r, 200);
        CHECK(r.json_body["data"]["relationships"]["role"]["data"]["id"] == "role_acme_admin");
        CHECK(r.json_body["data"]["attributes"]["access_scope"] == "all");
        CHECK_STATUS(f.http.patch("/api/organizations/org_acme", bob, document("organizations", {{"name", "Bob's"}})),
                     200);
        const response scoped =
            f.http.patch("/api/memberships/mem_acme_bob", john, document("memberships", {{"access_scope", "test"}}));
        REQUIRE_STATUS(scoped, 200);
        CHECK(scoped.json_body["data"]["attributes"]["access_scope"] == "test");
        CHECK(database(f.db).query("SELECT access_scope, role_id FROM cl_memberships WHERE id = 'mem_acme_bob'") ==
              std::vector<std::vector<std::string>>{{"test", "role_acme_admin"}});
    }
    SECTION("ownership: only the current owner may send owner: true") {
        // Make Bob an admin first; an admin who is not the owner still cannot take ownership.
        REQUIRE_STATUS(f.http.patch("/api/memberships/mem_acme_bob", john,
                                    document("memberships", json::object(), {{"role", "roles", "role_acme_admin"}})),
                       200);
        const json stored = stored_memberships(f.db);
        CHECK_ERROR_STATUS(
            f.http.patch("/api/memberships/mem_acme_bob", bob, document("memberships", {{"owner", true}})), 401);
        CHECK(stored_memberships(f.db) == stored);

        const response r =
            f.http.patch("/api/memberships/mem_acme_bob", john, document("memberships", {{"owner", true}}));
        REQUIRE_STATUS(r, 200);
        CHECK(r.json_body["data"]["attributes"]["owner"] == true);
        const response johns = f.http.get("/api/memberships/mem_acme_john", bob);
        REQUIRE_STATUS(johns, 200);
        CHECK(johns.json_body["data"]["attributes"]["owner"] == false);
        // John, no longer the owner, can leave; and can now be deleted as a user.
        CHECK_STATUS(f.http.del("/api/memberships/mem_acme_john", john), 204);
        CHECK_STATUS(f.http.del(user_path(seeded::john), login(f.http, seeded::kathryn_email)), 204);
    }
    SECTION("deleting: admins delete others', anyone deletes their own, the owner not before transferring") {
        const json stored = stored_memberships(f.db);
        CHECK_CL_DENIED(f.http.del("/api/memberships/mem_acme_sally", bob));
        CHECK_CL_DENIED(f.http.del("/api/memberships/mem_acme_bob", sally));
        CHECK_ERROR_STATUS(f.http.del("/api/memberships/mem_acme_john", john), 401);
        CHECK_ERROR(f.http.del("/api/memberships/mem_acme_john", kathryn), 404, "not_found");
        CHECK(stored_memberships(f.db) == stored);

        CHECK_STATUS(f.http.del("/api/memberships/mem_acme_sally", sally), 204);
        CHECK_STATUS(f.http.del("/api/memberships/mem_acme_bob", john), 204);
        CHECK(listed(f, "/api/memberships", john) == std::vector<std::string>{"mem_acme_john"});
        // Bob is no longer a member: Acme is gone from his list.
        CHECK(listed(f, "/api/organizations", bob).empty());
    }
}

TEST_CASE("provisioning: roles and permissions", "[rules]") {
    fixture f;
    const auto [john, bob, sally, kathryn] = provisioning_logins(f);

    SECTION("roles: read by admins and read_only members; created and updated by admins; new roles are custom") {
        for (const std::string* t : {&john, &bob}) {
            CHECK(listed(f, "/api/roles", *t) ==
                  sorted({"role_acme_admin", "role_acme_read_only", "role_acme_orders"}));
        }
        CHECK(listed(f, "/api/roles", sally).empty());
        CHECK_CL_DENIED(f.http.get("/api/roles/role_acme_admin", sally));
        CHECK_ERROR(f.http.get("/api/roles/role_acme_admin", kathryn), 404, "not_found");

        const json support = document("roles", {{"name", "Support"}}, {{"organization", "organizations", "org_acme"}});
        const auto before = database(f.db).dump();
        CHECK_CL_DENIED(f.http.post("/api/roles", bob, support));
        CHECK_CL_DENIED(f.http.post("/api/roles", sally, support));
        CHECK_ERROR(f.http.post("/api/roles", kathryn, support), 404, "not_found");
        CHECK(database(f.db).dump() == before);
        const response r = f.http.post("/api/roles", john, support);
        REQUIRE_STATUS(r, 201);
        const std::string id = r.json_body["data"]["id"].get<std::string>();
        CHECK(r.json_body["data"]["attributes"]["name"] == "Support");
        CHECK(r.json_body["data"]["attributes"]["kind"] == "custom");

        CHECK_CL_DENIED(f.http.patch("/api/roles/" + id, bob, document("roles", {{"name", "Bob's"}})));
        const response renamed = f.http.patch("/api/roles/" + id, john, document("roles", {{"name", "Customer care"}}));
        REQUIRE_STATUS(renamed, 200);
        CHECK(renamed.json_body["data"]["attributes"]["name"] == "Customer care");

        CHECK_ERROR(f.http.del("/api/roles/" + id, john), 405, "method_not_allowed");
        CHECK_ERROR(f.http.del("/api/roles/role_acme_read_only", john), 405, "method_not_allowed");
        CHECK(database(f.db).query("SELECT count(*) FROM cl_roles")[0][0] == "6");
    }
    SECTION("permissions: only custom roles, one per subject per role, DELETE 405") {
        CHECK(listed(f, "/api/permissions", john) ==
              sorted({"perm_acme_orders_1", "perm_acme_orders_2", "perm_acme_orders_3"}));
        CHECK(listed(f, "/api/permissions", kathryn).empty());
        CHECK_ERROR(f.http.get("/api/permissions/perm_acme_orders_1", kathryn), 404, "not_found");
        const response one = f.http.get("/api/permissions/perm_acme_orders_1", bob);
        REQUIRE_STATUS(one, 200);
        CHECK(one.json_body["data"]["attributes"]["subject_class"] == "orders");
        CHECK(one.json_body["data"]["attributes"]["can_create"] == true);
        CHECK(one.json_body["data"]["attributes"]["can_destroy"] == false);

        const auto before = database(f.db).dump();
        CHECK_CL_DENIED(f.http.post("/api/permissions", bob,
                                    permission_document("role_acme_orders", "markets", false, true, false, false)));
        check_row_refused(f, john, "role_acme_orders", "orders", false, true, false, false, 409, "duplicate_subject");
        check_row_refused(f, john, "role_acme_admin", "markets", false, true, false, false, 422, "not_custom");
        check_row_refused(f, john, "role_acme_orders", "spaceships", false, true, false, false, 422, "unknown_subject");
        // Another organization's role is an unknown role to Kathryn.
        check_row_refused(f, kathryn, "role_acme_orders", "markets", false, true, false, false, 422, "unknown_role");
        CHECK_ERROR(f.http.del("/api/permissions/perm_acme_orders_1", john), 405, "method_not_allowed");
        CHECK_CL_DENIED(
            f.http.patch("/api/permissions/perm_acme_orders_1", bob, document("permissions", {{"can_destroy", true}})));
        CHECK(database(f.db).dump() == before);

        const response created = f.http.post(
            "/api/permissions", john, permission_document("role_acme_orders", "markets", false, true, false, false));
        REQUIRE_STATUS(created, 201);
        CHECK(created.json_body["data"]["attributes"]["subject_class"] == "markets");
        CHECK(created.json_body["data"]["attributes"]["can_read"] == true);
        const response patched =
            f.http.patch("/api/permissions/perm_acme_orders_1", john, document("permissions", {{"can_destroy", true}}));
        REQUIRE_STATUS(patched, 200);
        CHECK(patched.json_body["data"]["attributes"]["can_destroy"] == true);
        CHECK(patched.json_body["data"]["attributes"]["can_create"] == true);
    }
    SECTION("a custom role's rows decide what its members may do") {
        // Order desk has no memberships or roles row: Sally sees her own membership and no roles.
        CHECK_CL_DENIED(f.http.get("/api/memberships/mem_acme_bob", sally));
        // Sally's membership is live-only; organization-wide subjects are tested with access "all".
        REQUIRE_STATUS(
            f.http.patch("/api/memberships/mem_acme_sally", john, document("memberships", {{"access_scope", "all"}})),
            200);
        CHECK_CL_DENIED(f.http.get("/api/memberships/mem_acme_bob", sally));
        REQUIRE_STATUS(f.http.post("/api/permissions", john,
                                   permission_document("role_acme_orders", "memberships", true, true, true, true)),
                       201);
        REQUIRE_STATUS(f.http.post("/api/permissions", john,
                                   permission_document("role_acme_orders", "roles", false, true, false, false)),
                       201);
        CHECK(listed(f, "/api/memberships", sally) == sorted({"mem_acme_john", "mem_acme_bob", "mem_acme_sally"}));
        CHECK_STATUS(f.http.get("/api/memberships/mem_acme_bob", sally), 200);
        const response roles = f.http.get("/api/roles", sally);
        REQUIRE_STATUS(roles, 200);
        CHECK(roles.json_body["data"].size() == 3);
        // roles.create was not given.
        CHECK_CL_DENIED(f.http.post(
            "/api/roles", sally, document("roles", {{"name", "X"}}, {{"organization", "organizations", "org_acme"}})));
        // memberships.update was given: Sally changes a membership within what she holds (her own
        // access scope back to live)...
        CHECK_STATUS(
            f.http.patch("/api/memberships/mem_acme_sally", sally, document("memberships", {{"access_scope", "live"}})),
            200);
        const json stored = stored_memberships(f.db);
        // ... but not one that reaches further than she does (Bob reads everything), not her own
        // into the admin role, and not the owner's.
        CHECK_ERROR(
            f.http.patch("/api/memberships/mem_acme_bob", sally, document("memberships", {{"access_scope", "test"}})),
            401, "beyond_own_permissions");
        CHECK_ERROR(f.http.patch("/api/memberships/mem_acme_sally", sally,
                                 document("memberships", json::object(), {{"role", "roles", "role_acme_admin"}})),
                    401, "beyond_own_permissions");
        CHECK_ERROR(
            f.http.patch("/api/memberships/mem_acme_john", sally, document("memberships", {{"access_scope", "test"}})),
            401, "owner_required");
        CHECK(stored_memberships(f.db) == stored);
        // Memberships create and destroy stay admin-only whatever the row says.
        CHECK_CL_DENIED(f.http.post("/api/memberships", sally,
                                    membership_document(seeded::kathryn_email, "org_acme", "role_acme_read_only")));
        CHECK_CL_DENIED(f.http.del("/api/memberships/mem_acme_bob", sally));
        CHECK(stored_memberships(f.db) == stored);
    }
    SECTION("a member with permissions.create or .update confers only what they hold") {
        REQUIRE_STATUS(f.http.post("/api/permissions", john,
                                   permission_document("role_acme_orders", "permissions", true, true, true, false)),
                       201);
        const auto before = database(f.db).dump();
        // Sally (Order desk, live) holds neither organizations.update nor memberships.update, nor
        // orders.destroy: she cannot write them into her own role.
        check_row_refused(f, sally, "role_acme_orders", "organizations", false, false, true, false, 401,
                          "beyond_own_permissions");
        check_row_refused(f, sally, "role_acme_orders", "memberships", false, true, true, false, 401,
                          "beyond_own_permissions");
        CHECK_ERROR(f.http.patch("/api/permissions/perm_acme_orders_1", sally,
                                 document("permissions", {{"can_destroy", true}})),
                    401, "beyond_own_permissions");
        CHECK(database(f.db).dump() == before);
        // Taking away is not conferring.
        const response narrowed = f.http.patch("/api/permissions/perm_acme_orders_1", sally,
                                               document("permissions", {{"can_update", false}}));
        REQUIRE_STATUS(narrowed, 200);
        CHECK(narrowed.json_body["data"]["attributes"]["can_update"] == false);
    }
}

// ==== Bluebricks ===========================================================================================

TEST_CASE("bluebricks: GET /api/v1/user/me lists the caller's effective permission names", "[rules]") {
    fixture f;
    const response dan = f.http.get("/api/v1/user/me", bluebricks(f, "dan"));
    REQUIRE_STATUS(dan, 200);
    CHECK(strings_of(dan.json_body["permissions"]) ==
          sorted({"read:users", "read:organization", "read:blueprints", "read:environments", "read:deployments"}));
    const response carol = f.http.get("/api/v1/user/me", bluebricks(f, "carol"));
    REQUIRE_STATUS(carol, 200);
    const auto carols = strings_of(carol.json_body["permissions"]);
    CHECK(contains(carols, "read:organization_api_key"));
    CHECK(contains(carols, "create:organization_api_key"));
    CHECK_FALSE(contains(carols, "delete:organization_api_key"));
    CHECK_FALSE(contains(carols, "update:users"));
    // A token's scope narrows what it can do and what /me lists.
    const std::string narrow =
        login(f.http, "alice@bluebricks.local", seeded_password, "bluebricks", "read:users update:users read:nonsense");
    const response me = f.http.get("/api/v1/user/me", narrow);
    REQUIRE_STATUS(me, 200);
    CHECK(strings_of(me.json_body["permissions"]) == sorted({"read:users", "update:users"}));
    const std::string read_only = login(f.http, "alice@bluebricks.local", seeded_password, "bluebricks", "read:users");
    CHECK_ERROR(f.http.post("/api/v1/user/google-oauth2%7Cdan/roles", read_only, {{"roles", {"rol_Gu35tLkJhGfDsA3r"}}}),
                403, "not_in_token");
    // Guest: no read:users.
    CHECK_ERROR(f.http.get("/api/v1/user/me", bluebricks(f, "gus")), 403, "missing_permission");
}

TEST_CASE("bluebricks: the account roles form a ladder, Admin > Builder > Viewer > Guest, as /me shows", "[rules]") {
    fixture f;
    auto held = [&](const std::string& name) {
        const response me = f.http.get("/api/v1/user/me", bluebricks(f, name));
        // A Guest cannot even read users: /me itself is refused.
        if (name == "gus") {
            CHECK_ERROR(me, 403, "missing_permission");
            return std::vector<std::string>{};
        }
        REQUIRE_STATUS(me, 200);
        return strings_of(me.json_body["permissions"]);
    };
    const auto admin = held("alice"), builder = held("ben"), viewer = held("dan"), guest = held("gus");
    auto strictly_within = [](const std::vector<std::string>& lower, const std::vector<std::string>& upper) {
        for (const std::string& p : lower)
            if (!contains(upper, p)) return false;
        return lower.size() < upper.size();
    };
    CHECK(strictly_within(builder, admin));
    CHECK(strictly_within(viewer, builder));
    CHECK(strictly_within(guest, viewer));
    CHECK(contains(admin, "update:users"));
    CHECK_FALSE(contains(builder, "update:users")); // only an Admin assigns roles
    CHECK(contains(builder, "create:blueprints"));
    CHECK_FALSE(contains(viewer, "create:blueprints"));
}

TEST_CASE("bluebricks: GET /api/v1/user/{id} within the caller's organization only", "[rules]") {
    fixture f;
    const std::string alice = bluebricks(f, "alice");
    const std::string pat = bluebricks(f, "pat");
    const response ben = f.http.get("/api/v1/user/auth0%7Cben", alice);
    REQUIRE_STATUS(ben, 200);
    CHECK(ben.json_body["email"] == "ben@bluebricks.local");
    CHECK_STATUS(f.http.get("/api/v1/user/google-oauth2%7Cdan", bluebricks(f, "carol")), 200);
    CHECK_ERROR(f.http.get("/api/v1/user/prov0%7C1234567890", alice), 404, "not_found");
    CHECK_ERROR(f.http.get("/api/v1/user/auth0%7Calice", pat), 404, "not_found");
    CHECK_ERROR(f.http.get("/api/v1/user/auth0%7Cnobody", alice), 404, "not_found");
    CHECK_ERROR(f.http.get("/api/v1/user/auth0%7Calice", bluebricks(f, "gus")), 403, "missing_permission");
}

TEST_CASE("bluebricks: POST /api/v1/user/{id}/roles adds or replaces roles; old tokens stay capped", "[rules]") {
    fixture f;
    const std::string alice = bluebricks(f, "alice");
    const std::string dan_before = bluebricks(f, "dan");
    const std::string dan_path = "/api/v1/user/google-oauth2%7Cdan/roles";

    SECTION("update:users at the record") {
        const auto before = database(f.db).dump();
        CHECK_ERROR(f.http.post(dan_path, dan_before, {{"roles", {"rol_Adm1nQw3rTyU1oPa"}}}), 403,
                    "missing_permission");
        CHECK_ERROR(f.http.post(dan_path, bluebricks(f, "ben"), {{"roles", {"rol_Adm1nQw3rTyU1oPa"}}}), 403,
                    "missing_permission");
        CHECK_ERROR(f.http.post("/api/v1/user/google-oauth2%7Cdan/roles", bluebricks(f, "pat"),
                                {{"roles", {"rol_Gu35tLkJhGfDsA3r"}}}),
                    404, "not_found");
        CHECK_ERROR(f.http.post("/api/v1/user/prov0%7C1234567890/roles", alice, {{"roles", {"rol_Gu35tLkJhGfDsA3r"}}}),
                    404, "not_found");
        CHECK(database(f.db).dump() == before);
    }
    SECTION("add: true adds; the user's new token can do more, the old one cannot") {
        const response r = f.http.post(dan_path, alice, {{"roles", {"rol_Bu1ldAsDfGhJkL9z"}}, {"add", true}});
        REQUIRE_STATUS(r, 200);
        CHECK(strings_of(r.json_body["roles"]) == sorted({"rol_V13wPoIuYtReWq5e", "rol_Bu1ldAsDfGhJkL9z"}));
        CHECK(contains(strings_of(r.json_body["permissions"]), "create:blueprints"));

        const response fresh = f.http.get("/api/v1/user/me", bluebricks(f, "dan"));
        REQUIRE_STATUS(fresh, 200);
        CHECK(contains(strings_of(fresh.json_body["permissions"]), "create:blueprints"));
        const response old = f.http.get("/api/v1/user/me", dan_before);
        REQUIRE_STATUS(old, 200);
        CHECK_FALSE(contains(strings_of(old.json_body["permissions"]), "create:blueprints"));
        CHECK(strings_of(old.json_body["permissions"]) ==
              sorted({"read:users", "read:organization", "read:blueprints", "read:environments", "read:deployments"}));
    }
    SECTION("add: false replaces; removing read:users takes effect on old tokens too") {
        const response r = f.http.post(dan_path, alice, {{"roles", {"rol_Gu35tLkJhGfDsA3r"}}, {"add", false}});
        REQUIRE_STATUS(r, 200);
        CHECK(strings_of(r.json_body["roles"]) == std::vector<std::string>{"rol_Gu35tLkJhGfDsA3r"});
        CHECK_FALSE(contains(strings_of(r.json_body["permissions"]), "read:users"));
        CHECK_ERROR(f.http.get("/api/v1/user/me", dan_before), 403, "missing_permission");
        CHECK_ERROR(f.http.get("/api/v1/user/me", bluebricks(f, "dan")), 403, "missing_permission");
        CHECK(database(f.db).query("SELECT role_id FROM bb_user_roles WHERE user_id = 'google-oauth2|dan'") ==
              std::vector<std::vector<std::string>>{{"rol_Gu35tLkJhGfDsA3r"}});
    }
    SECTION("nobody assigns roles beyond what their token holds, nor manages someone who holds more") {
        const auto before = database(f.db).dump();
        const std::string narrow =
            login(f.http, "alice@bluebricks.local", seeded_password, "bluebricks", "read:users update:users");
        CHECK_ERROR(
            f.http.post("/api/v1/user/auth0%7Cgus/roles", narrow, {{"roles", {"rol_D3pl0yZxCvBnMq7w"}}, {"add", true}}),
            403, "beyond_own_permissions");
        // Dan (Viewer) reads blueprints; the narrow token does not: it cannot even take his roles away.
        CHECK_ERROR(f.http.post("/api/v1/user/google-oauth2%7Cdan/roles", narrow,
                                {{"roles", {"rol_Gu35tLkJhGfDsA3r"}}, {"add", false}}),
                    403, "beyond_own_permissions");
        CHECK(database(f.db).dump() == before);
    }
    SECTION("an unknown role: 422 and nothing changes") {
        const auto before = database(f.db).dump();
        const response r =
            f.http.post(dan_path, alice, {{"roles", {"rol_Bu1ldAsDfGhJkL9z", "rol_DoesNotExist0000"}}, {"add", false}});
        CHECK_ERROR(r, 422, "unknown_role");
        CHECK(database(f.db).dump() == before);
        const response me = f.http.get("/api/v1/user/me", bluebricks(f, "dan"));
        REQUIRE_STATUS(me, 200);
        CHECK_FALSE(contains(strings_of(me.json_body["permissions"]), "create:blueprints"));
    }
}
