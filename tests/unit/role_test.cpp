// SPDX-License-Identifier: MIT
// Roles: compile-time role tables (their invariants checked by the compiler, implications applied
// when a table is flattened), run-time roles inheriting both kinds, and assign::add / replace.
#include "support/engine_fixture.hpp"
#include "support/vocabularies.hpp"
#include "support/ward_catch.hpp"
#include <ward/builder.hpp>
#include <ward/role.hpp>

using namespace wt;
using ward::reason;

// ---- compile-time invariants ---------------------------------------------------------------------------
static_assert(ladder.valid());
static_assert(ladder.size() == 5);
static_assert(!ladder["viewer"].contains(bb{wt::bb_resource::users, wt::bb_action::remove}),
              "viewer can never delete users");
static_assert(!ladder["editor"].contains_any(ward::row<bb>(wt::bb_resource::users) -
                                             ward::permissions<bb>("read:users")),
              "an editor never changes users");
static_assert(ladder["admin"].contains(bb{wt::bb_resource::users, wt::bb_action::remove}));
static_assert(ladder["viewer"].contains(bb{wt::bb_resource::organization, wt::bb_action::read}),
              "inherited from guest");
static_assert(ladder.includes("admin", "viewer") && ladder.includes("admin", "editor") &&
              ladder.includes("editor", "guest"));
static_assert(!ladder.includes("viewer", "admin") && !ladder.includes("billing", "guest") &&
              !ladder.includes("guest", "billing"));
static_assert(!ladder.includes("admin", "nope") && !ladder.includes("nope", "guest"));
static_assert(ladder.includes("viewer", "viewer"));
static_assert(ladder.contains("billing") && !ladder.contains("owner"));
static_assert(ladder.find("editor") == 2 && ladder.find("owner") == decltype(ladder)::npos);

// Implications are applied when a compile-time table is flattened (sudo implies the privileged flags).
constexpr auto ident_roles = ward::make_roles<ident>({
    {"member", ward::permissions<ident>("authenticate read_resources")},
    {"root", ward::permissions<ident>("sudo"), {"member"}},
});
static_assert(ident_roles["root"].contains(ident::delete_user) && ident_roles["root"].contains(ident::authenticate));
static_assert(!ident_roles["member"].contains(ident::list_users));

TEST_CASE("run-time roles inherit compile-time and run-time roles", "[engine][roles]") {
    ward::policy_builder<bb> b;
    base_rows(b);
    b.define_role("rol_auditor", "read:deployments", {"rol_base"}); // 10, parent defined later
    b.define_role("rol_base", B("read:organization"), {"viewer"});  // 11
    b.bind("user:alice", "org:acme", {"rol_auditor"});              // 12
    const auto s = must_build(b);
    CHECK(s->role_permissions("rol_auditor").value == (ladder["viewer"] | B("read:deployments read:organization")));
    const auto alice = ward::credential<bb>::of(s->find_principal("user:alice"));
    CHECK(s->check(alice, B("read:users read:deployments"), "org:acme").allowed);
    CHECK(s->check(alice, B("update:users"), "org:acme").why == reason::missing_permission);
}

TEST_CASE("assign::add and assign::replace (Bluebricks' add true/false)", "[engine][roles]") {
    SECTION("add keeps the earlier roles") {
        ward::policy_builder<bb> b;
        base_rows(b);
        b.bind("user:alice", "org:acme", {"viewer"});                     // 10
        b.bind("user:alice", "org:acme", {"billing"}, ward::assign::add); // 11
        const auto s = must_build(b);
        const auto alice = ward::credential<bb>::of(s->find_principal("user:alice"));
        CHECK(s->check(alice, B("read:users"), "org:acme").allowed);
        CHECK(s->check(alice, B("update:organization"), "org:acme").allowed);
        CHECK(s->check(alice, B("update:organization"), "org:acme").row == 11);
    }
    SECTION("replace drops the roles earlier rows bound there") {
        ward::policy_builder<bb> b;
        base_rows(b);
        b.bind("user:alice", "org:acme", {"admin"});                          // 10
        b.bind("user:alice", "platform", {"guest"});                          // 11
        b.grant("user:alice", "org:acme", B("read:deployments"));             // 12
        b.bind("user:alice", "org:acme", {"billing"}, ward::assign::replace); // 13
        b.bind("user:alice", "org:acme", {"guest"}, ward::assign::add);       // 14
        const auto s = must_build(b);
        const auto alice = ward::credential<bb>::of(s->find_principal("user:alice"));
        CHECK(s->check(alice, B("delete:users"), "org:acme").why == reason::missing_permission);
        CHECK(s->check(alice, B("read:users"), "org:acme").why == reason::missing_permission);
        CHECK(s->check(alice, B("update:organization"), "org:acme").allowed);
        CHECK(s->check(alice, B("update:organization"), "org:acme").row == 13);
        // Other scopes and direct grants are untouched.
        CHECK(s->check(alice, B("read:organization"), "platform").allowed);
        CHECK(s->check(alice, B("read:deployments"), "org:acme").allowed);
        CHECK(s->effective_permissions(alice, s->find_scope("org:acme")).permissions ==
              B("update:organization read:organization read:deployments"));
    }
    SECTION("replace with no roles revokes the membership") {
        ward::policy_builder<bb> b;
        base_rows(b);
        b.bind("user:alice", "org:acme", {"viewer"});                // 10
        b.bind("user:alice", "org:acme", {}, ward::assign::replace); // 11
        const auto s = must_build(b);
        const auto alice = ward::credential<bb>::of(s->find_principal("user:alice"));
        CHECK(s->check(alice, B("read:users"), "org:acme").why == reason::missing_permission);
        CHECK(s->effective_permissions(alice, s->find_scope("org:acme")).permissions.none());
    }
    SECTION("replace affects only its principal") {
        ward::policy_builder<bb> b;
        base_rows(b);
        b.bind("user:alice", "org:acme", {"viewer"});                     // 10
        b.bind("user:bob", "org:acme", {"viewer"});                       // 11
        b.bind("user:bob", "org:acme", {"guest"}, ward::assign::replace); // 12
        const auto s = must_build(b);
        CHECK(s->check(ward::credential<bb>::of(s->find_principal("user:alice")), B("read:users"), "org:acme").allowed);
        CHECK(!s->check(ward::credential<bb>::of(s->find_principal("user:bob")), B("read:users"), "org:acme").allowed);
    }
}
