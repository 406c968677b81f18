// SPDX-License-Identifier: MIT
// Commerce Layer's Provisioning API expressed in ward: organizations, memberships with an owner,
// role kinds admin / read_only / custom, per-subject CRUD permissions, application memberships,
// live / test access scopes with profiles that win, and 401 for insufficient permission.
//
// The model is four parts: the vocabulary (subject x crud), the two fixed role kinds as a
// compile-time table, a scope schema (organization > environment > application, and each
// membership as a record under its organization), and load(): the rows the service keeps in its
// database turned into builder rows. run() then plays the acceptance table against the snapshot.
#ifndef WARD_EXAMPLES_COMMERCE_LAYER_HPP
#define WARD_EXAMPLES_COMMERCE_LAYER_HPP

#include "acceptance_table.hpp"
#include <ward/ward.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace commerce_layer {

// ---- 1. vocabulary: subject x {create, read, update, destroy}, named "orders.read" ----------------

enum class subject : unsigned {
    organizations,
    memberships,
    membership_profiles,
    roles,
    permissions,
    api_credentials,
    application_memberships,
    versions,
    orders,
    customers,
    skus,
    markets
};
enum class crud : unsigned { create, read, update, destroy };

} // namespace commerce_layer

template <>
struct ward::permission_traits<commerce_layer::subject> {
    using s = commerce_layer::subject;
    static constexpr ward::permission_name<s> names[] = {{s::organizations, "organizations"},
                                                         {s::memberships, "memberships"},
                                                         {s::membership_profiles, "membership_profiles"},
                                                         {s::roles, "roles"},
                                                         {s::permissions, "permissions"},
                                                         {s::api_credentials, "api_credentials"},
                                                         {s::application_memberships, "application_memberships"},
                                                         {s::versions, "versions"},
                                                         {s::orders, "orders"},
                                                         {s::customers, "customers"},
                                                         {s::skus, "skus"},
                                                         {s::markets, "markets"}};
};

template <>
struct ward::permission_traits<commerce_layer::crud> {
    using c = commerce_layer::crud;
    static constexpr ward::permission_name<c> names[] = {
        {c::create, "create"}, {c::read, "read"}, {c::update, "update"}, {c::destroy, "destroy"}};
};

namespace commerce_layer {

using perm = ward::product<subject, crud, ward::name_order::resource_action, '.'>;
using perms = ward::permission_set<perm>;

/// Operations the API does not have at all (no endpoint): no role kind may ever hold them.
inline constexpr perms never = ward::permissions<perm>("organizations.destroy roles.destroy permissions.destroy");
/// "Full access": everything that exists.
inline constexpr perms full_access = perms::all() - never;
/// "Read-only": read on every subject.
inline constexpr perms read_only_set = ward::column<perm>(crud::read);
/// Only admins create memberships or delete other people's memberships.
inline constexpr perms admin_only = ward::permissions<perm>("memberships.create memberships.destroy");
/// What a custom role's permission rows can give.
inline constexpr perms custom_allowed = full_access - admin_only;

// ---- 2. the fixed role kinds, flattened at compile time --------------------------------------------

inline constexpr auto role_kinds = ward::make_roles<perm>({
    {"admin", full_access},
    {"read_only", read_only_set},
});

static_assert(role_kinds["admin"] == full_access, "admin: any create/read/update/destroy on any resource");
static_assert(role_kinds.includes("admin", "read_only"), "an admin can read whatever a read-only member can");
static_assert((role_kinds["read_only"] - read_only_set).none(), "read_only never creates, updates or destroys");
static_assert(!role_kinds["admin"].contains_any(never), "roles, permissions and organizations cannot be deleted");
static_assert(!custom_allowed.contains_any(admin_only), "a custom role never manages memberships");
static_assert(full_access.contains_all(custom_allowed), "a custom role is a subset of full access");

/// One permission row of a custom role: its four booleans as the set of crud columns they select.
constexpr perms crud_columns(bool can_create, bool can_read, bool can_update, bool can_destroy) noexcept {
    perms s;
    if (can_create) s |= ward::column<perm>(crud::create);
    if (can_read) s |= ward::column<perm>(crud::read);
    if (can_update) s |= ward::column<perm>(crud::update);
    if (can_destroy) s |= ward::column<perm>(crud::destroy);
    return s;
}
static_assert((ward::row<perm>(subject::orders) & crud_columns(false, true, false, false)) ==
                  ward::permissions<perm>("orders.read"),
              "a permission row is the subject's row of the product, masked by its booleans");

/// organization > environment (live, test) > application; each membership is a record under
/// its organization, so "delete your own membership" is a grant on that record.
inline ward::scope_schema schema() {
    ward::scope_schema s;
    s.kind("organization", {}, true)
        .kind("environment", {"organization"})
        .kind("application", {"environment"})
        .kind("membership", {"organization"});
    return s;
}

/// The service answers 401 where most services answer 403.
inline constexpr ward::status_table statuses = ward::status_table{}.with_insufficient_permission(401);

// ---- 3. the database, as the service keeps it ---------------------------------------------------------

enum class access_scope { live, test, all };
enum class role_kind { admin, read_only, custom };

constexpr std::string_view to_string(access_scope a) noexcept {
    return a == access_scope::live ? "live" : a == access_scope::test ? "test" : "all";
}

struct organization_row {
    std::string_view id;
};
struct user_row {
    std::string_view id;
};
struct role_row {
    std::string_view id, organization;
    role_kind kind;
    std::string_view name;
};
/// One per subject per role (only custom roles have rows that matter).
struct permission_row {
    std::string_view id, role;
    subject on;
    bool can_create, can_read, can_update, can_destroy;
};
struct profile_row {
    std::string_view id, organization;
    access_scope access;
};
struct membership_row {
    std::string_view id, user, organization, role;
    bool owner;
    access_scope access;
    std::string_view profile; ///< "" when the membership has no profile
};
/// An API credential: its mode decides the environment it lives in. An integration credential
/// may have a role, which its own tokens act with in that environment only ("" for none).
struct application_row {
    std::string_view id, organization, kind;
    access_scope mode;
    std::string_view role;
};
/// Restricts a membership to one application, with that application's own permission set.
struct application_membership_row {
    std::string_view id, membership, application;
    role_kind kind;
    perms custom; ///< the set of a custom application membership
};

struct database {
    std::uint64_t version = 1;
    std::vector<organization_row> organizations;
    std::vector<user_row> users;
    std::vector<role_row> roles;
    std::vector<permission_row> permissions;
    std::vector<profile_row> profiles;
    std::vector<membership_row> memberships;
    std::vector<application_row> applications;
    std::vector<application_membership_row> application_memberships;
};

inline database sample_database() {
    database db;
    db.organizations = {{"acme"}, {"globex"}};
    db.users = {{"user:alice"}, {"user:bob"},   {"user:carol"}, {"user:dave"},
                {"user:erin"},  {"user:frank"}, {"user:grace"}};
    // Every new organization gets an admin and a read-only role; acme also made a custom one.
    db.roles = {{"role_acme_admin", "acme", role_kind::admin, "Admin"},
                {"role_acme_read_only", "acme", role_kind::read_only, "Read-only"},
                {"role_acme_orders", "acme", role_kind::custom, "Order desk"},
                {"role_globex_admin", "globex", role_kind::admin, "Admin"},
                {"role_globex_read_only", "globex", role_kind::read_only, "Read-only"}};
    db.permissions = {{"perm_1", "role_acme_orders", subject::orders, true, true, true, false},
                      {"perm_2", "role_acme_orders", subject::customers, false, true, false, false},
                      {"perm_3", "role_acme_orders", subject::skus, false, true, false, false},
                      // stored, but memberships.create is admin-only: the loader drops it
                      {"perm_4", "role_acme_orders", subject::memberships, true, true, false, false}};
    db.profiles = {{"mpf_test_only", "acme", access_scope::test}, {"mpf_everything", "acme", access_scope::all}};
    db.memberships = {
        {"mem_alice", "user:alice", "acme", "role_acme_admin", true, access_scope::all, ""},
        {"mem_bob", "user:bob", "acme", "role_acme_read_only", false, access_scope::all, ""},
        {"mem_carol", "user:carol", "acme", "role_acme_orders", false, access_scope::live, ""},
        {"mem_dave", "user:dave", "acme", "role_acme_admin", false, access_scope::all, "mpf_test_only"},
        {"mem_erin", "user:erin", "acme", "role_acme_read_only", false, access_scope::test, "mpf_everything"},
        {"mem_frank", "user:frank", "acme", "role_acme_admin", false, access_scope::all, ""},
        {"mem_grace", "user:grace", "globex", "role_globex_admin", true, access_scope::all, ""}};
    db.applications = {{"app_dashboard", "acme", "webapp", access_scope::live, ""},
                       {"app_storefront", "acme", "sales_channel", access_scope::live, ""},
                       {"app_ci", "acme", "integration", access_scope::test, "role_acme_read_only"}};
    db.application_memberships = {{"amem_1", "mem_frank", "app_dashboard", role_kind::read_only, perms{}}};
    return db;
}

// ---- 4. load: database rows -> builder rows -> snapshot ----------------------------------------------

inline std::string environment_id(std::string_view organization, access_scope a) {
    return std::string(organization) + (a == access_scope::live ? "/live" : "/test");
}

/// Where a membership's binding goes: its access scope, or its profile's when it has one (the
/// profile wins on conflict).
inline access_scope effective_access(const database& db, const membership_row& m) {
    for (const profile_row& p : db.profiles)
        if (p.id == m.profile) return p.access;
    return m.access;
}
/// The scope a membership of `organization` with access scope `a` is bound at.
inline std::string bound_at(std::string_view organization, access_scope a) {
    return a == access_scope::all ? std::string(organization) : environment_id(organization, a);
}
inline std::string binding_scope(const database& db, const membership_row& m) {
    return bound_at(m.organization, effective_access(db, m));
}

/// What one permission row gives a custom role: its subject's row masked by the crud booleans,
/// without what only admins hold.
constexpr perms permission_row_set(subject on, bool can_create, bool can_read, bool can_update,
                                   bool can_destroy) noexcept {
    return ward::row<perm>(on) & crud_columns(can_create, can_read, can_update, can_destroy) & custom_allowed;
}

/// A custom role's permission rows as one set: row<perm>(subject) masked by the crud booleans.
/// `error` is set when the role has two rows for one subject.
inline perms custom_role_set(const database& db, std::string_view role, std::string& error) {
    perms s, seen;
    for (const permission_row& p : db.permissions) {
        if (p.role != role) continue;
        const perms subject_row = ward::row<perm>(p.on);
        if (seen.contains_any(subject_row)) error = "role " + std::string(role) + ": two permissions for one subject";
        seen |= subject_row;
        s |= permission_row_set(p.on, p.can_create, p.can_read, p.can_update, p.can_destroy);
    }
    return s;
}

inline perms application_set(role_kind kind, const perms& custom) {
    switch (kind) {
    case role_kind::admin: return full_access;
    case role_kind::read_only: return read_only_set;
    case role_kind::custom: return custom;
    }
    return perms{};
}

struct policy {
    std::shared_ptr<const ward::snapshot<perm>> snapshot;
    std::string error; ///< the loader's or ward's first error; empty when loaded
    explicit operator bool() const noexcept { return snapshot != nullptr; }
};

/// The subjects of the Provisioning API itself: organization-level records, outside any environment.
inline constexpr perms provisioning_subjects =
    ward::row<perm>(subject::organizations) | ward::row<perm>(subject::memberships) |
    ward::row<perm>(subject::membership_profiles) | ward::row<perm>(subject::roles) |
    ward::row<perm>(subject::permissions) | ward::row<perm>(subject::api_credentials) |
    ward::row<perm>(subject::application_memberships) | ward::row<perm>(subject::versions);

/// Everything role `role` gives, flattened (admin, read-only, or a custom role's rows).
inline perms role_set(const database& db, std::string_view role, std::string& error) {
    for (const role_row& r : db.roles)
        if (r.id == role)
            return r.kind == role_kind::custom ? custom_role_set(db, r.id, error) : application_set(r.kind, perms{});
    return perms{};
}

/// How far a live- or test-scoped membership reaches.
enum class environment_reach {
    everything, ///< the access scope confines the whole role to that environment (the examples' model)
    data_only,  ///< it confines the data subjects only; the role's provisioning subjects apply at the organization
};

// The rows of each kind of record, as load() adds them to a builder. A service that keeps its
// policy up to date change by change (ward::policy_writer) adds the rows of the records a write
// changed, with the same functions: `Rows` is a policy_builder<perm>, or anything with its calls.

/// An organization: its scope and its two environments.
template <class Rows>
void organization_rows(Rows& b, std::string_view organization) {
    b.add_scope(organization, "organization");
    b.add_scope(environment_id(organization, access_scope::live), "environment", organization);
    b.add_scope(environment_id(organization, access_scope::test), "environment", organization);
}

/// A role: admin and read-only name the fixed kinds; a custom role holds its rows' set.
template <class Rows>
void role_rows(Rows& b, const role_row& r, const perms& custom) {
    if (r.kind == role_kind::admin) b.define_role(r.id, perms{}, {"admin"});
    else if (r.kind == role_kind::read_only) b.define_role(r.id, perms{}, {"read_only"});
    else b.define_role(r.id, custom);
}

/// An application's scope, in its mode's environment.
template <class Rows>
void application_scope_rows(Rows& b, const application_row& a) {
    b.add_scope(a.id, "application", environment_id(a.organization, a.mode));
}

/// An API credential's own tokens (subject api_credential:<id>): its role, in its mode's
/// environment only; nothing without one.
template <class Rows>
void credential_rows(Rows& b, const application_row& a) {
    const std::string credential = "api_credential:" + std::string(a.id);
    b.add_principal(credential, ward::principal_kind::api_credential);
    if (!a.role.empty()) b.bind(credential, environment_id(a.organization, a.mode), {a.role});
}

/// A membership: its record, its role where its access scope (or its profile's, `access`)
/// reaches, and leaving. `role` is everything its role gives (role_set).
template <class Rows>
void membership_rows(Rows& b, const membership_row& m, access_scope access, const perms& role,
                     environment_reach reach) {
    b.add_scope(m.id, "membership", m.organization);
    b.bind(m.user, bound_at(m.organization, access), {m.role});
    if (reach == environment_reach::data_only && access != access_scope::all)
        b.grant(m.user, m.organization, role & provisioning_subjects);
    // Everyone may leave (delete their own membership); the owner not before handing over.
    b.grant(m.user, m.id, perms{perm{subject::memberships, crud::destroy}});
    if (m.owner) b.deny(m.user, m.id, perms{perm{subject::memberships, crud::destroy}});
}

/// An application membership of membership `m`. The restriction governs the whole organization:
/// a restricted member acts there only through one of its applications (its other organizations
/// are not restricted).
template <class Rows>
void restriction_rows(Rows& b, const application_membership_row& am, const membership_row& m) {
    b.restrict_to(m.user, am.application, application_set(am.kind, am.custom), m.organization);
}

inline policy load(const database& db, environment_reach reach = environment_reach::everything) {
    policy out;
    ward::policy_builder<perm> b(schema(), db.version);
    b.add_roles(role_kinds);
    for (const organization_row& o : db.organizations) organization_rows(b, o.id);
    for (const user_row& u : db.users) b.add_principal(u.id, ward::principal_kind::user);
    for (const role_row& r : db.roles) role_rows(b, r, custom_role_set(db, r.id, out.error));
    for (const application_row& a : db.applications) application_scope_rows(b, a);
    for (const membership_row& m : db.memberships)
        membership_rows(b, m, effective_access(db, m), role_set(db, m.role, out.error), reach);
    for (const application_membership_row& am : db.application_memberships) {
        if (am.kind == role_kind::custom && !full_access.contains_all(am.custom))
            out.error = "application membership " + std::string(am.id) + ": custom set is not a subset of full access";
        for (const membership_row& m : db.memberships)
            if (m.id == am.membership) restriction_rows(b, am, m);
    }
    for (const application_row& a : db.applications) credential_rows(b, a);
    if (!out.error.empty()) return out;
    auto built = b.build();
    if (!built) {
        out.error = built.error.message();
        return out;
    }
    out.snapshot = built.value;
    return out;
}

// ---- 5. the acceptance table -----------------------------------------------------------------------------

using acceptance::outcome;

struct report {
    std::vector<outcome> rows;
    std::vector<std::string> notes;
};

/// Plays requests against one snapshot. A token is its subject, the environment it is bound to
/// (its application's mode) and the application it came through; an empty subject is no token.
class table {
public:
    table(const ward::snapshot<perm>& snap, report& out) : snap_(snap), out_(out) {}

    ward::credential<perm> token(std::string_view user, std::string_view application = {}) const {
        ward::token_claims claims;
        claims.subject = user;
        if (!application.empty()) {
            const ward::scope_handle app = snap_.find_scope(application);
            claims.via = application;
            claims.bound_scopes = snap_.scope_id(snap_.parent(app)); // the application's environment
        }
        return snap_.authenticate(claims).value;
    }

    /// A request ward decides: `required` at `target`. Allowed, it answers the endpoint's success
    /// code (POST 201, DELETE 204, otherwise 200); denied, the status table's code for the reason.
    void ask(std::string request, std::string who, int expected, const ward::credential<perm>& cred,
             std::string_view required, std::string_view target) {
        const auto d = snap_.check(cred, ward::permissions<perm>(required), target);
        const int success = request.rfind("POST ", 0) == 0 ? 201 : request.rfind("DELETE ", 0) == 0 ? 204 : 200;
        out_.rows.push_back(
            {std::move(request), std::move(who), expected, d.allowed ? success : statuses(d), snap_.explain(d)});
    }

    /// An endpoint the API does not have: the router answers before ward is asked.
    void no_endpoint(std::string request, std::string who, int expected, std::string why) {
        out_.rows.push_back({std::move(request), std::move(who), expected, 405,
                             "router: no such endpoint (" + std::move(why) + "); ward not asked"});
    }

private:
    const ward::snapshot<perm>& snap_;
    report& out_;
};

inline report run() {
    report out;
    database db = sample_database();
    const policy v1 = load(db);
    if (!v1) {
        out.notes.push_back("load failed: " + v1.error);
        return out;
    }
    const auto& s1 = *v1.snapshot;
    table t(s1, out);

    // Organizations: read by any member, updated by admins, never deleted.
    t.ask("GET /organizations/acme", "alice (owner, admin)", 200, t.token("user:alice"), "organizations.read", "acme");
    t.ask("GET /organizations/acme", "(no token)", 401, t.token(""), "organizations.read", "acme");
    t.ask("PATCH /organizations/acme", "bob (read_only)", 401, t.token("user:bob"), "organizations.update", "acme");
    t.ask("GET /organizations/acme", "grace (admin of globex)", 401, t.token("user:grace"), "organizations.read",
          "acme");
    t.no_endpoint("DELETE /organizations/acme", "alice (owner, admin)", 405, "organizations cannot be deleted");

    // Memberships: admins create and delete anyone's; others delete only their own.
    t.ask("POST /memberships", "alice (owner, admin)", 201, t.token("user:alice"), "memberships.create", "acme");
    t.ask("POST /memberships", "bob (read_only)", 401, t.token("user:bob"), "memberships.create", "acme");
    t.ask("POST /memberships", "carol (custom, row says can_create)", 401, t.token("user:carol"), "memberships.create",
          "acme");
    t.ask("DELETE /memberships/mem_bob", "bob (read_only, his own)", 204, t.token("user:bob"), "memberships.destroy",
          "mem_bob");
    t.ask("DELETE /memberships/mem_carol", "bob (read_only)", 401, t.token("user:bob"), "memberships.destroy",
          "mem_carol");
    t.ask("DELETE /memberships/mem_carol", "alice (owner, admin)", 204, t.token("user:alice"), "memberships.destroy",
          "mem_carol");
    t.ask("DELETE /memberships/mem_alice", "alice (owner, her own)", 401, t.token("user:alice"), "memberships.destroy",
          "mem_alice");

    // Roles and permissions: created and updated by admins, never deleted.
    t.ask("POST /roles", "alice (owner, admin)", 201, t.token("user:alice"), "roles.create", "acme");
    t.ask("POST /roles", "bob (read_only)", 401, t.token("user:bob"), "roles.create", "acme");
    t.ask("PATCH /permissions/perm_1", "alice (owner, admin)", 200, t.token("user:alice"), "permissions.update",
          "acme");
    t.no_endpoint("DELETE /roles/role_acme_orders", "alice (owner, admin)", 405, "roles cannot be deleted");
    t.no_endpoint("DELETE /permissions/perm_1", "alice (owner, admin)", 405, "permissions cannot be deleted");

    // Per-subject CRUD of a custom role, and access scopes (live / test / all).
    t.ask("GET /api/orders (live)", "bob (read_only, all)", 200, t.token("user:bob"), "orders.read", "acme/live");
    t.ask("POST /api/orders (live)", "bob (read_only, all)", 401, t.token("user:bob"), "orders.create", "acme/live");
    t.ask("POST /api/orders (live)", "carol (custom, live)", 201, t.token("user:carol"), "orders.create", "acme/live");
    t.ask("DELETE /api/orders/ord_1 (live)", "carol (custom, live)", 401, t.token("user:carol"), "orders.destroy",
          "acme/live");
    t.ask("PATCH /api/customers/cus_1 (live)", "carol (custom, live)", 401, t.token("user:carol"), "customers.update",
          "acme/live");
    t.ask("GET /api/orders (test)", "carol (custom, live)", 401, t.token("user:carol"), "orders.read", "acme/test");
    t.ask("GET /api/orders (live)", "dave (admin; all, profile test)", 401, t.token("user:dave"), "orders.read",
          "acme/live");
    t.ask("GET /api/orders (test)", "dave (admin; all, profile test)", 200, t.token("user:dave"), "orders.read",
          "acme/test");
    t.ask("GET /api/orders (live)", "erin (read_only; test, profile all)", 200, t.token("user:erin"), "orders.read",
          "acme/live");

    // Application memberships: the role intersected with the application's set.
    t.ask("GET /api/orders via app_dashboard", "frank (admin; app: read_only)", 200,
          t.token("user:frank", "app_dashboard"), "orders.read", "acme/live");
    t.ask("POST /api/orders via app_dashboard", "frank (admin; app: read_only)", 401,
          t.token("user:frank", "app_dashboard"), "orders.create", "acme/live");
    t.ask("POST /api/orders via app_storefront", "frank (admin; app: read_only)", 401,
          t.token("user:frank", "app_storefront"), "orders.create", "acme/live");
    t.ask("POST /api/orders via app_storefront", "alice (owner, admin)", 201, t.token("user:alice", "app_storefront"),
          "orders.create", "acme/live");

    // Ownership moves to dave: the service rewrites two rows and rebuilds the snapshot.
    for (membership_row& m : db.memberships) m.owner = m.id == "mem_dave";
    db.version = 2;
    const policy v2 = load(db);
    if (!v2) {
        out.notes.push_back("reload failed: " + v2.error);
        return out;
    }
    table t2(*v2.snapshot, out);
    t2.ask("DELETE /memberships/mem_alice", "alice (admin, after handing over)", 204, t2.token("user:alice"),
           "memberships.destroy", "mem_alice");
    t2.ask("DELETE /memberships/mem_dave", "dave (new owner, his own)", 401, t2.token("user:dave"),
           "memberships.destroy", "mem_dave");

    // ---- notes: what the model shows ------------------------------------------------------------------
    std::string loader_error;
    const perms desk = custom_role_set(db, "role_acme_orders", loader_error);
    out.notes.push_back("vocabulary: " + std::to_string(ward::vocabulary<subject>::size) + " subjects x " +
                        std::to_string(ward::vocabulary<crud>::size) +
                        " actions = " + std::to_string(ward::vocabulary<perm>::size) + " permissions, e.g. " +
                        std::string(ward::name_of(perm{subject::orders, crud::read})));
    out.notes.push_back(
        "custom role role_acme_orders (rows orders CRU-, customers -R--, skus -R--, memberships CR--): " +
        ward::to_string(desk) + "  (memberships.create is admin-only: dropped)");
    {
        const auto frank = t.token("user:frank", "app_dashboard");
        out.notes.push_back("frank through app_dashboard, acme/live: admin & read-only set = " +
                            ward::to_string(s1.effective_permissions(frank, s1.find_scope("acme/live")).permissions));
    }
    for (const membership_row& m : db.memberships)
        if (!m.profile.empty())
            out.notes.push_back(std::string(m.id) + ": membership " + std::string(to_string(m.access)) + ", profile " +
                                std::string(m.profile) + " says " + std::string(to_string(effective_access(db, m))) +
                                " -> bound at " + binding_scope(db, m) + " (the profile wins)");
    {
        database bad = sample_database();
        bad.application_memberships.push_back(
            {"amem_2", "mem_bob", "app_ci", role_kind::custom, ward::permissions<perm>("orders.read roles.destroy")});
        out.notes.push_back("custom application set 'orders.read roles.destroy' refused: " + load(bad).error);
    }
    out.notes.push_back("decided beside ward: the router's 405s (no endpoint); the loader resolves profile vs "
                        "membership access scope, and turns 'owner' and 'your own membership' into rows");
    std::size_t by_ward = 0;
    for (const outcome& o : out.rows) by_ward += o.reason.rfind("router:", 0) == 0 ? 0 : 1;
    out.notes.push_back("decided by ward: " + std::to_string(by_ward) + " of " + std::to_string(out.rows.size()) +
                        " rows (status_table with insufficient permission = 401)");
    return out;
}

inline std::vector<outcome> run_table() { return run().rows; }

} // namespace commerce_layer

#endif
