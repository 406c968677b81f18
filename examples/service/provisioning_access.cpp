// SPDX-License-Identifier: MIT
// Commerce Layer Provisioning (audience `provisioning`), what every endpoint leans on: the caller
// from the token, ward's checks (a denial answers 401, the API's status table), what a membership
// gives and what the caller holds, the service's own rule that another organization's records do
// not exist for a caller, and the records read from the store. The endpoints: api_provisioning.cpp.
#include "app_impl.hpp"
#include "claims.hpp"
#include "jsonapi.hpp"

namespace ward_service {

app::impl::cl_caller app::impl::cl_login(call& c, const ward::snapshot<cl_perm>& s, bool credentials) {
    const json claims = verified_claims(c.req, db.secret(), "provisioning");
    if (claims.is_null()) throw http_error{401, "unauthenticated", "this endpoint needs a token", {}};
    cl_caller who;
    const std::string sub = claim_string(claims, "sub");
    ward::token_claims t;
    t.subject = sub;
    constexpr std::string_view credential_prefix = "api_credential:";
    std::string application;
    if (sub.rfind(credential_prefix, 0) == 0) {
        // An API credential's own token (client credentials): its role, in its mode, while it exists.
        if (!credentials)
            fail(401, "invalid_token",
                 "an API credential's token is for /api/api_credentials and /api/application_memberships");
        who.api_credential_id = sub.substr(credential_prefix.size());
        const auto a = find_api_credential(who.api_credential_id);
        if (!a) fail(401, "invalid_token", "the token's API credential no longer exists");
        who.api_credential_organization = a->organization_id;
    } else {
        if (sub.rfind("user:", 0) != 0) fail(401, "invalid_token", "the token's subject is not a provisioning user");
        // A user's token issued through an application: ward's via, while the application exists.
        if (const auto app = claims.find("application"); app != claims.end()) {
            if (!app->is_string() || !find_api_credential(app->get<std::string>()))
                fail(401, "invalid_token", "the token's application no longer exists");
            application = app->get<std::string>();
            t.via = application;
        }
    }
    ward::credential_result<cl_perm> r;
    {
        authz_timer timer(c);
        r = s.authenticate(t);
    }
    if (!r || !r.value.principal().valid())
        fail(401, "invalid_token", "the token's subject is not a provisioning user or API credential");
    if (who.api_credential_id.empty()) {
        require_current(claims, std::string_view(sub).substr(5)); // the service's rule, outside the timer
        who.user_id = sub.substr(5);
    }
    who.cred = r.value;
    who.application = application;
    return who;
}

json app::impl::cl_caller::who() const {
    if (!api_credential_id.empty()) return json{{"type", "api_credential"}, {"id", api_credential_id}};
    json out{{"type", "user"}, {"id", user_id}};
    if (!application.empty()) out["application"] = application;
    return out;
}

void app::impl::cl_require(call& c, const ward::snapshot<cl_perm>& s, const cl_caller& who, subject on, crud action,
                           std::string_view target, const std::string& what) {
    const auto d = timed_check(c, s, who.cred, cl_set{cl_perm{on, action}}, target);
    if (!d.allowed) deny(s, d, cl_status, what + " needs " + std::string(ward::name_of(cl_perm{on, action})));
}

bool app::impl::cl_allowed(call& c, const ward::snapshot<cl_perm>& s, const cl_caller& who, subject on, crud action,
                           std::string_view target) {
    return timed_check(c, s, who.cred, cl_set{cl_perm{on, action}}, target).allowed;
}

/// What the caller may do in `organization`, after every deny, ceiling and access scope.
app::impl::cl_reach app::impl::cl_held(call& c, const ward::snapshot<cl_perm>& s, const cl_caller& who,
                                       std::string_view organization) {
    authz_timer timer(c);
    const auto at = [&](const std::string& scope) {
        return s.effective_permissions(who.cred, s.find_scope(scope)).permissions;
    };
    return {at(std::string(organization)),
            at(commerce_layer::environment_id(organization, commerce_layer::access_scope::live)),
            at(commerce_layer::environment_id(organization, commerce_layer::access_scope::test))};
}

/// What a membership with `role` and `access` would give, as the policy builds it: the whole
/// role everywhere for `all`; for `live` or `test`, the role's Provisioning subjects at the
/// organization and the whole role in that environment.
app::impl::cl_reach app::impl::cl_gives(const ward::snapshot<cl_perm>& s, std::string_view role,
                                        std::string_view access) {
    const cl_set whole = s.role_permissions(role).value;
    const cl_set org_level = whole & commerce_layer::provisioning_subjects;
    if (access == "all") return {whole, whole, whole};
    return {org_level, access == "live" ? whole : org_level, access == "test" ? whole : org_level};
}

/// Nobody confers or manages more than they hold: every permission of `gives` must be held
/// where it would apply. Otherwise a member with memberships.update or permissions.create
/// could hand themselves the admin role.
void app::impl::cl_may_confer(call& c, const ward::snapshot<cl_perm>& s, const cl_caller& who,
                              std::string_view organization, const cl_reach& gives, const std::string& what) {
    const cl_reach held = cl_held(c, s, who, organization);
    const cl_set beyond =
        (gives.organization - held.organization) | (gives.live - held.live) | (gives.test - held.test);
    if (!beyond.none())
        throw http_error{cl_status(ward::reason::missing_permission),
                         "beyond_own_permissions",
                         what + " would confer permissions the caller does not hold: " + ward::to_string(beyond),
                         {}};
}

/// A record in an organization the caller is no member of does not exist for the caller.
bool app::impl::is_member(std::string_view user_id, std::string_view organization) {
    return db.read([&](const store::reader& r) {
        auto s = r.prepare("SELECT count(*) FROM cl_memberships WHERE user_id = ?1 AND organization_id = ?2");
        s.bind_all(user_id, organization);
        return s.step() && s.integer(0) > 0;
    });
}

bool app::impl::sees(const cl_caller& who, const std::string& organization) {
    return who.api_credential_id.empty() ? is_member(who.user_id, organization)
                                         : organization == who.api_credential_organization;
}

/// A record of `organization` as the caller sees it: 404 unless a member.
void app::impl::cl_visible(const cl_caller& who, std::string_view organization, bool exists, std::string_view what) {
    if (!exists || !is_member(who.user_id, organization)) fail(404, "not_found", "no such " + std::string(what));
}

void app::impl::cl_may_create(call& c, const ward::snapshot<cl_perm>& s, const cl_caller& who, subject on,
                              const std::string& organization, const std::string& what) {
    cl_visible(who, organization, find_organization(organization).has_value(), "organization");
    cl_require(c, s, who, on, crud::create, organization, what);
}

void app::impl::delete_unused(store::transaction& t, const char* table, std::string_view id, const char* uses,
                              const char* code, const char* message) {
    auto used = t.prepare(uses);
    used.bind(1, id);
    if (used.step() && used.integer(0) > 0) fail(409, code, message);
    t.exec(std::string("DELETE FROM ") + table + " WHERE id = ?1", id);
}

std::optional<cl_organization> app::impl::find_organization(std::string_view id) {
    return find_row(cl_organizations_table, id);
}

std::optional<cl_role> app::impl::find_role(std::string_view id) { return find_row(cl_roles_table, id); }

std::optional<cl_permission> app::impl::find_permission(std::string_view id) {
    return find_row(cl_permissions_table, id);
}

std::optional<cl_membership> app::impl::find_membership(std::string_view id) {
    return find_row(cl_memberships_table, id);
}

std::string app::impl::organization_of_role(std::string_view role) {
    const auto r = find_role(role);
    return r ? r->organization_id : std::string();
}

json app::impl::membership_json(const cl_membership& m) {
    const auto u = find_ident_user(m.user_id);
    const std::string profile = profile_of(m.id);
    return organization_resource(
        "memberships", m.id, m.organization_id,
        {{"user_email", u ? u->email : std::string()},
         {"owner", m.owner},
         {"access_scope", m.access_scope},
         {"created_at", m.created_at}},
        {{"role", related("roles", m.role_id)},
         {"user", related("users", m.user_id)},
         {"membership_profile", profile.empty() ? json{{"data", nullptr}} : related("membership_profiles", profile)}});
}

std::vector<cl_organization> app::impl::all_organizations() { return all_rows(cl_organizations_table); }

} // namespace ward_service
