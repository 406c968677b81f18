// SPDX-License-Identifier: MIT
// Commerce Layer Provisioning's endpoints (audience `provisioning`; insufficient permission answers
// 401): /api/user, /api/organizations, /api/memberships, /api/roles, /api/permissions. What they
// lean on (the caller, checks, reach, records): provisioning_access.cpp.
#include "app_impl.hpp"
#include "crypto.hpp"
#include "jsonapi.hpp"
#include "validate.hpp"

#include <cstdint>
#include <optional>
#include <utility>

namespace ward_service {

namespace {

json organization_json(const cl_organization& o) {
    return resource("organizations", o.id, {{"name", o.name}, {"created_at", o.created_at}});
}

json role_json(const cl_role& r) {
    return organization_resource("roles", r.id, r.organization_id,
                                 {{"name", r.name}, {"kind", r.kind}, {"created_at", r.created_at}});
}

json permission_json(const cl_permission& p) {
    return resource("permissions", p.id,
                    {{"subject_class", p.subject_class},
                     {"can_create", p.can_create},
                     {"can_read", p.can_read},
                     {"can_update", p.can_update},
                     {"can_destroy", p.can_destroy},
                     {"created_at", p.created_at}},
                    {{"role", related("roles", p.role_id)}});
}

// What the shared list, show and rename endpoints need of each record kind, one overload a kind.
std::string organization_of(app::impl&, const cl_organization& o) { return o.id; }
std::string organization_of(app::impl&, const cl_membership& m) { return m.organization_id; }
std::string organization_of(app::impl&, const cl_role& r) { return r.organization_id; }
std::string organization_of(app::impl& self, const cl_permission& p) { return self.organization_of_role(p.role_id); }
json to_json(app::impl&, const cl_organization& o) { return organization_json(o); }
json to_json(app::impl& self, const cl_membership& m) { return self.membership_json(m); }
json to_json(app::impl&, const cl_role& r) { return role_json(r); }
json to_json(app::impl&, const cl_permission& p) { return permission_json(p); }
/// A caller always reads a record that is theirs: their own membership.
bool theirs(const cl_membership& m, const std::string& user_id) { return m.user_id == user_id; }
template <class Row>
bool theirs(const Row&, const std::string&) {
    return false;
}

/// One Provisioning record kind: its table, the words for it and the subject that guards it.
template <class Row>
struct cl_kind {
    const table<Row>& rows;
    const char* type;   ///< JSON:API type
    const char* prefix; ///< the prefix of its ids
    const char* noun;   ///< "role"
    const char* a_noun; ///< "a role"
    subject on;
};
const cl_kind<cl_organization> organizations{cl_organizations_table, "organizations",   "org",
                                             "organization",         "an organization", subject::organizations};
const cl_kind<cl_membership> memberships{cl_memberships_table, "memberships",  "mem",
                                         "membership",         "a membership", subject::memberships};
const cl_kind<cl_role> roles{cl_roles_table, "roles", "role", "role", "a role", subject::roles};
const cl_kind<cl_permission> permissions{cl_permissions_table, "permissions",  "perm",
                                         "permission",         "a permission", subject::permissions};

/// GET of a collection: the records the caller may read (or that are theirs).
template <class Row>
reply cl_list(app::impl& self, call& c, const cl_kind<Row>& k) {
    const auto keep = [&](const ward::snapshot<cl_perm>& s, const app::impl::cl_caller& who, const Row& r) {
        return theirs(r, who.user_id) || self.cl_allowed(c, s, who, k.on, crud::read, organization_of(self, r));
    };
    return self.cl_collection(c, false, k.rows, keep, [&](const Row& r) { return to_json(self, r); });
}

/// GET of one record: 404 unless it exists in one of the caller's organizations, then a read check.
template <class Row>
reply cl_show(app::impl& self, call& c, const cl_kind<Row>& k) {
    const std::string id = path_id(c, k.prefix, k.a_noun);
    const auto snap = self.provisioning.read();
    const app::impl::cl_caller who = self.cl_login(c, *snap);
    const auto r = self.find_row(k.rows, id);
    const std::string organization = r ? organization_of(self, *r) : std::string();
    self.cl_visible(who, organization, r.has_value(), k.noun);
    if (!theirs(*r, who.user_id))
        self.cl_require(c, *snap, who, k.on, crud::read, organization, std::string("reading ") + k.a_noun);
    return {200, json{{"data", to_json(self, *r)}}};
}

/// PATCH of a record whose one writable attribute is its name.
template <class Row>
reply cl_rename(app::impl& self, call& c, const cl_kind<Row>& k) {
    const std::string id = path_id(c, k.prefix, k.a_noun);
    const json body = parse_body(c);
    const auto [attrs, rels] = document(body, k.type, {"name"}, {});
    const auto name = string_field(attrs, "name", 1, 100, false);
    const app::impl::cl_writer w = self.cl_write_as(c);
    auto r = self.find_row(k.rows, id);
    const std::string organization = r ? organization_of(self, *r) : std::string();
    self.cl_visible(w.who, organization, r.has_value(), k.noun);
    self.cl_require(c, *w.snap, w.who, k.on, crud::update, organization, std::string("updating ") + k.a_noun);
    if (name) {
        self.write(w, app::impl::api_provisioning, [&](store::transaction& t) {
            t.exec(std::string("UPDATE ") + k.rows.name + " SET name = ?2 WHERE id = ?1", id, *name);
        });
        r->name = *name;
    }
    return {200, json{{"data", to_json(self, *r)}}};
}

std::string access_attribute(const json& attrs) {
    const auto a = string_field(attrs, "access_scope", 1, 8, false);
    if (a && !access_named(*a)) fail(400, "bad_value", "'access_scope' must be live, test or all");
    return a.value_or("");
}

/// What one permission row gives the role's members (a custom role never manages memberships).
cl_set cl_row_set(const cl_permission& p) {
    const auto on = subject_named(p.subject_class);
    if (!on) return cl_set{};
    return commerce_layer::permission_row_set(*on, p.can_create, p.can_read, p.can_update, p.can_destroy);
}

} // namespace

// ---- /api/user ----
reply app::impl::cl_user(call& c) {
    const auto snap = provisioning.read();
    const cl_caller who = cl_login(c, *snap);
    const ident_user u = found(find_ident_user(who.user_id), "user");
    return {200,
            json{{"data", resource("user", u.id,
                                   {{"email", u.email}, {"first_name", u.first_name}, {"last_name", u.last_name}})}}};
}

/// PATCH /api/user: the caller's own name and email (the user is the token's subject; nobody
/// else's record is reachable here).
reply app::impl::cl_user_update(call& c) {
    const json body = parse_body(c);
    const auto [attrs, rels] = document(body, "user", {"email", "first_name", "last_name"}, {});
    const std::string email = email_field(attrs, false);
    const auto first = string_field(attrs, "first_name", 0, 100, false);
    const auto last = string_field(attrs, "last_name", 0, 100, false);
    const cl_writer w = cl_write_as(c);
    write(w, 0u, [&](store::transaction& t) { update_names(t, w.who.user_id, email, first, last); });
    return cl_user(c);
}

// ---- /api/organizations ----
reply app::impl::cl_organization_create(call& c) {
    const json body = parse_body(c);
    const auto [attrs, rels] = document(body, "organizations", {"name"}, {});
    const std::string name = *string_field(attrs, "name", 1, 100, true);
    const cl_writer w = cl_write_as(c);
    if (!w.who.cred.authenticated()) fail(401, "unauthenticated", "creating an organization needs a user");
    cl_organization o{random_id("org"), name, timestamp_now()};
    write(w, api_provisioning, [&](store::transaction& t) {
        const std::string admin = random_id("role"), read_only = random_id("role");
        t.exec("INSERT INTO cl_organizations VALUES (?1, ?2, ?3)", o.id, o.name, o.created_at);
        t.exec("INSERT INTO cl_roles VALUES (?1, ?3, 'Admin', 'admin', ?4), (?2, ?3, 'Read-only', 'read_only', ?4)",
               admin, read_only, o.id, o.created_at);
        t.exec("INSERT INTO cl_memberships VALUES (?1, ?2, ?3, ?4, 1, 'all', ?5)", random_id("mem"), o.id,
               w.who.user_id, admin, o.created_at);
    });
    return {201, json{{"data", organization_json(o)}}};
}

// ---- /api/memberships ----
reply app::impl::cl_membership_create(call& c) {
    const json body = parse_body(c);
    const auto [attrs, rels] =
        document(body, "memberships", {"user_email", "access_scope"}, {"organization", "role", "membership_profile"});
    const std::string email = email_field(json{{"email", *string_field(attrs, "user_email", 3, 254, true)}}, true);
    std::string access = access_attribute(attrs);
    if (access.empty()) access = "all";
    const std::string organization = relationship(rels, "organization", "organizations", "org", true);
    const std::string role = relationship(rels, "role", "roles", "role", true);
    const std::string profile = profile_relationship(rels).value_or("");
    const cl_writer w = cl_write_as(c);
    cl_may_create(c, *w.snap, w.who, subject::memberships, organization, "creating a membership");
    // With a profile, the membership acts with the profile's access scope.
    const std::string acts_with = profile.empty() ? access : profile_access(profile, organization);
    cl_may_confer(c, *w.snap, w.who, organization, cl_gives(*w.snap, role, acts_with), "this membership");

    cl_membership m{random_id("mem"), organization, {}, role, false, access, timestamp_now()};
    write(w, api_provisioning, [&](store::transaction& t) {
        auto u = t.prepare("SELECT id FROM users WHERE lower(email) = lower(?1)");
        u.bind(1, email);
        if (!u.step()) fail(422, "unknown_user", "no user has the email " + printable(email));
        m.user_id = u.text(0);
        auto r = t.prepare("SELECT count(*) FROM cl_roles WHERE id = ?1 AND organization_id = ?2");
        r.bind_all(role, organization);
        if (!r.step() || r.integer(0) == 0)
            fail(422, "unknown_role", "the role is not one of this organization's roles");
        auto dup = t.prepare("SELECT count(*) FROM cl_memberships WHERE user_id = ?1 AND organization_id = ?2");
        dup.bind_all(m.user_id, organization);
        if (dup.step() && dup.integer(0) > 0)
            fail(409, "already_member", "this user is already a member of the organization");
        t.exec(cl_memberships_table.insert(), m.id, m.organization_id, m.user_id, m.role_id, std::int64_t{m.owner},
               m.access_scope, m.created_at);
        if (!profile.empty()) t.exec("INSERT INTO cl_membership_profile_links VALUES (?1, ?2)", m.id, profile);
    });
    return {201, json{{"data", membership_json(m)}}};
}

reply app::impl::cl_membership_update(call& c) {
    const std::string id = path_id(c, "mem", "a membership");
    const json body = parse_body(c);
    const auto [attrs, rels] = document(body, "memberships", {"access_scope", "owner"}, {"role", "membership_profile"});
    const std::string access = access_attribute(attrs);
    const auto owner = bool_field(attrs, "owner");
    const std::string role = relationship(rels, "role", "roles", "role", false);
    const std::optional<std::string> profile = profile_relationship(rels); ///< "": detach
    if (owner && !*owner)
        fail(422, "owner_required", "ownership is transferred (owner: true on the new owner), never dropped");
    const cl_writer w = cl_write_as(c);
    auto m = cl_found(c, *w.snap, w.who, cl_memberships_table, id, "membership", subject::memberships, crud::update,
                      "updating a membership");
    if (!role.empty() || !access.empty() || profile) {
        // The owner's membership is the owner's alone; anyone else's only for whoever holds
        // everything it gives now and everything it would give after the change.
        if (m.owner && m.user_id != w.who.user_id)
            throw http_error{cl_status(ward::reason::missing_permission),
                             "owner_required",
                             "only the owner changes the owner's membership",
                             {}};
        // What it gives is decided by its profile's access scope when it has one (before and after).
        const std::string profile_after = profile ? *profile : profile_of(id);
        const std::string access_after = profile_after.empty() ? (access.empty() ? m.access_scope : access)
                                                               : profile_access(profile_after, m.organization_id);
        const cl_reach now = cl_gives(*w.snap, m.role_id, effective_access(m));
        const cl_reach after = cl_gives(*w.snap, role.empty() ? m.role_id : role, access_after);
        cl_may_confer(c, *w.snap, w.who, m.organization_id, now | after, "changing this membership");
    }
    write(w, api_provisioning, [&](store::transaction& t) {
        if (owner) {
            auto current = t.prepare("SELECT user_id FROM cl_memberships WHERE organization_id = ?1 AND owner = 1");
            current.bind(1, m.organization_id);
            if (!current.step() || current.text(0) != w.who.user_id)
                throw http_error{cl_status(ward::reason::missing_permission),
                                 "owner_required",
                                 "only the organization's owner can transfer its ownership",
                                 {}};
            auto admin = t.prepare(
                "SELECT id FROM cl_roles WHERE organization_id = ?1 AND kind = 'admin' ORDER BY created_at LIMIT 1");
            admin.bind(1, m.organization_id);
            if (!admin.step()) fail(409, "no_admin_role", "the organization has no admin role");
            const std::string admin_role = admin.text(0);
            t.exec("UPDATE cl_memberships SET owner = 0 WHERE organization_id = ?1", m.organization_id);
            t.exec("UPDATE cl_memberships SET owner = 1, role_id = ?2 WHERE id = ?1", id, admin_role);
            m.owner = true;
            m.role_id = admin_role;
        }
        if (!role.empty()) {
            if (m.owner) fail(409, "owner_is_admin", "the owner keeps the admin role; transfer ownership first");
            auto r = t.prepare("SELECT count(*) FROM cl_roles WHERE id = ?1 AND organization_id = ?2");
            r.bind_all(role, m.organization_id);
            if (!r.step() || r.integer(0) == 0)
                fail(422, "unknown_role", "the role is not one of this organization's roles");
            t.exec("UPDATE cl_memberships SET role_id = ?2 WHERE id = ?1", id, role);
            m.role_id = role;
        }
        if (!access.empty()) {
            t.exec("UPDATE cl_memberships SET access_scope = ?2 WHERE id = ?1", id, access);
            m.access_scope = access;
        }
        // One change of the link, so that its version says [old, new].
        if (profile && profile->empty()) t.exec("DELETE FROM cl_membership_profile_links WHERE membership_id = ?1", id);
        else if (profile)
            t.exec("INSERT INTO cl_membership_profile_links VALUES (?1, ?2) "
                   "ON CONFLICT (membership_id) DO UPDATE SET profile_id = excluded.profile_id",
                   id, *profile);
    });
    return {200, json{{"data", membership_json(m)}}};
}

reply app::impl::cl_membership_delete(call& c) {
    const std::string id = path_id(c, "mem", "a membership");
    const cl_writer w = cl_write_as(c);
    cl_found(c, *w.snap, w.who, cl_memberships_table, id, "membership", subject::memberships, crud::destroy,
             "deleting a membership", id);
    write(w, api_provisioning, [&](store::transaction& t) {
        auto del = t.prepare("DELETE FROM cl_memberships WHERE id = ?1 AND owner = 0 RETURNING id");
        del.bind(1, id);
        if (!del.step())
            fail(409, "owner_membership", "the owner's membership cannot be deleted; transfer ownership first");
        del.run();
    });
    return {204, nullptr};
}

// ---- /api/roles ----
reply app::impl::cl_role_create(call& c) {
    const json body = parse_body(c);
    const auto [attrs, rels] = document(body, "roles", {"name"}, {"organization"});
    const std::string name = *string_field(attrs, "name", 1, 100, true);
    const std::string organization = relationship(rels, "organization", "organizations", "org", true);
    const cl_writer w = cl_write_as(c);
    cl_may_create(c, *w.snap, w.who, subject::roles, organization, "creating a role");
    const cl_role r{random_id("role"), organization, name, "custom", timestamp_now()};
    write(w, api_provisioning, [&](store::transaction& t) {
        t.exec(cl_roles_table.insert(), r.id, r.organization_id, r.name, r.kind, r.created_at);
    });
    return {201, json{{"data", role_json(r)}}};
}

// ---- /api/permissions ----
reply app::impl::cl_permission_create(call& c) {
    const json body = parse_body(c);
    const auto [attrs, rels] = document(
        body, "permissions", {"subject_class", "can_create", "can_read", "can_update", "can_destroy"}, {"role"});
    const std::string subject_class = *string_field(attrs, "subject_class", 1, 64, true);
    if (!subject_named(subject_class))
        fail(422, "unknown_subject", "'" + printable(subject_class) + "' is not a subject class");
    cl_permission p{random_id("perm"),
                    relationship(rels, "role", "roles", "role", true),
                    subject_class,
                    bool_field(attrs, "can_create").value_or(false),
                    bool_field(attrs, "can_read").value_or(false),
                    bool_field(attrs, "can_update").value_or(false),
                    bool_field(attrs, "can_destroy").value_or(false),
                    timestamp_now()};
    const cl_writer w = cl_write_as(c);
    const auto role = find_role(p.role_id);
    if (!role || !is_member(w.who.user_id, role->organization_id)) fail(422, "unknown_role", "no such role");
    cl_require(c, *w.snap, w.who, subject::permissions, crud::create, role->organization_id, "creating a permission");
    if (role->kind != "custom")
        fail(422, "not_custom", "only custom roles take permissions (admin and read_only are fixed)");
    const cl_set row = cl_row_set(p);
    cl_may_confer(c, *w.snap, w.who, role->organization_id, {row, row, row}, "this permission");
    write(w, api_provisioning, [&](store::transaction& t) {
        auto dup = t.prepare("SELECT count(*) FROM cl_permissions WHERE role_id = ?1 AND subject_class = ?2");
        dup.bind_all(p.role_id, p.subject_class);
        if (dup.step() && dup.integer(0) > 0)
            fail(409, "duplicate_subject", "the role already has a permission for this subject");
        t.exec(cl_permissions_table.insert(), p.id, p.role_id, p.subject_class, std::int64_t{p.can_create},
               std::int64_t{p.can_read}, std::int64_t{p.can_update}, std::int64_t{p.can_destroy}, p.created_at);
    });
    return {201, json{{"data", permission_json(p)}}};
}

reply app::impl::cl_permission_update(call& c) {
    const std::string id = path_id(c, "perm", "a permission");
    const json body = parse_body(c);
    const auto [attrs, rels] =
        document(body, "permissions", {"can_create", "can_read", "can_update", "can_destroy"}, {});
    const auto can_create = bool_field(attrs, "can_create"), can_read = bool_field(attrs, "can_read"),
               can_update = bool_field(attrs, "can_update"), can_destroy = bool_field(attrs, "can_destroy");
    const cl_writer w = cl_write_as(c);
    auto p = find_permission(id);
    const std::string organization = p ? organization_of_role(p->role_id) : std::string();
    cl_visible(w.who, organization, p.has_value(), "permission");
    cl_require(c, *w.snap, w.who, subject::permissions, crud::update, organization, "updating a permission");
    const cl_set before = cl_row_set(*p);
    p->can_create = can_create.value_or(p->can_create);
    p->can_read = can_read.value_or(p->can_read);
    p->can_update = can_update.value_or(p->can_update);
    p->can_destroy = can_destroy.value_or(p->can_destroy);
    const cl_set added = cl_row_set(*p) - before;
    cl_may_confer(c, *w.snap, w.who, organization, {added, added, added}, "this permission");
    write(w, api_provisioning, [&](store::transaction& t) {
        t.exec(
            "UPDATE cl_permissions SET can_create = ?2, can_read = ?3, can_update = ?4, can_destroy = ?5 WHERE id = ?1",
            id, std::int64_t{p->can_create}, std::int64_t{p->can_read}, std::int64_t{p->can_update},
            std::int64_t{p->can_destroy});
    });
    return {200, json{{"data", permission_json(*p)}}};
}

// ---- the list, show and rename endpoints, shared by the record kinds ----
reply app::impl::cl_organizations_list(call& c) { return cl_list(*this, c, organizations); }
reply app::impl::cl_organization_get(call& c) { return cl_show(*this, c, organizations); }
reply app::impl::cl_organization_update(call& c) { return cl_rename(*this, c, organizations); }
reply app::impl::cl_memberships_list(call& c) { return cl_list(*this, c, memberships); }
reply app::impl::cl_membership_get(call& c) { return cl_show(*this, c, memberships); }
reply app::impl::cl_roles_list(call& c) { return cl_list(*this, c, roles); }
reply app::impl::cl_role_get(call& c) { return cl_show(*this, c, roles); }
reply app::impl::cl_role_update(call& c) { return cl_rename(*this, c, roles); }
reply app::impl::cl_permissions_list(call& c) { return cl_list(*this, c, permissions); }
reply app::impl::cl_permission_get(call& c) { return cl_show(*this, c, permissions); }

} // namespace ward_service
