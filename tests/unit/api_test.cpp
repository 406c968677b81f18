// SPDX-License-Identifier: MIT
// The API gaps that writing real adapters found: string ids for effective_permissions, the roles
// a principal has at a scope (roles_at), "no such role" told apart from an empty role, the count
// of names a lenient authenticate skipped, any contiguous range of strings where names are taken,
// and the input decisions of docs/security.md that authenticate applies.
#include "support/engine_fixture.hpp"
#include "support/vocabularies.hpp"
#include "support/ward_catch.hpp"
#include <ward/builder.hpp>
#include <ward/claims.hpp>
#include <ward/parse.hpp>
#include <ward/snapshot.hpp>
#include <ward/view.hpp>

#include <array>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

using namespace wt;
using ward::errc;
using ward::reason;
using ward::role_origin;

namespace {

/// Rows 0..9 and run-time roles that inherit: rol_auditor < viewer (a table role), rol_lead <
/// rol_auditor and rol_ops; rol_ops has no parent.
void roles_rows(ward::policy_builder<bb>& b) {
    base_rows(b);
    b.define_role("rol_ops", B("read:deployments"));                                                       // 10
    b.define_role("rol_auditor", B("read:organization"), {"viewer"});                                      // 11
    b.define_role("rol_lead", B("update:blueprints"), std::vector<std::string>{"rol_auditor", "rol_ops"}); // 12
}

std::vector<ward::role_membership> roles_of(const ward::snapshot<bb>& s, std::string_view p, std::string_view t) {
    std::vector<ward::role_membership> out(16);
    const auto r = s.roles_at(p, t, out.data(), out.size());
    REQUIRE(r);
    REQUIRE(r.count <= out.size());
    out.resize(r.count);
    return out;
}

} // namespace

// ==== any contiguous range of strings ======================================================================

TEST_CASE("view<string_view>: any contiguous range of strings, without a helper", "[api][view]") {
    const std::vector<std::string> strings{"viewer", "rol_x"};
    const ward::view<std::string_view> a = strings;
    REQUIRE(a.size() == 2);
    CHECK(a[0] == "viewer");
    CHECK(a[1] == "rol_x");
    const std::array<std::string_view, 3> views{"a", "b", "c"};
    const ward::view<std::string_view> b = views;
    CHECK(b.size() == 3);
    CHECK(b[2] == "c");
    const char* c_strings[] = {"x", nullptr, "z"};
    const ward::view<std::string_view> c = c_strings;
    CHECK(c.size() == 3);
    CHECK(c[1].empty()); // a null C string reads as empty, never a crash
    std::vector<std::string_view> seen;
    for (std::string_view s : c) seen.push_back(s);
    CHECK(seen == std::vector<std::string_view>{"x", "", "z"});
    const std::initializer_list<std::string> list{"p", "q"};
    const ward::view<std::string_view> d = list;
    CHECK(d[1] == "q");
    static constexpr std::string_view fixed[] = {"one", "two"};
    constexpr ward::view<std::string_view> e = fixed;
    static_assert(e.size() == 2 && e[1] == "two");
    CHECK(ward::view<std::string_view>{}.empty());
}

TEST_CASE("bind, define_role parents and the names claim take std::string containers", "[api][view]") {
    ward::policy_builder<bb> b;
    base_rows(b);
    const std::vector<std::string> parents{"viewer", "billing"};
    b.define_role("rol_x", B("read:organization"), parents);                          // 10
    b.define_role("rol_y", "update:blueprints", std::array<std::string, 1>{"rol_x"}); // 11
    const std::vector<std::string> roles{"rol_y"};
    b.bind("user:alice", "org:acme", roles); // 12
    const std::array<std::string_view, 2> more{"guest", "editor"};
    b.bind("user:bob", "org:acme", more, ward::assign::replace); // 13
    b.bind("auth0|carol", "org:acme", {"viewer"});               // 14
    const auto s = must_build(b);
    const auto alice = ward::credential<bb>::of(s->find_principal("user:alice"));
    CHECK(s->check(alice, B("update:organization update:blueprints read:users"), "org:acme"));
    CHECK(s->check(ward::credential<bb>::of(s->find_principal("user:bob")), B("create:deployments"), "org:acme"));

    ward::token_claims c;
    c.subject = "user:alice";
    c.has_permission_names = true;
    const std::vector<std::string> names{"read:users", "update:blueprints"};
    c.permission_names = names;
    const auto r = s->authenticate(c);
    REQUIRE(r);
    CHECK(r.value.ceiling() == B("read:users update:blueprints").implied());
}

// ==== effective_permissions by id ==========================================================================

TEST_CASE("effective_permissions: the target scope by id", "[api][reverse]") {
    ward::policy_builder<bb> b;
    base_rows(b);
    b.bind("user:alice", "org:acme", {"viewer"});
    const auto s = must_build(b);
    const auto alice = ward::credential<bb>::of(s->find_principal("user:alice"));
    const auto by_id = s->effective_permissions(alice, "org:acme");
    CHECK(by_id.why == reason::granted);
    CHECK(by_id.permissions == s->effective_permissions(alice, s->find_scope("org:acme")).permissions);
    CHECK(by_id.permissions == ladder["viewer"]);
    const auto unknown = s->effective_permissions(alice, "org:nope");
    CHECK(unknown.why == reason::unknown_scope);
    CHECK(unknown.permissions.none());
    CHECK(s->effective_permissions(alice, std::string_view{}).why == reason::unknown_scope);
    // The credential is judged first: an unknown caller does not learn which scopes exist.
    const auto nobody = ward::credential<bb>::of(s->find_principal("user:nobody"));
    CHECK(s->effective_permissions(nobody, "org:nope").why == reason::unknown_principal);
    CHECK(s->effective_permissions(ward::credential<bb>{}, "org:acme").why == reason::unauthenticated);
}

// ==== role_permissions: no such role ======================================================================

TEST_CASE("role_permissions: an unknown role is told apart from an empty one", "[api][roles]") {
    ward::policy_builder<bb> b;
    base_rows(b);
    b.define_role("rol_empty", bset{});
    const auto s = must_build(b);
    const auto empty = s->role_permissions("rol_empty");
    REQUIRE(empty);
    CHECK(empty.ec == errc::ok);
    CHECK(empty.value.none());
    const auto unknown = s->role_permissions("rol_nope");
    CHECK_FALSE(unknown);
    CHECK(unknown.ec == errc::unknown_role);
    CHECK(unknown.value.none());
    CHECK(s->role_permissions("").ec == errc::unknown_role);
    CHECK(s->role_permissions("admin").value == ladder["admin"]);
}

// ==== roles_at ============================================================================================

TEST_CASE("roles_at: bound here, bound above, inherited through parents", "[api][roles]") {
    ward::policy_builder<bb> b;
    roles_rows(b);
    b.bind("user:alice", "org:acme", {"rol_lead"});                     // 13
    b.bind("user:alice", "res:acme-db", {"billing"});                   // 14
    b.bind("user:alice", "platform", {"guest"});                        // 15
    b.bind("user:bob", "org:acme", {"editor"});                         // 16
    b.bind("user:bob", "org:acme", {"rol_ops"}, ward::assign::replace); // 17: drops row 16
    const auto s = must_build(b);

    SECTION("at the organization") {
        const auto r = roles_of(*s, "user:alice", "org:acme");
        REQUIRE(r.size() == 5);
        CHECK(r[0].role == "rol_lead");
        CHECK(r[0].origin == role_origin::bound_here);
        CHECK(r[0].bound_at == s->find_scope("org:acme"));
        CHECK(r[0].through.empty());
        CHECK(r[1].role == "guest");
        CHECK(r[1].origin == role_origin::bound_above);
        CHECK(r[1].bound_at == s->find_scope("platform"));
        CHECK(r[2].role == "rol_auditor");
        CHECK(r[2].origin == role_origin::inherited);
        CHECK(r[2].through == "rol_lead");
        CHECK(r[2].bound_at == s->find_scope("org:acme"));
        CHECK(r[3].role == "rol_ops");
        CHECK(r[3].origin == role_origin::inherited);
        CHECK(r[4].role == "viewer"); // rol_auditor's parent, transitively
        CHECK(r[4].through == "rol_lead");
        CHECK(ward::to_string(r[4].origin) == "inherited");
    }
    SECTION("below it, a role bound there comes first; each role once") {
        const auto r = roles_of(*s, "user:alice", "res:acme-db");
        REQUIRE(r.size() == 6);
        CHECK(r[0].role == "billing");
        CHECK(r[0].origin == role_origin::bound_here);
        CHECK(r[1].role == "rol_lead");
        CHECK(r[1].origin == role_origin::bound_above);
        CHECK(r[2].role == "guest");
    }
    SECTION("beside it and above it, nothing of the organization") {
        const auto globex = roles_of(*s, "user:alice", "org:globex");
        REQUIRE(globex.size() == 1);
        CHECK(globex[0].role == "guest");
        CHECK(roles_of(*s, "user:alice", "platform").size() == 1);
        CHECK(roles_of(*s, "auth0|carol", "org:acme").empty());
    }
    SECTION("a replacing binding drops the roles of earlier rows") {
        const auto r = roles_of(*s, "user:bob", "org:acme");
        REQUIRE(r.size() == 1);
        CHECK(r[0].role == "rol_ops");
    }
    SECTION("the count exceeds a small capacity; only the first entries are written") {
        std::array<ward::role_membership, 2> out{};
        const auto r = s->roles_at(s->find_principal("user:alice"), s->find_scope("org:acme"), out.data(), out.size());
        REQUIRE(r);
        CHECK(r.count == 5);
        CHECK(out[0].role == "rol_lead");
        CHECK(out[1].role == "guest");
        CHECK(s->roles_at("user:alice", "org:acme", nullptr, 0).count == 5);
    }
    SECTION("unknown ids fail closed with a reason") {
        std::array<ward::role_membership, 4> out{};
        const auto p = s->roles_at("user:nobody", "org:acme", out.data(), out.size());
        CHECK_FALSE(p);
        CHECK(p.why == reason::unknown_principal);
        CHECK(p.count == 0);
        const auto t = s->roles_at("user:alice", "org:nope", out.data(), out.size());
        CHECK_FALSE(t);
        CHECK(t.why == reason::unknown_scope);
        CHECK(t.count == 0);
        CHECK(s->roles_at("user:nobody", "org:nope", out.data(), out.size()).why == reason::unknown_principal);
    }
}

TEST_CASE("roles_at: a policy without bindings; a role bound twice", "[api][roles]") {
    ward::policy_builder<bb> b;
    roles_rows(b);
    const auto none = must_build(b);
    std::array<ward::role_membership, 4> out{};
    const auto r = none->roles_at("user:alice", "org:acme", out.data(), out.size());
    CHECK(r);
    CHECK(r.count == 0);

    b.bind("user:alice", "org:acme", {"rol_auditor", "rol_auditor"});
    b.bind("user:alice", "platform", {"rol_auditor", "viewer"});
    const auto s = must_build(b);
    const auto roles = roles_of(*s, "user:alice", "org:acme");
    REQUIRE(roles.size() == 2);
    CHECK(roles[0].role == "rol_auditor");
    CHECK(roles[0].origin == role_origin::bound_here);
    CHECK(roles[1].role == "viewer");
    CHECK(roles[1].origin == role_origin::bound_above); // bound above wins over inherited
}

// ==== authenticate ========================================================================================

TEST_CASE("authenticate: a lenient token says how many names were skipped", "[api][authenticate]") {
    ward::policy_builder<bb> b;
    base_rows(b);
    b.bind("user:alice", "org:acme", {"admin"});
    const auto s = must_build(b);
    ward::token_claims c;
    c.subject = "user:alice";
    c.has_permission_names = true;
    const std::vector<std::string> names{"read:users", "read:billing", "", "write:things"};
    c.permission_names = names;
    c.has_scope = true;
    c.scope = "read:users openid profile";
    c.names_mode = ward::parse_mode::lenient;
    const auto r = s->authenticate(c);
    REQUIRE(r);
    CHECK(r.skipped == 4); // two unknown names, then openid and profile; the empty item is no name
    CHECK(r.value.ceiling() == B("read:users"));

    c.names_mode = ward::parse_mode::strict;
    const auto strict = s->authenticate(c);
    CHECK_FALSE(strict);
    CHECK(strict.failed == ward::claim::permission_names);
    CHECK(strict.skipped == 0);

    // An error after a lenient claim counted: the count is 0, like the credential.
    c.names_mode = ward::parse_mode::lenient;
    c.scope = "read:users\t";
    const auto bad = s->authenticate(c);
    CHECK_FALSE(bad);
    CHECK(bad.failed == ward::claim::scope);
    CHECK(bad.skipped == 0);

    ward::token_claims plain;
    plain.subject = "user:alice";
    CHECK(s->authenticate(plain).skipped == 0);
}

TEST_CASE("authenticate: WARD_MAX_INPUT_LENGTH bounds a whole names claim", "[api][authenticate]") {
    ward::policy_builder<bb> b;
    base_rows(b);
    const auto s = must_build(b);
    std::vector<std::string> names;
    for (std::size_t bytes = 0; bytes < 100000; bytes += 11) names.emplace_back("read:users");
    ward::token_claims c;
    c.subject = "user:alice";
    c.has_permission_names = true;
    c.permission_names = names;
    for (const auto mode : {ward::parse_mode::strict, ward::parse_mode::lenient}) {
        c.names_mode = mode;
        const auto r = s->authenticate(c);
        CHECK_FALSE(r);
        CHECK(r.ec == errc::input_too_long);
        CHECK(r.failed == ward::claim::permission_names);
        CHECK(r.position == (WARD_MAX_INPUT_LENGTH + 1) / 11);
        CHECK_FALSE(r.value.authenticated());
    }
}

TEST_CASE("authenticate: the input decisions for bound scopes and subjects", "[api][authenticate]") {
    ward::policy_builder<bb> b(commerce_schema());
    b.add_scope("org:cl", "organization");            // 0
    b.add_scope("market:1234", "market", "org:cl");   // 1: an id that looks like the legacy form
    b.add_scope("market:id:all", "market", "org:cl"); // 2
    b.add_principal("user:dana");                     // 3
    b.grant("user:dana", "org:cl", "read:users");     // 4
    const auto s = ward::policy_builder<bb>(b).build();
    REQUIRE(s);
    const auto& snap = *s.value;
    ward::token_claims c;
    c.subject = "user:dana";

    // Restrictions: the legacy two-part form and market:all are malformed at their end.
    c.scope_restrictions = true;
    c.bound_scopes = "market:1234";
    auto r = snap.authenticate(c);
    CHECK(r.ec == errc::malformed);
    CHECK(r.failed == ward::claim::bound_scopes);
    CHECK(r.position == 11);
    c.bound_scopes = "market:id:x market:all";
    r = snap.authenticate(c);
    CHECK(r.ec == errc::malformed);
    CHECK(r.position == 22);
    // market:id:all names the scope of that id, nothing more.
    c.bound_scopes = "market:id:all";
    r = snap.authenticate(c);
    REQUIRE(r);
    CHECK(snap.check(r.value, B("read:users"), "market:id:all"));
    CHECK(snap.check(r.value, B("read:users"), "market:1234").why == reason::outside_scope);
    CHECK(snap.check(r.value, B("read:users"), "org:cl").why == reason::outside_scope);

    // Plain bound scopes are opaque ids: market:1234 binds to that scope, an unknown one to nothing.
    c.scope_restrictions = false;
    c.bound_scopes = "market:1234";
    r = snap.authenticate(c);
    REQUIRE(r);
    CHECK(snap.check(r.value, B("read:users"), "market:1234"));
    CHECK(snap.check(r.value, B("read:users"), "org:cl").why == reason::outside_scope);
    c.bound_scopes = "market:all";
    r = snap.authenticate(c);
    REQUIRE(r);
    CHECK(snap.check(r.value, B("read:users"), "market:1234").why == reason::outside_scope);

    // Case is not folded: USER:dana and Auth0|dana are refused, not matched to user:dana.
    ward::token_claims upper;
    upper.subject = "USER:dana";
    r = snap.authenticate(upper);
    CHECK(r.ec == errc::invalid_character);
    CHECK(r.failed == ward::claim::subject);
    upper.subject = "Auth0|dana";
    CHECK(snap.authenticate(upper).ec == errc::invalid_character);
    upper.subject = "user:DANA"; // well formed, but another principal
    r = snap.authenticate(upper);
    REQUIRE(r);
    CHECK(snap.check(r.value, B("read:users"), "org:cl").why == reason::unknown_principal);

    // market:all as a permission name is unknown: refused, or skipped and counted.
    ward::token_claims scoped;
    scoped.subject = "user:dana";
    scoped.has_scope = true;
    scoped.scope = "read:users market:all";
    CHECK(snap.authenticate(scoped).ec == errc::unknown_name);
    scoped.names_mode = ward::parse_mode::lenient;
    r = snap.authenticate(scoped);
    REQUIRE(r);
    CHECK(r.skipped == 1);
}
