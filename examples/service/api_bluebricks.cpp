// SPDX-License-Identifier: MIT
// Bluebricks on Auth0 (audience `bluebricks`; 401 / 403 / 404): GET /api/v1/user/me, GET
// /api/v1/user/{id}, POST /api/v1/user/{id}/roles. The token carries the caller's organization and
// permission names; ward caps the caller by them.
#include "app_impl.hpp"
#include "claims.hpp"
#include "validate.hpp"

#include <set>
#include <utility>
#include <vector>

namespace ward_service {

namespace {

json bb_user_json(const bb_user& u) {
    return json{{"id", u.id},
                {"name", u.name},
                {"email", u.email},
                {"first_name", u.first_name},
                {"last_name", u.last_name},
                {"created_at", u.created_at}};
}

std::string bb_id(const call& c) {
    const std::string id = path_param(c);
    if (!is_provider_id(id)) fail(400, "bad_id", "'" + printable(id) + "' is not a user id (provider|id)");
    return id;
}

} // namespace

app::impl::bb_caller app::impl::bb_login(call& c, const ward::snapshot<bb_perm>& s) {
    const json claims = verified_claims(c.req, db.secret(), "bluebricks", options.external.get());
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
        if (!it->is_array() || it->size() > 64)
            fail(401, "invalid_token", "the token's 'permissions' claim is not a short array");
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
    if (!r)
        fail(401, "invalid_token", "the token's '" + std::string(ward::to_string(r.failed)) + "' claim was refused");
    if (!r.value.principal().valid()) fail(401, "invalid_token", "the token's subject is not known (any more)");
    who.cred = r.value;
    return who;
}

void app::impl::bb_require(call& c, const ward::snapshot<bb_perm>& s, const bb_caller& who, std::string_view need,
                           std::string_view target) {
    const auto d = timed_check(c, s, who.cred, ward::parse_name<bb_perm>(need).value, target);
    if (!d.allowed) deny(s, d, bluebricks::statuses, "this endpoint requires the " + std::string(need) + " permission");
}

std::optional<bb_user> app::impl::find_bb_user(std::string_view id) { return find_row(bb_users_table, id); }

reply app::impl::bb_me(call& c) {
    const auto snap = bluebricks.read();
    const bb_caller who = bb_login(c, *snap);
    bb_require(c, *snap, who, "read:users", who.subject);
    const bb_user u = found(find_bb_user(who.subject), "user");
    bb_set held;
    {
        authz_timer timer(c);
        held = snap->effective_permissions(who.cred, snap->find_scope(who.organization)).permissions;
    }
    json out = bb_user_json(u);
    out["permissions"] = names_of(held);
    return {200, std::move(out)};
}

reply app::impl::bb_get(call& c) {
    const std::string id = bb_id(c);
    const auto snap = bluebricks.read();
    const bb_caller who = bb_login(c, *snap);
    bb_require(c, *snap, who, "read:users", id);
    return {200, bb_user_json(found(find_bb_user(id), "user"))};
}

reply app::impl::bb_roles(call& c) {
    const std::string id = bb_id(c);
    const json body = parse_body(c);
    allow_only(body, {"roles", "add"});
    const auto roles_it = body.find("roles");
    if (roles_it == body.end() || !roles_it->is_array())
        fail(400, "missing_field", "'roles' must be an array of role ids");
    if (roles_it->size() > 32) fail(400, "too_many", "at most 32 roles at once");
    std::set<std::string> roles;
    for (const json& r : *roles_it) {
        if (!r.is_string() || !is_role_id(r.get<std::string>()))
            fail(400, "bad_id", "every role must be a role id (rol_...)");
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
        for (const std::string& r : roles) gives |= snap->role_permissions(r).value;
        bb_set held, theirs;
        {
            authz_timer timer(c);
            const ward::scope_handle at = snap->find_scope(id);
            held = snap->effective_permissions(who.cred, at).permissions;
            theirs =
                snap->effective_permissions(ward::credential<bb_perm>::of(snap->find_principal(id)), at).permissions;
        }
        const bb_set beyond = (gives | theirs) - held;
        if (!beyond.none())
            fail(403, "beyond_own_permissions",
                 "assigning these roles to this user needs permissions the caller does not hold: " +
                     ward::to_string(beyond));
    }
    write(serial, api_bluebricks, [&](store::transaction& t) {
        auto exists = t.prepare("SELECT count(*) FROM bb_users WHERE id = ?1");
        exists.bind(1, id);
        if (!exists.step() || exists.integer(0) == 0) fail(404, "not_found", "no such user");
        for (const std::string& r : roles) {
            auto known = t.prepare("SELECT count(*) FROM bb_roles WHERE id = ?1");
            known.bind(1, r);
            if (!known.step() || known.integer(0) == 0)
                fail(422, "unknown_role", "no role " + printable(r) + "; nothing changed");
        }
        if (!add) t.exec("DELETE FROM bb_user_roles WHERE user_id = ?1", id);
        for (const std::string& r : roles)
            t.exec("INSERT INTO bb_user_roles VALUES (?1, ?2) ON CONFLICT DO NOTHING", id, r);
    });
    const bb_user u = found(find_bb_user(id), "user");
    json out = bb_user_json(u);
    out["roles"] = db.read([&](const store::reader& r) {
        json list = json::array();
        auto s = r.prepare("SELECT role_id FROM bb_user_roles WHERE user_id = ?1 ORDER BY role_id");
        s.bind(1, id);
        while (s.step()) list.push_back(s.text(0));
        return list;
    });
    const auto now = bluebricks.read();
    out["permissions"] = names_of(now->effective_permissions(ward::credential<bb_perm>::of(now->find_principal(id)),
                                                             now->find_scope(u.organization_id))
                                      .permissions);
    return {200, std::move(out)};
}

} // namespace ward_service
