// SPDX-License-Identifier: MIT
// [http]: the requests of the seed documents (../shared/seeds), replayed against the running
// service with real tokens: provide ident's users API (001), Commerce Layer Provisioning's user
// endpoint (000) and Bluebricks's user API (002). The seeds' literal token is not signed with the
// service's secret and must be refused.
#include "checks.hpp"

using namespace ward_service_test;

namespace {

/// The bearer token printed in seed 001's curl lines: HS256, sub application:cb2037f7-..., but
/// signed by another secret (and "exp": null, no iss, no aud).
constexpr const char* seed_token =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJkYXRhIjp7fSwiZXhwIjpudWxsLCJpYXQiOjE1NTk4Nzg1NzQsImp0aSI6IjYzYTJkY2QzLWI5OTgt"
    "NDZjNC1hNzFkLTQ5MjU4YTBhYmEyMyIsInN1YiI6ImFwcGxpY2F0aW9uOmNiMjAzN2Y3LTc5ZmMtNDBmNC05NzIwLWFkYTYzNmRhNDE4MyJ9.0LsVj7oT"
    "F0KjwbcUhg9a-fQRWB7cGzKJxLIANeX2cWE";

/// Every field of an ident user object, with the right types.
void check_ident_user_shape(const json& user) {
    INFO("user: " << user.dump());
    REQUIRE(user.is_object());
    for (const char* key : {"id", "created_at", "name", "first_name", "last_name"}) {
        INFO("field " << key);
        CHECK((user.contains(key) && user[key].is_string()));
    }
    CHECK(user.contains("email"));
    CHECK((user.contains("permissions") && user["permissions"].is_number_unsigned()));
    CHECK(user.contains("application_id"));
    CHECK((user["application_id"].is_null() || user["application_id"].is_string()));
    for (const char* key : {"privacy_policy_agreed_at", "terms_of_service_agreed_at"}) {
        INFO("field " << key);
        CHECK((user.contains(key) && (user[key].is_null() || user[key].is_string())));
    }
    CHECK((user.contains("metadata") && user["metadata"].is_object()));
    // Never the password or its hash.
    CHECK_FALSE(user.contains("password"));
    CHECK_FALSE(user.contains("password_hash"));
    CHECK(user.dump().find("pbkdf2") == std::string::npos);
}

const json* find_by_id(const json& list, const std::string& id) {
    if (!list.is_array()) return nullptr;
    for (const json& item : list)
        if (item.is_object() && item.value("id", "") == id) return &item;
    return nullptr;
}

} // namespace

TEST_CASE("seed 001: the seed's literal token is refused on every users request", "[http]") {
    fixture f;
    const std::string sally_path = std::string("/api/v1/users/") + seeded::sally;
    const auto before = database(f.db).dump();

    const response list = f.http.get("/api/v1/users", seed_token);
    CHECK_ERROR(list, 401, "invalid_token");
    CHECK_ERROR(f.http.post("/api/v1/users", seed_token, json::object()), 401, "invalid_token");
    CHECK_ERROR(f.http.get(sally_path, seed_token), 401, "invalid_token");
    CHECK_ERROR(f.http.put(sally_path, seed_token, json::object()), 401, "invalid_token");
    CHECK_ERROR(f.http.del(sally_path, seed_token), 401, "invalid_token");
    // The reason is the signature: the header and shape are fine.
    INFO(list.describe());
    CHECK(list.error_message().find("signature") != std::string::npos);

    // The same subject with a token signed by the service works: the refusal was the signature.
    const std::string real = mint(f.db, "ident", std::string("application:") + seeded::shop);
    CHECK_STATUS(f.http.get("/api/v1/users", real), 200);
    CHECK(database(f.db).dump() == before);
}

TEST_CASE("seed 001: List Users", "[http]") {
    fixture f;
    SECTION("an application token (the seed's subject) lists its application's users") {
        const std::string app = mint(f.db, "ident", std::string("application:") + seeded::shop);
        const response r = f.http.get("/api/v1/users", app);
        REQUIRE_STATUS(r, 200);
        REQUIRE(r.json_body.is_array());
        CHECK(ids_of(r.json_body) == std::vector<std::string>{seeded::sally});
        const json* sally = find_by_id(r.json_body, seeded::sally);
        REQUIRE(sally != nullptr);
        check_ident_user_shape(*sally);
        CHECK((*sally)["name"] == "Sally Ride");
        CHECK((*sally)["first_name"] == "Sally");
        CHECK((*sally)["last_name"] == "Ride");
        CHECK((*sally)["email"] == seeded::sally_email);
        CHECK((*sally)["permissions"] == 386);
        CHECK((*sally)["application_id"] == seeded::shop);
        CHECK(r.header("Content-Type").rfind("application/json", 0) == 0);
    }
    SECTION("a user with ListUsers lists everyone, as in the seed's example") {
        const response r = f.http.get("/api/v1/users", login(f.http, seeded::bob_email));
        REQUIRE_STATUS(r, 200);
        CHECK(ids_of(r.json_body) ==
              sorted({seeded::john, seeded::bob, seeded::kathryn, seeded::sally, seeded::guion}));
        for (const json& u : r.json_body) check_ident_user_shape(u);
        const json* john = find_by_id(r.json_body, seeded::john);
        REQUIRE(john != nullptr);
        CHECK((*john)["name"] == "John Young");
        CHECK((*john)["email"] == seeded::john_email);
        CHECK((*john)["permissions"] == 415);
        CHECK((*john)["application_id"].is_null());
        const json* bob = find_by_id(r.json_body, seeded::bob);
        REQUIRE(bob != nullptr);
        CHECK((*bob)["name"] == "Bob Crippen");
        CHECK((*bob)["permissions"] == (seeded::default_mask | seeded::list_users));
    }
    SECTION("\"will return 403 Forbidden to any user without sufficient permissions\"") {
        const response r = f.http.get("/api/v1/users", login(f.http, seeded::john_email));
        CHECK_ERROR(r, 403, "missing_permission");
        CHECK((r.json_body["error"].contains("reason") && r.json_body["error"]["reason"].is_string()));
    }
}

TEST_CASE("seed 001: Create User", "[http]") {
    fixture f;
    SECTION("with a password and no token: a global user who can then log in") {
        const json body = {{"email", "johnyoung@provide.local"},
                           {"password", "a long enough password"},
                           {"first_name", "John"},
                           {"last_name", "Young"}};
        const response r = f.http.post("/api/v1/users", {}, body);
        REQUIRE_STATUS(r, 201);
        check_ident_user_shape(r.json_body);
        CHECK(r.json_body["name"] == "John Young");
        CHECK(r.json_body["email"] == "johnyoung@provide.local");
        CHECK(r.json_body["permissions"] == 415);
        CHECK(r.json_body["application_id"].is_null());
        const std::string id = r.json_body["id"].get<std::string>();
        CHECK(id.size() == 36);

        // Stored hashed, never in clear.
        auto stored = database(f.db).query("SELECT password_hash FROM users WHERE id = ?", {id});
        REQUIRE(stored.size() == 1);
        CHECK(stored[0][0].rfind("pbkdf2-sha256$", 0) == 0);
        CHECK(stored[0][0].find("a long enough password") == std::string::npos);

        const std::string token = login(f.http, "johnyoung@provide.local", "a long enough password");
        CHECK(token_claims(token)["sub"] == "user:" + id);
        const response own = f.http.get("/api/v1/users/" + id, token);
        REQUIRE_STATUS(own, 200);
        CHECK(own.json_body["id"] == id);
        CHECK(own.json_body["first_name"] == "John");
    }
    SECTION("`-d '{}'` with the seed's application: a virtual user under that application") {
        const std::string app = mint(f.db, "ident", std::string("application:") + seeded::shop);
        const response r = f.http.post("/api/v1/users", app, json::object());
        REQUIRE_STATUS(r, 201);
        check_ident_user_shape(r.json_body);
        CHECK(r.json_body["application_id"] == seeded::shop);
        CHECK(r.json_body["permissions"] == 415);
        const std::string id = r.json_body["id"].get<std::string>();
        // The application now lists it beside Sally; the other application does not see it.
        const response list = f.http.get("/api/v1/users", app);
        REQUIRE_STATUS(list, 200);
        CHECK(ids_of(list.json_body) == sorted({seeded::sally, id}));
        const std::string blog = mint(f.db, "ident", std::string("application:") + seeded::blog);
        CHECK_ERROR(f.http.get("/api/v1/users/" + id, blog), 404, "not_found");
    }
    SECTION("the seed's literal token cannot create a virtual user") {
        const auto before = database(f.db).dump();
        CHECK_ERROR(f.http.post("/api/v1/users", seed_token, json::object()), 401, "invalid_token");
        CHECK(database(f.db).dump() == before);
    }
}

TEST_CASE("seed 001: Get User Details", "[http]") {
    fixture f;
    const std::string app = mint(f.db, "ident", std::string("application:") + seeded::shop);
    const response r = f.http.get(std::string("/api/v1/users/") + seeded::sally, app);
    REQUIRE_STATUS(r, 200);
    check_ident_user_shape(r.json_body);
    CHECK(r.json_body["id"] == seeded::sally);
    CHECK(r.json_body["name"] == "Sally Ride");
    CHECK(r.json_body["email"] == seeded::sally_email);
    CHECK(r.json_body["application_id"] == seeded::shop);

    // The seed's other example record (John, a global user) is outside the application: 404.
    CHECK_ERROR(f.http.get(std::string("/api/v1/users/") + seeded::john, app), 404, "not_found");
    // Read as himself, it answers his record.
    const response john = f.http.get(std::string("/api/v1/users/") + seeded::john, login(f.http, seeded::john_email));
    REQUIRE_STATUS(john, 200);
    CHECK(john.json_body["name"] == "John Young");
    CHECK(john.json_body["permissions"] == 415);
}

TEST_CASE("seed 001: agreements and metadata as the seed shows them", "[http]") {
    fixture f;
    const std::string bob = login(f.http, seeded::bob_email);
    SECTION("John's and Bob's records carry the seed's values") {
        const response john = f.http.get(std::string("/api/v1/users/") + seeded::john, bob);
        REQUIRE_STATUS(john, 200);
        CHECK(john.json_body["privacy_policy_agreed_at"] == "2021-02-09T14:37:33.384Z");
        CHECK(john.json_body["terms_of_service_agreed_at"] == "2021-02-09T14:37:33.384Z");
        CHECK(john.json_body["metadata"] == json{{"user_id", seeded::john},
                                                 {"name", "John Young"},
                                                 {"email", seeded::john_email},
                                                 {"email_verified", false},
                                                 {"app_metadata", {{"ident_user_id", seeded::john}}},
                                                 {"user_metadata", json::object()}});
        const response list = f.http.get("/api/v1/users", bob);
        REQUIRE_STATUS(list, 200);
        const json* listed_bob = find_by_id(list.json_body, seeded::bob);
        REQUIRE(listed_bob != nullptr);
        CHECK((*listed_bob)["privacy_policy_agreed_at"] == "2021-02-09T14:37:33.384Z");
        CHECK((*listed_bob)["terms_of_service_agreed_at"] == "2021-02-09T14:37:34.601Z");
        CHECK((*listed_bob)["metadata"] == json::object());
        const json* sally = find_by_id(list.json_body, seeded::sally);
        REQUIRE(sally != nullptr);
        CHECK((*sally)["privacy_policy_agreed_at"].is_null());
        CHECK((*sally)["terms_of_service_agreed_at"].is_null());
    }
    SECTION("timestamps are stored to the millisecond in one form") {
        const std::string kathryn = login(f.http, seeded::kathryn_email);
        const std::string path = std::string("/api/v1/users/") + seeded::sally;
        for (const auto& [given, stored] : std::vector<std::pair<std::string, std::string>>{
                 {"2021-02-09T14:37:33.384Z", "2021-02-09T14:37:33.384Z"},
                 {"2021-02-09T14:37:33Z", "2021-02-09T14:37:33.000Z"},
                 {"2021-02-09T14:37:33.3Z", "2021-02-09T14:37:33.300Z"},
                 {"2021-02-09T14:37:33.38Z", "2021-02-09T14:37:33.380Z"},
                 {"2024-02-29T23:59:59.999Z", "2024-02-29T23:59:59.999Z"},
                 {"2000-02-29T00:00:00Z", "2000-02-29T00:00:00.000Z"},
                 {"0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000Z"},
                 {"9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59.999Z"},
             }) {
            INFO(given);
            CHECK_STATUS(
                f.http.put(path, kathryn, {{"privacy_policy_agreed_at", given}, {"terms_of_service_agreed_at", given}}),
                204);
            const response r = f.http.get(path, kathryn);
            REQUIRE_STATUS(r, 200);
            CHECK(r.json_body["privacy_policy_agreed_at"] == stored);
            CHECK(r.json_body["terms_of_service_agreed_at"] == stored);
        }
    }
    SECTION("metadata up to 4 levels and 4096 bytes") {
        const std::string kathryn = login(f.http, seeded::kathryn_email);
        const std::string path = std::string("/api/v1/users/") + seeded::sally;
        const json deep = {{"a", {{"b", {{"c", json::array({1, "]", "}"})}}}}}};
        CHECK_STATUS(f.http.put(path, kathryn, {{"metadata", deep}}), 204);
        CHECK(f.http.get(path, kathryn).json_body["metadata"] == deep);
        json full = {{"user_metadata", {{"note", ""}}}};
        full["user_metadata"]["note"] = std::string(4096 - full.dump().size(), 'x');
        REQUIRE(full.dump().size() == 4096);
        CHECK_STATUS(f.http.put(path, kathryn, {{"metadata", full}}), 204);
        CHECK(f.http.get(path, kathryn).json_body["metadata"] == full);
        full["user_metadata"]["note"] = full["user_metadata"]["note"].get<std::string>() + "x";
        const auto before = database(f.db).dump();
        CHECK_ERROR(f.http.put(path, kathryn, {{"metadata", full}}), 400, "too_large");
        CHECK(database(f.db).dump() == before);
    }
}

TEST_CASE("seed 001: Update User", "[http]") {
    fixture f;
    const std::string app = mint(f.db, "ident", std::string("application:") + seeded::shop);
    const std::string path = std::string("/api/v1/users/") + seeded::sally;

    const response empty = f.http.put(path, app, json::object());
    CHECK_STATUS(empty, 204);
    CHECK(empty.body.empty());

    const response named = f.http.put(
        path, app,
        {{"first_name", "Sally K."}, {"last_name", "Ride-O'Shaughnessy"}, {"email", "sally.ride@provide.local"}});
    CHECK_STATUS(named, 204);
    const response after = f.http.get(path, app);
    REQUIRE_STATUS(after, 200);
    CHECK(after.json_body["first_name"] == "Sally K.");
    CHECK(after.json_body["last_name"] == "Ride-O'Shaughnessy");
    CHECK(after.json_body["name"] == "Sally K. Ride-O'Shaughnessy");
    CHECK(after.json_body["email"] == "sally.ride@provide.local");
    CHECK(after.json_body["permissions"] == 386);

    // She logs in with her new email, not the old one.
    CHECK_FALSE(login(f.http, "sally.ride@provide.local").empty());
    CHECK_ERROR(
        f.http.post("/api/v1/authenticate", {}, {{"email", seeded::sally_email}, {"password", seeded_password}}), 401,
        "invalid_credentials");

    const auto before = database(f.db).dump();
    CHECK_ERROR(f.http.put(path, seed_token, {{"first_name", "Mallory"}}), 401, "invalid_token");
    CHECK(database(f.db).dump() == before);
}

TEST_CASE("seed 001: Delete User", "[http]") {
    fixture f;
    const std::string app = mint(f.db, "ident", std::string("application:") + seeded::shop);
    const std::string path = std::string("/api/v1/users/") + seeded::sally;

    const auto before = database(f.db).dump();
    CHECK_ERROR(f.http.del(path, seed_token), 401, "invalid_token");
    CHECK(database(f.db).dump() == before);

    const response r = f.http.del(path, app);
    CHECK_STATUS(r, 204);
    CHECK(r.body.empty());
    CHECK_ERROR(f.http.get(path, app), 404, "not_found");
    const response list = f.http.get("/api/v1/users", app);
    REQUIRE_STATUS(list, 200);
    CHECK(list.json_body == json::array());
    CHECK(database(f.db).query("SELECT count(*) FROM users WHERE id = ?", {seeded::sally})[0][0] == "0");
    // Deleting again: nothing there.
    CHECK_ERROR_STATUS(f.http.del(path, app), 404);
    // Her password no longer logs in.
    CHECK_ERROR(
        f.http.post("/api/v1/authenticate", {}, {{"email", seeded::sally_email}, {"password", seeded_password}}), 401,
        "invalid_credentials");
}

TEST_CASE("authenticate: the README's answer, and one answer for a wrong email or password", "[http]") {
    fixture f;
    const response r =
        f.http.post("/api/v1/authenticate", {}, {{"email", seeded::john_email}, {"password", seeded_password}});
    REQUIRE_STATUS(r, 201);
    CHECK(r.json_body["token_type"] == "Bearer");
    CHECK(r.json_body["expires_in"] == 3600);
    CHECK(r.json_body["audience"] == "ident");
    CHECK(r.json_body["subject"] == std::string("user:") + seeded::john);
    const json claims = token_claims(r.json_body["token"].get<std::string>());
    CHECK(claims["iss"] == "ward-service");
    CHECK(claims["aud"] == "ident");
    CHECK(claims["sub"] == std::string("user:") + seeded::john);
    CHECK(claims["permissions"] == 415);
    CHECK((claims["exp"].is_number() && claims["exp"].get<std::int64_t>() > ward_service::unix_now()));

    const response wrong_password =
        f.http.post("/api/v1/authenticate", {}, {{"email", seeded::john_email}, {"password", "not-the-password"}});
    const response wrong_email =
        f.http.post("/api/v1/authenticate", {}, {{"email", "nobody@provide.local"}, {"password", seeded_password}});
    CHECK_ERROR(wrong_password, 401, "invalid_credentials");
    CHECK_ERROR(wrong_email, 401, "invalid_credentials");
    CHECK(wrong_password.body == wrong_email.body);
}

TEST_CASE("seed 000: Update the user (Commerce Layer Provisioning)", "[http]") {
    fixture f;
    const std::string john = login(f.http, seeded::john_email, seeded_password, "provisioning");
    auto user_document = [](const json& attributes) {
        return json{{"data", {{"type", "user"}, {"attributes", attributes}}}};
    };
    const response r =
        f.http.patch("/api/user", john, user_document({{"first_name", "Johnny"}, {"email", "johnny@provide.local"}}));
    REQUIRE_STATUS(r, 200);
    CHECK(r.json_body["data"]["id"] == seeded::john);
    CHECK(r.json_body["data"]["attributes"]["first_name"] == "Johnny");
    CHECK(r.json_body["data"]["attributes"]["last_name"] == "Young");
    CHECK(r.json_body["data"]["attributes"]["email"] == "johnny@provide.local");
    // One record: ident sees the change, and the new email logs in.
    const response ident =
        f.http.get(std::string("/api/v1/users/") + seeded::john, login(f.http, "johnny@provide.local"));
    REQUIRE_STATUS(ident, 200);
    CHECK(ident.json_body["name"] == "Johnny Young");

    const auto before = database(f.db).dump();
    CHECK_ERROR(f.http.patch("/api/user", john, user_document({{"email", seeded::bob_email}})), 409, "email_taken");
    CHECK_ERROR(f.http.patch("/api/user", john, user_document({{"reference", "x"}})), 400, "unknown_field");
    CHECK_ERROR(
        f.http.patch("/api/user", john, json{{"data", {{"type", "users"}, {"attributes", {{"first_name", "X"}}}}}}),
        400, "wrong_type");
    CHECK_ERROR_STATUS(f.http.patch("/api/user", {}, user_document({{"first_name", "X"}})), 401);
    CHECK_ERROR(f.http.patch("/api/user", login(f.http, seeded::bob_email), user_document({{"first_name", "X"}})), 401,
                "invalid_token");
    CHECK(database(f.db).dump() == before);
}

TEST_CASE("seed 000: Retrieve the user (Commerce Layer Provisioning)", "[http]") {
    fixture f;
    const response r = f.http.get("/api/user", login(f.http, seeded::john_email, seeded_password, "provisioning"));
    REQUIRE_STATUS(r, 200);
    REQUIRE(r.json_body.contains("data"));
    const json& data = r.json_body["data"];
    CHECK(data["id"] == seeded::john);
    CHECK(data["type"] == "user");
    CHECK(data["attributes"]["email"] == seeded::john_email);
    CHECK(data["attributes"]["first_name"] == "John");
    CHECK(data["attributes"]["last_name"] == "Young");

    CHECK_ERROR_STATUS(f.http.get("/api/user"), 401);
    CHECK_ERROR(f.http.get("/api/user", seed_token), 401, "invalid_token");
    // An ident token is for another audience.
    CHECK_ERROR(f.http.get("/api/user", login(f.http, seeded::john_email)), 401, "invalid_token");

    // The user's memberships: the endpoint "provides basic information about the currently
    // authenticated user and the associated memberships".
    const response memberships =
        f.http.get("/api/memberships", login(f.http, seeded::kathryn_email, seeded_password, "provisioning"));
    REQUIRE_STATUS(memberships, 200);
    CHECK(ids_of(memberships.json_body) == std::vector<std::string>{"mem_globex_kathryn"});
}

TEST_CASE("seed 002: GET /api/v1/user/me", "[http]") {
    fixture f;
    const std::string token = login(f.http, "alice@bluebricks.local", seeded_password, "bluebricks");
    const json claims = token_claims(token);
    CHECK(claims["aud"] == "bluebricks");
    CHECK(claims["sub"] == "auth0|alice");
    CHECK(claims["org_id"] == "org_acme");
    CHECK(contains(strings_of(claims["permissions"]), "update:users"));

    const response r = f.http.get("/api/v1/user/me", token);
    REQUIRE_STATUS(r, 200);
    CHECK(r.json_body["id"] == "auth0|alice");
    CHECK(r.json_body["name"] == "Alice Admin");
    CHECK(r.json_body["email"] == "alice@bluebricks.local");
    CHECK(r.json_body["first_name"] == "Alice");
    CHECK(r.json_body["last_name"] == "Admin");
    CHECK(r.json_body["created_at"].is_string());
    REQUIRE(r.json_body["permissions"].is_array());
    const auto held = strings_of(r.json_body["permissions"]);
    for (const char* p : {"read:users", "create:users", "update:users", "delete:users", "read:organization"}) {
        INFO(p);
        CHECK(contains(held, p));
    }
    // "Requires the read:users permission": the Guest has none.
    CHECK_ERROR(f.http.get("/api/v1/user/me", login(f.http, "gus@bluebricks.local", seeded_password, "bluebricks")),
                403, "missing_permission");
    CHECK_ERROR_STATUS(f.http.get("/api/v1/user/me"), 401);
    CHECK_ERROR(f.http.get("/api/v1/user/me", seed_token), 401, "invalid_token");
}

TEST_CASE("seed 002: GET /api/v1/user/{id} with the seed's example id prov0|1234567890", "[http]") {
    fixture f;
    const std::string pat = login(f.http, "pat@bluebricks.local", seeded_password, "bluebricks");
    for (const char* path : {"/api/v1/user/prov0%7C1234567890", "/api/v1/user/prov0|1234567890"}) {
        INFO(path);
        const response r = f.http.get(path, pat);
        REQUIRE_STATUS(r, 200);
        CHECK(r.json_body["id"] == "prov0|1234567890");
        CHECK(r.json_body["name"] == "Pat Viewer");
        CHECK(r.json_body["email"] == "pat@bluebricks.local");
        // Basic information only: no permissions for another lookup.
        CHECK_FALSE(r.json_body.contains("password_hash"));
    }
    // Alice is at org_acme: pat's record is outside her organization.
    CHECK_ERROR(f.http.get("/api/v1/user/prov0%7C1234567890",
                           login(f.http, "alice@bluebricks.local", seeded_password, "bluebricks")),
                404, "not_found");
}

TEST_CASE("seed 002: POST /api/v1/user/{id}/roles with the seed's example body", "[http]") {
    fixture f;
    const std::string alice = login(f.http, "alice@bluebricks.local", seeded_password, "bluebricks");
    const response r = f.http.post("/api/v1/user/auth0%7Cben/roles", alice, {{"roles", {"rol_abCdeFghIjklMnmP"}}});
    REQUIRE_STATUS(r, 200);
    CHECK(r.json_body["id"] == "auth0|ben");
    CHECK(r.json_body["name"] == "Ben Builder");
    CHECK(r.json_body["email"] == "ben@bluebricks.local");
    // `add` defaults to true: Builder stays, API keys is added.
    CHECK(strings_of(r.json_body["roles"]) == sorted({"rol_Bu1ldAsDfGhJkL9z", "rol_abCdeFghIjklMnmP"}));
    CHECK(contains(strings_of(r.json_body["permissions"]), "create:organization_api_key"));
    CHECK(contains(strings_of(r.json_body["permissions"]), "create:blueprints"));
    // Ben's next token carries it.
    const response me =
        f.http.get("/api/v1/user/me", login(f.http, "ben@bluebricks.local", seeded_password, "bluebricks"));
    REQUIRE_STATUS(me, 200);
    CHECK(contains(strings_of(me.json_body["permissions"]), "create:organization_api_key"));
    CHECK(database(f.db).query("SELECT role_id FROM bb_user_roles WHERE user_id = 'auth0|ben' ORDER BY role_id") ==
          std::vector<std::vector<std::string>>{{"rol_Bu1ldAsDfGhJkL9z"}, {"rol_abCdeFghIjklMnmP"}});
}

TEST_CASE("every answer carries Server-Timing with authz and total durations", "[http]") {
    fixture f;
    const std::string bob = login(f.http, seeded::bob_email);
    for (const response& r : {f.http.get("/api/v1/users", bob), f.http.get("/api/v1/users"),
                              f.http.get(std::string("/api/v1/users/") + seeded::john, bob)}) {
        INFO(r.describe());
        const std::string timing = r.header("Server-Timing");
        CHECK(timing.rfind("authz;dur=", 0) == 0);
        CHECK(timing.find(", total;dur=") != std::string::npos);
    }
}

namespace {

/// The salt and hash of a stored "pbkdf2-sha256$<iterations>$<salt>$<hash>", checked for shape.
std::pair<std::string, std::string> check_password_hash(const std::string& h, const std::string& password) {
    INFO("stored: " << h);
    REQUIRE(h.rfind("pbkdf2-sha256$", 0) == 0);
    const auto a = h.find('$'), b = h.find('$', a + 1), c = h.find('$', b + 1);
    REQUIRE(c != std::string::npos);
    CHECK(h.substr(a + 1, b - a - 1) == "1000"); // --pbkdf2-iterations 1000
    const auto salt = ward_service::base64url_decode(h.substr(b + 1, c - b - 1));
    const auto hash = ward_service::base64url_decode(h.substr(c + 1));
    REQUIRE(salt);
    REQUIRE(hash);
    CHECK(salt->size() == 16);
    CHECK(hash->size() == 32);
    CHECK(h.find(password) == std::string::npos);
    return {*salt, *hash};
}

} // namespace

TEST_CASE("passwords are stored as PBKDF2 hashes, each with its own random salt", "[http]") {
    fixture f;
    database db(f.db);
    std::size_t seeded_hashes = 0;
    for (const char* table : {"users", "bb_users"}) {
        for (const auto& row :
             db.query(std::string("SELECT password_hash FROM ") + table + " WHERE password_hash IS NOT NULL")) {
            check_password_hash(row[0], seeded_password);
            ++seeded_hashes;
        }
    }
    CHECK(seeded_hashes == 11); // five provide people, six Bluebricks people

    // Two people created with the same password get different salts and hashes.
    std::vector<std::string> ids;
    for (const char* email : {"twin1@provide.local", "twin2@provide.local"}) {
        const response r = f.http.post("/api/v1/users", {}, {{"email", email}, {"password", "the same password"}});
        REQUIRE_STATUS(r, 201);
        ids.push_back(r.json_body["id"].get<std::string>());
    }
    const auto one = check_password_hash(db.query("SELECT password_hash FROM users WHERE id = ?", {ids[0]})[0][0],
                                         "the same password");
    const auto two = check_password_hash(db.query("SELECT password_hash FROM users WHERE id = ?", {ids[1]})[0][0],
                                         "the same password");
    CHECK(one.first != two.first);
    CHECK(one.second != two.second);
}
