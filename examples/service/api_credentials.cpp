// SPDX-License-Identifier: MIT
// Commerce Layer Provisioning (audience `provisioning`; insufficient permission answers 401): API
// credentials (/api/api_credentials) with their own tokens (the client-credentials grant of POST
// /api/v1/authenticate), and application memberships (/api/application_memberships), which
// restrict a membership to some of the organization's API credentials.
//
// Where ward decides: an API credential is an application scope under its mode's environment
// (org/live, org/test), so api_credentials.* and application_memberships.* are checked at the
// credential's scope (at the environment for a create). A user's permissions on the Provisioning
// subjects hold at the organization and reach every environment; a credential's own token holds
// its role in its mode's environment only; a restricted member acts in the organization only
// through its applications (commerce_layer.hpp's restrict_to), with the role's permissions
// intersected with the application's set.
#include "app_impl.hpp"
#include "claims.hpp"
#include "crypto.hpp"
#include "jsonapi.hpp"
#include "tokens.hpp"
#include "validate.hpp"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>

namespace ward_service {

namespace {

constexpr std::string_view credential_kinds[] = {"webapp", "sales_channel", "integration"};

json credential_json(const cl_api_credential& a) {
    return organization_resource("api_credentials", a.id, a.organization_id,
                                 {{"name", a.name},
                                  {"kind", a.kind},
                                  {"mode", a.mode},
                                  {"client_id", a.client_id},
                                  {"created_at", a.created_at}},
                                 {{"role", a.role_id ? related("roles", *a.role_id) : json{{"data", nullptr}}}});
}

/// `permissions`: the names of a custom set, null for the fixed kinds.
json application_membership_json(const cl_application_membership& am) {
    json names = nullptr;
    if (am.kind == "custom") {
        names = json::array();
        for (std::size_t at = 0; at < am.permissions.size();) {
            const std::size_t space = std::min(am.permissions.find(' ', at), am.permissions.size());
            names.push_back(am.permissions.substr(at, space - at));
            at = space + 1;
        }
    }
    return resource("application_memberships", am.id,
                    {{"kind", am.kind}, {"permissions", std::move(names)}, {"created_at", am.created_at}},
                    {{"membership", related("memberships", am.membership_id)},
                     {"api_credential", related("api_credentials", am.api_credential_id)}});
}

std::string environment_of(const cl_api_credential& a) {
    return commerce_layer::environment_id(a.organization_id, a.mode == "test" ? commerce_layer::access_scope::test
                                                                              : commerce_layer::access_scope::live);
}

/// What a credential with `role` in `mode` gives: the role, in that environment only.
app::impl::cl_reach credential_gives(const ward::snapshot<cl_perm>& s, const std::string& role,
                                     const std::string& mode) {
    const cl_set whole = s.role_permissions(role).value;
    return {cl_set{}, mode == "live" ? whole : cl_set{}, mode == "test" ? whole : cl_set{}};
}

std::string kind_attribute(const json& attrs, bool required) {
    const auto k = string_field(attrs, "kind", 1, 16, required);
    if (k && *k != "admin" && *k != "read_only" && *k != "custom")
        fail(400, "bad_value", "'kind' must be admin, read_only or custom");
    return k.value_or("");
}

constexpr std::size_t max_permission_names = 64;

/// `permissions`, a custom application's set: absent gives nullopt; otherwise an array of
/// permission names of the vocabulary (`orders.read`; 400 otherwise), within full access (422
/// `beyond_full_access`: nothing can hold what the API does not have). Answers the set.
std::optional<cl_set> permissions_attribute(const json& attrs) {
    const auto it = attrs.find("permissions");
    if (it == attrs.end()) return std::nullopt;
    if (!it->is_array()) fail(400, "wrong_type", "'permissions' must be an array of permission names");
    if (it->size() > max_permission_names)
        fail(400, "too_many", "'permissions' has more than " + std::to_string(max_permission_names) + " names");
    cl_set set;
    for (const json& name : *it) {
        if (!name.is_string()) fail(400, "wrong_type", "'permissions' must be an array of permission names");
        const auto one = ward::parse_name<cl_perm>(name.get<std::string>());
        if (!one)
            fail(400, "bad_value", "'" + printable(name.get<std::string>()) + "' is not a permission (subject.action)");
        set = set | one.value;
    }
    const cl_set beyond = set - commerce_layer::full_access;
    if (!beyond.none())
        fail(422, "beyond_full_access",
             "no application's set holds what the API does not have: " + ward::to_string(beyond));
    return set;
}

/// The application's set after a write: `kind` with `permissions` (a custom kind's, required when
/// a membership becomes custom; refused with the other kinds), the current one's otherwise. The
/// names' canonical text goes to the store.
std::string custom_set(const std::string& kind, const std::optional<cl_set>& permissions, bool was_custom,
                       const std::string& stored) {
    if (kind != "custom") {
        if (permissions) fail(400, "bad_value", "'permissions' is only for the custom kind");
        return {};
    }
    if (!permissions && !was_custom) fail(400, "missing_field", "the custom kind needs 'permissions'");
    return permissions ? ward::to_string(*permissions) : stored;
}

/// A record of `organization` as the caller sees it; 404 otherwise.
void visible(app::impl& self, const app::impl::cl_caller& who, const std::string& organization, bool exists,
             std::string_view what) {
    if (!exists || !self.sees(who, organization)) fail(404, "not_found", "no such " + std::string(what));
}

/// GET of a collection: the records of the caller's organizations (by their API credential, which
/// `credential_of` finds) where the caller holds `on`'s read at that credential.
template <class Row, class CredentialOf, class ToJson>
reply list_of(app::impl& self, call& c, const table<Row>& rows, subject on, CredentialOf credential_of,
              ToJson to_json) {
    const auto keep = [&](const ward::snapshot<cl_perm>& s, const app::impl::cl_caller& who, const Row& r) {
        const std::optional<cl_api_credential> a = credential_of(self, r);
        return a && self.sees(who, a->organization_id) && self.cl_allowed(c, s, who, on, crud::read, a->id);
    };
    return self.cl_collection(c, true, rows, keep, to_json);
}

/// GET of one record: 404 unless its API credential is one the caller sees, then a read check at
/// that credential.
template <class Row, class CredentialOf, class ToJson>
reply show_of(app::impl& self, call& c, const table<Row>& rows, const char* prefix, const char* noun,
              const char* a_noun, subject on, CredentialOf credential_of, ToJson to_json) {
    const std::string id = path_id(c, prefix, a_noun);
    const auto snap = self.provisioning.read();
    const app::impl::cl_caller who = self.cl_login(c, *snap, true);
    const auto r = self.find_row(rows, id);
    const auto a = r ? credential_of(self, *r) : std::nullopt;
    visible(self, who, a ? a->organization_id : std::string(), a.has_value(), noun);
    self.cl_require(c, *snap, who, on, crud::read, a->id, std::string("reading ") + a_noun);
    return {200, json{{"data", to_json(*r)}}};
}

std::optional<cl_api_credential> itself(app::impl&, const cl_api_credential& a) { return a; }
std::optional<cl_api_credential> membership_credential(app::impl& self, const cl_application_membership& am) {
    return self.find_api_credential(am.api_credential_id);
}

} // namespace

std::optional<cl_api_credential> app::impl::find_api_credential(std::string_view id) {
    return find_row(cl_api_credentials_table, id);
}

// ---- the client-credentials grant ----
reply app::impl::client_credentials(const json& body) {
    allow_only(body, {"grant_type", "client_id", "client_secret", "audience"});
    const std::string client_id = *string_field(body, "client_id", 1, 128, true);
    const std::string secret = *string_field(body, "client_secret", 1, 256, true);
    const std::string audience = string_field(body, "audience", 1, 32, false).value_or("provisioning");
    if (audience != "provisioning")
        fail(400, "bad_audience", "an API credential's token is for the provisioning audience");
    const auto found = find_row_where(cl_api_credentials_table, "WHERE client_id = ?1", client_id);
    verify_secret(secret, found ? &found->secret_hash : nullptr);
    mint_options m;
    m.audience = audience;
    m.subject = "api_credential:" + found->id;
    m.ttl = options.token_ttl;
    json out = grant(m);
    out["mode"] = found->mode;
    return {201, std::move(out)};
}

// ---- /api/api_credentials ----
reply app::impl::cl_api_credentials_list(call& c) {
    return list_of(*this, c, cl_api_credentials_table, subject::api_credentials, itself, credential_json);
}

reply app::impl::cl_api_credential_get(call& c) {
    return show_of(*this, c, cl_api_credentials_table, "cred", "API credential", "an API credential",
                   subject::api_credentials, itself, credential_json);
}

reply app::impl::cl_api_credential_create(call& c) {
    const json body = parse_body(c);
    const auto [attrs, rels] = document(body, "api_credentials", {"name", "kind", "mode"}, {"organization", "role"});
    cl_api_credential a;
    a.name = *string_field(attrs, "name", 1, 100, true);
    a.kind = *string_field(attrs, "kind", 1, 32, true);
    bool known_kind = false;
    for (std::string_view k : credential_kinds) known_kind = known_kind || a.kind == k;
    if (!known_kind) fail(400, "bad_value", "'kind' must be webapp, sales_channel or integration");
    a.mode = *string_field(attrs, "mode", 1, 8, true);
    if (a.mode != "live" && a.mode != "test") fail(400, "bad_value", "'mode' must be live or test");
    a.organization_id = relationship(rels, "organization", "organizations", "org", true);
    const std::string role = relationship(rels, "role", "roles", "role", false);
    if (!role.empty() && a.kind != "integration")
        fail(422, "role_not_allowed", "only integration credentials take a role");
    const cl_writer w = cl_write_as(c, true);
    visible(*this, w.who, a.organization_id, find_organization(a.organization_id).has_value(), "organization");
    cl_require(c, *w.snap, w.who, subject::api_credentials, crud::create, environment_of(a),
               "creating an API credential");
    if (!role.empty()) {
        if (organization_of_role(role) != a.organization_id)
            fail(422, "unknown_role", "the role is not one of this organization's roles");
        cl_may_confer(c, *w.snap, w.who, a.organization_id, credential_gives(*w.snap, role, a.mode),
                      "this API credential");
        a.role_id = role;
    }
    a.id = random_id("cred");
    a.client_id = random_id("client", 32);
    const std::string secret = base64url_encode(random_bytes(32));
    a.secret_hash = password_hash(secret, options.pbkdf2_iterations);
    a.created_at = timestamp_now();
    write(w, api_provisioning, [&](store::transaction& t) {
        t.exec(cl_api_credentials_table.insert(), a.id, a.organization_id, a.name, a.kind, a.mode, a.role_id,
               a.client_id, a.secret_hash, a.created_at);
    });
    json out = credential_json(a);
    out["attributes"]["client_secret"] = secret; // this once, never again
    return {201, json{{"data", std::move(out)}}};
}

reply app::impl::cl_api_credential_update(call& c) {
    const std::string id = path_id(c, "cred", "an API credential");
    const json body = parse_body(c);
    const auto [attrs, rels] = document(body, "api_credentials", {"name"}, {"role"});
    const auto name = string_field(attrs, "name", 1, 100, false);
    const std::string role = relationship(rels, "role", "roles", "role", false);
    const cl_writer w = cl_write_as(c, true);
    auto a = find_api_credential(id);
    visible(*this, w.who, a ? a->organization_id : std::string(), a.has_value(), "API credential");
    cl_require(c, *w.snap, w.who, subject::api_credentials, crud::update, id, "updating an API credential");
    if (!role.empty()) {
        if (a->kind != "integration") fail(422, "role_not_allowed", "only integration credentials take a role");
        if (organization_of_role(role) != a->organization_id)
            fail(422, "unknown_role", "the role is not one of this organization's roles");
        // Only someone who holds what the credential gives now and what it would give after.
        cl_reach gives = credential_gives(*w.snap, role, a->mode);
        if (a->role_id) gives = gives | credential_gives(*w.snap, *a->role_id, a->mode);
        cl_may_confer(c, *w.snap, w.who, a->organization_id, gives, "this API credential");
    }
    if (name || !role.empty()) {
        write(w, api_provisioning, [&](store::transaction& t) {
            if (name) t.exec("UPDATE cl_api_credentials SET name = ?2 WHERE id = ?1", id, *name);
            if (!role.empty()) t.exec("UPDATE cl_api_credentials SET role_id = ?2 WHERE id = ?1", id, role);
        });
        if (name) a->name = *name;
        if (!role.empty()) a->role_id = role;
    }
    return {200, json{{"data", credential_json(*a)}}};
}

reply app::impl::cl_api_credential_delete(call& c) {
    const std::string id = path_id(c, "cred", "an API credential");
    const cl_writer w = cl_write_as(c, true);
    const auto a = find_api_credential(id);
    visible(*this, w.who, a ? a->organization_id : std::string(), a.has_value(), "API credential");
    cl_require(c, *w.snap, w.who, subject::api_credentials, crud::destroy, id, "deleting an API credential");
    // Deleting the application of a restricted membership would lift the restriction.
    write(w, api_provisioning, [&](store::transaction& t) {
        delete_unused(t, "cl_api_credentials", id,
                      "SELECT count(*) FROM cl_application_memberships WHERE api_credential_id = ?1", "in_use",
                      "application memberships restrict members to this credential; delete them first");
    });
    return {204, nullptr};
}

// ---- /api/application_memberships ----

namespace {

/// A membership's restrictions are managed only by whoever may change the membership itself:
/// the owner's membership by the owner alone, anyone else's by someone who holds everything it
/// gives (restricting is a way to lock a member out; lifting a restriction widens what they do).
void may_manage(app::impl& self, call& c, const ward::snapshot<cl_perm>& s, const app::impl::cl_caller& who,
                const cl_membership& m) {
    if (m.owner && m.user_id != who.user_id)
        throw http_error{app::impl::cl_status(ward::reason::missing_permission),
                         "owner_required",
                         "only the owner restricts the owner's membership",
                         {}};
    self.cl_may_confer(c, s, who, m.organization_id, app::impl::cl_gives(s, m.role_id, self.effective_access(m)),
                       "managing this membership's applications");
}

/// A custom set is held by whoever writes it, wherever it would apply, as a custom role's
/// permission rows are.
void may_hold(app::impl& self, call& c, const ward::snapshot<cl_perm>& s, const app::impl::cl_caller& who,
              const std::string& organization, const cl_set& set) {
    self.cl_may_confer(c, s, who, organization, {set, set, set}, "this application's permissions");
}

} // namespace

reply app::impl::cl_application_memberships_list(call& c) {
    return list_of(*this, c, cl_application_memberships_table, subject::application_memberships, membership_credential,
                   application_membership_json);
}

reply app::impl::cl_application_membership_get(call& c) {
    return show_of(*this, c, cl_application_memberships_table, "amem", "application membership",
                   "an application membership", subject::application_memberships, membership_credential,
                   application_membership_json);
}

reply app::impl::cl_application_membership_create(call& c) {
    const json body = parse_body(c);
    const auto [attrs, rels] =
        document(body, "application_memberships", {"kind", "permissions"}, {"membership", "api_credential"});
    std::string kind = kind_attribute(attrs, false);
    if (kind.empty()) kind = "read_only";
    const std::optional<cl_set> permissions = permissions_attribute(attrs);
    const std::string custom = custom_set(kind, permissions, false, {});
    const std::string membership = relationship(rels, "membership", "memberships", "mem", true);
    const std::string credential = relationship(rels, "api_credential", "api_credentials", "cred", true);
    const cl_writer w = cl_write_as(c, true);
    const auto m = find_membership(membership);
    visible(*this, w.who, m ? m->organization_id : std::string(), m.has_value(), "membership");
    const auto a = find_api_credential(credential);
    if (!a || a->organization_id != m->organization_id)
        fail(422, "unknown_api_credential", "the API credential is not one of this organization's");
    cl_require(c, *w.snap, w.who, subject::application_memberships, crud::create, a->id,
               "creating an application membership");
    may_manage(*this, c, *w.snap, w.who, *m);
    if (permissions) may_hold(*this, c, *w.snap, w.who, m->organization_id, *permissions);
    const cl_application_membership am{random_id("amem"), membership, credential, kind, timestamp_now(), custom};
    write(w, api_provisioning, [&](store::transaction& t) {
        auto dup = t.prepare(
            "SELECT count(*) FROM cl_application_memberships WHERE membership_id = ?1 AND api_credential_id = ?2");
        dup.bind_all(membership, credential);
        if (dup.step() && dup.integer(0) > 0)
            fail(409, "already_restricted", "this membership is already restricted to this API credential");
        t.exec(cl_application_memberships_table.insert(), am.id, am.membership_id, am.api_credential_id, am.kind,
               am.created_at, am.permissions);
    });
    return {201, json{{"data", application_membership_json(am)}}};
}

reply app::impl::cl_application_membership_update(call& c) {
    const std::string id = path_id(c, "amem", "an application membership");
    const json body = parse_body(c);
    const auto [attrs, rels] = document(body, "application_memberships", {"kind", "permissions"}, {});
    const std::string kind = kind_attribute(attrs, false);
    const std::optional<cl_set> permissions = permissions_attribute(attrs);
    const cl_writer w = cl_write_as(c, true);
    auto am = find_row(cl_application_memberships_table, id);
    const auto m = am ? find_membership(am->membership_id) : std::nullopt;
    visible(*this, w.who, m ? m->organization_id : std::string(), m.has_value(), "application membership");
    cl_require(c, *w.snap, w.who, subject::application_memberships, crud::update, am->api_credential_id,
               "updating an application membership");
    if (!kind.empty() || permissions) {
        const std::string next = kind.empty() ? am->kind : kind;
        const std::string custom = custom_set(next, permissions, am->kind == "custom", am->permissions);
        may_manage(*this, c, *w.snap, w.who, *m);
        if (permissions) may_hold(*this, c, *w.snap, w.who, m->organization_id, *permissions);
        write(w, api_provisioning, [&](store::transaction& t) {
            t.exec("UPDATE cl_application_memberships SET kind = ?2, permissions = ?3 WHERE id = ?1", id, next, custom);
        });
        am->kind = next;
        am->permissions = custom;
    }
    return {200, json{{"data", application_membership_json(*am)}}};
}

reply app::impl::cl_application_membership_delete(call& c) {
    const std::string id = path_id(c, "amem", "an application membership");
    const cl_writer w = cl_write_as(c, true);
    const auto am = find_row(cl_application_memberships_table, id);
    const auto m = am ? find_membership(am->membership_id) : std::nullopt;
    visible(*this, w.who, m ? m->organization_id : std::string(), m.has_value(), "application membership");
    cl_require(c, *w.snap, w.who, subject::application_memberships, crud::destroy, am->api_credential_id,
               "deleting an application membership");
    may_manage(*this, c, *w.snap, w.who, *m);
    write(w, api_provisioning,
          [&](store::transaction& t) { t.exec("DELETE FROM cl_application_memberships WHERE id = ?1", id); });
    return {204, nullptr};
}

} // namespace ward_service
