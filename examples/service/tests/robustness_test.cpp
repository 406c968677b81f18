// SPDX-License-Identifier: MIT
// [robustness]: bad inputs of every kind. Each must get the right 4xx with the README's JSON error
// body {"error": {"status", "code", "message", ...}}, the service must stay up, and nothing stored
// may change.
#include "checks.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cctype>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

using namespace ward_service_test;

namespace {

std::string hmac_sha256(const std::string& key, const std::string& data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
         data.size(), out, &length);
    return std::string(reinterpret_cast<const char*>(out), length);
}

/// header.payload signed with HMAC-SHA256 whatever the header says (e.g. "alg": "RS256").
std::string sign_with_header(const json& header, const json& claims, const std::string& secret) {
    const std::string signing_input =
        ward_service::base64url_encode(header.dump()) + "." + ward_service::base64url_encode(claims.dump());
    return signing_input + "." + ward_service::base64url_encode(hmac_sha256(secret, signing_input));
}

/// The service answers a known-good request: it is still up and still deciding.
void check_alive(fixture& f, const std::string& bob) {
    INFO("the service is still up");
    REQUIRE(f.server.running());
    const response r = f.http.get("/api/v1/users", bob);
    REQUIRE_STATUS(r, 200);
    CHECK(r.json_body.size() == 5);
}

/// Sends raw bytes on a fresh connection and returns what comes back before the server closes
/// (or 1.5 s pass).
std::string raw_exchange(int port, const std::string& bytes) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error(errno_text("socket"));
    detail::fd_guard guard(fd);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
        throw std::runtime_error(errno_text("connect"));
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break; // the server may close early on a bad request
        sent += static_cast<std::size_t>(n);
    }
    ::shutdown(fd, SHUT_WR);
    std::string answer;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        char buffer[4096];
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        answer.append(buffer, static_cast<std::size_t>(n));
    }
    return answer;
}

} // namespace

TEST_CASE("malformed, oversized, deeply nested and empty bodies", "[robustness]") {
    fixture f;
    const std::string bob = login(f.http, seeded::bob_email);
    const std::string john = login(f.http, seeded::john_email, seeded_password, "provisioning");
    const std::string alice = login(f.http, "alice@bluebricks.local", seeded_password, "bluebricks");
    const std::string kathryn = login(f.http, seeded::kathryn_email);
    const auto before = database(f.db).dump();

    struct target {
        const char* method;
        std::string path;
        std::string token;
    };
    const std::vector<target> targets = {
        {"POST", "/api/v1/authenticate", {}},
        {"POST", "/api/v1/users", {}},
        {"PUT", std::string("/api/v1/users/") + seeded::john, kathryn},
        {"PATCH", "/api/organizations/org_acme", john},
        {"POST", "/api/memberships", john},
        {"POST", "/api/v1/user/auth0%7Cben/roles", alice},
    };

    SECTION("malformed JSON: 400") {
        for (const target& t : targets) {
            for (const std::string& body :
                 {std::string("{\"email\": "), std::string("not json"), std::string("{\"a\": 1,}"),
                  std::string("{\"a\": 1} trailing"), std::string("{'a': 1}"), std::string("{\"a\": \"\xff\xfe\"}"),
                  std::string("{\"a\": 1e999999}"), std::string("\x00\x01", 2)}) {
                INFO(t.method << " " << t.path << " with "
                              << json(body).dump(-1, ' ', true, json::error_handler_t::replace));
                CHECK_ERROR_STATUS(f.http.send(t.method, t.path, t.token, body, "application/json"), 400);
            }
        }
    }
    SECTION("JSON that is not an object, and empty bodies: 400") {
        for (const target& t : targets) {
            for (const char* body : {"[]", "\"a string\"", "42", "null", "", "   "}) {
                INFO(t.method << " " << t.path << " with '" << body << "'");
                CHECK_ERROR_STATUS(f.http.send(t.method, t.path, t.token, body, "application/json"), 400);
            }
        }
    }
    SECTION("a body over 64 KiB: 413") {
        const std::string big =
            json{{"email", std::string(70 * 1024, 'a') + "@provide.local"}, {"password", "password-1234"}}.dump();
        REQUIRE(big.size() > 64 * 1024);
        for (const target& t : targets) {
            INFO(t.method << " " << t.path);
            CHECK_ERROR(f.http.send(t.method, t.path, t.token, big, "application/json"), 413, "body_too_large");
        }
        // Much larger: refused the same way, without the service reading it all into a handler.
        const std::string huge(4 * 1024 * 1024, ' ');
        const response r = f.http.send("POST", "/api/v1/users", {}, huge, "application/json");
        CHECK((r.status == 413 || r.status == 0)); // 413, or the connection closed while we were still sending
        if (r.status == 413) CHECK(r.is_error(413));
        // Just under the limit is read (and refused for its content, not its size).
        const std::string under = json{{"email", std::string(60 * 1024, 'a')}, {"password", "password-1234"}}.dump();
        REQUIRE(under.size() < 64 * 1024);
        CHECK_ERROR_STATUS(f.http.post("/api/v1/users", {}, json::parse(under)), 400);
    }
    SECTION("deeply nested JSON: 400 (no stack exhaustion)") {
        const std::string arrays = std::string(30000, '[') + std::string(30000, ']');
        const std::string objects = [] {
            std::string s;
            for (int i = 0; i < 6000; ++i) s += "{\"a\":";
            s += "1";
            s += std::string(6000, '}');
            return s;
        }();
        const std::string in_field = "{\"email\": " + std::string(20000, '[') + std::string(20000, ']') + "}";
        // Unbalanced: opens only.
        const std::string open_only = std::string(60000, '[');
        for (const target& t : targets) {
            for (const std::string* body : {&arrays, &objects, &in_field, &open_only}) {
                INFO(t.method << " " << t.path << " with " << body->substr(0, 12) << "... (" << body->size()
                              << " bytes)");
                CHECK_ERROR_STATUS(f.http.send(t.method, t.path, t.token, *body, "application/json"), 400);
            }
        }
    }
    SECTION("a body that is not JSON by its Content-Type: refused") {
        const response r = f.http.send("POST", "/api/v1/users", {}, "email=a@b.c&password=password-1234",
                                       "application/x-www-form-urlencoded");
        INFO(r.describe());
        CHECK_ERROR(r, 415, "unsupported_media_type");
        // The media type must be JSON's itself, not one that starts like it.
        const std::string body = R"({"email":"x@provide.local","password":"password-1234"})";
        CHECK_ERROR(f.http.send("POST", "/api/v1/users", {}, body, "application/jsonx"), 415, "unsupported_media_type");
        CHECK_ERROR(f.http.send("POST", "/api/v1/users", {}, body, "application/json-seq"), 415,
                    "unsupported_media_type");
    }
    check_alive(f, bob);
    CHECK(database(f.db).dump() == before);
}

TEST_CASE("a media type with parameters or in upper case is JSON; an upper-case UUID names the same user",
          "[robustness]") {
    fixture f;
    const std::string bob = login(f.http, seeded::bob_email);
    const response made =
        f.http.send("POST", "/api/v1/users", {}, R"({"email":"mae@provide.local","password":"jemison-1992"})",
                    "Application/JSON; charset=utf-8");
    REQUIRE_STATUS(made, 201);
    std::string upper = seeded::john;
    for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    const response r = f.http.get("/api/v1/users/" + upper, bob);
    REQUIRE_STATUS(r, 200);
    CHECK(r.json_body["id"] == seeded::john);
    // John's own record, named in upper case, is still his own.
    CHECK_STATUS(f.http.get("/api/v1/users/" + upper, login(f.http, seeded::john_email)), 200);
}

TEST_CASE("wrong types and unknown fields", "[robustness]") {
    fixture f;
    const std::string bob = login(f.http, seeded::bob_email);
    const std::string kathryn = login(f.http, seeded::kathryn_email);
    const std::string shop = mint(f.db, "ident", std::string("application:") + seeded::shop);
    const std::string john = login(f.http, seeded::john_email, seeded_password, "provisioning");
    const std::string alice = login(f.http, "alice@bluebricks.local", seeded_password, "bluebricks");
    const auto before = database(f.db).dump();

    SECTION("ident users") {
        const json good = {{"email", "new@provide.local"}, {"password", "password-1234"}};
        json too_deep = json::object(); // 5 levels
        for (int i = 0; i < 4; ++i) too_deep = json{{"level", too_deep}};
        const json deep_array = {{"level", json::array({json::array({json::array({json::array()})})})}}; // 5 levels
        const json too_large = {{"user_metadata", {{"note", std::string(4096, 'x')}}}};
        const std::vector<std::pair<std::string, json>> bad = {
            {"email", 5},
            {"email", json::array({"a@b.c"})},
            {"email", "not an email"},
            {"email", ""},
            {"password", true},
            {"password", "short"},
            {"password", std::string(129, 'p')},
            {"first_name", json::object()},
            {"first_name", std::string(101, 'n')},
            {"last_name", 1.5},
            {"permissions", "415"},
            {"permissions", -1},
            {"permissions", 4294967296.0},
            {"permissions", json(std::uint64_t{4294967296})},
            {"permissions", 415.5},
            {"permissions", true},
            {"is_admin", true},
            {"application_id", seeded::shop},
            {"id", seeded::john},
            // Agreements: a real UTC date and time, 'Z', at most milliseconds; or null.
            {"privacy_policy_agreed_at", "2021-02-30T00:00:00Z"},
            {"privacy_policy_agreed_at", "yesterday"},
            {"privacy_policy_agreed_at", 1612881453384},
            {"privacy_policy_agreed_at", 1612881453.384},
            {"privacy_policy_agreed_at", true},
            {"privacy_policy_agreed_at", json::object()},
            {"privacy_policy_agreed_at", ""},
            {"privacy_policy_agreed_at", "2021-02-09"},
            {"privacy_policy_agreed_at", "2021-02-09T14:37:33"},
            {"privacy_policy_agreed_at", "2021-02-09T14:37:33.384+01:00"},
            {"privacy_policy_agreed_at", "2021-02-09T14:37:33.384+00:00"},
            {"privacy_policy_agreed_at", "2021-02-09 14:37:33.384Z"},
            {"privacy_policy_agreed_at", "2021-02-09t14:37:33.384z"},
            {"privacy_policy_agreed_at", "2021-02-09T14:37:33.Z"},
            {"privacy_policy_agreed_at", "2021-02-09T14:37:33.3841Z"},
            {"privacy_policy_agreed_at", "2021-02-09T14:37:33,384Z"},
            {"terms_of_service_agreed_at", "2019-02-29T00:00:00Z"},
            {"terms_of_service_agreed_at", "2100-02-29T00:00:00Z"},
            {"terms_of_service_agreed_at", "2021-04-31T00:00:00Z"},
            {"terms_of_service_agreed_at", "2021-13-01T00:00:00Z"},
            {"terms_of_service_agreed_at", "2021-00-10T00:00:00Z"},
            {"terms_of_service_agreed_at", "2021-02-09T24:00:00Z"},
            {"terms_of_service_agreed_at", "2021-02-09T14:60:00Z"},
            {"terms_of_service_agreed_at", "2021-02-09T14:37:60Z"},
            {"terms_of_service_agreed_at", "0000-01-01T00:00:00Z"},
            {"terms_of_service_agreed_at", "+2021-02-09T14:37:33Z"},
            {"terms_of_service_agreed_at", "2021-02-09T14:37:33.384Z\n"},
            {"terms_of_service_agreed_at", std::string("2021-02-09T14:37:33.384Z\0", 25)},
            {"terms_of_service_agreed_at", "\uff12\uff10\uff12\uff11-02-09T14:37:33Z"},
            // Metadata: an object (null too is refused: {} clears it), within 4 levels and 4 KiB.
            {"metadata", json::array()},
            {"metadata", "{}"},
            {"metadata", 5},
            {"metadata", nullptr},
            {"metadata", too_deep},
            {"metadata", deep_array},
            {"metadata", too_large},
            {"metadata", json{{"app_metadata", "admin"}}},
            {"metadata", json{{"app_metadata", nullptr}}},
            {"metadata", json{{"user_metadata", json::array({"a"})}}},
        };
        for (const auto& [field, value] : bad) {
            json body = good;
            body[field] = value;
            INFO(body.dump());
            // A create with a password needs no token; the update is by Sudo, who may do anything allowed.
            CHECK_ERROR_STATUS(f.http.post("/api/v1/users", field == "permissions" ? shop : std::string(), body), 400);
            json update = {{field, value}};
            CHECK_ERROR_STATUS(f.http.put(std::string("/api/v1/users/") + seeded::john, kathryn, update), 400);
        }
        CHECK_ERROR(f.http.post("/api/v1/users", {},
                                {{"email", "x@provide.local"}, {"password", "password-1234"}, {"is_admin", true}}),
                    400, "unknown_field");
        CHECK_ERROR(f.http.post("/api/v1/authenticate", {},
                                {{"email", seeded::john_email}, {"password", seeded_password}, {"audience", "root"}}),
                    400, "bad_audience");
        CHECK_ERROR_STATUS(
            f.http.post("/api/v1/authenticate", {}, {{"email", seeded::john_email}, {"password", 12345678}}), 400);
        CHECK_ERROR_STATUS(f.http.post("/api/v1/authenticate", {}, {{"email", seeded::john_email}}), 400);
    }
    SECTION("provisioning documents") {
        const json rel_org = {{"organization", {{"data", {{"type", "organizations"}, {"id", "org_acme"}}}}},
                              {"role", {{"data", {{"type", "roles"}, {"id", "role_acme_read_only"}}}}}};
        const std::vector<json> bad_memberships = {
            {{"data", {{"type", "memberships"}, {"attributes", {{"user_email", 5}}}, {"relationships", rel_org}}}},
            {{"data",
              {{"type", "memberships"},
               {"attributes", {{"user_email", seeded::kathryn_email}, {"access_scope", "everything"}}},
               {"relationships", rel_org}}}},
            {{"data",
              {{"type", "memberships"},
               {"attributes", {{"user_email", seeded::kathryn_email}, {"owner", true}}},
               {"relationships", rel_org}}}},
            {{"data",
              {{"type", "memberships"},
               {"attributes", {{"user_email", seeded::kathryn_email}}},
               {"relationships", rel_org},
               {"extra", 1}}}},
            {{"data",
              {{"type", "roles"},
               {"attributes", {{"user_email", seeded::kathryn_email}}},
               {"relationships", rel_org}}}},
            {{"data",
              {{"type", "memberships"},
               {"attributes", {{"user_email", seeded::kathryn_email}}},
               {"relationships", "org_acme"}}}},
            {{"data",
              {{"type", "memberships"},
               {"attributes", {{"user_email", seeded::kathryn_email}}},
               {"relationships", {{"organization", {{"data", {{"type", "organizations"}, {"id", 7}}}}}}}}}},
            {{"data", json::array()}},
            {{"attributes", {{"user_email", seeded::kathryn_email}}}},
            {{"data",
              {{"type", "memberships"},
               {"attributes", {{"user_email", seeded::kathryn_email}}},
               {"relationships", rel_org}}},
             {"meta", 1}},
        };
        for (const json& body : bad_memberships) {
            INFO(body.dump());
            CHECK_ERROR_STATUS(f.http.post("/api/memberships", john, body), 400);
        }
        const std::vector<json> bad_patches = {
            {{"data", {{"type", "organizations"}, {"attributes", {{"name", 5}}}}}},
            {{"data", {{"type", "organizations"}, {"attributes", {{"name", ""}}}}}},
            {{"data", {{"type", "organizations"}, {"attributes", {{"name", "ok"}, {"owner_id", "x"}}}}}},
            {{"data", {{"type", "organizations"}, {"attributes", "name"}}}},
        };
        for (const json& body : bad_patches) {
            INFO(body.dump());
            CHECK_ERROR_STATUS(f.http.patch("/api/organizations/org_acme", john, body), 400);
        }
        const json bad_permission = {
            {"data",
             {{"type", "permissions"},
              {"attributes", {{"subject_class", "markets"}, {"can_read", "yes"}}},
              {"relationships", {{"role", {{"data", {{"type", "roles"}, {"id", "role_acme_orders"}}}}}}}}}};
        CHECK_ERROR_STATUS(f.http.post("/api/permissions", john, bad_permission), 400);
        CHECK_ERROR_STATUS(f.http.patch("/api/memberships/mem_acme_bob", john,
                                        {{"data", {{"type", "memberships"}, {"attributes", {{"owner", "true"}}}}}}),
                           400);
    }
    SECTION("bluebricks roles") {
        const std::vector<json> bad = {
            {{"roles", "rol_Gu35tLkJhGfDsA3r"}},
            {{"roles", {1}}},
            {{"roles", {"not-a-role"}}},
            {{"roles", {"rol_Gu35tLkJhGfDsA3r"}}, {"add", "false"}},
            {{"roles", {"rol_Gu35tLkJhGfDsA3r"}}, {"force", true}},
            {{"roles", json::array()}},
            {{"add", true}},
            {{"roles", std::vector<std::string>(33, "rol_Gu35tLkJhGfDsA3r")}},
        };
        for (const json& body : bad) {
            INFO(body.dump());
            CHECK_ERROR_STATUS(f.http.post("/api/v1/user/auth0%7Cben/roles", alice, body), 400);
        }
    }
    check_alive(f, bob);
    CHECK(database(f.db).dump() == before);
}

TEST_CASE("refused tokens: missing, garbage, expired, not yet valid, forged, wrong algorithm, issuer or audience",
          "[robustness]") {
    fixture f;
    const std::string bob_sub = std::string("user:") + seeded::bob;
    const std::string secret = token_secret(f.db);
    REQUIRE(secret.size() == 32);
    const auto before = database(f.db).dump();
    const std::int64_t now = ward_service::unix_now();

    // What the service itself would sign for Bob.
    auto bob_claims = [&] {
        json c = base_claims("ident", bob_sub);
        c["permissions"] = seeded::default_mask | seeded::list_users;
        return c;
    };
    auto list_with = [&](const std::string& token) { return f.http.get("/api/v1/users", token); };

    SECTION("controls: forged with the right secret and claims, the requests succeed") {
        CHECK_STATUS(list_with(forge(f.db, bob_claims())), 200);
        // Within the 5 s leeway: just expired, not quite valid yet.
        json just_expired = bob_claims();
        just_expired["exp"] = now - 2;
        CHECK_STATUS(list_with(forge(f.db, just_expired)), 200);
        json almost_valid = bob_claims();
        almost_valid["nbf"] = now + 2;
        CHECK_STATUS(list_with(forge(f.db, almost_valid)), 200);
        // `aud` may be an array holding the audience.
        json many = bob_claims();
        many["aud"] = {"bluebricks", "ident"};
        CHECK_STATUS(list_with(forge(f.db, many)), 200);
    }
    SECTION("every refusal is 401 with the README's error body") {
        struct refusal {
            std::string what;
            httplib::Headers headers;
            std::string reason;                      // a word the message must contain ("" if no particular one)
            std::vector<int> write_statuses = {401}; // on POST /api/v1/users without a password
            std::vector<int> statuses = {401};
        };
        auto bearer = [](const std::string& token) { return httplib::Headers{{"Authorization", "Bearer " + token}}; };
        auto with = [&](const char* key, const json& value) {
            json c = bob_claims();
            if (value.is_null()) c.erase(key);
            else c[key] = value;
            return forge(f.db, c);
        };
        const std::string good = forge(f.db, bob_claims());
        std::string tampered = good;
        {
            // Same header and signature, payload granting Sudo.
            json c = bob_claims();
            c["permissions"] = seeded::default_mask | seeded::list_users | seeded::sudo;
            const auto dot1 = good.find('.'), dot2 = good.rfind('.');
            tampered = good.substr(0, dot1 + 1) + ward_service::base64url_encode(c.dump()) + good.substr(dot2);
        }
        std::string other_secret(32, 'k');
        const std::vector<refusal> refusals = {
            {"no Authorization header", {}, ""},
            {"empty bearer", {{"Authorization", "Bearer "}}, ""},
            {"Basic credentials", {{"Authorization", "Basic Ym9iOndhcmQtZGVtby1wYXNzd29yZA=="}}, ""},
            {"token without a scheme", {{"Authorization", good}}, ""},
            {"garbage", bearer("garbage"), ""},
            {"two parts", bearer("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0"), ""},
            {"four parts", bearer(good + ".AAAA"), ""},
            {"not base64url", bearer("e$J.e$J.e$J"), ""},
            {"expired", bearer(with("exp", now - 120)), "expired"},
            {"no exp", bearer(with("exp", nullptr)), ""},
            {"exp a string", bearer(with("exp", std::to_string(now + 3600))), ""},
            {"not yet valid", bearer(with("nbf", now + 600)), ""},
            {"signed with another secret", bearer(ward_service::jwt_sign(bob_claims(), other_secret)), "signature"},
            {"empty secret", bearer(ward_service::jwt_sign(bob_claims(), "")), "signature"},
            {"tampered payload", bearer(tampered), "signature"},
            {"signature stripped", bearer(good.substr(0, good.rfind('.') + 1)), ""},
            {"alg none", bearer(forge_raw({{"alg", "none"}, {"typ", "JWT"}}, bob_claims(), "")), ""},
            {"alg None", bearer(forge_raw({{"alg", "None"}, {"typ", "JWT"}}, bob_claims(), "")), ""},
            {"alg RS256 (HMAC-signed with the secret)",
             bearer(sign_with_header({{"alg", "RS256"}, {"typ", "JWT"}}, bob_claims(), secret)), ""},
            {"alg HS512 header", bearer(sign_with_header({{"alg", "HS512"}, {"typ", "JWT"}}, bob_claims(), secret)),
             ""},
            {"no alg", bearer(sign_with_header({{"typ", "JWT"}}, bob_claims(), secret)), ""},
            {"crit header",
             bearer(sign_with_header({{"alg", "HS256"}, {"typ", "JWT"}, {"crit", {"exp"}}}, bob_claims(), secret)), ""},
            {"wrong issuer", bearer(with("iss", "someone-else")), "issuer"},
            {"no issuer", bearer(with("iss", nullptr)), ""},
            {"wrong audience", bearer(with("aud", "bluebricks")), "audience"},
            {"no audience", bearer(with("aud", nullptr)), ""},
            {"audience array without ident", bearer(with("aud", json::array({"provisioning", "bluebricks"}))),
             "audience"},
            {"no subject", bearer(with("sub", nullptr)), ""},
            {"numeric subject", bearer(with("sub", 42)), ""},
            // Not application tokens: the virtual-user path may refuse them for that first (403).
            {"unknown subject", bearer(with("sub", "user:00000000-0000-4000-8000-000000000000")), "", {401, 403}},
            {"subject of another kind", bearer(with("sub", "auth0|alice")), "", {401, 403}},
            {"a provisioning token", bearer(login(f.http, seeded::bob_email, seeded_password, "provisioning")),
             "audience"},
            // The HTTP layer refuses a header line this long before the token is looked at.
            {"a token over 8 KiB", bearer(with("padding", std::string(9000, 'x'))), "", {400, 401}, {400, 401}},
            {"a token just under the header limit",
             bearer(with("padding", std::string(5900, 'x'))),
             "",
             {401, 403},
             {200}},
            {"the token twice", {{"Authorization", "Bearer " + good + " " + good}}, ""},
        };
        for (const refusal& r : refusals) {
            INFO(r.what);
            const response answer = f.http.raw("GET", "/api/v1/users", r.headers);
            INFO(answer.describe());
            CHECK(std::find(r.statuses.begin(), r.statuses.end(), answer.status) != r.statuses.end());
            if (answer.status == 200) continue; // the control
            CHECK(answer.is_error(answer.status));
            if (!r.reason.empty()) CHECK(answer.error_message().find(r.reason) != std::string::npos);
            CHECK(answer.body.find("Kathryn") == std::string::npos);
        }
        // The same refusals on a write: nothing is created.
        for (const refusal& r : refusals) {
            INFO(r.what << " (create a virtual user)");
            const response answer =
                f.http.raw("POST", "/api/v1/users", r.headers, "{\"email\": \"v@provide.local\"}", "application/json");
            INFO(answer.describe());
            CHECK(std::find(r.write_statuses.begin(), r.write_statuses.end(), answer.status) != r.write_statuses.end());
            CHECK(answer.is_error(answer.status));
        }
    }
    SECTION("other audiences refuse the same way") {
        json alice = base_claims("bluebricks", "auth0|alice");
        alice["org_id"] = "org_acme";
        alice["permissions"] = {"read:users"};
        CHECK_STATUS(f.http.get("/api/v1/user/me", forge(f.db, alice)), 200);
        json expired = alice;
        expired["exp"] = now - 60;
        CHECK_ERROR_STATUS(f.http.get("/api/v1/user/me", forge(f.db, expired)), 401);
        CHECK_ERROR_STATUS(f.http.get("/api/v1/user/me", ward_service::jwt_sign(alice, std::string(32, 'x'))), 401);
        json ident_aud = alice;
        ident_aud["aud"] = "ident";
        CHECK_ERROR_STATUS(f.http.get("/api/v1/user/me", forge(f.db, ident_aud)), 401);
        // Even with the secret, a made-up org_id does not let Alice read Globex's user.
        json moved = alice;
        moved["org_id"] = "org_globex";
        const response r = f.http.get("/api/v1/user/prov0%7C1234567890", forge(f.db, moved));
        INFO(r.describe());
        CHECK((r.status == 401 || r.status == 403 || r.status == 404));
        CHECK(r.is_error(r.status));

        const json john = base_claims("provisioning", std::string("user:") + seeded::john);
        CHECK_STATUS(f.http.get("/api/user", forge(f.db, john)), 200);
        json john_none = john;
        CHECK_ERROR_STATUS(f.http.get("/api/user", forge_raw({{"alg", "none"}}, john_none, "")), 401);
        json john_iss = john;
        john_iss["iss"] = "ward-service-evil";
        CHECK_ERROR_STATUS(f.http.get("/api/user", forge(f.db, john_iss)), 401);
    }
    SECTION("the token subcommand refuses what it cannot mint") {
        const program_result unknown = run_program({service_binary(), "token", "--db", f.db, "--audience", "ident",
                                                    "--subject", "user:00000000-0000-4000-8000-000000000000"});
        CHECK(unknown.exit_code != 0);
        CHECK(unknown.out.empty());
        const program_result audience =
            run_program({service_binary(), "token", "--db", f.db, "--audience", "root", "--subject", bob_sub});
        CHECK(audience.exit_code != 0);
        CHECK(audience.out.empty());
        const program_result no_db = run_program(
            {service_binary(), "token", "--db", f.dir.file("missing.db"), "--audience", "ident", "--subject", bob_sub});
        CHECK(no_db.exit_code != 0);
        CHECK_FALSE(std::filesystem::exists(f.dir.file("missing.db")));
        // A minted expired token is refused by the service.
        CHECK_ERROR_STATUS(list_with(mint(f.db, "ident", bob_sub, "--ttl", "-60")), 401);
    }
    CHECK(f.server.running());
    CHECK_STATUS(list_with(forge(f.db, bob_claims())), 200);
    CHECK(database(f.db).dump() == before);
}

TEST_CASE("hostile ids in paths", "[robustness]") {
    fixture f;
    const std::string bob = login(f.http, seeded::bob_email);
    const std::string kathryn = login(f.http, seeded::kathryn_email);
    const std::string john = login(f.http, seeded::john_email, seeded_password, "provisioning");
    const std::string alice = login(f.http, "alice@bluebricks.local", seeded_password, "bluebricks");
    const auto before = database(f.db).dump();

    // Each as it goes on the wire (percent-encoded where a raw byte could not be sent).
    const std::vector<std::string> hostile = {
        std::string(4000, 'a'),
        std::string(36, 'f'),
        "%00",
        std::string(seeded::john) + "%00",
        std::string(seeded::john) + "%20",
        std::string(seeded::john).substr(0, 35),
        "..",
        ".",
        "%2e%2e",
        "..%2F..%2Fetc%2Fpasswd",
        "%C3%A9t%C3%A9",
        "%E2%80%AE" + std::string(seeded::john),
        "%F0%9F%92%A5",
        "%FF%FE",
        "'%20OR%201=1%20--",
        "1'%20OR%20'1'='1",
        "x%27%3BDROP%20TABLE%20users%3B--",
        "%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "%0D%0ASet-Cookie:%20x=y",
        "*",
        "%25",
        "org_acme'%20--",
        "mem_acme_john%27",
        "role_acme_admin%00",
        "auth0%7Calice'%20OR%201=1",
        "auth0%7C",
        "%7Calice",
    };
    auto is_traversal = [](const std::string& id) { return id.find("%2F") != std::string::npos; };

    struct endpoint {
        const char* method;
        std::string prefix, suffix, token;
        json body;
    };
    const std::vector<endpoint> endpoints = {
        {"GET", "/api/v1/users/", "", kathryn, nullptr},
        {"PUT", "/api/v1/users/", "", kathryn, {{"first_name", "Mallory"}}},
        {"DELETE", "/api/v1/users/", "", kathryn, nullptr},
        {"GET", "/api/v1/user/", "", alice, nullptr},
        {"POST", "/api/v1/user/", "/roles", alice, {{"roles", {"rol_Adm1nQw3rTyU1oPa"}}, {"add", false}}},
        {"GET", "/api/organizations/", "", john, nullptr},
        {"PATCH",
         "/api/organizations/",
         "",
         john,
         {{"data", {{"type", "organizations"}, {"attributes", {{"name", "Mallory"}}}}}}},
        {"GET", "/api/memberships/", "", john, nullptr},
        {"DELETE", "/api/memberships/", "", john, nullptr},
        {"GET", "/api/roles/", "", john, nullptr},
        {"GET", "/api/permissions/", "", john, nullptr},
    };
    for (const endpoint& e : endpoints) {
        for (const std::string& id : hostile) {
            const std::string path = e.prefix + id + e.suffix;
            INFO(e.method << " " << path.substr(0, 200));
            const response r = e.body.is_null()
                                   ? f.http.send(e.method, path, e.token)
                                   : f.http.send(e.method, path, e.token, e.body.dump(), "application/json");
            INFO(r.describe());
            if (is_traversal(id)) {
                // The decoded path has more segments: no such endpoint, or a refused id.
                CHECK((r.status == 400 || r.status == 404));
            } else {
                CHECK(r.status == 400);
            }
            CHECK(r.is_error(r.status));
        }
    }
    // No route at all: a JSON 404 too.
    CHECK_ERROR(f.http.get("/api/v1/nothing-here", bob), 404, "no_route");
    CHECK_ERROR_STATUS(f.http.get("/", bob), 404);
    check_alive(f, bob);
    CHECK(database(f.db).dump() == before);
}

TEST_CASE("garbage on the wire does not take the service down", "[robustness]") {
    fixture f;
    const std::string bob = login(f.http, seeded::bob_email);
    const auto before = database(f.db).dump();

    const std::vector<std::string> garbage = {
        "GARBAGE\r\n\r\n",
        "GET\r\n\r\n",
        "GET /api/v1/users HTTP/9.9\r\n\r\n",
        std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11), // a TLS ClientHello's first bytes
        "GET /api/v1/users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + std::string(100000, 'A') + "\r\n\r\n",
        "POST /api/v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 99999999999999999999\r\n\r\n{}",
        "POST /api/v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: -5\r\n\r\n{}",
        "POST /api/v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
        "GET /api/v1/users/" + std::string(20000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n",
        std::string(200000, 'x'),
    };
    for (const std::string& bytes : garbage) {
        INFO("sent " << json(bytes.substr(0, 60)).dump(-1, ' ', true, json::error_handler_t::replace) << " ("
                     << bytes.size() << " bytes)");
        const std::string answer = raw_exchange(f.http.port(), bytes);
        // Either the connection is closed or a 4xx answers; never a 2xx or a 5xx.
        if (!answer.empty()) {
            INFO("answer: " << answer.substr(0, 200));
            CHECK(answer.rfind("HTTP/1.1 4", 0) == 0);
        }
        REQUIRE(f.server.running());
    }
    check_alive(f, bob);
    CHECK(database(f.db).dump() == before);
}
