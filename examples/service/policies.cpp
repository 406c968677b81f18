// SPDX-License-Identifier: MIT
#include "policies.hpp"

#include <initializer_list>
#include <map>
#include <set>
#include <utility>
#include <vector>

namespace ward_service {

namespace {

/// The units of `found` whose keys are in `keys`, and an empty unit (gone) for each key `found`
/// has no unit of.
template <class P>
unit_map<P> keyed(std::vector<unit_rows<P>> found, const std::set<std::string>& keys) {
    unit_map<P> out;
    for (auto& u : found)
        if (keys.count(u.first)) out[u.first] = std::move(u.second);
    for (const std::string& k : keys) out.emplace(k, std::vector<policy_row<P>>{});
    return out;
}

/// The ids of the changes from table `source`.
std::set<std::string> changed_in(const std::vector<record_change>& changes, std::string_view source) {
    std::set<std::string> out;
    for (const record_change& c : changes)
        if (c.source == source) out.insert(c.record);
    return out;
}

/// Appends to `out` the rows `sql` (one parameter, ?1) selects for each of `ids`.
template <class Row, class Read>
void select_each(const store::reader& t, const std::string& sql, const std::set<std::string>& ids,
                 std::vector<Row>& out, Read read) {
    for (const std::string& id : ids) {
        auto s = t.prepare(sql);
        s.bind(1, id);
        while (s.step()) out.push_back(read(s));
    }
}

/// Adds to `out` (a set) the text `sql` (one parameter, ?1, one column) selects for each of `ids`.
void select_each(const store::reader& t, const std::string& sql, const std::set<std::string>& ids,
                 std::set<std::string>& out) {
    for (const std::string& id : ids) {
        auto s = t.prepare(sql);
        s.bind(1, id);
        while (s.step()) out.insert(s.text(0));
    }
}

template <class Row>
void select_each(const store::reader& t, const table<Row>& rows, const char* where, const std::set<std::string>& ids,
                 std::vector<Row>& out) {
    select_each(t, rows.select(where), ids, out, rows.read);
}

/// The unit keys of records by kind: {"user ", ids} gives "user <id>" for each id.
std::set<std::string> unit_keys(std::initializer_list<std::pair<const char*, const std::set<std::string>*>> kinds) {
    std::set<std::string> out;
    for (const auto& [prefix, ids] : kinds)
        for (const std::string& id : *ids) out.insert(prefix + id);
    return out;
}

/// The snapshot of a policy just made from all rows, or null and `error` when it does not build.
template <class Policy>
auto snapshot_of(const Policy& p, std::string& error) {
    if (!p.current()) error = p.error().message();
    return p.current();
}

} // namespace

// ---- provide ident ----

std::string ident_user_scope(std::string_view id) { return "users/" + std::string(id); }

std::vector<unit_rows<ident_perm>> ident_units(const ident_rows& rows) {
    std::vector<unit_rows<ident_perm>> out;
    const ident_set application_grant = provide::decode(application_mask);
    for (const ident_organization& o : rows.organizations) {
        recorded_rows<ident_perm> b;
        const std::string org = "organization:" + o.id;
        b.add_scope(org, "organization", "ident");
        b.add_principal(org, ward::principal_kind::organization);
        b.grant(org, org, provide::decode(provide::organization_token));
        out.emplace_back("organization " + o.id, std::move(b.rows()));
    }
    for (const ident_application& a : rows.applications) {
        recorded_rows<ident_perm> b;
        const std::string app = "application:" + a.id;
        b.add_scope(app, "application", "organization:" + a.organization_id);
        b.add_principal(app, ward::principal_kind::application);
        b.grant(app, app, application_grant);
        out.emplace_back("application " + a.id, std::move(b.rows()));
    }
    for (const ident_user& u : rows.users) {
        recorded_rows<ident_perm> b;
        const std::string home = u.application_id ? "application:" + *u.application_id : std::string("ident");
        const std::string principal = "user:" + u.id;
        b.add_scope(ident_user_scope(u.id), "user", home);
        b.add_principal(principal, ward::principal_kind::user);
        b.grant(principal, home, ident_set::from_integer(u.permissions).value); // unknown bits: refused, grants nothing
        out.emplace_back("user " + u.id, std::move(b.rows()));
    }
    return out;
}

ident_policy make_ident_policy(const ident_rows& rows) {
    return ident_policy(
        ward::scope_schema::standard(), rows.version,
        [](ward::policy_builder<ident_perm>& b) { b.add_scope("ident", "platform"); }, ident_units(rows));
}

unit_map<ident_perm> ident_changes(const store::reader& t, const std::vector<record_change>& changes) {
    const auto organizations = changed_in(changes, "organizations");
    const auto applications = changed_in(changes, "applications");
    const auto users = changed_in(changes, "users");
    ident_rows rows;
    select_each(t, "SELECT id, name FROM organizations WHERE id = ?1", organizations, rows.organizations,
                [](const statement& s) {
                    return ident_organization{s.text(0), s.text(1)};
                });
    select_each(t, "SELECT id, organization_id, name FROM applications WHERE id = ?1", applications, rows.applications,
                [](const statement& s) {
                    return ident_application{s.text(0), s.text(1), s.text(2)};
                });
    select_each(t, users_table, "WHERE id = ?1", users, rows.users);
    return keyed(ident_units(rows),
                 unit_keys({{"organization ", &organizations}, {"application ", &applications}, {"user ", &users}}));
}

std::shared_ptr<const ward::snapshot<ident_perm>> build_ident(const ident_rows& rows, std::string& error) {
    return snapshot_of(make_ident_policy(rows), error);
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

/// An access scope as stored; one that cannot be read confines to live.
commerce_layer::access_scope access_or_live(std::string_view name) {
    return access_named(name).value_or(commerce_layer::access_scope::live);
}

} // namespace

// commerce_layer's rows for each record (organization_rows, role_rows, ...), with what a record
// depends on looked up in maps: a membership's profile (the profile's access scope wins), its
// role's set, its application memberships.
std::vector<unit_rows<cl_perm>> provisioning_units(const provisioning_rows& rows) {
    using namespace commerce_layer;
    std::map<std::string_view, std::vector<const cl_permission*>> permissions_of;
    for (const cl_permission& p : rows.permissions) permissions_of[p.role_id].push_back(&p);
    std::map<std::string_view, perms> role_sets;
    std::map<std::string_view, perms> custom_sets;
    for (const cl_role& r : rows.roles) {
        perms custom;
        for (const cl_permission* p : permissions_of[r.id])
            if (const auto on = subject_named(p->subject_class)) // validated on the way in; unknown: nothing
                custom |= permission_row_set(*on, p->can_create, p->can_read, p->can_update, p->can_destroy);
        custom_sets[r.id] = custom;
        role_sets[r.id] = kind_named(r.kind) == role_kind::custom ? custom : application_set(kind_named(r.kind), {});
    }
    std::map<std::string_view, access_scope> profile_access;
    for (const cl_membership_profile& p : rows.profiles) profile_access[p.id] = access_or_live(p.access_scope);
    std::map<std::string_view, access_scope> linked_access; // a membership's profile's
    for (const cl_profile_link& l : rows.profile_links) {
        const auto it = profile_access.find(l.profile_id);
        if (it != profile_access.end()) linked_access[l.membership_id] = it->second;
    }
    std::map<std::string_view, const cl_api_credential*> credentials;
    for (const cl_api_credential& a : rows.api_credentials) credentials[a.id] = &a;
    std::map<std::string_view, std::vector<const cl_application_membership*>> restrictions_of;
    for (const cl_application_membership& am : rows.application_memberships)
        restrictions_of[am.membership_id].push_back(&am);
    const auto application_of = [](const cl_api_credential& a) {
        return application_row{a.id, a.organization_id, a.kind,
                               a.mode == "test" ? access_scope::test : access_scope::live,
                               a.role_id ? std::string_view(*a.role_id) : std::string_view()};
    };

    std::vector<unit_rows<cl_perm>> out;
    for (const ident_user& u : rows.users) {
        recorded_rows<cl_perm> b;
        b.add_principal("user:" + u.id, ward::principal_kind::user);
        out.emplace_back("user " + u.id, std::move(b.rows()));
    }
    for (const cl_organization& o : rows.organizations) {
        recorded_rows<cl_perm> b;
        organization_rows(b, o.id);
        out.emplace_back("organization " + o.id, std::move(b.rows()));
    }
    for (const cl_role& r : rows.roles) {
        recorded_rows<cl_perm> b;
        role_rows(b, role_row{r.id, r.organization_id, kind_named(r.kind), r.name}, custom_sets[r.id]);
        out.emplace_back("role " + r.id, std::move(b.rows()));
    }
    for (const cl_api_credential& a : rows.api_credentials) {
        recorded_rows<cl_perm> b;
        application_scope_rows(b, application_of(a));
        credential_rows(b, application_of(a));
        out.emplace_back("credential " + a.id, std::move(b.rows()));
    }
    for (const cl_membership& m : rows.memberships) {
        recorded_rows<cl_perm> b;
        const std::string user = "user:" + m.user_id;
        const auto linked = linked_access.find(m.id);
        const access_scope access = linked != linked_access.end() ? linked->second : access_or_live(m.access_scope);
        const auto role = role_sets.find(m.role_id);
        const membership_row row{m.id, user, m.organization_id, m.role_id, m.owner, access, {}};
        membership_rows(b, row, access, role == role_sets.end() ? perms{} : role->second, environment_reach::data_only);
        // A custom set that does not parse gives nothing (validated on the way in).
        for (const cl_application_membership* am : restrictions_of[m.id]) {
            const auto custom = ward::parse_scope<cl_perm>(am->permissions);
            restriction_rows(b,
                             application_membership_row{am->id, am->membership_id, am->api_credential_id,
                                                        kind_named(am->kind),
                                                        custom ? custom.value & full_access : perms{}},
                             row);
        }
        out.emplace_back("membership " + m.id, std::move(b.rows()));
    }
    return out;
}

provisioning_policy make_provisioning_policy(const provisioning_rows& rows) {
    return provisioning_policy(
        commerce_layer::schema(), rows.version,
        [](ward::policy_builder<cl_perm>& b) { b.add_roles(commerce_layer::role_kinds); }, provisioning_units(rows));
}

unit_map<cl_perm> provisioning_changes(const store::reader& t, const std::vector<record_change>& changes,
                                       const provisioning_policy& now) {
    const auto users = changed_in(changes, "users");
    const auto organizations = changed_in(changes, "cl_organizations");
    const auto credentials = changed_in(changes, "cl_api_credentials");
    std::set<std::string> roles = changed_in(changes, "cl_roles");
    for (auto&& r : changed_in(changes, "cl_permissions")) roles.insert(r);
    std::set<std::string> memberships = changed_in(changes, "cl_memberships");
    for (const char* source : {"cl_membership_profile_links", "cl_application_memberships"})
        for (auto&& m : changed_in(changes, source)) memberships.insert(m);
    // A profile's memberships act with its access scope.
    select_each(t, "SELECT membership_id FROM cl_membership_profile_links WHERE profile_id = ?1",
                changed_in(changes, "cl_membership_profiles"), memberships);

    // The changed roles first: the members of a role whose set changed change too.
    provisioning_rows role_rows_now;
    select_each(t, cl_roles_table, "WHERE id = ?1", roles, role_rows_now.roles);
    select_each(t, cl_permissions_table, "WHERE role_id = ?1", roles, role_rows_now.permissions);
    unit_map<cl_perm> out = keyed(provisioning_units(role_rows_now), unit_keys({{"role ", &roles}}));
    if (now.differs(out)) select_each(t, "SELECT id FROM cl_memberships WHERE role_id = ?1", roles, memberships);

    // The records the other changed units are made of, and what memberships depend on.
    provisioning_rows rows;
    select_each(t, users_table, "WHERE id = ?1", users, rows.users);
    select_each(t, "SELECT id, name, created_at FROM cl_organizations WHERE id = ?1", organizations, rows.organizations,
                [](const statement& s) {
                    return cl_organization{s.text(0), s.text(1), s.text(2)};
                });
    select_each(t, cl_api_credentials_table, "WHERE id = ?1", credentials, rows.api_credentials);
    select_each(t, cl_memberships_table, "WHERE id = ?1", memberships, rows.memberships);
    std::set<std::string> member_roles;
    for (const cl_membership& m : rows.memberships) member_roles.insert(m.role_id);
    select_each(t, cl_roles_table, "WHERE id = ?1", member_roles, rows.roles);
    select_each(t, cl_permissions_table, "WHERE role_id = ?1", member_roles, rows.permissions);
    select_each(t, "SELECT membership_id, profile_id FROM cl_membership_profile_links WHERE membership_id = ?1",
                memberships, rows.profile_links, [](const statement& s) {
                    return cl_profile_link{s.text(0), s.text(1)};
                });
    std::set<std::string> profiles;
    for (const cl_profile_link& l : rows.profile_links) profiles.insert(l.profile_id);
    select_each(t, cl_membership_profiles_table, "WHERE id = ?1", profiles, rows.profiles);
    select_each(t, cl_application_memberships_table, "WHERE membership_id = ?1 ORDER BY id", memberships,
                rows.application_memberships);

    const auto keys = unit_keys({{"user ", &users},
                                 {"organization ", &organizations},
                                 {"credential ", &credentials},
                                 {"membership ", &memberships}});
    for (auto& u : keyed(provisioning_units(rows), keys)) out[u.first] = std::move(u.second);
    return out;
}

std::shared_ptr<const ward::snapshot<cl_perm>> build_provisioning(const provisioning_rows& rows, std::string& error) {
    return snapshot_of(make_provisioning_policy(rows), error);
}

// ---- Bluebricks ----

std::vector<unit_rows<bb_perm>> bluebricks_units(const bluebricks_rows& rows) {
    std::map<std::string_view, std::vector<std::string_view>> roles_of;
    for (const bb_user_role& r : rows.user_roles) roles_of[r.user_id].push_back(r.role_id);
    std::vector<unit_rows<bb_perm>> out;
    for (const std::string& o : rows.organizations) {
        recorded_rows<bb_perm> b;
        b.add_scope(o, "organization", "bluebricks");
        out.emplace_back("organization " + o, std::move(b.rows()));
    }
    for (const bb_role& r : rows.roles) {
        recorded_rows<bb_perm> b;
        if (!r.rung.empty()) b.define_role(r.id, bb_set{}, {r.rung});
        else b.define_role(r.id, ward::parse_scope<bb_perm>(r.permissions).value);
        out.emplace_back("role " + r.id, std::move(b.rows()));
    }
    for (const bb_user& u : rows.users) {
        recorded_rows<bb_perm> b;
        b.add_principal(u.id, ward::principal_kind::user);
        b.add_scope(u.id, "user", u.organization_id); // the user's record
        const auto roles = roles_of.find(u.id);
        if (roles != roles_of.end())
            b.bind(u.id, u.organization_id, ward::view<std::string_view>(roles->second), ward::assign::replace);
        out.emplace_back("user " + u.id, std::move(b.rows()));
    }
    return out;
}

bluebricks_policy make_bluebricks_policy(const bluebricks_rows& rows) {
    return bluebricks_policy(
        ward::scope_schema::standard(), rows.version,
        [](ward::policy_builder<bb_perm>& b) {
            b.add_scope("bluebricks", "platform");
            b.add_roles(bluebricks::ladder);
        },
        bluebricks_units(rows));
}

unit_map<bb_perm> bluebricks_changes(const store::reader& t, const std::vector<record_change>& changes) {
    const auto organizations = changed_in(changes, "bb_organizations");
    const auto roles = changed_in(changes, "bb_roles");
    std::set<std::string> users = changed_in(changes, "bb_users");
    for (auto&& u : changed_in(changes, "bb_user_roles")) users.insert(u);
    bluebricks_rows rows;
    select_each(t, "SELECT id FROM bb_organizations WHERE id = ?1", organizations, rows.organizations,
                [](const statement& s) { return s.text(0); });
    select_each(t, "SELECT id, name, rung, permissions FROM bb_roles WHERE id = ?1", roles, rows.roles,
                [](const statement& s) {
                    return bb_role{s.text(0), s.text(1), s.text(2), s.text(3)};
                });
    select_each(t, bb_users_table, "WHERE id = ?1", users, rows.users);
    select_each(t, "SELECT user_id, role_id FROM bb_user_roles WHERE user_id = ?1 ORDER BY role_id", users,
                rows.user_roles, [](const statement& s) {
                    return bb_user_role{s.text(0), s.text(1)};
                });
    return keyed(bluebricks_units(rows),
                 unit_keys({{"organization ", &organizations}, {"role ", &roles}, {"user ", &users}}));
}

std::shared_ptr<const ward::snapshot<bb_perm>> build_bluebricks(const bluebricks_rows& rows, std::string& error) {
    return snapshot_of(make_bluebricks_policy(rows), error);
}

} // namespace ward_service
