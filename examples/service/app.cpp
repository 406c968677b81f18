// SPDX-License-Identifier: MIT
#include "app.hpp"

#include "crypto.hpp"
#include "tokens.hpp"

#include "bluebricks.hpp"
#include "commerce_layer.hpp"
#include "provide_ident.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <ward/ward.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <functional>
#include <initializer_list>
#include <limits>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ward_service {

using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;

namespace {

// ==== errors and replies ====================================================================================

/// Thrown by a handler to answer with a JSON error; caught by the route wrapper.
struct http_error {
    int status;
    std::string code;
    std::string message;
    std::string reason; ///< ward's explain() when ward decided
};

[[noreturn]] void fail(int status, std::string code, std::string message) {
    throw http_error{status, std::move(code), std::move(message), {}};
}

struct reply {
    int status = 200;
    json body;          ///< null: no body (204)
};

json error_body(int status, std::string_view code, std::string_view message, std::string_view reason) {
    json e = {{"status", status}, {"code", code}, {"message", message}};
    if (!reason.empty()) e["reason"] = reason;
    return json{{"error", std::move(e)}};
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

/// One request in flight: what it is, and how long ward took on it.
struct call {
    const httplib::Request& req;
    std::chrono::nanoseconds authz{0};
    bool explain = false;  ///< app_options::explain
    std::string decision{}; ///< ward's explanation of the first allowed decision (with explain on)
};

/// With explain on, remembers the first decision that let the request through.
template <class P>
void note_allowed(call& c, const ward::snapshot<P>& s, const ward::decision<P>& d) {
    if (c.explain && d.allowed && c.decision.empty()) c.decision = s.explain(d);
}

/// Adds the time of one ward step to the request's authorization time.
class authz_timer {
public:
    explicit authz_timer(call& c) : c_(c), start_(clock_type::now()) {}
    ~authz_timer() { c_.authz += std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now() - start_); }
    authz_timer(const authz_timer&) = delete;
    authz_timer& operator=(const authz_timer&) = delete;

private:
    call& c_;
    clock_type::time_point start_;
};

// ==== input validation ======================================================================================

bool is_hex(char ch) { return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F'); }
bool is_alnum(char ch) { return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'); }

/// 8-4-4-4-12 hexadecimal.
void lower_ascii(std::string& s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
}

bool is_uuid(std::string_view s) {
    if (s.size() != 36) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !is_hex(s[i])) return false;
    }
    return true;
}

/// Provisioning ids: "org_acme", "mem_3fK9...": a lower-case prefix, "_", then [A-Za-z0-9_].
bool is_record_id(std::string_view s, std::string_view prefix) {
    if (s.size() <= prefix.size() + 1 || s.size() > prefix.size() + 65) return false;
    if (s.substr(0, prefix.size()) != prefix || s[prefix.size()] != '_') return false;
    return std::all_of(s.begin() + static_cast<std::ptrdiff_t>(prefix.size()) + 1, s.end(),
                       [](char ch) { return is_alnum(ch) || ch == '_'; });
}

/// Auth0 user ids: "auth0|alice", "google-oauth2|dan", "prov0|1234567890".
bool is_provider_id(std::string_view s) {
    const std::size_t bar = s.find('|');
    if (bar == std::string_view::npos || bar == 0 || bar > 40 || s.size() - bar - 1 == 0 || s.size() - bar - 1 > 64) return false;
    const auto provider_ok = std::all_of(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(bar),
                                         [](char ch) { return is_alnum(ch) || ch == '-'; });
    const auto id_ok = std::all_of(s.begin() + static_cast<std::ptrdiff_t>(bar) + 1, s.end(),
                                   [](char ch) { return is_alnum(ch) || ch == '.' || ch == '_' || ch == '-'; });
    return provider_ok && id_ok;
}

bool is_role_id(std::string_view s) {
    return s.size() > 4 && s.size() <= 44 && s.substr(0, 4) == "rol_" && std::all_of(s.begin() + 4, s.end(), is_alnum);
}

/// Shows an untrusted value in a message: at most 64 bytes, control and non-ASCII bytes escaped.
std::string printable(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size() && i < 64; ++i) {
        const auto ch = static_cast<unsigned char>(s[i]);
        if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\') {
            out += static_cast<char>(ch);
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", ch);
            out += buf;
        }
    }
    if (s.size() > 64) out += "...";
    return out;
}

/// Deepest nesting a body may have; deeper JSON is refused before it is parsed.
constexpr int max_json_depth = 16;

bool too_deep(std::string_view text) {
    int depth = 0;
    bool in_string = false, escaped = false;
    for (const char ch : text) {
        if (in_string) {
            if (escaped) escaped = false;
            else if (ch == '\\') escaped = true;
            else if (ch == '"') in_string = false;
        } else if (ch == '"') {
            in_string = true;
        } else if (ch == '{' || ch == '[') {
            if (++depth > max_json_depth) return true;
        } else if (ch == '}' || ch == ']') {
            --depth;
        }
    }
    return false;
}

/// The request body as a JSON object, or a 400 that says what is wrong with it.
json parse_body(const call& c) {
    const std::string& body = c.req.body;
    if (body.size() > max_body_bytes) fail(413, "body_too_large", "the body is larger than 64 KiB");
    if (body.find_first_not_of(" \t\r\n") == std::string::npos) fail(400, "empty_body", "a JSON object body is required");
    if (c.req.has_header("Content-Type")) {
        // The media type itself (parameters such as charset may follow a ';'), case-insensitively.
        std::string type = c.req.get_header_value("Content-Type");
        type = type.substr(0, type.find(';'));
        while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.pop_back();
        lower_ascii(type);
        if (type != "application/json" && type != "application/vnd.api+json")
            fail(415, "unsupported_media_type", "the body must be application/json");
    }
    if (too_deep(body)) fail(400, "too_deep", "the JSON nests deeper than " + std::to_string(max_json_depth) + " levels");
    json j = json::parse(body, nullptr, false);
    if (j.is_discarded()) fail(400, "malformed_json", "the body is not valid JSON");
    if (!j.is_object()) fail(400, "not_an_object", "the body must be a JSON object");
    return j;
}

void allow_only(const json& object, std::initializer_list<std::string_view> allowed, std::string_view where = "") {
    for (const auto& item : object.items()) {
        if (std::find(allowed.begin(), allowed.end(), item.key()) == allowed.end())
            fail(400, "unknown_field", "unknown field '" + printable(item.key()) + "'" + (where.empty() ? "" : " in ") + std::string(where));
    }
}

/// A string field: absent gives nullopt (or a 400 when required); present, it must be a string of
/// `min`..`max` bytes.
std::optional<std::string> string_field(const json& object, const char* name, std::size_t min, std::size_t max, bool required) {
    const auto it = object.find(name);
    if (it == object.end() || it->is_null()) {
        if (required) fail(400, "missing_field", std::string("'") + name + "' is required");
        return std::nullopt;
    }
    if (!it->is_string()) fail(400, "wrong_type", std::string("'") + name + "' must be a string");
    std::string value = it->get<std::string>();
    if (value.size() < min || value.size() > max)
        fail(400, "bad_length", std::string("'") + name + "' must be " + std::to_string(min) + " to " + std::to_string(max) + " bytes");
    if (value.find('\0') != std::string::npos) fail(400, "bad_value", std::string("'") + name + "' contains a NUL byte");
    return value;
}

std::optional<bool> bool_field(const json& object, const char* name) {
    const auto it = object.find(name);
    if (it == object.end() || it->is_null()) return std::nullopt;
    if (!it->is_boolean()) fail(400, "wrong_type", std::string("'") + name + "' must be true or false");
    return it->get<bool>();
}

std::string email_field(const json& object, bool required) {
    auto e = string_field(object, "email", 3, 254, required);
    if (!e) return {};
    const std::size_t at = e->find('@');
    if (at == std::string::npos || at == 0 || at + 1 == e->size() || e->find('@', at + 1) != std::string::npos ||
        e->find_first_of(" \t\r\n") != std::string::npos)
        fail(400, "bad_email", "'email' is not an email address");
    return *e;
}

// ==== tokens ================================================================================================

/// The bearer token of the request: empty when there is no Authorization header.
std::string_view bearer(const httplib::Request& req) {
    const auto it = req.headers.find("Authorization");
    if (it == req.headers.end()) return {};
    std::string_view v = it->second;
    constexpr std::string_view scheme = "bearer ";
    if (v.size() < scheme.size() ||
        !std::equal(scheme.begin(), scheme.end(), v.begin(), [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); }))
        fail(401, "invalid_token", "the Authorization header must be 'Bearer <token>'");
    v.remove_prefix(scheme.size());
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
    if (v.empty()) fail(401, "invalid_token", "the bearer token is empty");
    return v;
}

/// Verified claims of the request's token for `audience`, or null when there is no token.
json verified_claims(const httplib::Request& req, const std::string& secret, std::string_view audience) {
    const std::string_view token = bearer(req);
    if (token.empty()) return nullptr;
    jwt_result r = jwt_verify(token, secret, token_issuer, audience, unix_now());
    if (!r) fail(401, "invalid_token", "the token was refused: " + std::string(to_string(r.error)));
    return std::move(r.claims);
}

/// A uint32 claim, or a 401: a token whose claims are the wrong shape grants nothing.
std::uint32_t mask_claim(const json& v, const char* name) {
    if (!v.is_number_unsigned() || v.get<std::uint64_t>() > 0xFFFFFFFFu)
        fail(401, "invalid_token", std::string("the token's '") + name + "' claim is not a uint32 mask");
    return static_cast<std::uint32_t>(v.get<std::uint64_t>());
}

std::string claim_string(const json& claims, const char* name) {
    const auto it = claims.find(name);
    if (it == claims.end() || !it->is_string()) return {};
    return it->get<std::string>();
}

/// Milliseconds since the epoch: a password change is stamped with it, and `iat` carries it (a
/// NumericDate may have a fraction), so a token issued before the change is told from one after.
std::int64_t unix_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

json base_claims(std::string_view audience, std::string_view subject, std::int64_t ttl, std::int64_t not_before) {
    const std::int64_t now_ms = unix_now_ms();
    const std::int64_t now = now_ms / 1000;
    return json{{"iss", token_issuer},
                {"aud", audience},
                {"sub", subject},
                {"iat", static_cast<double>(now_ms) / 1000.0},
                {"nbf", now + not_before},
                {"exp", now + ttl},
                {"jti", random_uuid()}};
}

// ==== the three policies ====================================================================================

// ---- provide ident ----
using ident_perm = provide::perm;
using ident_set = provide::mask;

std::string ident_user_scope(std::string_view id) { return "users/" + std::string(id); }

/// What every application holds at its own scope: the application-resource mask (510) and
/// ListUsers, CreateUser, UpdateUser, DeleteUser, so it administers its own users.
constexpr std::uint32_t application_mask = provide::application_resource | 0x100000u | 0x200000u | 0x400000u | 0x800000u;

std::shared_ptr<const ward::snapshot<ident_perm>> build_ident(const ident_rows& rows, std::string& error) {
    ward::policy_builder<ident_perm> b(ward::scope_schema::standard(), rows.version);
    b.add_scope("ident", "platform");
    const ident_set application_grant = provide::decode(application_mask);
    for (const ident_organization& o : rows.organizations) {
        const std::string org = "organization:" + o.id;
        b.add_scope(org, "organization", "ident");
        b.add_principal(org, ward::principal_kind::organization);
        b.grant(org, org, provide::decode(provide::organization_token));
    }
    for (const ident_application& a : rows.applications) {
        const std::string app = "application:" + a.id;
        b.add_scope(app, "application", "organization:" + a.organization_id);
        b.add_principal(app, ward::principal_kind::application);
        b.grant(app, app, application_grant);
    }
    for (const ident_user& u : rows.users) {
        const std::string home = u.application_id ? "application:" + *u.application_id : std::string("ident");
        const std::string principal = "user:" + u.id;
        b.add_scope(ident_user_scope(u.id), "user", home);
        b.add_principal(principal, ward::principal_kind::user);
        b.grant(principal, home, ident_set::from_integer(u.permissions).value); // unknown bits: refused, grants nothing
    }
    auto built = b.build();
    if (!built) error = built.error.message();
    return built.snapshot;
}

// ---- Commerce Layer Provisioning ----
using cl_perm = commerce_layer::perm;
using cl_set = commerce_layer::perms;
using commerce_layer::crud;
using commerce_layer::subject;

std::optional<subject> subject_named(std::string_view name) {
    for (std::size_t i = 0; i < ward::vocabulary<subject>::size; ++i)
        if (ward::vocabulary<subject>::name(i) == name) return static_cast<subject>(i);
    return std::nullopt;
}

std::optional<commerce_layer::access_scope> access_named(std::string_view name) {
    if (name == "live") return commerce_layer::access_scope::live;
    if (name == "test") return commerce_layer::access_scope::test;
    if (name == "all") return commerce_layer::access_scope::all;
    return std::nullopt;
}

commerce_layer::role_kind kind_named(std::string_view kind) {
    if (kind == "admin") return commerce_layer::role_kind::admin;
    if (kind == "read_only") return commerce_layer::role_kind::read_only;
    return commerce_layer::role_kind::custom;
}

/// The stored rows as commerce_layer's loader reads them (string views into `owned`, which a
/// deque keeps in place), so the service and the example share one model.
std::shared_ptr<const ward::snapshot<cl_perm>> build_provisioning(const provisioning_rows& rows, std::string& error) {
    std::deque<std::string> owned;
    auto keep = [&owned](std::string s) -> std::string_view { return owned.emplace_back(std::move(s)); };
    commerce_layer::database db;
    db.version = rows.version;
    for (const cl_organization& o : rows.organizations) db.organizations.push_back({o.id});
    for (const ident_user& u : rows.users) db.users.push_back({keep("user:" + u.id)});
    for (const cl_role& r : rows.roles) db.roles.push_back({r.id, r.organization_id, kind_named(r.kind), r.name});
    for (const cl_permission& p : rows.permissions) {
        const auto on = subject_named(p.subject_class);
        if (!on) continue; // validated on the way in; an unknown subject grants nothing
        db.permissions.push_back({p.id, p.role_id, *on, p.can_create, p.can_read, p.can_update, p.can_destroy});
    }
    for (const cl_membership& m : rows.memberships)
        db.memberships.push_back({m.id, keep("user:" + m.user_id), m.organization_id, m.role_id, m.owner,
                                  access_named(m.access_scope).value_or(commerce_layer::access_scope::live), ""});
    // Access scopes (live, test) confine a member's data, not the organization's own records.
    commerce_layer::policy p = commerce_layer::load(db, commerce_layer::environment_reach::data_only);
    if (!p) error = p.error;
    return p.snapshot;
}

// ---- Bluebricks ----
using bb_perm = bluebricks::perm;
using bb_set = bluebricks::perms;

std::shared_ptr<const ward::snapshot<bb_perm>> build_bluebricks(const bluebricks_rows& rows, std::string& error) {
    ward::policy_builder<bb_perm> b(ward::scope_schema::standard(), rows.version);
    b.add_scope("bluebricks", "platform");
    b.add_roles(bluebricks::ladder);
    for (const std::string& o : rows.organizations) b.add_scope(o, "organization", "bluebricks");
    for (const bb_role& r : rows.roles) {
        if (!r.rung.empty()) b.define_role(r.id, bb_set{}, {r.rung});
        else b.define_role(r.id, ward::parse_scope<bb_perm>(r.permissions).value);
    }
    for (const bb_user& u : rows.users) {
        b.add_principal(u.id, ward::principal_kind::user);
        b.add_scope(u.id, "user", u.organization_id); // the user's record
    }
    std::size_t i = 0;
    while (i < rows.user_roles.size()) {
        const std::string& user = rows.user_roles[i].user_id;
        std::vector<std::string_view> roles;
        for (; i < rows.user_roles.size() && rows.user_roles[i].user_id == user; ++i) roles.push_back(rows.user_roles[i].role_id);
        std::string organization;
        for (const bb_user& u : rows.users)
            if (u.id == user) organization = u.organization_id;
        b.bind(user, organization, ward::view<std::string_view>(roles), ward::assign::replace);
    }
    auto built = b.build();
    if (!built) error = built.error.message();
    return built.snapshot;
}

/// `build(rows)`, or a store_error naming the API: a policy that does not build is never served.
template <class Rows, class Build>
auto built(const char* api, const Rows& rows, Build build) {
    std::string error;
    auto snapshot = build(rows, error);
    if (!snapshot) throw store_error(std::string("the ") + api + " policy does not build: " + error);
    return snapshot;
}

/// The names of a permission set, in vocabulary order.
template <class P>
json names_of(const ward::permission_set<P>& s) {
    json out = json::array();
    for (auto it = s.begin(); it != s.end(); ++it) out.push_back(std::string(ward::vocabulary<P>::name(it.index())));
    return out;
}

std::string code_of(ward::reason r) {
    switch (r) {
    case ward::reason::unknown_scope:
    case ward::reason::outside_scope: return "not_found";
    default: break;
    }
    std::string s(ward::to_string(r));
    std::replace(s.begin(), s.end(), ' ', '_');
    std::replace(s.begin(), s.end(), '\'', '_');
    return s;
}

} // namespace

// ==== the service ===========================================================================================

struct app::impl {
    store& db;
    app_options options;
    // The current policies. A read-only request pins one with read() (a lock-free guard); a
    // request that writes holds share()'s reference instead, because publish() waits for every
    // guard on the old snapshot, its own included.
    ward::live<ident_perm> ident;
    ward::live<cl_perm> provisioning;
    ward::live<bb_perm> bluebricks;
    /// Serializes writers. A request that writes takes it before it reads the snapshot it decides
    /// with, and keeps it until its own snapshot is published: it decides against the newest
    /// policy, and snapshots are published in the order their writes committed.
    std::mutex writer;
    using write_lock = std::unique_lock<std::mutex>;

    /// users.tokens_valid_from of every user whose password changed (ms), kept in memory because
    /// every user token is checked against it. Written inside the write that changes a password,
    /// before its commit: a write that then rolls back leaves a stamp that only refuses more.
    std::shared_mutex password_changes_mutex;
    std::unordered_map<std::string, std::int64_t> password_changes;

    impl(store& s, app_options o) : db(s), options(o) {
        db.read([&](const store::reader& r) {
            for (auto q = r.prepare("SELECT id, tokens_valid_from FROM users WHERE tokens_valid_from > 0"); q.step();)
                password_changes[q.text(0)] = q.integer(1);
        });
        ident.publish(built("ident", db.load_ident(), build_ident));
        provisioning.publish(built("provisioning", db.load_provisioning(), build_provisioning));
        bluebricks.publish(built("bluebricks", db.load_bluebricks(), build_bluebricks));
    }

    // ---- writing ----
    enum api : unsigned { api_ident = 1u, api_provisioning = 2u, api_bluebricks = 4u };

    write_lock serialize() { return write_lock(writer); }

    /// One write. `f` runs inside a transaction; then each API of `apis` gets a new policy
    /// version and its next snapshot, built from what the transaction sees (its own writes
    /// included). A snapshot that does not build rolls the whole write back (500, nothing
    /// changed): the database never holds what the policy cannot express. After the commit the
    /// new snapshots are published, which cannot fail, so the stored rows and the decisions
    /// never disagree.
    template <class F>
    void write(const write_lock& serial, unsigned apis, F&& f) {
        if (!serial.owns_lock() || serial.mutex() != &writer) throw std::logic_error("write() without the writer lock");
        std::shared_ptr<const ward::snapshot<ident_perm>> next_ident;
        std::shared_ptr<const ward::snapshot<cl_perm>> next_provisioning;
        std::shared_ptr<const ward::snapshot<bb_perm>> next_bluebricks;
        {
            store::transaction t(db);
            f(t);
            // Each API's version moves on before its rows are read back, so the snapshot carries it.
            if (apis & api_ident) {
                t.bump_version("ident");
                next_ident = built("ident", t.load_ident(), build_ident);
            }
            if (apis & api_provisioning) {
                t.bump_version("provisioning");
                next_provisioning = built("provisioning", t.load_provisioning(), build_provisioning);
            }
            if (apis & api_bluebricks) {
                t.bump_version("bluebricks");
                next_bluebricks = built("bluebricks", t.load_bluebricks(), build_bluebricks);
            }
            t.commit();
        }
        if (next_ident) ident.publish(std::move(next_ident));
        if (next_provisioning) provisioning.publish(std::move(next_provisioning));
        if (next_bluebricks) bluebricks.publish(std::move(next_bluebricks));
    }

    /// A denied decision as an error: the status from the API's status table, ward's reason.
    template <class P>
    [[noreturn]] static void deny(const ward::snapshot<P>& s, const ward::decision<P>& d, const ward::status_table& table,
                                  std::string message) {
        const std::string code = code_of(d.why);
        if (code == "not_found") message = "not found within the caller's scope";
        throw http_error{table(d), code, std::move(message), s.explain(d)};
    }

    // ======================================================================================================
    // provide ident
    // ======================================================================================================

    struct ident_caller {
        ward::credential<ident_perm> cred;
        std::string subject; ///< "" without a token
        std::string home;    ///< the scope GET /users lists under
    };

    /// A user's token issued before the user's password last changed is refused: changing a
    /// password logs every earlier session out. Both times are in milliseconds (see unix_now_ms).
    void require_current(const json& claims, std::string_view user_id) {
        std::int64_t from = 0;
        {
            std::shared_lock<std::shared_mutex> lock(password_changes_mutex);
            const auto it = password_changes.find(std::string(user_id));
            if (it == password_changes.end()) return;
            from = it->second;
        }
        const auto iat = claims.find("iat");
        // Verification has bounded iat (not in the future); a negative one predates any change.
        if (iat == claims.end() || !iat->is_number() || !(iat->get<double>() >= 0) || std::llround(iat->get<double>() * 1000.0) < from)
            fail(401, "invalid_token", "the token was issued before the user's password last changed; log in again");
    }

    ident_caller ident_login(call& c, const ward::snapshot<ident_perm>& s) {
        const json claims = verified_claims(c.req, db.secret(), "ident");
        ident_caller who;
        who.home = "ident";
        if (claims.is_null()) return who;
        who.subject = claim_string(claims, "sub");
        ward::token_claims t;
        t.subject = who.subject;
        if (const auto it = claims.find("permissions"); it != claims.end()) {
            t.has_permission_mask = true;
            t.permission_mask = mask_claim(*it, "permissions");
        }
        std::vector<std::string> resources;
        std::vector<ward::extended_claim> extended;
        if (const auto it = claims.find("extended"); it != claims.end()) {
            if (!it->is_object() || it->size() > 8) fail(401, "invalid_token", "the token's 'extended' claim is not a small object");
            resources.reserve(it->size());
            for (const auto& item : it->items()) {
                resources.push_back(item.key());
                extended.push_back({resources.back(), mask_claim(item.value(), "extended")});
            }
            t.extended = ward::view<ward::extended_claim>(extended);
        }
        const bool application = who.subject.rfind("application:", 0) == 0;
        const bool organization = who.subject.rfind("organization:", 0) == 0;
        if (application || organization) {
            t.bound_scopes = who.subject; // an application or organization token sees only its own scope
            who.home = who.subject;
        }
        ward::credential_result<ident_perm> r;
        {
            authz_timer timer(c);
            r = s.authenticate(t);
        }
        if (!r) fail(401, "invalid_token", "the token's '" + std::string(ward::to_string(r.failed)) + "' claim was refused");
        if (!r.value.principal().valid()) fail(401, "invalid_token", "the token's subject is not known (any more)");
        // The service's own rule, not ward: outside the authorization timer.
        if (who.subject.rfind("user:", 0) == 0) require_current(claims, std::string_view(who.subject).substr(5));
        who.cred = r.value;
        return who;
    }

    ward::decision<ident_perm> ident_check(call& c, const ward::snapshot<ident_perm>& s, const ident_caller& who, ident_perm need,
                                           std::string_view target) {
        ward::decision<ident_perm> d;
        {
            authz_timer timer(c);
            d = s.check(who.cred, ident_set{need}, target);
        }
        note_allowed(c, s, d);
        return d;
    }

    /// Everything the caller may do at `target` (after denies and the token's caps).
    ident_set ident_held(call& c, const ward::snapshot<ident_perm>& s, const ident_caller& who, std::string_view target) {
        authz_timer timer(c);
        return s.effective_permissions(who.cred, s.find_scope(target)).permissions;
    }

    /// Nobody confers what they do not hold: every bit of `mask` must be among the caller's
    /// effective permissions at `target` (so an application cannot mint a Sudo user).
    void ident_may_confer(call& c, const ward::snapshot<ident_perm>& s, const ident_caller& who, std::uint32_t mask,
                          std::string_view target) {
        const ident_set beyond = ident_set::from_integer(mask).value - ident_held(c, s, who, target);
        if (!beyond.none())
            fail(403, "beyond_own_permissions",
                 "a caller confers only permissions it holds; not held at " + std::string(target) + ": " + ward::to_string(beyond));
    }

    /// Nobody manages a user more privileged than themselves: changing or deleting another user's
    /// record needs every privileged permission the record holds (Sudo and what it stands for),
    /// so UpdateUser alone cannot reset a sudoer's password and log in as them.
    void ident_may_manage(call& c, const ward::snapshot<ident_perm>& s, const ident_caller& who, std::uint32_t target_mask,
                          std::string_view target) {
        static constexpr ident_set privileged = ident_set{ident_perm::sudo}.implied();
        const ident_set theirs = ident_set::from_integer(target_mask).value.implied() & privileged;
        if (theirs.none()) return;
        const ident_set beyond = theirs - ident_held(c, s, who, target);
        if (!beyond.none())
            fail(403, "outranked", "the user holds privileged permissions the caller does not: " + ward::to_string(beyond));
    }

    static json ident_user_json(const ident_user& u) {
        return json{{"id", u.id},
                    {"created_at", u.created_at},
                    {"name", u.first_name + (u.first_name.empty() || u.last_name.empty() ? "" : " ") + u.last_name},
                    {"first_name", u.first_name},
                    {"last_name", u.last_name},
                    {"email", u.email.empty() ? json(nullptr) : json(u.email)},
                    {"permissions", u.permissions},
                    {"application_id", u.application_id ? json(*u.application_id) : json(nullptr)}};
    }

    std::optional<ident_user> find_ident_user(std::string_view id) {
        return db.read([&](const store::reader& r) -> std::optional<ident_user> {
            auto s = r.prepare(std::string("SELECT ") + ident_user_columns + " FROM users WHERE id = ?1");
            s.bind(1, id);
            if (!s.step()) return std::nullopt;
            return read_ident_user(s);
        });
    }

    reply ident_list(call& c) {
        const auto snap = ident.read();
        const ident_caller who = ident_login(c, *snap);
        const auto d = ident_check(c, *snap, who, ident_perm::list_users, who.home);
        if (!d.allowed) deny(*snap, d, ward::status_table{}, "listing users needs ListUsers (or Sudo) at " + who.home);
        const auto users = db.read([](const store::reader& r) {
            std::vector<ident_user> out;
            for (auto s = r.prepare(std::string("SELECT ") + ident_user_columns + " FROM users ORDER BY created_at, id"); s.step();)
                out.push_back(read_ident_user(s));
            return out;
        });
        json out = json::array();
        for (const ident_user& u : users)
            if (ident_check(c, *snap, who, ident_perm::list_users, ident_user_scope(u.id)).allowed) out.push_back(ident_user_json(u));
        return {200, std::move(out)};
    }

    reply ident_create(call& c) {
        const json body = parse_body(c);
        allow_only(body, {"email", "password", "first_name", "last_name", "permissions"});
        const auto password = string_field(body, "password", 8, 128, false);
        // A user who logs in needs an email; a virtual user (an application's record) may have none.
        const std::string email = email_field(body, password.has_value());
        const auto first = string_field(body, "first_name", 0, 100, false).value_or("");
        const auto last = string_field(body, "last_name", 0, 100, false).value_or("");
        std::uint32_t mask = 0;
        bool mask_given = false;
        if (const auto it = body.find("permissions"); it != body.end() && !it->is_null()) {
            if (!it->is_number_unsigned() || it->get<std::uint64_t>() > 0xFFFFFFFFu)
                fail(400, "wrong_type", "'permissions' must be a uint32 mask");
            mask = static_cast<std::uint32_t>(it->get<std::uint64_t>());
            if (!ident_set::from_integer(mask)) fail(400, "bad_permissions", "'permissions' has bits ident does not define");
            mask_given = mask != 0;
        }
        mask = provide::permissions_for_new_user(mask);
        // Hashing is slow on purpose: it happens before the writer lock is taken.
        std::string hash;
        if (password) hash = password_hash(*password, options.pbkdf2_iterations);

        const write_lock serial = serialize();
        const auto snap = ident.share();
        const ident_caller who = ident_login(c, *snap);
        const bool application = who.subject.rfind("application:", 0) == 0;
        std::optional<std::string> application_id;
        if (application) {
            // An application token creates the user under its application (a virtual user without a password).
            const auto d = ident_check(c, *snap, who, ident_perm::create_user, who.subject);
            if (!d.allowed) deny(*snap, d, ward::status_table{}, "creating users needs CreateUser at the application");
            application_id = who.subject.substr(std::string_view("application:").size());
        } else if (!password) {
            if (who.subject.empty())
                throw http_error{401, "unauthenticated", "a virtual user (no password) needs an application token", {}};
            fail(403, "application_token_required", "a virtual user (no password) needs an application-scoped token");
        }
        if (mask_given) {
            const std::string target = application ? who.subject : std::string("ident");
            const auto d = ident_check(c, *snap, who, ident_perm::update_user, target);
            if (!d.allowed) deny(*snap, d, ward::status_table{}, "setting 'permissions' needs UpdateUser (or Sudo)");
            ident_may_confer(c, *snap, who, mask, target);
        }

        ident_user u;
        u.id = random_uuid();
        u.email = email;
        u.first_name = first;
        u.last_name = last;
        if (password) u.password_hash = std::move(hash);
        u.application_id = application_id;
        u.permissions = mask;
        u.created_at = timestamp_now();
        write(serial, api_ident | api_provisioning, [&](store::transaction& t) {
            if (!email.empty() && email_taken(t, "users", email)) fail(409, "email_taken", "a user with this email already exists");
            t.prepare(std::string("INSERT INTO users (") + ident_user_columns + ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")
                .bind(1, u.id)
                .bind(2, email.empty() ? std::optional<std::string>() : std::optional<std::string>(email))
                .bind(3, u.first_name)
                .bind(4, u.last_name)
                .bind(5, u.password_hash)
                .bind(6, u.application_id)
                .bind(7, static_cast<std::int64_t>(u.permissions))
                .bind(8, u.created_at)
                .run();
        });
        return {201, ident_user_json(u)};
    }

    static bool email_taken(store::transaction& t, const char* table, std::string_view email, std::string_view except = {}) {
        auto s = t.prepare(std::string("SELECT count(*) FROM ") + table + " WHERE email = ?1 COLLATE NOCASE AND id != ?2");
        s.bind(1, email).bind(2, except);
        return s.step() && s.integer(0) > 0;
    }

    /// The user `{id}` names, validated; a malformed id is a 400, an unknown one a 404.
    static std::string ident_id(const call& c) {
        std::string id = c.req.matches[1];
        if (!is_uuid(id)) fail(400, "bad_id", "'" + printable(id) + "' is not a user id (a UUID)");
        // Ids are stored in lower case; a UUID written in upper case names the same user.
        lower_ascii(id);
        return id;
    }

    reply ident_get(call& c) {
        const std::string id = ident_id(c);
        const auto snap = ident.read();
        const ident_caller who = ident_login(c, *snap);
        if (who.subject != "user:" + id || !who.cred.authenticated()) {
            const auto d = ident_check(c, *snap, who, ident_perm::list_users, ident_user_scope(id));
            if (!d.allowed) deny(*snap, d, ward::status_table{}, "reading another user needs ListUsers (or Sudo)");
        }
        const auto u = find_ident_user(id);
        if (!u) fail(404, "not_found", "no such user");
        return {200, ident_user_json(*u)};
    }

    reply ident_update(call& c) {
        const std::string id = ident_id(c);
        const json body = parse_body(c);
        allow_only(body, {"email", "password", "first_name", "last_name", "permissions"});
        const std::string email = email_field(body, false);
        const auto password = string_field(body, "password", 8, 128, false);
        const auto first = string_field(body, "first_name", 0, 100, false);
        const auto last = string_field(body, "last_name", 0, 100, false);
        std::optional<std::uint32_t> mask;
        if (const auto it = body.find("permissions"); it != body.end() && !it->is_null()) {
            if (!it->is_number_unsigned() || it->get<std::uint64_t>() > 0xFFFFFFFFu)
                fail(400, "wrong_type", "'permissions' must be a uint32 mask");
            const auto m = static_cast<std::uint32_t>(it->get<std::uint64_t>());
            if (!ident_set::from_integer(m)) fail(400, "bad_permissions", "'permissions' has bits ident does not define");
            mask = provide::permissions_for_new_user(m);
        }

        // Hashing is slow on purpose: it happens before the writer lock is taken.
        std::string hash;
        if (password) hash = password_hash(*password, options.pbkdf2_iterations);

        const write_lock serial = serialize();
        const auto snap = ident.share();
        const ident_caller who = ident_login(c, *snap);
        const bool own = who.cred.authenticated() && who.subject == "user:" + id;
        if (!own || mask) {
            const auto d = ident_check(c, *snap, who, ident_perm::update_user, ident_user_scope(id));
            if (!d.allowed)
                deny(*snap, d, ward::status_table{},
                     mask ? "setting permissions needs UpdateUser (or Sudo)" : "updating another user needs UpdateUser (or Sudo)");
            if (mask) ident_may_confer(c, *snap, who, *mask, ident_user_scope(id));
        }
        write(serial, mask ? unsigned{api_ident} : 0u, [&](store::transaction& t) {
            const auto current = stored_mask(t, id);
            if (!current) fail(404, "not_found", "no such user");
            if (!own) ident_may_manage(c, *snap, who, *current, ident_user_scope(id));
            if (!email.empty()) {
                if (email_taken(t, "users", email, id)) fail(409, "email_taken", "a user with this email already exists");
                t.prepare("UPDATE users SET email = ?2 WHERE id = ?1").bind(1, id).bind(2, email).run();
            }
            if (first) t.prepare("UPDATE users SET first_name = ?2 WHERE id = ?1").bind(1, id).bind(2, *first).run();
            if (last) t.prepare("UPDATE users SET last_name = ?2 WHERE id = ?1").bind(1, id).bind(2, *last).run();
            if (password) {
                const std::int64_t stamp = unix_now_ms();
                t.prepare("UPDATE users SET password_hash = ?2, tokens_valid_from = ?3 WHERE id = ?1").bind(1, id).bind(2, hash).bind(3, stamp).run();
                std::unique_lock<std::shared_mutex> lock(password_changes_mutex);
                password_changes[id] = stamp;
            }
            if (mask) t.prepare("UPDATE users SET permissions = ?2 WHERE id = ?1").bind(1, id).bind(2, static_cast<std::int64_t>(*mask)).run();
        });
        return {204, nullptr};
    }

    /// The stored mask of user `id`, read inside the write that is about to change the user.
    static std::optional<std::uint32_t> stored_mask(store::transaction& t, std::string_view id) {
        auto s = t.prepare("SELECT permissions FROM users WHERE id = ?1");
        s.bind(1, id);
        if (!s.step()) return std::nullopt;
        return static_cast<std::uint32_t>(s.integer(0));
    }

    reply ident_delete(call& c) {
        const std::string id = ident_id(c);
        const write_lock serial = serialize();
        const auto snap = ident.share();
        const ident_caller who = ident_login(c, *snap);
        const auto d = ident_check(c, *snap, who, ident_perm::delete_user, ident_user_scope(id));
        if (!d.allowed) deny(*snap, d, ward::status_table{}, "deleting a user needs DeleteUser (or Sudo)");
        write(serial, api_ident | api_provisioning, [&](store::transaction& t) {
            const auto current = stored_mask(t, id);
            if (!current) fail(404, "not_found", "no such user");
            if (who.subject != "user:" + id) ident_may_manage(c, *snap, who, *current, ident_user_scope(id));
            auto owns = t.prepare("SELECT count(*) FROM cl_memberships WHERE user_id = ?1 AND owner = 1");
            owns.bind(1, id);
            if (owns.step() && owns.integer(0) > 0)
                fail(409, "owns_organization", "this user owns an organization; transfer its ownership first");
            t.prepare("DELETE FROM cl_memberships WHERE user_id = ?1").bind(1, id).run();
            t.prepare("DELETE FROM users WHERE id = ?1").bind(1, id).run();
        });
        return {204, nullptr};
    }

    // ---- POST /api/v1/authenticate ----
    reply authenticate(call& c) {
        const json body = parse_body(c);
        allow_only(body, {"email", "password", "audience", "scope"});
        const std::string email = email_field(body, true);
        const std::string password = *string_field(body, "password", 1, 128, true);
        const std::string audience = string_field(body, "audience", 1, 32, false).value_or("ident");
        const auto scope = string_field(body, "scope", 0, 1024, false);
        if (audience != "ident" && audience != "provisioning" && audience != "bluebricks")
            fail(400, "bad_audience", "'audience' must be ident, provisioning or bluebricks");
        if (scope && audience != "bluebricks") fail(400, "unknown_field", "'scope' is only for the bluebricks audience");

        const char* table = audience == "bluebricks" ? "bb_users" : "users";
        const auto found = db.read([&](const store::reader& r) -> std::optional<std::pair<std::string, std::string>> {
            auto s = r.prepare(std::string("SELECT id, password_hash FROM ") + table +
                               " WHERE email = ?1 COLLATE NOCASE AND password_hash IS NOT NULL");
            s.bind(1, email);
            if (!s.step()) return std::nullopt;
            return std::make_pair(s.text(0), s.text(1));
        });
        if (!found) {
            password_burn(password, options.pbkdf2_iterations);
            fail(401, "invalid_credentials", "invalid credentials");
        }
        if (!password_verify(password, found->second)) fail(401, "invalid_credentials", "invalid credentials");
        mint_options m;
        m.audience = audience;
        m.subject = audience == "bluebricks" ? found->first : "user:" + found->first;
        m.scope = scope;
        m.ttl = options.token_ttl;
        std::string error;
        const auto token = mint(m, error);
        if (!token) fail(500, "token_error", error);
        return {201, json{{"token", *token},
                          {"token_type", "Bearer"},
                          {"expires_in", options.token_ttl},
                          {"audience", audience},
                          {"subject", m.subject}}};
    }

    /// Signs a token for `m` with the current policies: ident user tokens carry the stored mask,
    /// bluebricks tokens the user's organization and effective permissions (and scope = requested
    /// & held when a scope was asked for).
    std::optional<std::string> mint(const mint_options& m, std::string& error) {
        json claims = base_claims(m.audience, m.subject, m.ttl, m.not_before);
        if (m.audience == "ident") {
            std::uint64_t mask = 0;
            if (m.permissions) {
                mask = *m.permissions;
            } else if (m.subject.rfind("user:", 0) == 0) {
                const auto u = find_ident_user(std::string_view(m.subject).substr(5));
                if (!u) return error = "no ident user " + m.subject, std::nullopt;
                mask = u->permissions;
            } else if (m.subject.rfind("application:", 0) == 0) {
                mask = application_mask; // what the application holds: 510 and the user-management bits
            } else if (m.subject.rfind("organization:", 0) == 0) {
                mask = provide::organization_token;
            } else {
                return error = "an ident subject is user:, application: or organization:", std::nullopt;
            }
            if (mask > 0xFFFFFFFFu) return error = "an ident mask is 32 bits", std::nullopt;
            claims["permissions"] = mask;
        } else if (m.audience == "provisioning") {
            if (m.subject.rfind("user:", 0) != 0) return error = "a provisioning subject is user:<id>", std::nullopt;
        } else if (m.audience == "bluebricks") {
            const auto snap = bluebricks.read();
            const ward::principal_handle p = snap->find_principal(m.subject);
            if (!p) return error = "no bluebricks user " + m.subject, std::nullopt;
            const std::string organization(snap->scope_id(snap->parent(snap->find_scope(m.subject))));
            const ward::scope_handle org = snap->find_scope(organization);
            const bb_set held = snap->effective_permissions(ward::credential<bb_perm>::of(p), org).permissions;
            claims["org_id"] = organization;
            claims["permissions"] = names_of(held);
            if (m.scope) {
                const auto requested = ward::parse_scope<bb_perm>(*m.scope, ward::parse_mode::lenient);
                if (!requested) return error = "the requested scope is malformed", std::nullopt;
                claims["scope"] = ward::to_string(snap->grantable(p, org, requested.value));
            }
        } else {
            return error = "the audience is ident, provisioning or bluebricks", std::nullopt;
        }
        return jwt_sign(claims, db.secret());
    }

    // ======================================================================================================
    // Commerce Layer Provisioning
    // ======================================================================================================

    static constexpr ward::status_table cl_status = commerce_layer::statuses;

    struct cl_caller {
        ward::credential<cl_perm> cred;
        std::string user_id; ///< without the "user:" prefix
    };

    cl_caller cl_login(call& c, const ward::snapshot<cl_perm>& s) {
        const json claims = verified_claims(c.req, db.secret(), "provisioning");
        if (claims.is_null()) throw http_error{401, "unauthenticated", "this endpoint needs a token", {}};
        cl_caller who;
        const std::string sub = claim_string(claims, "sub");
        ward::token_claims t;
        t.subject = sub;
        ward::credential_result<cl_perm> r;
        {
            authz_timer timer(c);
            r = s.authenticate(t);
        }
        if (!r || sub.rfind("user:", 0) != 0 || !r.value.principal().valid())
            fail(401, "invalid_token", "the token's subject is not a provisioning user");
        require_current(claims, std::string_view(sub).substr(5)); // the service's rule, outside the timer
        who.cred = r.value;
        who.user_id = sub.substr(5);
        return who;
    }

    void cl_require(call& c, const ward::snapshot<cl_perm>& s, const cl_caller& who, subject on, crud action,
                    std::string_view target, const std::string& what) {
        ward::decision<cl_perm> d;
        {
            authz_timer timer(c);
            d = s.check(who.cred, cl_set{cl_perm{on, action}}, target);
        }
        if (!d.allowed) deny(s, d, cl_status, what + " needs " + std::string(ward::name_of(cl_perm{on, action})));
        note_allowed(c, s, d);
    }

    bool cl_allowed(call& c, const ward::snapshot<cl_perm>& s, const cl_caller& who, subject on, crud action,
                    std::string_view target) {
        ward::decision<cl_perm> d;
        {
            authz_timer timer(c);
            d = s.check(who.cred, cl_set{cl_perm{on, action}}, target);
        }
        note_allowed(c, s, d);
        return d.allowed;
    }

    /// What a membership reaches in one organization: at the organization itself and in each of
    /// its environments (live, test).
    struct cl_reach {
        cl_set organization, live, test;
        friend cl_reach operator|(const cl_reach& a, const cl_reach& b) {
            return {a.organization | b.organization, a.live | b.live, a.test | b.test};
        }
    };

    /// What the caller may do in `organization`, after every deny, ceiling and access scope.
    cl_reach cl_held(call& c, const ward::snapshot<cl_perm>& s, const cl_caller& who, std::string_view organization) {
        authz_timer timer(c);
        const auto at = [&](const std::string& scope) { return s.effective_permissions(who.cred, s.find_scope(scope)).permissions; };
        return {at(std::string(organization)), at(commerce_layer::environment_id(organization, commerce_layer::access_scope::live)),
                at(commerce_layer::environment_id(organization, commerce_layer::access_scope::test))};
    }

    /// What a membership with `role` and `access` would give, as the policy builds it: the whole
    /// role everywhere for `all`; for `live` or `test`, the role's Provisioning subjects at the
    /// organization and the whole role in that environment.
    static cl_reach cl_gives(const ward::snapshot<cl_perm>& s, std::string_view role, std::string_view access) {
        const cl_set whole = s.role_permissions(role);
        const cl_set org_level = whole & commerce_layer::provisioning_subjects;
        if (access == "all") return {whole, whole, whole};
        return {org_level, access == "live" ? whole : org_level, access == "test" ? whole : org_level};
    }

    /// Nobody confers or manages more than they hold: every permission of `gives` must be held
    /// where it would apply. Otherwise a member with memberships.update or permissions.create
    /// could hand themselves the admin role.
    void cl_may_confer(call& c, const ward::snapshot<cl_perm>& s, const cl_caller& who, std::string_view organization,
                       const cl_reach& gives, const std::string& what) {
        const cl_reach held = cl_held(c, s, who, organization);
        const cl_set beyond = (gives.organization - held.organization) | (gives.live - held.live) | (gives.test - held.test);
        if (!beyond.none())
            throw http_error{cl_status(ward::reason::missing_permission), "beyond_own_permissions",
                             what + " would confer permissions the caller does not hold: " + ward::to_string(beyond), {}};
    }

    /// A record in an organization the caller is no member of does not exist for the caller.
    bool is_member(std::string_view user_id, std::string_view organization) {
        return db.read([&](const store::reader& r) {
            auto s = r.prepare("SELECT count(*) FROM cl_memberships WHERE user_id = ?1 AND organization_id = ?2");
            s.bind(1, user_id).bind(2, organization);
            return s.step() && s.integer(0) > 0;
        });
    }

    static json resource(std::string_view type, std::string_view id, json attributes, json relationships = nullptr) {
        json r{{"id", id}, {"type", type}, {"attributes", std::move(attributes)}};
        if (!relationships.is_null()) r["relationships"] = std::move(relationships);
        return r;
    }
    static json related(std::string_view type, std::string_view id) { return json{{"data", {{"type", type}, {"id", id}}}}; }

    static json organization_json(const cl_organization& o) {
        return resource("organizations", o.id, {{"name", o.name}, {"created_at", o.created_at}});
    }
    static json role_json(const cl_role& r) {
        return resource("roles", r.id, {{"name", r.name}, {"kind", r.kind}, {"created_at", r.created_at}},
                        {{"organization", related("organizations", r.organization_id)}});
    }
    static json permission_json(const cl_permission& p) {
        return resource("permissions", p.id,
                        {{"subject_class", p.subject_class},
                         {"can_create", p.can_create},
                         {"can_read", p.can_read},
                         {"can_update", p.can_update},
                         {"can_destroy", p.can_destroy},
                         {"created_at", p.created_at}},
                        {{"role", related("roles", p.role_id)}});
    }
    json membership_json(const cl_membership& m) {
        const auto u = find_ident_user(m.user_id);
        return resource("memberships", m.id,
                        {{"user_email", u ? u->email : std::string()},
                         {"owner", m.owner},
                         {"access_scope", m.access_scope},
                         {"created_at", m.created_at}},
                        {{"organization", related("organizations", m.organization_id)},
                         {"role", related("roles", m.role_id)},
                         {"user", related("users", m.user_id)}});
    }

    /// The JSON:API document's `data` object: its `type` must be `type`; returns (attributes, relationships).
    static std::pair<json, json> document(const json& body, std::string_view type, std::initializer_list<std::string_view> attributes,
                                          std::initializer_list<std::string_view> relationships) {
        allow_only(body, {"data"});
        const auto data = body.find("data");
        if (data == body.end() || !data->is_object()) fail(400, "missing_field", "'data' must be an object");
        allow_only(*data, {"type", "id", "attributes", "relationships"}, "data");
        const auto t = data->find("type");
        if (t == data->end() || !t->is_string() || t->get<std::string>() != type)
            fail(400, "wrong_type", "'data.type' must be \"" + std::string(type) + "\"");
        json attrs = json::object(), rels = json::object();
        if (const auto a = data->find("attributes"); a != data->end()) {
            if (!a->is_object()) fail(400, "wrong_type", "'data.attributes' must be an object");
            allow_only(*a, attributes, "data.attributes");
            attrs = *a;
        }
        if (const auto r = data->find("relationships"); r != data->end()) {
            if (!r->is_object()) fail(400, "wrong_type", "'data.relationships' must be an object");
            allow_only(*r, relationships, "data.relationships");
            rels = *r;
        }
        return {std::move(attrs), std::move(rels)};
    }

    /// The id of relationship `name` (`{"data": {"type": ..., "id": ...}}`); "" when absent and optional.
    static std::string relationship(const json& rels, const char* name, std::string_view type, std::string_view prefix, bool required) {
        const auto it = rels.find(name);
        if (it == rels.end()) {
            if (required) fail(400, "missing_field", std::string("the '") + name + "' relationship is required");
            return {};
        }
        if (!it->is_object() || !it->contains("data") || !(*it)["data"].is_object())
            fail(400, "wrong_type", std::string("the '") + name + "' relationship must be {\"data\": {\"type\", \"id\"}}");
        const json& d = (*it)["data"];
        allow_only(d, {"type", "id"}, name);
        if (!d.contains("type") || !d["type"].is_string() || d["type"].get<std::string>() != type)
            fail(400, "wrong_type", std::string("the '") + name + "' relationship's type must be \"" + std::string(type) + "\"");
        if (!d.contains("id") || !d["id"].is_string()) fail(400, "wrong_type", std::string("the '") + name + "' relationship needs an id");
        std::string id = d["id"].get<std::string>();
        if (!is_record_id(id, prefix)) fail(400, "bad_id", "'" + printable(id) + "' is not a " + std::string(type) + " id");
        return id;
    }

    static std::string path_id(const call& c, std::string_view prefix, std::string_view what) {
        const std::string id = c.req.matches[1];
        if (!is_record_id(id, prefix)) fail(400, "bad_id", "'" + printable(id) + "' is not " + std::string(what) + " id");
        return id;
    }

    template <class Row>
    std::optional<Row> find_row(const char* table, const char* columns, Row (*read_row)(const statement&), std::string_view id) {
        return db.read([&](const store::reader& r) -> std::optional<Row> {
            auto s = r.prepare(std::string("SELECT ") + columns + " FROM " + table + " WHERE id = ?1");
            s.bind(1, id);
            if (!s.step()) return std::nullopt;
            return read_row(s);
        });
    }
    static cl_organization read_cl_organization(const statement& s) { return {s.text(0), s.text(1), s.text(2)}; }
    std::optional<cl_organization> find_organization(std::string_view id) {
        return find_row<cl_organization>("cl_organizations", "id, name, created_at", &read_cl_organization, id);
    }
    std::optional<cl_role> find_role(std::string_view id) { return find_row<cl_role>("cl_roles", cl_role_columns, &read_cl_role, id); }
    std::optional<cl_permission> find_permission(std::string_view id) {
        return find_row<cl_permission>("cl_permissions", cl_permission_columns, &read_cl_permission, id);
    }
    std::optional<cl_membership> find_membership(std::string_view id) {
        return find_row<cl_membership>("cl_memberships", cl_membership_columns, &read_cl_membership, id);
    }

    /// A record of `organization` as the caller sees it: 404 unless a member.
    void cl_visible(const cl_caller& who, std::string_view organization, bool exists, std::string_view what) {
        if (!exists || !is_member(who.user_id, organization)) fail(404, "not_found", "no such " + std::string(what));
    }

    template <class Row>
    std::vector<Row> all_rows(const char* table, const char* columns, Row (*read_row)(const statement&)) {
        return db.read([&](const store::reader& r) {
            std::vector<Row> out;
            for (auto s = r.prepare(std::string("SELECT ") + columns + " FROM " + table + " ORDER BY created_at, id"); s.step();)
                out.push_back(read_row(s));
            return out;
        });
    }

    // ---- /api/user ----
    reply cl_user(call& c) {
        const auto snap = provisioning.read();
        const cl_caller who = cl_login(c, *snap);
        const auto u = find_ident_user(who.user_id);
        if (!u) fail(404, "not_found", "no such user");
        return {200, json{{"data", resource("user", u->id, {{"email", u->email}, {"first_name", u->first_name}, {"last_name", u->last_name}})}}};
    }

    /// PATCH /api/user: the caller's own name and email (the user is the token's subject; nobody
    /// else's record is reachable here).
    reply cl_user_update(call& c) {
        const json body = parse_body(c);
        const auto [attrs, rels] = document(body, "user", {"email", "first_name", "last_name"}, {});
        const std::string email = email_field(attrs, false);
        const auto first = string_field(attrs, "first_name", 0, 100, false);
        const auto last = string_field(attrs, "last_name", 0, 100, false);
        const write_lock serial = serialize();
        const auto snap = provisioning.share();
        const cl_caller who = cl_login(c, *snap);
        write(serial, 0u, [&](store::transaction& t) {
            if (!email.empty()) {
                if (email_taken(t, "users", email, who.user_id)) fail(409, "email_taken", "a user with this email already exists");
                t.prepare("UPDATE users SET email = ?2 WHERE id = ?1").bind(1, who.user_id).bind(2, email).run();
            }
            if (first) t.prepare("UPDATE users SET first_name = ?2 WHERE id = ?1").bind(1, who.user_id).bind(2, *first).run();
            if (last) t.prepare("UPDATE users SET last_name = ?2 WHERE id = ?1").bind(1, who.user_id).bind(2, *last).run();
        });
        return cl_user(c);
    }

    // ---- /api/organizations ----
    reply cl_organizations_list(call& c) {
        const auto snap = provisioning.read();
        const cl_caller who = cl_login(c, *snap);
        json out = json::array();
        for (const cl_organization& o : all_rows<cl_organization>("cl_organizations", "id, name, created_at", &read_cl_organization))
            if (cl_allowed(c, *snap, who, subject::organizations, crud::read, o.id)) out.push_back(organization_json(o));
        return {200, json{{"data", std::move(out)}}};
    }

    reply cl_organization_get(call& c) {
        const std::string id = path_id(c, "org", "an organization");
        const auto snap = provisioning.read();
        const cl_caller who = cl_login(c, *snap);
        const auto o = find_organization(id);
        cl_visible(who, id, o.has_value(), "organization");
        cl_require(c, *snap, who, subject::organizations, crud::read, id, "reading an organization");
        return {200, json{{"data", organization_json(*o)}}};
    }

    reply cl_organization_create(call& c) {
        const json body = parse_body(c);
        const auto [attrs, rels] = document(body, "organizations", {"name"}, {});
        const std::string name = *string_field(attrs, "name", 1, 100, true);
        const write_lock serial = serialize();
        const auto snap = provisioning.share();
        const cl_caller who = cl_login(c, *snap);
        if (!who.cred.authenticated()) fail(401, "unauthenticated", "creating an organization needs a user");
        cl_organization o{random_id("org"), name, timestamp_now()};
        write(serial, api_provisioning, [&](store::transaction& t) {
            const std::string admin = random_id("role"), read_only = random_id("role");
            t.prepare("INSERT INTO cl_organizations VALUES (?1, ?2, ?3)").bind(1, o.id).bind(2, o.name).bind(3, o.created_at).run();
            t.prepare("INSERT INTO cl_roles VALUES (?1, ?3, 'Admin', 'admin', ?4), (?2, ?3, 'Read-only', 'read_only', ?4)")
                .bind(1, admin)
                .bind(2, read_only)
                .bind(3, o.id)
                .bind(4, o.created_at)
                .run();
            t.prepare("INSERT INTO cl_memberships VALUES (?1, ?2, ?3, ?4, 1, 'all', ?5)")
                .bind(1, random_id("mem"))
                .bind(2, o.id)
                .bind(3, who.user_id)
                .bind(4, admin)
                .bind(5, o.created_at)
                .run();
        });
        return {201, json{{"data", organization_json(o)}}};
    }

    reply cl_organization_update(call& c) {
        const std::string id = path_id(c, "org", "an organization");
        const json body = parse_body(c);
        const auto [attrs, rels] = document(body, "organizations", {"name"}, {});
        const auto name = string_field(attrs, "name", 1, 100, false);
        const write_lock serial = serialize();
        const auto snap = provisioning.share();
        const cl_caller who = cl_login(c, *snap);
        auto o = find_organization(id);
        cl_visible(who, id, o.has_value(), "organization");
        cl_require(c, *snap, who, subject::organizations, crud::update, id, "updating an organization");
        if (name) {
            write(serial, api_provisioning, [&](store::transaction& t) {
                t.prepare("UPDATE cl_organizations SET name = ?2 WHERE id = ?1").bind(1, id).bind(2, *name).run();
            });
            o->name = *name;
        }
        return {200, json{{"data", organization_json(*o)}}};
    }

    // ---- /api/memberships ----
    reply cl_memberships_list(call& c) {
        const auto snap = provisioning.read();
        const cl_caller who = cl_login(c, *snap);
        json out = json::array();
        for (const cl_membership& m : all_rows<cl_membership>("cl_memberships", cl_membership_columns, &read_cl_membership))
            if (m.user_id == who.user_id || cl_allowed(c, *snap, who, subject::memberships, crud::read, m.organization_id))
                out.push_back(membership_json(m));
        return {200, json{{"data", std::move(out)}}};
    }

    reply cl_membership_get(call& c) {
        const std::string id = path_id(c, "mem", "a membership");
        const auto snap = provisioning.read();
        const cl_caller who = cl_login(c, *snap);
        const auto m = find_membership(id);
        cl_visible(who, m ? m->organization_id : std::string(), m.has_value(), "membership");
        if (m->user_id != who.user_id)
            cl_require(c, *snap, who, subject::memberships, crud::read, m->organization_id, "reading a membership");
        return {200, json{{"data", membership_json(*m)}}};
    }

    std::string access_attribute(const json& attrs) {
        const auto a = string_field(attrs, "access_scope", 1, 8, false);
        if (a && !access_named(*a)) fail(400, "bad_value", "'access_scope' must be live, test or all");
        return a.value_or("");
    }

    reply cl_membership_create(call& c) {
        const json body = parse_body(c);
        const auto [attrs, rels] = document(body, "memberships", {"user_email", "access_scope"}, {"organization", "role"});
        const std::string email = email_field(json{{"email", *string_field(attrs, "user_email", 3, 254, true)}}, true);
        std::string access = access_attribute(attrs);
        if (access.empty()) access = "all";
        const std::string organization = relationship(rels, "organization", "organizations", "org", true);
        const std::string role = relationship(rels, "role", "roles", "role", true);
        const write_lock serial = serialize();
        const auto snap = provisioning.share();
        const cl_caller who = cl_login(c, *snap);
        cl_visible(who, organization, find_organization(organization).has_value(), "organization");
        cl_require(c, *snap, who, subject::memberships, crud::create, organization, "creating a membership");
        cl_may_confer(c, *snap, who, organization, cl_gives(*snap, role, access), "this membership");

        cl_membership m{random_id("mem"), organization, {}, role, false, access, timestamp_now()};
        write(serial, api_provisioning, [&](store::transaction& t) {
            auto u = t.prepare("SELECT id FROM users WHERE email = ?1 COLLATE NOCASE");
            u.bind(1, email);
            if (!u.step()) fail(422, "unknown_user", "no user has the email " + printable(email));
            m.user_id = u.text(0);
            auto r = t.prepare("SELECT count(*) FROM cl_roles WHERE id = ?1 AND organization_id = ?2");
            r.bind(1, role).bind(2, organization);
            if (!r.step() || r.integer(0) == 0) fail(422, "unknown_role", "the role is not one of this organization's roles");
            auto dup = t.prepare("SELECT count(*) FROM cl_memberships WHERE user_id = ?1 AND organization_id = ?2");
            dup.bind(1, m.user_id).bind(2, organization);
            if (dup.step() && dup.integer(0) > 0) fail(409, "already_member", "this user is already a member of the organization");
            t.prepare(std::string("INSERT INTO cl_memberships (") + cl_membership_columns + ") VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6)")
                .bind(1, m.id)
                .bind(2, m.organization_id)
                .bind(3, m.user_id)
                .bind(4, m.role_id)
                .bind(5, m.access_scope)
                .bind(6, m.created_at)
                .run();
        });
        return {201, json{{"data", membership_json(m)}}};
    }

    reply cl_membership_update(call& c) {
        const std::string id = path_id(c, "mem", "a membership");
        const json body = parse_body(c);
        const auto [attrs, rels] = document(body, "memberships", {"access_scope", "owner"}, {"role"});
        const std::string access = access_attribute(attrs);
        const auto owner = bool_field(attrs, "owner");
        const std::string role = relationship(rels, "role", "roles", "role", false);
        if (owner && !*owner) fail(422, "owner_required", "ownership is transferred (owner: true on the new owner), never dropped");
        const write_lock serial = serialize();
        const auto snap = provisioning.share();
        const cl_caller who = cl_login(c, *snap);
        auto m = find_membership(id);
        cl_visible(who, m ? m->organization_id : std::string(), m.has_value(), "membership");
        cl_require(c, *snap, who, subject::memberships, crud::update, m->organization_id, "updating a membership");
        if (!role.empty() || !access.empty()) {
            // The owner's membership is the owner's alone; anyone else's only for whoever holds
            // everything it gives now and everything it would give after the change.
            if (m->owner && m->user_id != who.user_id)
                throw http_error{cl_status(ward::reason::missing_permission), "owner_required",
                                 "only the owner changes the owner's membership", {}};
            const cl_reach now = cl_gives(*snap, m->role_id, m->access_scope);
            const cl_reach after = cl_gives(*snap, role.empty() ? m->role_id : role, access.empty() ? m->access_scope : access);
            cl_may_confer(c, *snap, who, m->organization_id, now | after, "changing this membership");
        }
        write(serial, api_provisioning, [&](store::transaction& t) {
            if (owner) {
                auto current = t.prepare("SELECT user_id FROM cl_memberships WHERE organization_id = ?1 AND owner = 1");
                current.bind(1, m->organization_id);
                if (!current.step() || current.text(0) != who.user_id)
                    throw http_error{cl_status(ward::reason::missing_permission), "owner_required",
                                     "only the organization's owner can transfer its ownership", {}};
                auto admin = t.prepare("SELECT id FROM cl_roles WHERE organization_id = ?1 AND kind = 'admin' ORDER BY created_at LIMIT 1");
                admin.bind(1, m->organization_id);
                if (!admin.step()) fail(409, "no_admin_role", "the organization has no admin role");
                const std::string admin_role = admin.text(0);
                t.prepare("UPDATE cl_memberships SET owner = 0 WHERE organization_id = ?1").bind(1, m->organization_id).run();
                t.prepare("UPDATE cl_memberships SET owner = 1, role_id = ?2 WHERE id = ?1").bind(1, id).bind(2, admin_role).run();
                m->owner = true;
                m->role_id = admin_role;
            }
            if (!role.empty()) {
                if (m->owner) fail(409, "owner_is_admin", "the owner keeps the admin role; transfer ownership first");
                auto r = t.prepare("SELECT count(*) FROM cl_roles WHERE id = ?1 AND organization_id = ?2");
                r.bind(1, role).bind(2, m->organization_id);
                if (!r.step() || r.integer(0) == 0) fail(422, "unknown_role", "the role is not one of this organization's roles");
                t.prepare("UPDATE cl_memberships SET role_id = ?2 WHERE id = ?1").bind(1, id).bind(2, role).run();
                m->role_id = role;
            }
            if (!access.empty()) {
                t.prepare("UPDATE cl_memberships SET access_scope = ?2 WHERE id = ?1").bind(1, id).bind(2, access).run();
                m->access_scope = access;
            }
        });
        return {200, json{{"data", membership_json(*m)}}};
    }

    reply cl_membership_delete(call& c) {
        const std::string id = path_id(c, "mem", "a membership");
        const write_lock serial = serialize();
        const auto snap = provisioning.share();
        const cl_caller who = cl_login(c, *snap);
        const auto m = find_membership(id);
        cl_visible(who, m ? m->organization_id : std::string(), m.has_value(), "membership");
        cl_require(c, *snap, who, subject::memberships, crud::destroy, id, "deleting a membership");
        write(serial, api_provisioning, [&](store::transaction& t) {
            auto del = t.prepare("DELETE FROM cl_memberships WHERE id = ?1 AND owner = 0 RETURNING id");
            del.bind(1, id);
            if (!del.step()) fail(409, "owner_membership", "the owner's membership cannot be deleted; transfer ownership first");
            del.run();
        });
        return {204, nullptr};
    }

    // ---- /api/roles ----
    reply cl_roles_list(call& c) {
        const auto snap = provisioning.read();
        const cl_caller who = cl_login(c, *snap);
        json out = json::array();
        for (const cl_role& r : all_rows<cl_role>("cl_roles", cl_role_columns, &read_cl_role))
            if (cl_allowed(c, *snap, who, subject::roles, crud::read, r.organization_id)) out.push_back(role_json(r));
        return {200, json{{"data", std::move(out)}}};
    }

    reply cl_role_get(call& c) {
        const std::string id = path_id(c, "role", "a role");
        const auto snap = provisioning.read();
        const cl_caller who = cl_login(c, *snap);
        const auto r = find_role(id);
        cl_visible(who, r ? r->organization_id : std::string(), r.has_value(), "role");
        cl_require(c, *snap, who, subject::roles, crud::read, r->organization_id, "reading a role");
        return {200, json{{"data", role_json(*r)}}};
    }

    reply cl_role_create(call& c) {
        const json body = parse_body(c);
        const auto [attrs, rels] = document(body, "roles", {"name"}, {"organization"});
        const std::string name = *string_field(attrs, "name", 1, 100, true);
        const std::string organization = relationship(rels, "organization", "organizations", "org", true);
        const write_lock serial = serialize();
        const auto snap = provisioning.share();
        const cl_caller who = cl_login(c, *snap);
        cl_visible(who, organization, find_organization(organization).has_value(), "organization");
        cl_require(c, *snap, who, subject::roles, crud::create, organization, "creating a role");
        const cl_role r{random_id("role"), organization, name, "custom", timestamp_now()};
        write(serial, api_provisioning, [&](store::transaction& t) {
            t.prepare(std::string("INSERT INTO cl_roles (") + cl_role_columns + ") VALUES (?1, ?2, ?3, ?4, ?5)")
                .bind(1, r.id)
                .bind(2, r.organization_id)
                .bind(3, r.name)
                .bind(4, r.kind)
                .bind(5, r.created_at)
                .run();
        });
        return {201, json{{"data", role_json(r)}}};
    }

    reply cl_role_update(call& c) {
        const std::string id = path_id(c, "role", "a role");
        const json body = parse_body(c);
        const auto [attrs, rels] = document(body, "roles", {"name"}, {});
        const auto name = string_field(attrs, "name", 1, 100, false);
        const write_lock serial = serialize();
        const auto snap = provisioning.share();
        const cl_caller who = cl_login(c, *snap);
        auto r = find_role(id);
        cl_visible(who, r ? r->organization_id : std::string(), r.has_value(), "role");
        cl_require(c, *snap, who, subject::roles, crud::update, r->organization_id, "updating a role");
        if (name) {
            write(serial, api_provisioning, [&](store::transaction& t) {
                t.prepare("UPDATE cl_roles SET name = ?2 WHERE id = ?1").bind(1, id).bind(2, *name).run();
            });
            r->name = *name;
        }
        return {200, json{{"data", role_json(*r)}}};
    }

    // ---- /api/permissions ----
    std::string organization_of_role(std::string_view role) {
        const auto r = find_role(role);
        return r ? r->organization_id : std::string();
    }

    reply cl_permissions_list(call& c) {
        const auto snap = provisioning.read();
        const cl_caller who = cl_login(c, *snap);
        json out = json::array();
        for (const cl_permission& p : all_rows<cl_permission>("cl_permissions", cl_permission_columns, &read_cl_permission))
            if (cl_allowed(c, *snap, who, subject::permissions, crud::read, organization_of_role(p.role_id)))
                out.push_back(permission_json(p));
        return {200, json{{"data", std::move(out)}}};
    }

    reply cl_permission_get(call& c) {
        const std::string id = path_id(c, "perm", "a permission");
        const auto snap = provisioning.read();
        const cl_caller who = cl_login(c, *snap);
        const auto p = find_permission(id);
        const std::string organization = p ? organization_of_role(p->role_id) : std::string();
        cl_visible(who, organization, p.has_value(), "permission");
        cl_require(c, *snap, who, subject::permissions, crud::read, organization, "reading a permission");
        return {200, json{{"data", permission_json(*p)}}};
    }

    /// What one permission row gives the role's members (a custom role never manages memberships).
    static cl_set cl_row_set(const cl_permission& p) {
        const auto on = subject_named(p.subject_class);
        if (!on) return cl_set{};
        return commerce_layer::permission_row_set(*on, p.can_create, p.can_read, p.can_update, p.can_destroy);
    }

    reply cl_permission_create(call& c) {
        const json body = parse_body(c);
        const auto [attrs, rels] =
            document(body, "permissions", {"subject_class", "can_create", "can_read", "can_update", "can_destroy"}, {"role"});
        const std::string subject_class = *string_field(attrs, "subject_class", 1, 64, true);
        if (!subject_named(subject_class)) fail(422, "unknown_subject", "'" + printable(subject_class) + "' is not a subject class");
        cl_permission p{random_id("perm"),
                        relationship(rels, "role", "roles", "role", true),
                        subject_class,
                        bool_field(attrs, "can_create").value_or(false),
                        bool_field(attrs, "can_read").value_or(false),
                        bool_field(attrs, "can_update").value_or(false),
                        bool_field(attrs, "can_destroy").value_or(false),
                        timestamp_now()};
        const write_lock serial = serialize();
        const auto snap = provisioning.share();
        const cl_caller who = cl_login(c, *snap);
        const auto role = find_role(p.role_id);
        if (!role || !is_member(who.user_id, role->organization_id)) fail(422, "unknown_role", "no such role");
        cl_require(c, *snap, who, subject::permissions, crud::create, role->organization_id, "creating a permission");
        if (role->kind != "custom") fail(422, "not_custom", "only custom roles take permissions (admin and read_only are fixed)");
        const cl_set row = cl_row_set(p);
        cl_may_confer(c, *snap, who, role->organization_id, {row, row, row}, "this permission");
        write(serial, api_provisioning, [&](store::transaction& t) {
            auto dup = t.prepare("SELECT count(*) FROM cl_permissions WHERE role_id = ?1 AND subject_class = ?2");
            dup.bind(1, p.role_id).bind(2, p.subject_class);
            if (dup.step() && dup.integer(0) > 0) fail(409, "duplicate_subject", "the role already has a permission for this subject");
            t.prepare(std::string("INSERT INTO cl_permissions (") + cl_permission_columns + ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")
                .bind(1, p.id)
                .bind(2, p.role_id)
                .bind(3, p.subject_class)
                .bind(4, std::int64_t{p.can_create})
                .bind(5, std::int64_t{p.can_read})
                .bind(6, std::int64_t{p.can_update})
                .bind(7, std::int64_t{p.can_destroy})
                .bind(8, p.created_at)
                .run();
        });
        return {201, json{{"data", permission_json(p)}}};
    }

    reply cl_permission_update(call& c) {
        const std::string id = path_id(c, "perm", "a permission");
        const json body = parse_body(c);
        const auto [attrs, rels] = document(body, "permissions", {"can_create", "can_read", "can_update", "can_destroy"}, {});
        const auto can_create = bool_field(attrs, "can_create"), can_read = bool_field(attrs, "can_read"),
                   can_update = bool_field(attrs, "can_update"), can_destroy = bool_field(attrs, "can_destroy");
        const write_lock serial = serialize();
        const auto snap = provisioning.share();
        const cl_caller who = cl_login(c, *snap);
        auto p = find_permission(id);
        const std::string organization = p ? organization_of_role(p->role_id) : std::string();
        cl_visible(who, organization, p.has_value(), "permission");
        cl_require(c, *snap, who, subject::permissions, crud::update, organization, "updating a permission");
        const cl_set before = cl_row_set(*p);
        p->can_create = can_create.value_or(p->can_create);
        p->can_read = can_read.value_or(p->can_read);
        p->can_update = can_update.value_or(p->can_update);
        p->can_destroy = can_destroy.value_or(p->can_destroy);
        const cl_set added = cl_row_set(*p) - before;
        cl_may_confer(c, *snap, who, organization, {added, added, added}, "this permission");
        write(serial, api_provisioning, [&](store::transaction& t) {
            t.prepare("UPDATE cl_permissions SET can_create = ?2, can_read = ?3, can_update = ?4, can_destroy = ?5 WHERE id = ?1")
                .bind(1, id)
                .bind(2, std::int64_t{p->can_create})
                .bind(3, std::int64_t{p->can_read})
                .bind(4, std::int64_t{p->can_update})
                .bind(5, std::int64_t{p->can_destroy})
                .run();
        });
        return {200, json{{"data", permission_json(*p)}}};
    }

    // ======================================================================================================
    // Bluebricks
    // ======================================================================================================

    struct bb_caller {
        ward::credential<bb_perm> cred;
        std::string subject, organization;
    };

    bb_caller bb_login(call& c, const ward::snapshot<bb_perm>& s) {
        const json claims = verified_claims(c.req, db.secret(), "bluebricks");
        bb_caller who;
        if (claims.is_null()) return who; // ward decides: unauthenticated, 401
        who.subject = claim_string(claims, "sub");
        who.organization = claim_string(claims, "org_id");
        if (who.organization.empty()) fail(401, "invalid_token", "the token has no 'org_id'");
        ward::token_claims t;
        t.subject = who.subject;
        t.bound_scopes = who.organization;
        t.names_mode = ward::parse_mode::lenient; // Auth0 scopes also carry "openid profile email"
        std::string scope;
        if (const auto it = claims.find("scope"); it != claims.end()) {
            if (!it->is_string()) fail(401, "invalid_token", "the token's 'scope' claim is not a string");
            scope = it->get<std::string>();
            t.has_scope = true;
            t.scope = scope;
        }
        std::vector<std::string> names;
        std::vector<std::string_view> views;
        if (const auto it = claims.find("permissions"); it != claims.end()) {
            if (!it->is_array() || it->size() > 64) fail(401, "invalid_token", "the token's 'permissions' claim is not a short array");
            for (const json& n : *it) {
                if (!n.is_string()) fail(401, "invalid_token", "the token's 'permissions' claim holds a non-string");
                names.push_back(n.get<std::string>());
            }
            for (const std::string& n : names) views.emplace_back(n);
            t.has_permission_names = true;
            t.permission_names = ward::view<std::string_view>(views);
        }
        authz_timer timer(c);
        const auto r = s.authenticate(t);
        if (!r) fail(401, "invalid_token", "the token's '" + std::string(ward::to_string(r.failed)) + "' claim was refused");
        if (!r.value.principal().valid()) fail(401, "invalid_token", "the token's subject is not known (any more)");
        who.cred = r.value;
        return who;
    }

    void bb_require(call& c, const ward::snapshot<bb_perm>& s, const bb_caller& who, std::string_view need, std::string_view target) {
        ward::decision<bb_perm> d;
        {
            authz_timer timer(c);
            d = s.check(who.cred, ward::parse_name<bb_perm>(need).value, target);
        }
        if (!d.allowed) deny(s, d, bluebricks::statuses, "this endpoint requires the " + std::string(need) + " permission");
        note_allowed(c, s, d);
    }

    std::optional<bb_user> find_bb_user(std::string_view id) {
        return find_row<bb_user>("bb_users", bb_user_columns, &read_bb_user, id);
    }

    static json bb_user_json(const bb_user& u) {
        return json{{"id", u.id},
                    {"name", u.name},
                    {"email", u.email},
                    {"first_name", u.first_name},
                    {"last_name", u.last_name},
                    {"created_at", u.created_at}};
    }

    static std::string bb_id(const call& c) {
        const std::string id = c.req.matches[1];
        if (!is_provider_id(id)) fail(400, "bad_id", "'" + printable(id) + "' is not a user id (provider|id)");
        return id;
    }

    reply bb_me(call& c) {
        const auto snap = bluebricks.read();
        const bb_caller who = bb_login(c, *snap);
        bb_require(c, *snap, who, "read:users", who.subject);
        const auto u = find_bb_user(who.subject);
        if (!u) fail(404, "not_found", "no such user");
        bb_set held;
        {
            authz_timer timer(c);
            held = snap->effective_permissions(who.cred, snap->find_scope(who.organization)).permissions;
        }
        json out = bb_user_json(*u);
        out["permissions"] = names_of(held);
        return {200, std::move(out)};
    }

    reply bb_get(call& c) {
        const std::string id = bb_id(c);
        const auto snap = bluebricks.read();
        const bb_caller who = bb_login(c, *snap);
        bb_require(c, *snap, who, "read:users", id);
        const auto u = find_bb_user(id);
        if (!u) fail(404, "not_found", "no such user");
        return {200, bb_user_json(*u)};
    }

    reply bb_roles(call& c) {
        const std::string id = bb_id(c);
        const json body = parse_body(c);
        allow_only(body, {"roles", "add"});
        const auto roles_it = body.find("roles");
        if (roles_it == body.end() || !roles_it->is_array()) fail(400, "missing_field", "'roles' must be an array of role ids");
        if (roles_it->size() > 32) fail(400, "too_many", "at most 32 roles at once");
        std::set<std::string> roles;
        for (const json& r : *roles_it) {
            if (!r.is_string() || !is_role_id(r.get<std::string>())) fail(400, "bad_id", "every role must be a role id (rol_...)");
            roles.insert(r.get<std::string>());
        }
        const bool add = bool_field(body, "add").value_or(true);
        if (roles.empty() && add) fail(400, "missing_field", "'roles' is empty");

        const write_lock serial = serialize();
        const auto snap = bluebricks.share();
        const bb_caller who = bb_login(c, *snap);
        bb_require(c, *snap, who, "update:users", id);
        {
            // Nobody confers what they do not hold, nor manages someone who holds more.
            bb_set gives;
            for (const std::string& r : roles) gives |= snap->role_permissions(r);
            bb_set held, theirs;
            {
                authz_timer timer(c);
                const ward::scope_handle at = snap->find_scope(id);
                held = snap->effective_permissions(who.cred, at).permissions;
                theirs = snap->effective_permissions(ward::credential<bb_perm>::of(snap->find_principal(id)), at).permissions;
            }
            const bb_set beyond = (gives | theirs) - held;
            if (!beyond.none())
                fail(403, "beyond_own_permissions",
                     "assigning these roles to this user needs permissions the caller does not hold: " + ward::to_string(beyond));
        }
        write(serial, api_bluebricks, [&](store::transaction& t) {
            auto exists = t.prepare("SELECT count(*) FROM bb_users WHERE id = ?1");
            exists.bind(1, id);
            if (!exists.step() || exists.integer(0) == 0) fail(404, "not_found", "no such user");
            for (const std::string& r : roles) {
                auto known = t.prepare("SELECT count(*) FROM bb_roles WHERE id = ?1");
                known.bind(1, r);
                if (!known.step() || known.integer(0) == 0) fail(422, "unknown_role", "no role " + printable(r) + "; nothing changed");
            }
            if (!add) t.prepare("DELETE FROM bb_user_roles WHERE user_id = ?1").bind(1, id).run();
            for (const std::string& r : roles) t.prepare("INSERT OR IGNORE INTO bb_user_roles VALUES (?1, ?2)").bind(1, id).bind(2, r).run();
        });
        const auto u = find_bb_user(id);
        if (!u) fail(404, "not_found", "no such user");
        json out = bb_user_json(*u);
        out["roles"] = db.read([&](const store::reader& r) {
            json list = json::array();
            auto s = r.prepare("SELECT role_id FROM bb_user_roles WHERE user_id = ?1 ORDER BY role_id");
            s.bind(1, id);
            while (s.step()) list.push_back(s.text(0));
            return list;
        });
        const auto now = bluebricks.read();
        out["permissions"] = names_of(
            now->effective_permissions(ward::credential<bb_perm>::of(now->find_principal(id)), now->find_scope(u->organization_id))
                .permissions);
        return {200, std::move(out)};
    }

    // ======================================================================================================
    // routing
    // ======================================================================================================

    using handler_fn = reply (impl::*)(call&);

    httplib::Server::Handler route(handler_fn f) {
        return [this, f](const httplib::Request& req, httplib::Response& res) {
            const auto start = clock_type::now();
            call c{req};
            c.explain = options.explain;
            reply r;
            try {
                r = (this->*f)(c);
            } catch (const http_error& e) {
                r = {e.status, error_body(e.status, e.code, e.message, e.reason)};
            } catch (const store_error& e) {
                std::fprintf(stderr, "ward-service: storage error: %s\n", e.what());
                r = {500, error_body(500, "storage_error", "the request could not be stored; nothing changed", {})};
            } catch (const std::exception& e) {
                std::fprintf(stderr, "ward-service: error: %s\n", e.what());
                r = {500, error_body(500, "internal_error", "internal error; nothing changed", {})};
            }
            res.status = r.status;
            if (!r.body.is_null()) res.set_content(dump(r.body), "application/json");
            const double total = std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
            const double authz = std::chrono::duration<double, std::milli>(c.authz).count();
            char timing[96];
            std::snprintf(timing, sizeof timing, "authz;dur=%.4f, total;dur=%.4f", authz, total);
            res.set_header("Server-Timing", timing);
            if (r.status < 400 && !c.decision.empty()) res.set_header("Ward-Decision", c.decision);
        };
    }

    static httplib::Server::Handler not_allowed(std::string message) {
        return [message](const httplib::Request&, httplib::Response& res) {
            res.status = 405;
            res.set_content(dump(error_body(405, "method_not_allowed", message, {})), "application/json");
        };
    }
};

app::app(store& db, app_options options) : impl_(std::make_unique<impl>(db, options)) {}
app::~app() = default;

std::optional<std::string> app::mint(const mint_options& options, std::string& error) { return impl_->mint(options, error); }

void app::mount(httplib::Server& server) {
    impl& i = *impl_;
    server.set_payload_max_length(max_body_bytes);
    // Every error without a body (404 no route, 413 too large, 400 unparsable request) gets a JSON one.
    server.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        const char* code = "bad_request";
        const char* message = "the request could not be read";
        switch (res.status) {
        case 404: code = "no_route", message = "no such endpoint"; break;
        case 405: code = "method_not_allowed", message = "this endpoint does not take that method"; break;
        case 413: code = "body_too_large", message = "the body is larger than 64 KiB"; break;
        case 414: code = "uri_too_long", message = "the request line is too long"; break;
        default: break;
        }
        res.set_content(dump(error_body(res.status, code, message, {})), "application/json");
        return httplib::Server::HandlerResponse::Handled;
    }));
    constexpr const char* id = "([^/]+)";
    const std::string user = std::string("/api/v1/users/") + id;
    // provide ident
    server.Post("/api/v1/authenticate", i.route(&impl::authenticate));
    server.Get("/api/v1/users", i.route(&impl::ident_list));
    server.Post("/api/v1/users", i.route(&impl::ident_create));
    server.Get(user, i.route(&impl::ident_get));
    server.Put(user, i.route(&impl::ident_update));
    server.Delete(user, i.route(&impl::ident_delete));
    // Bluebricks
    server.Get("/api/v1/user/me", i.route(&impl::bb_me));
    server.Get(std::string("/api/v1/user/") + id, i.route(&impl::bb_get));
    server.Post(std::string("/api/v1/user/") + id + "/roles", i.route(&impl::bb_roles));
    // Commerce Layer Provisioning
    server.Get("/api/user", i.route(&impl::cl_user));
    server.Patch("/api/user", i.route(&impl::cl_user_update));
    server.Get("/api/organizations", i.route(&impl::cl_organizations_list));
    server.Post("/api/organizations", i.route(&impl::cl_organization_create));
    server.Get(std::string("/api/organizations/") + id, i.route(&impl::cl_organization_get));
    server.Patch(std::string("/api/organizations/") + id, i.route(&impl::cl_organization_update));
    server.Delete(std::string("/api/organizations/") + id, impl::not_allowed("organizations cannot be deleted"));
    server.Get("/api/memberships", i.route(&impl::cl_memberships_list));
    server.Post("/api/memberships", i.route(&impl::cl_membership_create));
    server.Get(std::string("/api/memberships/") + id, i.route(&impl::cl_membership_get));
    server.Patch(std::string("/api/memberships/") + id, i.route(&impl::cl_membership_update));
    server.Delete(std::string("/api/memberships/") + id, i.route(&impl::cl_membership_delete));
    server.Get("/api/roles", i.route(&impl::cl_roles_list));
    server.Post("/api/roles", i.route(&impl::cl_role_create));
    server.Get(std::string("/api/roles/") + id, i.route(&impl::cl_role_get));
    server.Patch(std::string("/api/roles/") + id, i.route(&impl::cl_role_update));
    server.Delete(std::string("/api/roles/") + id, impl::not_allowed("roles cannot be deleted"));
    server.Get("/api/permissions", i.route(&impl::cl_permissions_list));
    server.Post("/api/permissions", i.route(&impl::cl_permission_create));
    server.Get(std::string("/api/permissions/") + id, i.route(&impl::cl_permission_get));
    server.Patch(std::string("/api/permissions/") + id, i.route(&impl::cl_permission_update));
    server.Delete(std::string("/api/permissions/") + id, impl::not_allowed("permissions cannot be deleted"));
}

// ==== tokens outside a request ==============================================================================

std::optional<std::string> mint_token(const std::string& db_path, const mint_options& options, std::string& error) {
    try {
        if (options.ttl < -86400 || options.ttl > 366 * 86400) {
            error = "--ttl must be between -86400 and 31622400 seconds";
            return std::nullopt;
        }
        const auto db = store::open_existing(db_path);
        app minter(*db, app_options{});
        return minter.mint(options, error);
    } catch (const std::exception& e) {
        error = e.what();
        return std::nullopt;
    }
}

} // namespace ward_service
