// SPDX-License-Identifier: MIT
// provide "ident" (seed 001) in ward: a sparse uint32 permission mask, default masks, tokens
// scoped to a subject, and the rules of its user endpoints, as a table of checked rows.
#ifndef WARD_EXAMPLES_PROVIDE_IDENT_HPP
#define WARD_EXAMPLES_PROVIDE_IDENT_HPP

#include "acceptance_table.hpp"
#include <ward/ward.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace provide {

// ---- the vocabulary: the exact bits of ident's uint32 mask (0x4000..0x80000 unused) ---------------
enum class perm : std::uint32_t {
    authenticate = 0,
    read_resources = 1,
    create_resource = 2,
    update_resource = 3,
    delete_resource = 4,
    grant_resource_authorization = 5,
    revoke_resource_authorization = 6,
    publish = 7,
    subscribe = 8,
    reserved = 9,
    list_applications = 10,
    create_application = 11,
    update_application = 12,
    delete_application = 13,
    list_users = 20,
    create_user = 21,
    update_user = 22,
    delete_user = 23,
    list_tokens = 24,
    create_token = 25,
    delete_token = 26,
    sudo = 29,
};

} // namespace provide

template <>
struct ward::permission_traits<provide::perm> {
    using p = provide::perm;
    static constexpr ward::permission_name<p> names[] = {
        {p::authenticate, "authenticate"},
        {p::read_resources, "read_resources"},
        {p::create_resource, "create_resource"},
        {p::update_resource, "update_resource"},
        {p::delete_resource, "delete_resource"},
        {p::grant_resource_authorization, "grant_resource_authorization"},
        {p::revoke_resource_authorization, "revoke_resource_authorization"},
        {p::publish, "publish"},
        {p::subscribe, "subscribe"},
        {p::reserved, "reserved"},
        {p::list_applications, "list_applications"},
        {p::create_application, "create_application"},
        {p::update_application, "update_application"},
        {p::delete_application, "delete_application"},
        {p::list_users, "list_users"},
        {p::create_user, "create_user"},
        {p::update_user, "update_user"},
        {p::delete_user, "delete_user"},
        {p::list_tokens, "list_tokens"},
        {p::create_token, "create_token"},
        {p::delete_token, "delete_token"},
        {p::sudo, "sudo"},
    };
    // Sudo stands in for every privileged flag (ident checks HasAnyPermission(X, Sudo) everywhere).
    static constexpr ward::implication<p> implications[] = {
        {p::sudo, p::list_applications},  {p::sudo, p::create_application}, {p::sudo, p::update_application},
        {p::sudo, p::delete_application}, {p::sudo, p::list_users},         {p::sudo, p::create_user},
        {p::sudo, p::update_user},        {p::sudo, p::delete_user},        {p::sudo, p::list_tokens},
        {p::sudo, p::create_token},       {p::sudo, p::delete_token},
    };
    using wire_type = std::uint32_t; // a bit above 31 would not compile
};

namespace provide {

using mask = ward::permission_set<perm>;

// ---- the named default masks, decoded at compile time ------------------------------------------------
inline constexpr std::uint32_t default_user = 415;
inline constexpr std::uint32_t application_resource = 510;
inline constexpr std::uint32_t organization_token = 30;
inline constexpr std::uint32_t organization_user = 386;
inline constexpr std::uint32_t sudoer = default_user | 0x20000000u;

constexpr mask decode(std::uint32_t m) noexcept { return mask::from_integer(m).value; }

static_assert(mask::from_integer(default_user) && mask::from_integer(sudoer), "the default masks are valid");
static_assert(decode(default_user) == mask{perm::authenticate, perm::read_resources, perm::create_resource,
                                           perm::update_resource, perm::delete_resource, perm::publish,
                                           perm::subscribe});
static_assert(!mask::from_integer(0x4000), "bit 14 is unused by ident and is refused, never kept");
static_assert(decode(sudoer).implied().contains(perm::list_users), "sudo stands in for ListUsers");

/// A user created with mask 0 gets the default 415.
constexpr std::uint32_t permissions_for_new_user(std::uint32_t requested) noexcept {
    return requested == 0 ? default_user : requested;
}
static_assert(permissions_for_new_user(0) == default_user);

// ---- the policy, from rows as ident keeps them --------------------------------------------------------
// Scopes: the platform, organizations, their applications, and every user record, placed under the
// application it belongs to (application users) or under the platform (global users).
struct user_row {
    const char* id;          // "user:..." — the subject of the user's tokens
    const char* application; // "" for a global user
    std::uint32_t permissions;
};

inline const std::vector<user_row>& users() {
    static const std::vector<user_row> rows = {
        {"user:alice", "", permissions_for_new_user(0)},
        {"user:lister", "", default_user | 0x100000u},  // + ListUsers
        {"user:manager", "", default_user | 0x400000u}, // + UpdateUser
        {"user:root", "", sudoer},
        {"user:carol", "application:shop", organization_user},
        {"user:dave", "application:blog", organization_user},
    };
    return rows;
}

inline std::string record_of(const std::string& user) { return "users/" + user.substr(user.find(':') + 1); }

inline std::shared_ptr<const ward::snapshot<perm>> build_policy() {
    ward::policy_builder<perm> b;
    b.add_scope("ident", "platform");
    b.add_scope("organization:acme", "organization", "ident");
    b.add_scope("application:shop", "application", "organization:acme");
    b.add_scope("application:blog", "application", "organization:acme");

    // Applications administer their own users: list, create (virtual users) and update them.
    for (const char* app : {"application:shop", "application:blog"}) {
        b.add_principal(app, ward::principal_kind::application);
        b.grant(app, app, decode(application_resource) | mask{perm::list_users, perm::create_user, perm::update_user});
    }
    b.add_principal("organization:acme", ward::principal_kind::organization);
    b.grant("organization:acme", "organization:acme", decode(organization_token));

    for (const user_row& u : users()) {
        const std::string record = record_of(u.id);
        b.add_scope(record, "user", *u.application ? u.application : "ident");
        b.add_principal(u.id, ward::principal_kind::user);
        b.grant(u.id, *u.application ? u.application : "ident", decode(u.permissions)); // the membership's mask
    }
    auto built = b.build();
    return built.value; // null only if a row above were bad; the table test would then fail
}

// ---- tokens ---------------------------------------------------------------------------------------------
inline ward::token_claims user_token(const char* subject, std::uint32_t permissions) {
    ward::token_claims c;
    c.subject = subject;
    c.has_permission_mask = true;
    c.permission_mask = permissions;
    return c;
}
inline ward::token_claims application_token(const char* application) {
    ward::token_claims c;
    c.subject = application;
    c.bound_scopes = application; // an application token sees only its application
    return c;
}

// ---- the table ------------------------------------------------------------------------------------------
using acceptance::outcome;

inline std::vector<outcome> run_table() {
    const auto policy = build_policy();
    std::vector<outcome> out;
    if (!policy) return out;
    const ward::snapshot<perm>& s = *policy;
    const ward::status_table status; // ident: 401 / 403 / 404 (the defaults)

    static const ward::extended_claim only_resources[] = {{"*", application_resource}};
    ward::token_claims root_extended = user_token("user:root", sudoer);
    root_extended.extended = ward::view<ward::extended_claim>(only_resources);

    struct caller {
        std::string name;
        ward::credential<perm> cred;
        std::string home; // where GET /users lists: the token's application, else the platform
    };
    auto login = [&](std::string name, const ward::token_claims& c, std::string home) {
        return caller{std::move(name), s.authenticate(c).value, std::move(home)};
    };
    const caller nobody{"no token", ward::credential<perm>{}, "ident"};
    const caller forged = login("bad token (sub \"admin\")", user_token("admin", default_user), "ident");
    const caller alice = login("alice (415)", user_token("user:alice", default_user), "ident");
    const caller lister = login("lister (415|ListUsers)", user_token("user:lister", default_user | 0x100000u), "ident");
    const caller manager =
        login("manager (415|UpdateUser)", user_token("user:manager", default_user | 0x400000u), "ident");
    const caller root = login("root (sudoer)", user_token("user:root", sudoer), "ident");
    const caller root_ext = login("root, extended {\"*\": 510}", root_extended, "ident");
    const caller shop = login("application:shop token", application_token("application:shop"), "application:shop");
    const caller org =
        login("organization token (30)", user_token("organization:acme", organization_token), "organization:acme");

    auto row = [&](std::string request, const caller& c, const mask& required, const std::string& target, int expected,
                   std::string note = {}) {
        const auto d = s.check(c.cred, required, target);
        int code = status(d);
        if (d.allowed && expected >= 200 && expected < 300)
            code = expected; // 200, 201, 204: the endpoint's success code
        out.push_back({std::move(request), c.name, expected, code, s.explain(d) + note});
    };
    // GET /users lists the user records the caller may see below its home scope.
    auto list = [&](const caller& c, int expected) {
        const auto d = s.check(c.cred, perm::list_users, c.home);
        std::size_t visible = 0;
        for (const user_row& u : users()) visible += s.check(c.cred, perm::list_users, record_of(u.id)).allowed ? 1 : 0;
        out.push_back({"GET /api/v1/users", c.name, expected, status(d),
                       s.explain(d) + (d.allowed ? "; sees " + std::to_string(visible) + " of " +
                                                       std::to_string(users().size()) + " users"
                                                 : std::string{})});
    };

    // GET /users/{id}: a user always reads their own record (an identity rule, as in ident's
    // handler); anyone else needs ListUsers (or Sudo) at that record.
    auto read_user = [&](const caller& c, const std::string& user, int expected) {
        const std::string request = "GET /api/v1/users/" + user.substr(user.find(':') + 1);
        if (c.cred.authenticated() && c.cred.principal() == s.find_principal(user)) {
            out.push_back(
                {request, c.name, expected, 200, "allowed: the caller's own record (identity, before any permission)"});
            return;
        }
        row(request, c, perm::list_users, record_of(user), expected);
    };

    list(nobody, 401);
    list(forged, 401);
    list(alice, 403);
    list(lister, 200);
    list(root, 200);
    list(shop, 200);
    list(root_ext, 403);
    read_user(alice, "user:carol", 403);
    read_user(alice, "user:alice", 200);
    read_user(lister, "user:carol", 200);
    read_user(shop, "user:carol", 200);
    read_user(shop, "user:dave", 404);
    row("PUT /api/v1/users/carol {permissions}", alice, perm::update_user, "users/carol", 403);
    row("PUT /api/v1/users/alice {permissions}", alice, perm::update_user, "users/alice", 403);
    row("PUT /api/v1/users/carol {permissions}", manager, perm::update_user, "users/carol", 204);
    row("PUT /api/v1/users/carol {permissions}", root, perm::update_user, "users/carol", 204);
    row("DELETE /api/v1/users/carol", alice, perm::delete_user, "users/carol", 403);
    row("DELETE /api/v1/users/carol", root, perm::delete_user, "users/carol", 204);
    row("POST /api/v1/users (virtual, no password)", shop, perm::create_user, "application:shop", 201);
    row("POST /api/v1/users (virtual, no password)", alice, perm::create_user, "application:shop", 403);
    row("POST /api/v1/users (virtual, no password)", nobody, perm::create_user, "application:shop", 401);
    out.push_back({"POST /api/v1/users (with password)", nobody.name, 201, 201,
                   "public endpoint: creating a normal user needs no token, ward is not consulted"});
    row("GET /api/v1/applications/shop/resources", org, perm::read_resources, "application:shop", 200);
    row("DELETE /api/v1/applications/shop", org, perm::delete_application, "application:shop", 403);
    return out;
}

} // namespace provide

#endif
