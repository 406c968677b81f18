// SPDX-License-Identifier: MIT
// Bluebricks on Auth0 expressed in ward: `action:resource` permissions, the account role ladder
// Admin > Builder > Deployer > Viewer > Guest checked at compile time, run-time `rol_...` roles,
// POST /api/v1/user/{id}/roles with add: true / add: false, GET /api/v1/user/me listing the
// caller's permissions, OAuth scope = requested & held, and 401 / 403 / 404.
//
// Scopes: the platform, one scope per organization (the token's org_id), and each user's record
// under its organization, so a user id from another organization is "not found" for the caller.
#ifndef WARD_EXAMPLES_BLUEBRICKS_HPP
#define WARD_EXAMPLES_BLUEBRICKS_HPP

#include "acceptance_table.hpp"
#include <ward/ward.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bluebricks {

// ---- 1. vocabulary: "read:users", "create:organization_api_key", ... -------------------------------

enum class resource : unsigned { users, organization, organization_api_key, blueprints, environments, deployments };
enum class action : unsigned { read, create, update, destroy };

} // namespace bluebricks

template <>
struct ward::permission_traits<bluebricks::resource> {
    using r = bluebricks::resource;
    static constexpr ward::permission_name<r> names[] = {{r::users, "users"},
                                                         {r::organization, "organization"},
                                                         {r::organization_api_key, "organization_api_key"},
                                                         {r::blueprints, "blueprints"},
                                                         {r::environments, "environments"},
                                                         {r::deployments, "deployments"}};
};

template <>
struct ward::permission_traits<bluebricks::action> {
    using a = bluebricks::action;
    static constexpr ward::permission_name<a> names[] = {
        {a::read, "read"}, {a::create, "create"}, {a::update, "update"}, {a::destroy, "delete"}};
};

namespace bluebricks {

using perm = ward::product<resource, action, ward::name_order::action_resource>;
using perms = ward::permission_set<perm>;

static_assert(ward::name_of(perm{resource::users, action::read}) == "read:users");
static_assert(ward::name_of(perm{resource::organization_api_key, action::create}) == "create:organization_api_key");

// ---- 2. the account role ladder, flattened at compile time ---------------------------------------------

inline constexpr auto ladder = ward::make_roles<perm>({
    {"guest", ward::permissions<perm>("read:organization")},
    {"viewer", ward::permissions<perm>("read:users read:blueprints read:environments read:deployments"), {"guest"}},
    {"deployer", ward::permissions<perm>("create:deployments update:deployments delete:deployments"), {"viewer"}},
    {"builder",
     ward::permissions<perm>("create:blueprints update:blueprints delete:blueprints "
                             "create:environments update:environments delete:environments"),
     {"deployer"}},
    {"admin",
     ward::permissions<perm>("create:users update:users delete:users update:organization "
                             "read:organization_api_key create:organization_api_key delete:organization_api_key"),
     {"builder"}},
});

/// Invites default to Viewer.
inline constexpr std::string_view invite_default = "viewer";

inline constexpr perm delete_users{resource::users, action::destroy};
inline constexpr perm update_users{resource::users, action::update};

static_assert(ladder.contains(invite_default), "an invite's default role is on the ladder");
static_assert(!ladder["viewer"].contains(delete_users), "a Viewer can never delete users");
static_assert(!ladder["guest"].contains(perm{resource::users, action::read}), "a Guest cannot even read users");
static_assert(ladder.includes("admin", "builder") && ladder.includes("builder", "deployer") &&
                  ladder.includes("deployer", "viewer") && ladder.includes("viewer", "guest"),
              "each rung holds everything of the rung below");
static_assert(!ladder.includes("viewer", "deployer") && !ladder.includes("builder", "admin"),
              "and the ladder is strict: no rung holds the one above");
static_assert(!ladder["builder"].contains(update_users), "only an Admin assigns roles (update:users)");
static_assert(ladder["admin"] == perms::all() - ward::permissions<perm>("delete:organization create:organization "
                                                                        "update:organization_api_key"),
              "an Admin holds every permission the API uses");

/// 401 failed to authenticate, 403 missing required scopes, 404 not found: ward's defaults.
inline constexpr ward::status_table statuses{};

// ---- 3. the database and the service ---------------------------------------------------------------------

/// An Auth0 role: `rol_...`, either a rung of the ladder or custom permissions by name.
struct role_row {
    std::string_view id, name;
    std::string_view rung;        ///< a ladder role, or "" for a custom role
    std::string_view permissions; ///< a custom role's permissions, space separated
};
struct user_row {
    std::string_view id, organization, name;
};
/// A role assignment, in the order the service wrote it (add: true adds, add: false replaces).
struct assignment_row {
    std::string_view user;
    std::vector<std::string_view> roles;
    bool add;
};

struct database {
    std::vector<std::string_view> organizations;
    std::vector<role_row> roles;
    std::vector<user_row> users;
    std::vector<assignment_row> assignments;
};

inline database sample_database() {
    database db;
    db.organizations = {"org_acme", "org_globex"};
    db.roles = {{"rol_Adm1nQw3rTyU1oPa", "Admin", "admin", ""},
                {"rol_Bu1ldAsDfGhJkL9z", "Builder", "builder", ""},
                {"rol_D3pl0yZxCvBnMq7w", "Deployer", "deployer", ""},
                {"rol_V13wPoIuYtReWq5e", "Viewer", "viewer", ""},
                {"rol_Gu35tLkJhGfDsA3r", "Guest", "guest", ""},
                {"rol_abCdeFghIjklMnmP", "API keys", "", "read:organization_api_key create:organization_api_key"}};
    db.users = {{"auth0|alice", "org_acme", "alice"},     {"auth0|ben", "org_acme", "ben"},
                {"google-oauth2|dan", "org_acme", "dan"}, {"auth0|carol", "org_acme", "carol"},
                {"auth0|gus", "org_acme", "gus"},         {"prov0|1234567890", "org_globex", "pat"}};
    db.assignments = {{"auth0|alice", {"rol_Adm1nQw3rTyU1oPa"}, true},
                      {"auth0|ben", {"rol_Bu1ldAsDfGhJkL9z"}, true},
                      {"google-oauth2|dan", {"rol_V13wPoIuYtReWq5e"}, true},
                      {"auth0|carol", {"rol_V13wPoIuYtReWq5e", "rol_abCdeFghIjklMnmP"}, true},
                      {"auth0|gus", {"rol_Gu35tLkJhGfDsA3r"}, true},
                      {"prov0|1234567890", {"rol_V13wPoIuYtReWq5e"}, true}};
    return db;
}

inline std::string_view organization_of(const database& db, std::string_view user) {
    for (const user_row& u : db.users)
        if (u.id == user) return u.organization;
    return {};
}

/// The service: its database, the builder that mirrors it and the snapshot requests are decided by.
/// A write adds the row to the database and to the builder, and swaps in a rebuilt snapshot (a copy
/// of the builder is tried first, so a bad write leaves the current policy in place).
class service {
public:
    explicit service(database db) : db_(std::move(db)), builder_(ward::scope_schema::standard(), 1) {
        builder_.add_scope("bluebricks", "platform");
        builder_.add_roles(ladder);
        for (std::string_view o : db_.organizations) builder_.add_scope(o, "organization", "bluebricks");
        for (const role_row& r : db_.roles) {
            if (!r.rung.empty()) builder_.define_role(r.id, perms{}, {r.rung});
            else builder_.define_role(r.id, r.permissions);
        }
        for (const user_row& u : db_.users) {
            builder_.add_principal(u.id, ward::principal_kind::user);
            builder_.add_scope(u.id, "user", u.organization); // the user's record
        }
        for (const assignment_row& a : db_.assignments) bind(builder_, a);
        auto built = builder_.build();
        snapshot_ = built.value;
        error_ = built.error.message();
    }

    const ward::snapshot<perm>* snapshot() const noexcept { return snapshot_.get(); }
    const std::string& error() const noexcept { return error_; }
    const database& db() const noexcept { return db_; }

    /// POST /api/v1/user/{id}/roles, after the caller was allowed: stores the row and rebuilds.
    bool assign_roles(std::string_view user, std::vector<std::string_view> roles, bool add) {
        const assignment_row a{user, std::move(roles), add};
        ward::policy_builder<perm> next = builder_;
        bind(next, a);
        next.set_version(builder_.version() + 1);
        auto built = next.build();
        if (!built) {
            error_ = built.error.message();
            return false;
        }
        db_.assignments.push_back(a);
        builder_ = std::move(next);
        snapshot_ = built.value;
        return true;
    }

private:
    void bind(ward::policy_builder<perm>& b, const assignment_row& a) const {
        b.bind(a.user, organization_of(db_, a.user), ward::view<std::string_view>(a.roles),
               a.add ? ward::assign::add : ward::assign::replace);
    }

    database db_;
    ward::policy_builder<perm> builder_;
    std::shared_ptr<const ward::snapshot<perm>> snapshot_;
    std::string error_;
};

// ---- 4. tokens --------------------------------------------------------------------------------------------

/// An Auth0 access token's claims: `sub`, `org_id` (the organization it was issued for) and
/// optionally `scope` or a `permissions` array. Owns its strings so the claims stay valid.
struct access_token {
    std::string sub, org_id;
    bool has_scope = false;
    std::string scope;
    bool has_permissions = false;
    std::vector<std::string> permission_storage;
    std::vector<std::string_view> permissions;

    ward::token_claims claims() const {
        ward::token_claims c;
        c.subject = sub;
        c.bound_scopes = org_id;
        c.has_scope = has_scope;
        c.scope = scope;
        c.has_permission_names = has_permissions;
        c.permission_names = ward::view<std::string_view>(permissions);
        c.names_mode = ward::parse_mode::lenient; // Auth0 scopes also carry "openid profile email"
        return c;
    }
};

/// What Auth0 issues when `user` asks for `requested`: scope = requested & held.
inline access_token issue(const ward::snapshot<perm>& s, const database& db, std::string_view user,
                          std::string_view requested) {
    access_token t;
    t.sub = std::string(user);
    t.org_id = std::string(organization_of(db, user));
    t.has_scope = true;
    t.scope = ward::to_string(
        s.grantable(s.find_principal(user), s.find_scope(t.org_id), ward::permissions<perm>(requested)));
    return t;
}
/// A token with RBAC's `permissions` array: every permission the user held when it was issued.
inline access_token issue_with_permissions(const ward::snapshot<perm>& s, const database& db, std::string_view user) {
    access_token t;
    t.sub = std::string(user);
    t.org_id = std::string(organization_of(db, user));
    t.has_permissions = true;
    const auto held =
        s.effective_permissions(ward::credential<perm>::of(s.find_principal(user)), s.find_scope(t.org_id));
    for (auto it = held.permissions.begin(); it != held.permissions.end(); ++it)
        t.permission_storage.emplace_back(ward::vocabulary<perm>::name(it.index()));
    for (const std::string& p : t.permission_storage) t.permissions.emplace_back(p);
    return t;
}
/// A token with only `sub` and `org_id` (the policy alone decides).
inline access_token plain(const database& db, std::string_view user) {
    access_token t;
    t.sub = std::string(user);
    t.org_id = std::string(organization_of(db, user));
    return t;
}

// ---- 5. the acceptance table -----------------------------------------------------------------------------

using acceptance::outcome;

struct report {
    std::vector<outcome> rows;
    std::vector<std::string> notes;
};

inline report run() {
    report out;
    service svc(sample_database());
    if (svc.snapshot() == nullptr) {
        out.notes.push_back("load failed: " + svc.error());
        return out;
    }

    // Every endpoint names the one permission it requires; each answers 200 when allowed.
    auto ask = [&](std::string request, std::string who, int expected, const access_token* token,
                   std::string_view required, std::string_view target) {
        const ward::snapshot<perm>& s = *svc.snapshot();
        const ward::credential<perm> cred = token ? s.authenticate(token->claims()).value : ward::credential<perm>{};
        const auto d = s.check(cred, ward::permissions<perm>(required), target);
        out.rows.push_back({std::move(request), std::move(who), expected, d.allowed ? 200 : statuses(d), s.explain(d)});
        return d.allowed;
    };
    // GET /api/v1/user/me: read:users on the caller's own record, then the permissions as names.
    auto me = [&](std::string who, int expected, const access_token& token) {
        if (!ask("GET /api/v1/user/me", who, expected, &token, "read:users", token.sub)) return;
        const ward::snapshot<perm>& s = *svc.snapshot();
        const auto cred = s.authenticate(token.claims()).value;
        const auto held = s.effective_permissions(cred, s.find_scope(token.org_id));
        std::string names;
        for (auto it = held.permissions.begin(); it != held.permissions.end(); ++it)
            names += std::string(names.empty() ? "" : ", ") + "\"" +
                     std::string(ward::vocabulary<perm>::name(it.index())) + "\"";
        out.notes.push_back("GET /api/v1/user/me, " + who + ", policy v" + std::to_string(s.version()) +
                            ": \"permissions\": [" + names + "]");
    };
    // POST /api/v1/user/{id}/roles: update:users on that user's record; allowed, the write happens.
    auto assign = [&](std::string who, int expected, const access_token& token, std::string_view user,
                      std::vector<std::string_view> roles, bool add) {
        std::string request =
            "POST /api/v1/user/" + std::string(user) + "/roles {add: " + (add ? "true" : "false") + "}";
        if (ask(std::move(request), std::move(who), expected, &token, "update:users", user))
            if (!svc.assign_roles(user, std::move(roles), add)) out.notes.push_back("write refused: " + svc.error());
    };

    const database& db = svc.db();
    const auto& s1 = *svc.snapshot();
    {
        std::string rungs;
        for (std::size_t i = ladder.size(); i-- > 0;)
            rungs += std::string(ladder.name(i)) + " (" + std::to_string(ladder.permissions(i).count()) + ")" +
                     (i ? " > " : "");
        out.notes.push_back("ladder, flattened at compile time: " + rungs + "; invites default to " +
                            std::string(invite_default));
        for (const role_row& r : db.roles)
            out.notes.push_back(
                "run-time role " + std::string(r.id) + " \"" + std::string(r.name) + "\": " +
                (r.rung.empty() ? ward::to_string(s1.role_permissions(r.id).value)
                                : "inherits " + std::string(r.rung) + ", " +
                                      std::to_string(s1.role_permissions(r.id).value.count()) +
                                      (s1.role_permissions(r.id).value.count() == 1 ? " permission" : " permissions")));
    }
    const access_token alice = plain(db, "auth0|alice"), ben = plain(db, "auth0|ben"), carol = plain(db, "auth0|carol"),
                       gus = plain(db, "auth0|gus"), pat = plain(db, "prov0|1234567890");
    access_token malformed = plain(db, "auth0|carol");
    malformed.sub = "auth0";
    access_token stranger = plain(db, "auth0|carol");
    stranger.sub = "auth0|ghost";
    access_token oidc = plain(db, "auth0|carol");
    oidc.has_scope = true;
    oidc.scope = "openid profile read:users";
    access_token garbled = oidc;
    garbled.scope = "openid\tread:users";

    // 401: failed to authenticate.
    ask("GET /api/v1/user/me", "no Authorization header", 401, nullptr, "read:users", "auth0|carol");
    ask("GET /api/v1/user/me", "token sub \"auth0\" (no id)", 401, &malformed, "read:users", "auth0");
    ask("GET /api/v1/user/auth0|alice", "token for auth0|ghost", 401, &stranger, "read:users", "auth0|alice");
    ask("GET /api/v1/user/me", "carol, scope \"openid\\tread:users\"", 401, &garbled, "read:users", "auth0|carol");

    // GET /user/me and GET /user/{id} need read:users; a user outside the caller's organization is not found.
    me("carol (Viewer + API keys)", 200, carol);
    me("gus (Guest)", 403, gus);
    ask("GET /api/v1/user/auth0|alice", "carol (Viewer + API keys)", 200, &carol, "read:users", "auth0|alice");
    ask("GET /api/v1/user/prov0|1234567890", "carol (Viewer + API keys)", 404, &carol, "read:users",
        "prov0|1234567890");
    ask("GET /api/v1/user/auth0|nobody", "carol (Viewer + API keys)", 404, &carol, "read:users", "auth0|nobody");
    ask("GET /api/v1/user/auth0|carol", "pat (Viewer at globex)", 404, &pat, "read:users", "auth0|carol");
    ask("create an org API key [create:organization_api_key]", "carol (Viewer + API keys)", 200, &carol,
        "create:organization_api_key", "org_acme");
    ask("create an org API key [create:organization_api_key]", "ben (Builder)", 403, &ben,
        "create:organization_api_key", "org_acme");

    // OAuth scope = requested & held.
    const access_token carol_asks = issue(s1, db, "auth0|carol", "read:users update:users");
    const access_token alice_reads = issue(s1, db, "auth0|alice", "read:users");
    out.notes.push_back("carol requests 'read:users update:users' -> token scope '" + carol_asks.scope + "'");
    out.notes.push_back("alice requests 'read:users' -> token scope '" + alice_reads.scope + "'");
    ask("GET /api/v1/user/auth0|alice", "carol, scope \"openid profile read:users\"", 200, &oidc, "read:users",
        "auth0|alice");
    ask("GET /api/v1/user/auth0|alice", "carol, scope \"" + carol_asks.scope + "\"", 200, &carol_asks, "read:users",
        "auth0|alice");
    ask("POST /api/v1/user/auth0|gus/roles {add: true}", "carol, scope \"" + carol_asks.scope + "\"", 403, &carol_asks,
        "update:users", "auth0|gus");
    ask("POST /api/v1/user/auth0|gus/roles {add: true}", "alice (Admin), scope \"" + alice_reads.scope + "\"", 403,
        &alice_reads, "update:users", "auth0|gus");

    // Assigning roles needs update:users: only an Admin has it.
    const std::vector<std::string_view> deployer = {"rol_D3pl0yZxCvBnMq7w"};
    const std::vector<std::string_view> viewer = {"rol_V13wPoIuYtReWq5e"};
    assign("carol (Viewer + API keys)", 403, carol, "google-oauth2|dan", deployer, true);
    assign("ben (Builder)", 403, ben, "google-oauth2|dan", deployer, true);
    assign("alice (Admin)", 404, alice, "prov0|1234567890", deployer, true);
    const access_token dan_v1 = plain(svc.db(), "google-oauth2|dan");
    me("dan (Viewer)", 200, dan_v1);
    ask("create a deployment [create:deployments]", "dan (Viewer)", 403, &dan_v1, "create:deployments", "org_acme");

    // add: true adds to dan's roles (policy v2) ...
    assign("alice (Admin)", 200, alice, "google-oauth2|dan", deployer, true);
    const access_token dan_v2 = issue_with_permissions(*svc.snapshot(), svc.db(), "google-oauth2|dan");
    me("dan (Viewer + Deployer)", 200, dan_v2);
    ask("create a deployment [create:deployments]", "dan (Viewer + Deployer)", 200, &dan_v2, "create:deployments",
        "org_acme");

    // ... add: false replaces them (policy v3); dan's v2 token still lists create:deployments.
    assign("alice (Admin)", 200, alice, "google-oauth2|dan", viewer, false);
    me("dan (Viewer again)", 200, plain(svc.db(), "google-oauth2|dan"));
    ask("create a deployment [create:deployments]", "dan, token from v2 (permissions claim)", 403, &dan_v2,
        "create:deployments", "org_acme");

    // A write naming a role that does not exist is refused by the rebuild; the policy stays at v3.
    {
        const std::uint64_t before = svc.snapshot()->version();
        const bool ok = svc.assign_roles("google-oauth2|dan", {"rol_DoesNotExist00"}, true);
        out.notes.push_back(std::string("assigning rol_DoesNotExist00: ") +
                            (ok ? "accepted" : "refused (" + svc.error() + ")") + ", policy v" +
                            std::to_string(before) + " -> v" + std::to_string(svc.snapshot()->version()));
    }
    return out;
}

inline std::vector<outcome> run_table() { return run().rows; }

} // namespace bluebricks

#endif
