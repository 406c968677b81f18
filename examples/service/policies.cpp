// SPDX-License-Identifier: MIT
#include "policies.hpp"

#include <deque>
#include <utility>
#include <vector>

namespace ward_service {

std::string ident_user_scope(std::string_view id) { return "users/" + std::string(id); }

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
    return built.value;
}

// ---- Commerce Layer Provisioning ----

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

namespace {

commerce_layer::role_kind kind_named(std::string_view kind) {
    if (kind == "admin") return commerce_layer::role_kind::admin;
    if (kind == "read_only") return commerce_layer::role_kind::read_only;
    return commerce_layer::role_kind::custom;
}

} // namespace

// Views into `owned`, which a deque keeps in place.
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
    // A membership's profile, when it has one, decides its access scope (commerce_layer's rule:
    // the profile wins). A profile whose access scope cannot be read confines to live.
    for (const cl_membership_profile& p : rows.profiles)
        db.profiles.push_back(
            {p.id, p.organization_id, access_named(p.access_scope).value_or(commerce_layer::access_scope::live)});
    const auto profile_of = [&rows](const std::string& membership) -> std::string_view {
        for (const cl_profile_link& l : rows.profile_links)
            if (l.membership_id == membership) return l.profile_id;
        return {};
    };
    for (const cl_membership& m : rows.memberships)
        db.memberships.push_back({m.id, keep("user:" + m.user_id), m.organization_id, m.role_id, m.owner,
                                  access_named(m.access_scope).value_or(commerce_layer::access_scope::live),
                                  profile_of(m.id)});
    // API credentials are the organization's applications; application memberships restrict a
    // membership to some of them (commerce_layer's restrict_to, over the whole organization).
    for (const cl_api_credential& a : rows.api_credentials)
        db.applications.push_back(
            {a.id, a.organization_id, a.kind,
             a.mode == "test" ? commerce_layer::access_scope::test : commerce_layer::access_scope::live,
             a.role_id ? std::string_view(*a.role_id) : std::string_view()});
    // A custom set that does not parse gives nothing (validated on the way in).
    for (const cl_application_membership& am : rows.application_memberships) {
        const auto custom = ward::parse_scope<cl_perm>(am.permissions);
        db.application_memberships.push_back({am.id, am.membership_id, am.api_credential_id, kind_named(am.kind),
                                              custom ? custom.value & commerce_layer::full_access : cl_set{}});
    }
    // Access scopes (live, test) confine a member's data, not the organization's own records.
    commerce_layer::policy p = commerce_layer::load(db, commerce_layer::environment_reach::data_only);
    if (!p) error = p.error;
    return p.snapshot;
}

// ---- Bluebricks ----
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
        for (; i < rows.user_roles.size() && rows.user_roles[i].user_id == user; ++i)
            roles.push_back(rows.user_roles[i].role_id);
        std::string organization;
        for (const bb_user& u : rows.users)
            if (u.id == user) organization = u.organization_id;
        b.bind(user, organization, ward::view<std::string_view>(roles), ward::assign::replace);
    }
    auto built = b.build();
    if (!built) error = built.error.message();
    return built.value;
}

} // namespace ward_service
