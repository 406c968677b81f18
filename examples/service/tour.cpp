// SPDX-License-Identifier: MIT
// The scripted tour (tour.hpp): a few people of each API log in, then ask for what ward allows
// and what it refuses. Every entry shows the status, the request, who asked and ward's reason.
#include "tour.hpp"

#include "tokens.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <exception>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace ward_service {
namespace {

using json = nlohmann::json;

constexpr std::size_t line_width = 100;
constexpr std::size_t hanging_indent = 7;
constexpr const char* demo_password = "ward-demo-password";

// Seeded records (README.md, "Seeded data").
constexpr const char* sally_id = "efef1044-4958-43bc-903b-28f2bb938037";
constexpr const char* guion_id = "7c6b5a49-3827-4615-a4b3-c2d1e0f9a8b7";
constexpr const char* shop_application = "application:cb2037f7-79fc-40f4-9720-ada636da4183";
constexpr const char* deployer_role = "rol_D3pl0yZxCvBnMq7w";
constexpr const char* viewer_role = "rol_V13wPoIuYtReWq5e";

/// Writes `text` word-wrapped to line_width columns, continuation lines indented by `indent`.
/// A word longer than a line (a long URL) is written whole on its own line.
void write_wrapped(std::ostream& out, std::string text, std::size_t indent) {
    const std::string pad(indent, ' ');
    bool first = true;
    for (;;) {
        const std::size_t room = line_width - (first ? 0 : indent);
        if (text.size() <= room) {
            out << (first ? "" : pad) << text << '\n';
            return;
        }
        std::size_t cut = text.rfind(' ', room);
        if (cut == std::string::npos || cut <= indent) cut = text.find(' ', room);
        if (cut == std::string::npos) {
            out << (first ? "" : pad) << text << '\n';
            return;
        }
        std::string head = text.substr(0, cut);
        while (!head.empty() && head.back() == ' ') head.pop_back();
        out << (first ? "" : pad) << head << '\n';
        const std::size_t next = text.find_first_not_of(' ', cut);
        if (next == std::string::npos) return;
        text.erase(0, next);
        first = false;
    }
}

/// `j[key]` as text: a string as is, a number or boolean in JSON, anything else "".
std::string text_of(const json& j, const char* key) {
    if (!j.is_object()) return {};
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return {};
    if (it->is_string()) return it->get<std::string>();
    if (it->is_primitive()) return it->dump();
    return {};
}

/// "a, b, c" from each element's `key`, at most `limit` of them, then ", ...".
std::string list_of(const json& items, const char* key, std::size_t limit = 6) {
    std::string s;
    std::size_t n = 0;
    for (const json& item : items) {
        if (n == limit) return s + ", ...";
        if (n++ != 0) s += ", ";
        s += item.is_string() ? item.get<std::string>() : text_of(item, key);
    }
    return s;
}

/// "a b c" from an array of strings.
std::string words_of(const json& items) {
    std::string s;
    if (!items.is_array()) return s;
    for (const json& item : items) {
        if (!item.is_string()) continue;
        if (!s.empty()) s += ' ';
        s += item.get<std::string>();
    }
    return s;
}

std::string plural(std::size_t n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); }

/// A JSON:API record's attributes (or an empty object).
const json& attributes_of(const json& body) {
    static const json none = json::object();
    if (!body.is_object() || !body.contains("data") || !body["data"].is_object()) return none;
    const json& data = body["data"];
    return data.contains("attributes") && data["attributes"].is_object() ? data["attributes"] : none;
}

std::string jsonapi_id(const json& body) {
    return body.is_object() && body.contains("data") ? text_of(body["data"], "id") : std::string();
}

using summary = std::function<std::string(const json&)>;

/// A token a person got, for the next-steps block.
struct named_token {
    std::string variable; ///< TOKEN_...
    std::string who;
    std::string token;
};

class tour {
public:
    tour(const std::string& url, std::ostream& out) : url_(url), http_(url), out_(out) {
        http_.set_url_encode(false); // paths are sent exactly as written (auth0%7Calice)
        http_.set_connection_timeout(5, 0);
        http_.set_read_timeout(60, 0);
        http_.set_write_timeout(60, 0);
    }

    bool valid() const { return http_.is_valid(); }
    const std::string& url() const noexcept { return url_; }
    int requests() const noexcept { return requests_; }
    int unexpected() const noexcept { return unexpected_; }

    void section(const std::string& title) { out_ << '\n' << "== " << title << " ==\n"; }
    void note(const std::string& text) { write_wrapped(out_, "    -- " + text, hanging_indent); }
    void problem(const std::string& text) {
        ++unexpected_;
        write_wrapped(out_, "!      UNEXPECTED: " + text, hanging_indent);
    }

    /// Sends one request, prints its entry and returns the parsed body (null when the status is
    /// not `expected`, so later steps do not build on an unexpected answer).
    json step(const std::string& method, const std::string& path, const std::string& token, const json* body,
              const std::string& who, int expected, const summary& describe = {}) {
        ++requests_;
        httplib::Headers headers;
        if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
        const std::string payload = body ? body->dump() : std::string();
        const char* type = "application/json";
        httplib::Result result = method == "GET"      ? http_.Get(path, headers)
                                 : method == "DELETE" ? http_.Delete(path, headers)
                                 : method == "POST"   ? http_.Post(path, headers, payload, type)
                                 : method == "PUT"    ? http_.Put(path, headers, payload, type)
                                                      : http_.Patch(path, headers, payload, type);
        int status = 0;
        json answer;
        std::string what;
        if (!result) {
            what = "no answer (" + httplib::to_string(result.error()) + ")";
        } else {
            status = result->status;
            answer = json::parse(result->body, nullptr, /*allow_exceptions=*/false);
            what = status >= 400 ? reason_of(answer, result->body)
                   : describe    ? describe(answer)
                                 : std::string(status == 204 ? "done, no content" : "ok");
            // A service started with --explain says which grant let an allowed request through.
            if (status < 400 && result->has_header("Ward-Decision"))
                what += "; ward: " + result->get_header_value("Ward-Decision");
        }
        const bool as_expected = status == expected;
        std::string entry = as_expected ? "  " : "! ";
        entry += status == 0 ? "---" : std::to_string(status);
        entry += "  " + method + " " + path + " (" + who + "): ";
        if (!as_expected) {
            ++unexpected_;
            entry += "UNEXPECTED, expected " + std::to_string(expected) + ": ";
        }
        entry += what;
        write_wrapped(out_, entry, hanging_indent);
        return as_expected ? answer : json();
    }

    /// POST /api/v1/authenticate; the token, or "" (after an UNEXPECTED entry).
    std::string login(const std::string& email, const std::string& audience, const std::string& variable,
                      const std::string& who) {
        const json body = {{"email", email}, {"password", demo_password}, {"audience", audience}};
        const json answer =
            step("POST", "/api/v1/authenticate", "", &body, email + ", " + audience, 201, [](const json& a) {
                return "token for " + text_of(a, "subject") + ", valid " + text_of(a, "expires_in") + " s";
            });
        std::string token = text_of(answer, "token");
        tokens_.push_back({variable, who, token});
        return token;
    }

    /// A token from the database's secret, as `ward-service token` mints it.
    std::string mint(const std::string& db_path, const std::string& audience, const std::string& subject,
                     const std::string& variable, const std::string& who) {
        mint_options options;
        options.audience = audience;
        options.subject = subject;
        std::string error;
        std::optional<std::string> token = mint_token(db_path, options, error);
        if (!token) {
            problem("could not mint a " + audience + " token for " + subject + ": " + error);
            token.emplace();
        } else {
            note(who + ": a token minted from the database's secret, as by `ward-service token --db " + db_path +
                 " --audience " + audience + " --subject " + subject + "`");
        }
        tokens_.push_back({variable, who, *token});
        return *token;
    }

    const std::vector<named_token>& tokens() const noexcept { return tokens_; }

private:
    /// ward's reason from an error body; without one (ward did not decide), its code and message.
    static std::string reason_of(const json& answer, const std::string& raw) {
        if (answer.is_object() && answer.contains("error") && answer["error"].is_object()) {
            const json& e = answer["error"];
            const std::string reason = text_of(e, "reason");
            if (!reason.empty()) return reason;
            return text_of(e, "code") + ": " + text_of(e, "message");
        }
        return raw.size() > 200 ? raw.substr(0, 200) + "..." : raw;
    }

    std::string url_;
    httplib::Client http_;
    std::ostream& out_;
    int requests_ = 0;
    int unexpected_ = 0;
    std::vector<named_token> tokens_;
};

// ---- summaries of successful answers ----------------------------------------------------------------

std::string user_list(const json& a) {
    if (!a.is_array()) return "not a list";
    return plural(a.size(), "user") + ": " + list_of(a, "name");
}

std::string one_user(const json& a) {
    std::string s = text_of(a, "name") + " <" + text_of(a, "email") + ">, permissions " + text_of(a, "permissions");
    const std::string application = text_of(a, "application_id");
    return s + (application.empty() ? ", global" : ", application " + application);
}

std::string bluebricks_user(const json& a) {
    std::string s = text_of(a, "id");
    if (a.is_object() && a.contains("roles")) s += ", roles " + list_of(a["roles"], "id");
    if (a.is_object() && a.contains("permissions")) s += ", permissions: " + words_of(a["permissions"]);
    return s;
}

std::string permissions_of(const json& a) {
    return "permissions: " + (a.is_object() && a.contains("permissions") ? words_of(a["permissions"]) : std::string());
}

std::string membership(const json& a) {
    const json& attributes = attributes_of(a);
    std::string s = "membership " + jsonapi_id(a);
    for (const char* key : {"user_email", "access_scope", "owner"}) {
        const std::string value = text_of(attributes, key);
        if (!value.empty()) s += std::string(", ") + key + " " + value;
    }
    return s;
}

/// A JSON:API list as "N nouns: id1<note>, id2<note>", each record's note from its attributes.
std::string record_list(const json& a, const char* noun, std::string (*note)(const json& attributes)) {
    if (!a.is_object() || !a.contains("data") || !a["data"].is_array()) return "not a list";
    const json& data = a["data"];
    std::string s = plural(data.size(), noun) + ":";
    const char* separator = " ";
    for (const json& record : data) {
        if (!record.is_object()) continue;
        const json& attributes = record.contains("attributes") ? record["attributes"] : json::object();
        s += separator + text_of(record, "id") + note(attributes);
        separator = ", ";
    }
    return s;
}

std::string profile_list(const json& a) {
    return record_list(a, "membership profile",
                       [](const json& attributes) { return " (" + text_of(attributes, "access_scope") + ")"; });
}

std::string identity_provider(const json& a) {
    const json& attributes = attributes_of(a);
    return "identity provider " + jsonapi_id(a) + ", issuer " + text_of(attributes, "issuer") + ", domains " +
           (attributes.contains("domains") ? words_of(attributes["domains"]) : std::string()) +
           (attributes.contains("client_secret") ? ", CLIENT SECRET ANSWERED" : ", client secret never answered");
}

std::string membership_list(const json& a) {
    return record_list(a, "membership", [](const json& attributes) {
        return std::string(text_of(attributes, "owner") == "true" ? " (owner)" : "");
    });
}

// ---- the next steps ---------------------------------------------------------------------------------

/// A curl command: `curl -s [-X M] -H "authorization: Bearer $VAR" [-H json -d 'BODY'] URL`, broken
/// with backslashes so that no line is wider than line_width (a body too wide for one line comes
/// with its own line break, inside its quotes).
std::string curl(const std::string& url, const std::string& variable, const std::string& path,
                 const std::string& method = "GET", const std::string& body = {}) {
    std::vector<std::string> parts = {"curl -s"};
    if (method != "GET") parts.push_back("-X " + method);
    if (!variable.empty()) parts.push_back("-H \"authorization: Bearer $" + variable + "\"");
    if (!body.empty()) {
        parts.push_back("-H 'content-type: application/json'");
        parts.push_back("-d '" + body + "'");
    }
    parts.push_back(url + path);
    std::string out, line;
    for (const std::string& part : parts) {
        if (line.empty()) {
            line = part;
        } else if (line.size() + 1 + part.size() + 2 <= line_width) {
            line += " " + part;
        } else {
            out += line + " \\\n";
            line = "     " + part;
        }
    }
    return out + line + "\n";
}

void next_steps(std::ostream& out, const tour& t, const std::string& db_path) {
    const std::string& u = t.url();
    out << "\n== try it yourself ==\n"
        << "# Tokens for the people above (valid for an hour; log in again with POST /api/v1/authenticate):\n";
    for (const named_token& n : t.tokens()) out << "export " << n.variable << '=' << n.token << '\n';
    out << "\n# ident: John (mask 415) may not list users: 403; Bob (ListUsers) may: 200\n"
        << curl(u, "TOKEN_JOHN", "/api/v1/users") << curl(u, "TOKEN_BOB", "/api/v1/users")
        << "# ident: everyone reads their own record: 200\n"
        << curl(u, "TOKEN_JOHN", "/api/v1/users/15679071-4a5e-41e3-a495-5d93b478257b")
        << "# ident: the shop application sees its users only; the blog's user is 404 to it\n"
        << curl(u, "TOKEN_SHOP", "/api/v1/users") << curl(u, "TOKEN_SHOP", std::string("/api/v1/users/") + guion_id)
        << "\n# provisioning: John's organizations, Bob's memberships: 200; Bob (read_only) may not rename\n"
        << "# acme: 401\n"
        << curl(u, "TOKEN_JOHN_PROV", "/api/organizations") << curl(u, "TOKEN_BOB_PROV", "/api/memberships")
        << curl(u, "TOKEN_BOB_PROV", "/api/organizations/org_acme", "PATCH",
                R"({"data":{"type":"organizations","id":"org_acme","attributes":{"name":"Acme by Bob"}}})")
        << "# provisioning: the owner's membership cannot go before ownership is transferred: 401\n"
        << curl(u, "TOKEN_JOHN_PROV", "/api/memberships/mem_acme_john", "DELETE")
        << "# provisioning: the versions every write left (John reads acme's: 200); the CI credential's\n"
        << "# own token, by the client-credentials grant: 201\n"
        << curl(u, "TOKEN_JOHN_PROV", "/api/versions")
        << curl(u, "", "/api/v1/authenticate", "POST",
                "{\"grant_type\":\"client_credentials\",\"client_id\":\"acme-ci\",\n"
                "          \"client_secret\":\"ward-demo-client-secret\"}")
        << "\n# bluebricks: carol's effective permissions, alice (Admin) reads dan: 200; pat (org_globex): 404\n"
        << curl(u, "TOKEN_CAROL", "/api/v1/user/me") << curl(u, "TOKEN_ALICE", "/api/v1/user/google-oauth2%7Cdan")
        << curl(u, "TOKEN_ALICE", "/api/v1/user/prov0%7C1234567890")
        << "# bluebricks: dan (Viewer) may not assign roles: 403\n"
        << curl(u, "TOKEN_DAN", "/api/v1/user/auth0%7Cgus/roles", "POST",
                std::string(R"({"roles": [")") + deployer_role + R"("], "add": true})")
        << "\n# A login (201), and a token for a subject without a password (ward-service is in\n"
        << "# build/demo/examples/service/ when the demo built it):\n"
        << curl(u, "", "/api/v1/authenticate", "POST",
                R"({"email":"dan@bluebricks.local","password":"ward-demo-password","audience":"bluebricks"})")
        << "ward-service token --db " << db_path << " --audience ident \\\n"
        << "     --subject organization:6f1d2c3b-4a59-4876-9a5b-0c1d2e3f4a5b\n";
}

// ---- the script ----------------------------------------------------------------------------------------

int play(const std::string& url, const std::string& db_path, std::ostream& out, bool print_next_steps) {
    out << "ward-service tour of " << url << "\n"
        << "Each entry: the status, the request, who asks, then ward's reason (or what came back).\n";
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
        out << "! not a usable URL: " << url << " (expected http://HOST:PORT)\n";
        return 1;
    }
    tour t(url, out);
    if (!t.valid()) {
        out << "! not a usable URL: " << url << " (expected http://HOST:PORT)\n";
        return 1;
    }

    // ---- provide ident ------------------------------------------------------------------------------
    t.section("provide ident: /api/v1/users (audience ident; 401, 403, 404)");
    const std::string john = t.login("jyoung@provide.local", "ident", "TOKEN_JOHN", "John");
    const std::string bob = t.login("bcrippen@provide.local", "ident", "TOKEN_BOB", "Bob");
    t.step("GET", "/api/v1/users", john, nullptr, "John, mask 415", 403);
    t.step("GET", "/api/v1/users", bob, nullptr, "Bob, 415 + ListUsers", 200, user_list);

    const std::string shop = t.mint(db_path, "ident", shop_application, "TOKEN_SHOP", "shop app");
    t.note("The seed document's requests, with the shop application's token:");
    const std::string sally = std::string("/api/v1/users/") + sally_id;
    const json empty = json::object();
    t.step("GET", "/api/v1/users", shop, nullptr, "shop app", 200, user_list);
    t.step("GET", sally, shop, nullptr, "shop app", 200, one_user);
    t.step("PUT", sally, shop, &empty, "shop app", 204);
    const json created = t.step("POST", "/api/v1/users", shop, &empty, "shop app, no password", 201, [](const json& a) {
        return "virtual user " + text_of(a, "id") + " in application " + text_of(a, "application_id");
    });
    const std::string virtual_id = text_of(created, "id");
    if (!virtual_id.empty())
        t.step("DELETE", "/api/v1/users/" + virtual_id, shop, nullptr, "shop app", 204,
               [](const json&) { return std::string("deleted the virtual user (the seed deletes Sally)"); });
    t.step("GET", std::string("/api/v1/users/") + guion_id, shop, nullptr, "shop app, the blog's user", 404);

    // ---- Commerce Layer Provisioning -------------------------------------------------------------------
    t.section("Commerce Layer Provisioning: /api/... (audience provisioning; denials answer 401)");
    const std::string john_prov = t.login("jyoung@provide.local", "provisioning", "TOKEN_JOHN_PROV", "John");
    const std::string bob_prov = t.login("bcrippen@provide.local", "provisioning", "TOKEN_BOB_PROV", "Bob");
    t.step("GET", "/api/memberships", john_prov, nullptr, "John, acme's owner", 200, membership_list);
    const json rename = {
        {"data", {{"type", "organizations"}, {"id", "org_acme"}, {"attributes", {{"name", "Acme by Bob"}}}}}};
    t.step("PATCH", "/api/organizations/org_acme", bob_prov, &rename, "Bob, read_only", 401);
    t.step("DELETE", "/api/memberships/mem_acme_john", john_prov, nullptr, "John, his own, as owner", 401);
    t.step("DELETE", "/api/organizations/org_acme", john_prov, nullptr, "John", 405);
    const json invite = {{"data",
                          {{"type", "memberships"},
                           {"attributes", {{"user_email", "ksullivan@provide.local"}, {"access_scope", "live"}}},
                           {"relationships",
                            {{"organization", {{"data", {{"type", "organizations"}, {"id", "org_acme"}}}}},
                             {"role", {{"data", {{"type", "roles"}, {"id", "role_acme_read_only"}}}}}}}}}};
    const json joined = t.step("POST", "/api/memberships", john_prov, &invite, "John, admin", 201, membership);
    const std::string joined_id = jsonapi_id(joined);
    if (!joined_id.empty())
        t.step("DELETE", "/api/memberships/" + joined_id, john_prov, nullptr, "John, admin", 204,
               [](const json&) { return std::string("admins delete others' memberships"); });
    // Every write above left a version (the audit trail), read by those who may read the record.
    t.step("GET", "/api/versions", john_prov, nullptr, "John, admin", 200, [](const json& a) {
        const json none = json::array();
        const json& data = a.is_object() && a.contains("data") && a["data"].is_array() ? a["data"] : none;
        std::string last;
        if (!data.empty() && data.back().contains("attributes"))
            last = ", the last: " + text_of(data.back()["attributes"], "event") + " of " +
                   text_of(data.back()["attributes"], "resource_id");
        return std::to_string(data.size()) + " versions" + last;
    });
    // API credentials (with their own client-credentials tokens) and application memberships.
    t.step("GET", "/api/api_credentials", john_prov, nullptr, "John, admin", 200, [](const json& a) {
        return std::to_string(a.is_object() && a.contains("data") ? a["data"].size() : 0) + " API credentials";
    });
    const json ci_grant = {
        {"grant_type", "client_credentials"}, {"client_id", "acme-ci"}, {"client_secret", "ward-demo-client-secret"}};
    const std::string ci = text_of(
        t.step("POST", "/api/v1/authenticate", "", &ci_grant, "acme-ci, client credentials", 201,
               [](const json& a) { return "token for " + text_of(a, "subject") + ", mode " + text_of(a, "mode"); }),
        "token");
    const json live_key = {
        {"data",
         {{"type", "api_credentials"},
          {"attributes", {{"name", "Live key"}, {"kind", "webapp"}, {"mode", "live"}}},
          {"relationships", {{"organization", {{"data", {{"type", "organizations"}, {"id", "org_acme"}}}}}}}}}};
    if (!ci.empty()) t.step("POST", "/api/api_credentials", ci, &live_key, "CI, read_only in test mode", 401);
    t.step("GET", "/api/application_memberships", john_prov, nullptr, "John, admin", 200, [](const json& a) {
        return std::to_string(a.is_object() && a.contains("data") ? a["data"].size() : 0) + " application memberships";
    });
    t.step("GET", "/api/membership_profiles", bob_prov, nullptr, "Bob, read_only", 200, profile_list);
    const json profile = {
        {"data",
         {{"type", "membership_profiles"},
          {"attributes", {{"name", "Bob's"}, {"access_scope", "all"}}},
          {"relationships", {{"organization", {{"data", {{"type", "organizations"}, {"id", "org_acme"}}}}}}}}}};
    t.step("POST", "/api/membership_profiles", bob_prov, &profile, "Bob, read_only", 401);
    t.step("GET", "/api/identity_providers/idp_acme_sso", john_prov, nullptr, "John, admin", 200, identity_provider);

    // ---- Bluebricks ----------------------------------------------------------------------------------------
    t.section("Bluebricks: /api/v1/user/... (audience bluebricks; 401, 403, 404)");
    const std::string carol = t.login("carol@bluebricks.local", "bluebricks", "TOKEN_CAROL", "carol");
    t.step("GET", "/api/v1/user/me", carol, nullptr, "carol, Viewer + API keys", 200, permissions_of);
    const std::string alice = t.login("alice@bluebricks.local", "bluebricks", "TOKEN_ALICE", "alice");
    const std::string dan_roles = "/api/v1/user/google-oauth2%7Cdan/roles";
    const json add_deployer = {{"roles", {deployer_role}}, {"add", true}};
    t.step("POST", dan_roles, alice, &add_deployer, "alice, Admin: add Deployer", 200, bluebricks_user);
    const std::string dan = t.login("dan@bluebricks.local", "bluebricks", "TOKEN_DAN", "dan");
    t.step("GET", "/api/v1/user/me", dan, nullptr, "dan, Viewer + Deployer", 200, permissions_of);
    const json only_viewer = {{"roles", {viewer_role}}, {"add", false}};
    t.step("POST", dan_roles, alice, &only_viewer, "alice: replace with Viewer", 200, bluebricks_user);
    t.step("GET", "/api/v1/user/me", dan, nullptr, "dan, same token, Viewer again", 200, permissions_of);
    t.note("dan's token still names the Deployer permissions; ward grants only what his roles hold now.");
    t.step("GET", "/api/v1/user/prov0%7C1234567890", alice, nullptr, "alice, org_acme; pat is in org_globex", 404);

    out << '\n';
    if (t.unexpected() == 0) out << "tour: " << t.requests() << " requests, every status as expected\n";
    else out << "tour: " << t.requests() << " requests, " << t.unexpected() << " UNEXPECTED (marked with !)\n";
    if (print_next_steps) next_steps(out, t, db_path);
    return t.unexpected() == 0 ? 0 : 1;
}

} // namespace

int run_tour(const std::string& url, const std::string& db_path, std::ostream& out, bool print_next_steps) {
    try {
        std::string base = url;
        while (!base.empty() && base.back() == '/') base.pop_back();
        return play(base, db_path, out, print_next_steps);
    } catch (const std::exception& e) { out << "! tour stopped: " << e.what() << '\n'; } catch (...) {
        out << "! tour stopped by an unknown exception\n";
    }
    return 1;
}

} // namespace ward_service
