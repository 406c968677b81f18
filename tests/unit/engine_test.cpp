// SPDX-License-Identifier: MIT
// The decision engine: policy_builder validation (every error it reports), every reason a check
// can give, status tables, explanations, scopes and schemas, roles, denies, restrictions,
// credentials and token claims, reverse queries, and compile-time role tables.
#include "vocabularies.hpp"
#include "ward_catch.hpp"

#include <ward/ward.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

using bb = wt::bb;
using bset = ward::permission_set<bb>;
using cl = wt::cl;
using cset = ward::permission_set<cl>;
using ident = wt::ident;
using iset = ward::permission_set<ident>;
using ward::errc;
using ward::reason;
using ward::row_kind;

bset B(std::string_view s) { return ward::permissions<bb>(s); }
cset C(std::string_view s) { return ward::permissions<cl>(s); }
iset I(std::string_view s) { return ward::permissions<ident>(s); }

bool has(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

// A Bluebricks/Auth0 style role ladder, flattened at compile time.
constexpr auto ladder = ward::make_roles<bb>({
    {"guest", ward::permissions<bb>("read:organization")},
    {"viewer", ward::permissions<bb>("read:users read:blueprints read:deployments"), {"guest"}},
    {"editor", ward::permissions<bb>("create:blueprints update:blueprints create:deployments"), {"viewer"}},
    {"admin", ward::permissions<bb>("create:users update:users delete:users update:organization"), {"editor"}},
    {"billing", ward::permissions<bb>("update:organization")},
});

// ---- compile-time invariants ---------------------------------------------------------------------------
static_assert(ladder.valid());
static_assert(ladder.size() == 5);
static_assert(!ladder["viewer"].contains(bb{wt::bb_resource::users, wt::bb_action::remove}), "viewer can never delete users");
static_assert(!ladder["editor"].contains_any(ward::row<bb>(wt::bb_resource::users) - ward::permissions<bb>("read:users")),
              "an editor never changes users");
static_assert(ladder["admin"].contains(bb{wt::bb_resource::users, wt::bb_action::remove}));
static_assert(ladder["viewer"].contains(bb{wt::bb_resource::organization, wt::bb_action::read}), "inherited from guest");
static_assert(ladder.includes("admin", "viewer") && ladder.includes("admin", "editor") && ladder.includes("editor", "guest"));
static_assert(!ladder.includes("viewer", "admin") && !ladder.includes("billing", "guest") && !ladder.includes("guest", "billing"));
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

std::shared_ptr<const ward::snapshot<bb>> must_build(const ward::policy_builder<bb>& b) {
    auto r = b.build();
    INFO(r.error.message());
    REQUIRE(r);
    REQUIRE(r.error.ok());
    return r.snapshot;
}
template <class P>
ward::build_error must_fail(const ward::policy_builder<P>& b) {
    auto r = b.build();
    CHECK(!r);
    CHECK(r.snapshot == nullptr);
    CHECK(!r.error.ok());
    return r.error;
}

// The base of most tests below: rows 0..9.
void base_rows(ward::policy_builder<bb>& b) {
    b.add_scope("platform", "platform");                    // 0
    b.add_scope("org:acme", "organization", "platform");    // 1
    b.add_scope("org:globex", "organization", "platform");  // 2
    b.add_scope("app:acme-shop", "application", "org:acme"); // 3
    b.add_scope("res:acme-db", "resource", "org:acme");     // 4
    b.add_principal("user:alice");                          // 5
    b.add_principal("user:bob");                            // 6
    b.add_principal("auth0|carol");                         // 7
    b.add_principal("application:shop", ward::principal_kind::application); // 8
    b.add_roles(ladder);                                    // 9
}

} // namespace

// ==== builder validation ===================================================================================

TEST_CASE("build: duplicate ids of scopes, principals and roles", "[engine][build]") {
    SECTION("scope") {
        ward::policy_builder<bb> b;
        b.add_scope("platform", "platform");
        b.add_scope("org:acme", "organization", "platform");
        b.add_scope("org:acme", "organization", "platform");
        const auto e = must_fail(b);
        CHECK(e.code == errc::duplicate_id);
        CHECK(e.kind == row_kind::scope);
        CHECK(e.row == 2);
        CHECK(e.id == "org:acme");
        CHECK(e.message() == "row 2 (scope): duplicate id 'org:acme'");
    }
    SECTION("principal") {
        ward::policy_builder<bb> b;
        b.add_scope("platform", "platform");
        b.add_principal("user:alice");
        b.add_principal("user:bob");
        b.add_principal("user:alice", ward::principal_kind::application);
        const auto e = must_fail(b);
        CHECK(e.code == errc::duplicate_id);
        CHECK(e.kind == row_kind::principal);
        CHECK(e.row == 3);
        CHECK(e.id == "user:alice");
        CHECK(e.message() == "row 3 (principal): duplicate id 'user:alice'");
    }
    SECTION("run-time role") {
        ward::policy_builder<bb> b;
        b.define_role("rol_auditor", B("read:users"));
        b.define_role("rol_auditor", B("read:blueprints"));
        const auto e = must_fail(b);
        CHECK(e.code == errc::duplicate_id);
        CHECK(e.kind == row_kind::role);
        CHECK(e.row == 1);
        CHECK(e.id == "rol_auditor");
        CHECK(e.message() == "row 1 (role): duplicate id 'rol_auditor'");
    }
    SECTION("a run-time role clashing with a compile-time table") {
        ward::policy_builder<bb> b;
        b.define_role("viewer", B("read:users"));
        b.add_roles(ladder);
        const auto e = must_fail(b);
        CHECK(e.code == errc::duplicate_id);
        CHECK(e.kind == row_kind::role_table);
        CHECK(e.row == 1);
        CHECK(e.id == "viewer");
    }
}

TEST_CASE("build: rows naming undefined scopes, principals and roles", "[engine][build]") {
    SECTION("binding to an unknown scope") {
        ward::policy_builder<bb> b;
        base_rows(b);
        b.bind("user:alice", "org:nope", {"viewer"}); // 10
        const auto e = must_fail(b);
        CHECK(e.code == errc::unknown_scope);
        CHECK(e.kind == row_kind::binding);
        CHECK(e.row == 10);
        CHECK(e.id == "org:nope");
        CHECK(e.message() == "row 10 (binding): unknown scope 'org:nope'");
    }
    SECTION("a scope under an undefined parent") {
        ward::policy_builder<bb> b;
        b.add_scope("platform", "platform");
        b.add_scope("app:x", "application", "org:missing");
        const auto e = must_fail(b);
        CHECK(e.code == errc::unknown_scope);
        CHECK(e.kind == row_kind::scope);
        CHECK(e.row == 1);
        CHECK(e.id == "org:missing");
    }
    SECTION("a grant to an unknown principal") {
        ward::policy_builder<bb> b;
        base_rows(b);
        b.grant("user:zed", "org:acme", B("read:users")); // 10
        const auto e = must_fail(b);
        CHECK(e.code == errc::unknown_principal);
        CHECK(e.kind == row_kind::grant);
        CHECK(e.row == 10);
        CHECK(e.id == "user:zed");
        CHECK(e.message() == "row 10 (grant): unknown principal 'user:zed'");
    }
    SECTION("a deny and a restriction of unknown principals: the first reference is named") {
        ward::policy_builder<bb> b;
        base_rows(b);
        b.deny("user:zed", "org:acme", B("read:users"));     // 10
        b.restrict_to("user:zed", "app:acme-shop", B("read:users")); // 11
        const auto e = must_fail(b);
        CHECK(e.code == errc::unknown_principal);
        CHECK(e.kind == row_kind::deny);
        CHECK(e.row == 10);
        CHECK(e.id == "user:zed");
    }
    SECTION("a binding of an unknown role") {
        ward::policy_builder<bb> b;
        base_rows(b);
        b.bind("user:alice", "org:acme", {"viewer", "rol_x"}); // 10
        const auto e = must_fail(b);
        CHECK(e.code == errc::unknown_role);
        CHECK(e.kind == row_kind::binding);
        CHECK(e.row == 10);
        CHECK(e.id == "rol_x");
        CHECK(e.message() == "row 10 (binding): unknown role 'rol_x'");
    }
    SECTION("a role inheriting an unknown role") {
        ward::policy_builder<bb> b;
        base_rows(b);
        b.define_role("rol_custom", B("read:users"), {"viewer", "rol_ghost"}); // 10
        const auto e = must_fail(b);
        CHECK(e.code == errc::unknown_role);
        CHECK(e.kind == row_kind::role);
        CHECK(e.row == 10);
        CHECK(e.id == "rol_ghost");
    }
    SECTION("rows may reference ids defined later") {
        ward::policy_builder<bb> b;
        b.bind("user:alice", "org:acme", {"rol_late"});       // 0
        b.define_role("rol_late", B("read:users"), {"guest"}); // 1
        b.add_roles(ladder);                                  // 2
        b.add_principal("user:alice");                        // 3
        b.add_scope("org:acme", "organization", "platform");  // 4
        b.add_scope("platform", "platform");                  // 5
        const auto s = must_build(b);
        const auto d = s->check(ward::credential<bb>::of(s->find_principal("user:alice")), B("read:users read:organization"), "org:acme");
        CHECK(d.allowed);
        CHECK(d.row == 0);
    }
}

TEST_CASE("build: scopes of the wrong kind, cycles and unknown kinds", "[engine][build]") {
    SECTION("an application directly under the platform") {
        ward::policy_builder<bb> b;
        b.add_scope("platform", "platform");
        b.add_scope("app:x", "application", "platform");
        const auto e = must_fail(b);
        CHECK(e.code == errc::wrong_scope_kind);
        CHECK(e.kind == row_kind::scope);
        CHECK(e.row == 1);
        CHECK(e.id == "app:x");
        CHECK(e.message() == "row 1 (scope): wrong scope kind 'app:x'");
    }
    SECTION("a non-root kind without a parent") {
        ward::policy_builder<bb> b;
        b.add_scope("platform", "platform");
        b.add_scope("org:acme", "organization"); // organizations may be roots
        b.add_scope("app:orphan", "application");
        const auto e = must_fail(b);
        CHECK(e.code == errc::wrong_scope_kind);
        CHECK(e.row == 2);
        CHECK(e.id == "app:orphan");
    }
    SECTION("two scopes parent of each other") {
        ward::policy_builder<bb> b;
        b.add_scope("platform", "platform");
        b.add_scope("res:a", "resource", "res:b");
        b.add_scope("res:b", "resource", "res:a");
        const auto e = must_fail(b);
        CHECK(e.code == errc::scope_cycle);
        CHECK(e.kind == row_kind::scope);
        CHECK(e.row == 1);
        CHECK(e.id == "res:a");
        CHECK(e.message() == "row 1 (scope): scope cycle 'res:a'");
    }
    SECTION("a scope that is its own parent") {
        ward::policy_builder<bb> b;
        b.add_scope("platform", "platform");
        b.add_scope("res:self", "resource", "res:self");
        const auto e = must_fail(b);
        CHECK(e.code == errc::scope_cycle);
        CHECK(e.row == 1);
        CHECK(e.id == "res:self");
    }
    SECTION("a kind the schema does not have") {
        ward::policy_builder<bb> b;
        b.add_scope("platform", "platform");
        b.add_scope("team:x", "team", "platform");
        const auto e = must_fail(b);
        CHECK(e.code == errc::unknown_kind);
        CHECK(e.kind == row_kind::scope);
        CHECK(e.row == 1);
        CHECK(e.id == "team");
        CHECK(e.message() == "row 1 (scope): unknown kind 'team'");
    }
}

TEST_CASE("build: run-time role cycles", "[engine][build]") {
    SECTION("two roles") {
        ward::policy_builder<bb> b;
        b.define_role("rol_a", B("read:users"), {"rol_b"}); // 0
        b.define_role("rol_b", B("read:users"), {"rol_a"}); // 1
        const auto e = must_fail(b);
        CHECK(e.code == errc::role_cycle);
        CHECK(e.kind == row_kind::role);
        CHECK((e.row == 0 || e.row == 1));
        CHECK(((e.row == 0 && e.id == "rol_a") || (e.row == 1 && e.id == "rol_b")));
        CHECK(has(e.message(), "(role): role cycle 'rol_"));
    }
    SECTION("a role inheriting itself") {
        ward::policy_builder<bb> b;
        b.add_roles(ladder);                                        // 0
        b.define_role("rol_loop", B("read:users"), {"viewer", "rol_loop"}); // 1
        const auto e = must_fail(b);
        CHECK(e.code == errc::role_cycle);
        CHECK(e.row == 1);
        CHECK(e.id == "rol_loop");
        CHECK(e.message() == "row 1 (role): role cycle 'rol_loop'");
    }
    SECTION("a longer cycle through an acyclic prefix") {
        ward::policy_builder<bb> b;
        b.define_role("rol_top", B("read:users"), {"rol_1"});   // 0
        b.define_role("rol_1", B("read:users"), {"rol_2"});     // 1
        b.define_role("rol_2", B("read:users"), {"rol_3"});     // 2
        b.define_role("rol_3", B("read:users"), {"rol_1"});     // 3
        const auto e = must_fail(b);
        CHECK(e.code == errc::role_cycle);
        CHECK(e.row >= 1);
        CHECK(e.row <= 3);
    }
}

TEST_CASE("build: invalid ids", "[engine][build]") {
    const std::string too_long(257, 'x');
    const std::string longest(256, 'x');
    struct bad_case {
        std::string_view id;
        const char* what;
    };
    const bad_case cases[] = {
        {std::string_view{}, "empty"},
        {"org acme", "space"},
        {std::string_view("org:\x01" "acme", 9), "control byte"},
        {std::string_view("org:\0acme", 9), "NUL byte"},
        {"org:\x7f", "DEL"},
        {"org:\xc3\xa9", "non-ASCII"},
        {too_long, "too long"},
    };
    for (const bad_case& c : cases) {
        INFO(c.what);
        {
            ward::policy_builder<bb> b;
            b.add_scope("platform", "platform");
            b.add_scope(c.id, "organization", "platform");
            const auto e = must_fail(b);
            CHECK(e.code == errc::invalid_id);
            CHECK(e.kind == row_kind::scope);
            CHECK(e.row == 1);
            CHECK(e.id == std::string(c.id));
        }
        {
            ward::policy_builder<bb> b;
            b.add_scope("platform", "platform");
            b.add_principal("user:alice");
            b.add_principal(c.id);
            const auto e = must_fail(b);
            CHECK(e.code == errc::invalid_id);
            CHECK(e.kind == row_kind::principal);
            CHECK(e.row == 2);
        }
        {
            ward::policy_builder<bb> b;
            b.add_scope("platform", "platform");
            b.add_principal("user:alice");
            b.add_roles(ladder);
            b.bind("user:alice", "platform", {"viewer", c.id});
            const auto e = must_fail(b);
            CHECK(e.code == errc::invalid_id);
            CHECK(e.kind == row_kind::binding);
            CHECK(e.row == 3);
        }
    }
    SECTION("the empty id's message names no id") {
        ward::policy_builder<bb> b;
        b.add_scope("", "platform");
        const auto e = must_fail(b);
        CHECK(e.message() == "row 0 (scope): invalid id");
    }
    SECTION("256 bytes is the longest id") {
        ward::policy_builder<bb> b;
        b.add_scope("platform", "platform");
        b.add_scope(longest, "organization", "platform");
        const auto s = must_build(b);
        CHECK(s->find_scope(longest).valid());
    }
}

TEST_CASE("build: unknown permission names and invalid role tables", "[engine][build]") {
    SECTION("grant(..., \"read:nope\")") {
        ward::policy_builder<bb> b;
        base_rows(b);
        b.grant("user:alice", "org:acme", "read:users read:nope"); // 10
        const auto e = must_fail(b);
        CHECK(e.code == errc::unknown_name);
        CHECK(e.kind == row_kind::grant);
        CHECK(e.row == 10);
        CHECK(e.id == "read:users read:nope");
        CHECK(has(e.message(), "row 10 (grant): unknown name"));
    }
    SECTION("deny with a malformed scope string") {
        ward::policy_builder<bb> b;
        base_rows(b);
        b.deny("user:alice", "org:acme", "read:users  read:blueprints"); // 10
        const auto e = must_fail(b);
        CHECK(e.code == errc::empty_name);
        CHECK(e.kind == row_kind::deny);
        CHECK(e.row == 10);
    }
    SECTION("define_role with an unknown name") {
        ward::policy_builder<bb> b;
        b.define_role("rol_x", "read:users fly:rockets");
        const auto e = must_fail(b);
        CHECK(e.code == errc::unknown_name);
        CHECK(e.kind == row_kind::role);
        CHECK(e.row == 0);
        CHECK(e.id == "rol_x");
    }
    SECTION("a run-time role table with an unknown parent") {
        const ward::role_def<bb> defs[] = {
            {"viewer", B("read:users"), {"guest"}},
            {"admin", B("delete:users"), {"viewer"}},
        };
        const auto table = ward::make_roles(defs);
        CHECK(!table.valid());
        CHECK(table.permissions(0).none());
        CHECK(table.permissions(1).none());
        CHECK(table["admin"].none());
        ward::policy_builder<bb> b;
        b.add_scope("platform", "platform"); // 0
        b.add_roles(table);                  // 1
        const auto e = must_fail(b);
        CHECK(e.code == errc::invalid_role_table);
        CHECK(e.kind == row_kind::role_table);
        CHECK(e.row == 1);
        CHECK(e.id.empty());
        CHECK(e.message() == "row 1 (role table): invalid role table");
    }
    SECTION("a run-time role table with a cycle") {
        const ward::role_def<bb> defs[] = {
            {"a", B("read:users"), {"c"}},
            {"b", B("read:blueprints"), {"a"}},
            {"c", B("read:deployments"), {"b"}},
        };
        const auto table = ward::make_roles(defs);
        CHECK(!table.valid());
        ward::policy_builder<bb> b;
        b.add_roles(table);
        const auto e = must_fail(b);
        CHECK(e.code == errc::invalid_role_table);
        CHECK(e.row == 0);
    }
    SECTION("a run-time role table with a duplicate or an empty name") {
        const ward::role_def<bb> dup[] = {{"a", B("read:users")}, {"a", B("read:blueprints")}};
        const ward::role_def<bb> empty[] = {{"", B("read:users")}};
        CHECK(!ward::make_roles(dup).valid());
        CHECK(!ward::make_roles(empty).valid());
        ward::policy_builder<bb> b;
        b.add_roles(ward::make_roles(empty));
        CHECK(must_fail(b).code == errc::invalid_role_table);
    }
    SECTION("an invalid schema") {
        ward::scope_schema schema;
        schema.kind("tenant", {}, true).kind("project", {"tenant", "galaxy"});
        CHECK(!schema.valid());
        ward::policy_builder<bb> b(schema);
        b.add_scope("t1", "tenant");
        const auto e = must_fail(b);
        CHECK(e.code == errc::unknown_kind);
        CHECK(e.row == 0);
    }
}

TEST_CASE("build: the earliest bad row is the one reported", "[engine][build]") {
    // build() documents "reports the first bad row". Errors found while rows are added and errors
    // found in build() must not reorder that.
    SECTION("an unknown scope at row 1 and a duplicate principal at row 3") {
        ward::policy_builder<bb> b;
        b.add_principal("user:alice");                  // 0
        b.grant("user:alice", "org:nope", B("read:users")); // 1: never defined
        b.add_scope("platform", "platform");            // 2
        b.add_principal("user:alice");                  // 3: duplicate
        const auto e = must_fail(b);
        CHECK(e.row == 1);
        CHECK(e.code == errc::unknown_scope);
    }
    SECTION("a wrong scope kind at row 0 and an unknown role at row 2") {
        ward::policy_builder<bb> b;
        b.add_scope("app:orphan", "application");        // 0: no parent
        b.add_principal("user:alice");                   // 1
        b.bind("user:alice", "app:orphan", {"rol_nope"}); // 2
        const auto e = must_fail(b);
        CHECK(e.row == 0);
        CHECK(e.code == errc::wrong_scope_kind);
    }
}

// ==== decisions: every reason ================================================================================

TEST_CASE("check: every reason, with missing, rule and version", "[engine][check]") {
    ward::policy_builder<bb> b;
    b.set_version(7);
    base_rows(b);
    b.bind("user:alice", "org:acme", {"viewer"});                   // 10
    b.bind("user:bob", "org:acme", {"admin"});                      // 11
    b.deny("user:bob", "res:acme-db", B("delete:users update:users")); // 12
    b.restrict_to("application:shop", "app:acme-shop", B("read:users")); // 13
    b.bind("application:shop", "org:acme", {"viewer"});             // 14
    b.grant("auth0|carol", "platform", "read:organization");         // 15
    const auto s = must_build(b);
    CHECK(s->version() == 7);

    const auto alice = s->find_principal("user:alice");
    const auto bob = s->find_principal("user:bob");
    const auto shop = s->find_principal("application:shop");
    const auto acme = s->find_scope("org:acme");
    const auto db = s->find_scope("res:acme-db");
    const auto globex = s->find_scope("org:globex");
    const auto app = s->find_scope("app:acme-shop");
    REQUIRE(alice.valid());
    REQUIRE(bob.valid());
    REQUIRE(shop.valid());
    REQUIRE(acme.valid());
    REQUIRE(db.valid());
    const ward::status_table status;

    SECTION("granted") {
        const auto d = s->check(ward::credential<bb>::of(alice), B("read:users"), acme);
        CHECK(d.allowed);
        CHECK(static_cast<bool>(d));
        CHECK(d.why == reason::granted);
        CHECK(d.missing.none());
        CHECK(d.row == 10);
        CHECK(d.version == 7);
        CHECK(status(d) == 200);
        const std::string e = s->explain(d);
        CHECK(has(e, "allowed"));
        CHECK(has(e, "binding row 10"));
        CHECK(has(e, "user:alice"));
        CHECK(has(e, "org:acme"));
        CHECK(has(e, "v7"));
        CHECK(ward::explain(d, *s) == e);
    }
    SECTION("granted below the binding, by inheritance") {
        const auto d = s->check(ward::credential<bb>::of(alice), B("read:users read:organization"), db);
        CHECK(d.allowed);
        CHECK(d.row == 10);
    }
    SECTION("unauthenticated") {
        const auto d = s->check(ward::credential<bb>{}, B("read:users"), acme);
        CHECK(!d.allowed);
        CHECK(d.why == reason::unauthenticated);
        CHECK(d.missing == B("read:users"));
        CHECK(d.row == ward::decision<bb>::no_row);
        CHECK(d.version == 7);
        CHECK(status(d) == 401);
        CHECK(has(s->explain(d), "no valid credential"));
        auto revoked = ward::credential<bb>::of(alice);
        revoked.revoke();
        CHECK(s->check(revoked, B("read:users"), acme).why == reason::unauthenticated);
    }
    SECTION("invalid request: an empty requirement") {
        const auto d = s->check(ward::credential<bb>::of(bob), bset{}, acme);
        CHECK(!d.allowed);
        CHECK(d.why == reason::invalid_request);
        CHECK(d.missing.none());
        CHECK(d.row == ward::decision<bb>::no_row);
        CHECK(d.version == 7);
        CHECK(status(d) == 400);
        CHECK(has(s->explain(d), "empty requirement"));
    }
    SECTION("unknown principal") {
        const auto d = s->check(ward::credential<bb>::of(ward::principal_handle{}), B("read:users"), acme);
        CHECK(!d.allowed);
        CHECK(d.why == reason::unknown_principal);
        CHECK(d.missing == B("read:users"));
        CHECK(d.version == 7);
        CHECK(status(d) == 401);
        CHECK(has(s->explain(d), "principal is not in this policy"));
        CHECK(s->check(ward::credential<bb>::of(ward::principal_handle{1000}), B("read:users"), acme).why == reason::unknown_principal);
    }
    SECTION("unknown scope") {
        const auto d = s->check(ward::credential<bb>::of(alice), B("read:users"), ward::scope_handle{});
        CHECK(!d.allowed);
        CHECK(d.why == reason::unknown_scope);
        CHECK(d.missing == B("read:users"));
        CHECK(status(d) == 404);
        CHECK(has(s->explain(d), "target scope is not in this policy"));
        CHECK(s->check(ward::credential<bb>::of(alice), B("read:users"), "org:nope").why == reason::unknown_scope);
        CHECK(s->check(ward::credential<bb>::of(alice), B("read:users"), ward::scope_handle{999}).why == reason::unknown_scope);
    }
    SECTION("outside scope") {
        auto cred = ward::credential<bb>::of(alice);
        cred.bind_to(globex);
        const auto d = s->check(cred, B("read:users"), acme);
        CHECK(!d.allowed);
        CHECK(d.why == reason::outside_scope);
        CHECK(d.missing == B("read:users"));
        CHECK(d.version == 7);
        CHECK(status(d) == 404);
        CHECK(has(s->explain(d), "outside the scope"));
    }
    SECTION("missing permission") {
        const auto d = s->check(ward::credential<bb>::of(alice), B("read:users delete:users update:users"), acme);
        CHECK(!d.allowed);
        CHECK(d.why == reason::missing_permission);
        CHECK(d.missing == B("delete:users update:users"));
        CHECK(d.version == 7);
        CHECK(status(d) == 403);
        const std::string e = s->explain(d);
        CHECK(has(e, "missing"));
        CHECK(has(e, "delete:users"));
        CHECK(has(e, "update:users"));
        CHECK(!has(e, "read:users"));
        CHECK(s->check(ward::credential<bb>::of(alice), B("read:users"), globex).why == reason::missing_permission);
    }
    SECTION("explicitly denied") {
        const auto d = s->check(ward::credential<bb>::of(bob), B("read:users delete:users"), db);
        CHECK(!d.allowed);
        CHECK(d.why == reason::explicitly_denied);
        CHECK(d.missing == B("delete:users"));
        CHECK(d.row == 12);
        CHECK(d.version == 7);
        CHECK(status(d) == 403);
        const std::string e = s->explain(d);
        CHECK(has(e, "delete:users"));
        CHECK(has(e, "explicitly denied"));
        CHECK(has(e, "deny row 12"));
        CHECK(has(e, "user:bob"));
        CHECK(has(e, "res:acme-db"));
        // Above the deny, bob keeps it.
        const auto above = s->check(ward::credential<bb>::of(bob), B("delete:users"), acme);
        CHECK(above.allowed);
        CHECK(above.row == 11);
    }
    SECTION("not in token") {
        auto cred = ward::credential<bb>::of(bob);
        cred.cap(B("read:users"));
        const auto d = s->check(cred, B("read:users delete:users"), acme);
        CHECK(!d.allowed);
        CHECK(d.why == reason::not_in_token);
        CHECK(d.missing == B("delete:users"));
        CHECK(status(d) == 403);
        const std::string e = s->explain(d);
        CHECK(has(e, "token was not issued"));
        CHECK(has(e, "delete:users"));
        CHECK(s->check(cred, B("read:users"), acme).allowed);
    }
    SECTION("restricted by application") {
        auto cred = ward::credential<bb>::of(shop);
        cred.via(app);
        const auto d = s->check(cred, B("read:blueprints"), acme);
        CHECK(!d.allowed);
        CHECK(d.why == reason::restricted_by_application);
        CHECK(d.missing == B("read:blueprints"));
        CHECK(status(d) == 403);
        const std::string e = s->explain(d);
        CHECK(has(e, "read:blueprints"));
        CHECK(has(e, "application"));
        CHECK(s->check(cred, B("read:users"), acme).allowed);
    }
    SECTION("explicitly denied beats not in token and missing") {
        auto cred = ward::credential<bb>::of(bob);
        cred.cap(B("read:users"));
        const auto d = s->check(cred, B("delete:users create:blueprints"), db);
        CHECK(d.why == reason::explicitly_denied);
        CHECK(d.missing == B("delete:users create:blueprints"));
        CHECK(d.row == 12);
    }
}

TEST_CASE("status tables", "[engine][status]") {
    constexpr ward::status_table t;
    static_assert(t(reason::granted) == 200);
    static_assert(t(reason::unauthenticated) == 401);
    static_assert(t(reason::invalid_request) == 400);
    static_assert(t(reason::unknown_principal) == 401);
    static_assert(t(reason::unknown_scope) == 404);
    static_assert(t(reason::outside_scope) == 404);
    static_assert(t(reason::missing_permission) == 403);
    static_assert(t(reason::explicitly_denied) == 403);
    static_assert(t(reason::not_in_token) == 403);
    static_assert(t(reason::restricted_by_application) == 403);
    CHECK(t(static_cast<reason>(200)) == 500);

    // Commerce Layer answers 401 for insufficient permissions.
    constexpr auto commerce_layer = t.with_insufficient_permission(401);
    static_assert(commerce_layer(reason::missing_permission) == 401);
    static_assert(commerce_layer(reason::explicitly_denied) == 401);
    static_assert(commerce_layer(reason::not_in_token) == 401);
    static_assert(commerce_layer(reason::restricted_by_application) == 401);
    static_assert(commerce_layer(reason::granted) == 200);
    static_assert(commerce_layer(reason::outside_scope) == 404);
    static_assert(commerce_layer(reason::unknown_scope) == 404);
    static_assert(commerce_layer(reason::invalid_request) == 400);
    static_assert(commerce_layer(reason::unauthenticated) == 401);
    constexpr auto hidden = t.with(reason::explicitly_denied, 404);
    static_assert(hidden(reason::explicitly_denied) == 404 && hidden(reason::missing_permission) == 403);
    CHECK(ward::to_string(reason::outside_scope) == "outside the credential's scope");
    CHECK(ward::reason_count == 10);
}

// ==== scopes ==================================================================================================

TEST_CASE("custom scope schema: tenant > project > environment", "[engine][scope]") {
    ward::scope_schema schema;
    schema.kind("tenant", {}, true).kind("project", {"tenant"}).kind("environment", {"project"});
    REQUIRE(schema.valid());
    CHECK(schema.size() == 3);
    CHECK(schema.allows(schema.find("tenant"), schema.find("project")));
    CHECK(!schema.allows(schema.find("tenant"), schema.find("environment")));
    CHECK(schema.may_be_root(0));
    CHECK(!schema.may_be_root(1));

    SECTION("a valid tree decides") {
        ward::policy_builder<bb> b(schema, 3);
        b.add_scope("tenant:t1", "tenant");                       // 0
        b.add_scope("project:p1", "project", "tenant:t1");        // 1
        b.add_scope("env:prod", "environment", "project:p1");     // 2
        b.add_scope("env:staging", "environment", "project:p1");  // 3
        b.add_principal("user:dev");                              // 4
        b.grant("user:dev", "env:staging", B("update:deployments")); // 5
        b.grant("user:dev", "project:p1", B("read:deployments"));    // 6
        const auto s = must_build(b);
        const auto dev = ward::credential<bb>::of(s->find_principal("user:dev"));
        CHECK(s->scope_kind(s->find_scope("env:prod")) == "environment");
        CHECK(s->scope_kind(s->find_scope("tenant:t1")) == "tenant");
        CHECK(s->scope_kind(ward::scope_handle{}).empty());
        CHECK(s->check(dev, B("update:deployments"), "env:staging").allowed);
        const auto prod = s->check(dev, B("update:deployments"), "env:prod");
        CHECK(prod.why == reason::missing_permission);
        const auto read = s->check(dev, B("read:deployments"), "env:prod");
        CHECK(read.allowed);
        CHECK(read.row == 6);
        CHECK(read.version == 3);
    }
    SECTION("an environment directly under a tenant") {
        ward::policy_builder<bb> b(schema);
        b.add_scope("tenant:t1", "tenant");
        b.add_scope("env:prod", "environment", "tenant:t1");
        const auto e = must_fail(b);
        CHECK(e.code == errc::wrong_scope_kind);
        CHECK(e.row == 1);
        CHECK(e.id == "env:prod");
    }
    SECTION("a project with no parent") {
        ward::policy_builder<bb> b(schema);
        b.add_scope("tenant:t1", "tenant");
        b.add_scope("project:loose", "project");
        const auto e = must_fail(b);
        CHECK(e.code == errc::wrong_scope_kind);
        CHECK(e.row == 1);
        CHECK(e.id == "project:loose");
    }
    SECTION("a kind of the standard schema is unknown here") {
        ward::policy_builder<bb> b(schema);
        b.add_scope("tenant:t1", "tenant");
        b.add_scope("org:acme", "organization", "tenant:t1");
        const auto e = must_fail(b);
        CHECK(e.code == errc::unknown_kind);
        CHECK(e.row == 1);
        CHECK(e.id == "organization");
    }
    SECTION("a tenant under a project") {
        ward::policy_builder<bb> b(schema);
        b.add_scope("tenant:t1", "tenant");
        b.add_scope("project:p1", "project", "tenant:t1");
        b.add_scope("tenant:t2", "tenant", "project:p1");
        const auto e = must_fail(b);
        CHECK(e.code == errc::wrong_scope_kind);
        CHECK(e.row == 2);
        CHECK(e.id == "tenant:t2");
    }
}

TEST_CASE("grants are inherited downward only", "[engine][scope]") {
    ward::policy_builder<bb> b;
    base_rows(b);
    b.grant("user:alice", "org:acme", B("read:blueprints")); // 10
    const auto s = must_build(b);
    const auto alice = ward::credential<bb>::of(s->find_principal("user:alice"));
    CHECK(s->check(alice, B("read:blueprints"), "org:acme").allowed);
    CHECK(s->check(alice, B("read:blueprints"), "app:acme-shop").allowed);
    CHECK(s->check(alice, B("read:blueprints"), "res:acme-db").allowed);
    CHECK(s->check(alice, B("read:blueprints"), "app:acme-shop").row == 10);
    CHECK(s->check(alice, B("read:blueprints"), "platform").why == reason::missing_permission);
    CHECK(s->check(alice, B("read:blueprints"), "org:globex").why == reason::missing_permission);
}

TEST_CASE("snapshot lookups and ancestry", "[engine][scope]") {
    ward::policy_builder<bb> b;
    base_rows(b);
    // A chain 200 deep under org:acme, and a side branch.
    std::string parent = "org:acme";
    for (int i = 0; i < 200; ++i) {
        const std::string id = "res:chain-" + std::to_string(i);
        b.add_scope(id, "resource", parent);
        parent = id;
    }
    b.add_scope("res:side", "resource", "res:chain-10");
    const auto s = must_build(b);
    CHECK(s->scope_count() == 5 + 200 + 1);
    CHECK(s->principal_count() == 4);
    CHECK(s->role_count() == ladder.size());

    CHECK(!s->find_scope("org:nope").valid());
    CHECK(!s->find_scope("").valid());
    CHECK(!s->find_principal("user:nobody").valid());
    CHECK(!s->find_principal("").valid());
    CHECK(s->scope_id(ward::scope_handle{}).empty());
    CHECK(s->principal_id(ward::principal_handle{}).empty());
    CHECK(s->scope_id(s->find_scope("res:chain-7")) == "res:chain-7");
    CHECK(s->principal_id(s->find_principal("auth0|carol")) == "auth0|carol");
    CHECK(s->kind_of(s->find_principal("application:shop")) == ward::principal_kind::application);
    CHECK(s->role_permissions("viewer") == ladder["viewer"]);
    CHECK(s->role_permissions("rol_nope").none());

    const auto platform = s->find_scope("platform");
    const auto acme = s->find_scope("org:acme");
    const auto globex = s->find_scope("org:globex");
    const auto deepest = s->find_scope("res:chain-199");
    const auto mid = s->find_scope("res:chain-10");
    const auto side = s->find_scope("res:side");
    const auto after = s->find_scope("res:chain-11");
    CHECK(s->encloses(platform, deepest));
    CHECK(s->encloses(acme, deepest));
    CHECK(s->encloses(mid, deepest));
    CHECK(s->encloses(deepest, deepest));
    CHECK(!s->encloses(deepest, mid));
    CHECK(!s->encloses(globex, deepest));
    CHECK(s->encloses(mid, side));
    CHECK(!s->encloses(after, side));
    CHECK(!s->encloses(side, after));
    CHECK(!s->encloses(ward::scope_handle{}, deepest));
    CHECK(!s->encloses(acme, ward::scope_handle{}));
    CHECK(s->parent(deepest) == s->find_scope("res:chain-198"));
    CHECK(s->parent(s->find_scope("res:chain-0")) == acme);
    CHECK(!s->parent(platform).valid());
    // Every ancestor of the deepest scope contains it, and walking parents reaches the root.
    std::size_t depth = 0;
    for (auto h = deepest; h.valid(); h = s->parent(h), ++depth) CHECK(s->encloses(h, deepest));
    CHECK(depth == 202);
}

// ==== roles, assignment, denies ==================================================================================

TEST_CASE("run-time roles inherit compile-time and run-time roles", "[engine][roles]") {
    ward::policy_builder<bb> b;
    base_rows(b);
    b.define_role("rol_auditor", "read:deployments", {"rol_base"}); // 10, parent defined later
    b.define_role("rol_base", B("read:organization"), {"viewer"});  // 11
    b.bind("user:alice", "org:acme", {"rol_auditor"});              // 12
    const auto s = must_build(b);
    CHECK(s->role_permissions("rol_auditor") == (ladder["viewer"] | B("read:deployments read:organization")));
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
        b.bind("user:alice", "org:acme", {"viewer"});                  // 10
        b.bind("user:alice", "org:acme", {}, ward::assign::replace);   // 11
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

TEST_CASE("deny wins, whatever the order of the rows", "[engine][deny]") {
    const bset req = B("delete:users");
    for (int order = 0; order < 4; ++order) {
        INFO("order " << order);
        ward::policy_builder<bb> b;
        base_rows(b);
        std::size_t deny_row = 0;
        auto add_deny = [&] { deny_row = b.deny("user:bob", "org:acme", req); };
        auto add_grant = [&] {
            b.bind("user:bob", "res:acme-db", {"admin"});
            b.grant("user:bob", "platform", req);
        };
        if (order % 2 == 0) {
            add_deny();
            add_grant();
        } else {
            add_grant();
            add_deny();
        }
        if (order >= 2) { // duplicates change nothing
            add_grant();
            b.deny("user:bob", "org:acme", req);
        }
        const auto s = must_build(b);
        const auto bob = ward::credential<bb>::of(s->find_principal("user:bob"));
        const auto d = s->check(bob, req, "res:acme-db");
        CHECK(d.why == reason::explicitly_denied);
        CHECK(d.missing == req);
        CHECK(d.row == deny_row);
        // The deny at org:acme covers the organization and below, not the platform or globex.
        CHECK(s->check(bob, req, "org:acme").why == reason::explicitly_denied);
        CHECK(s->check(bob, req, "platform").allowed);
        CHECK(s->check(bob, req, "org:globex").allowed);
        // Other permissions of the same grant are unaffected.
        CHECK(s->check(bob, B("update:users"), "res:acme-db").allowed);
    }
}

TEST_CASE("deny_everyone", "[engine][deny]") {
    ward::policy_builder<bb> b;
    base_rows(b);
    b.bind("user:alice", "platform", {"admin"});                    // 10
    b.bind("user:bob", "org:acme", {"admin"});                      // 11
    b.deny_everyone("org:acme", B("delete:users"));                 // 12
    b.deny_everyone("platform", B("update:organization"));          // 13
    const auto s = must_build(b);
    for (const char* who : {"user:alice", "user:bob"}) {
        INFO(who);
        const auto c = ward::credential<bb>::of(s->find_principal(who));
        const auto d = s->check(c, B("read:users delete:users"), "res:acme-db");
        CHECK(d.why == reason::explicitly_denied);
        CHECK(d.missing == B("delete:users"));
        CHECK(d.row == 12); // the deny that covers delete:users, not the one above it
        CHECK(has(s->explain(d), "row 12"));
        CHECK(has(s->explain(d), "org:acme"));
        const auto u = s->check(c, B("update:organization"), "org:acme");
        CHECK(u.why == reason::explicitly_denied);
        CHECK(u.row == 13);
        CHECK(has(s->explain(u), "deny-for-everyone row 13"));
        CHECK(s->check(c, B("read:users"), "org:acme").allowed);
    }
    const auto alice = ward::credential<bb>::of(s->find_principal("user:alice"));
    CHECK(s->check(alice, B("delete:users"), "org:globex").allowed);
    CHECK(s->check(alice, B("update:organization"), "org:globex").why == reason::explicitly_denied);
    // Principals with no rows at all are still denied, not merely missing.
    const auto carol = ward::credential<bb>::of(s->find_principal("auth0|carol"));
    CHECK(s->check(carol, B("read:users"), "org:acme").why == reason::missing_permission);
}

// ==== Commerce Layer: application restrictions =====================================================================

namespace {
ward::scope_schema commerce_schema() {
    ward::scope_schema s;
    s.kind("organization", {}, true).kind("application", {"organization"}).kind("market", {"organization"});
    return s;
}
} // namespace

TEST_CASE("restrictions: effective = role permissions intersected with the application's cap", "[engine][restrict]") {
    ward::policy_builder<cl> b(commerce_schema());
    b.add_scope("org:cl-store", "organization");                     // 0
    b.add_scope("app:storefront", "application", "org:cl-store");    // 1
    b.add_scope("app:back-office", "application", "org:cl-store");   // 2
    b.add_scope("market:id:dGjKqWzP", "market", "org:cl-store");     // 3
    b.add_principal("user:dana");                                    // 4
    b.add_principal("user:eric");                                    // 5
    b.define_role("rol_ops", "orders.update skus.read customers.read"); // 6
    b.bind("user:dana", "org:cl-store", {"rol_ops"});                // 7
    b.bind("user:eric", "org:cl-store", {"rol_ops"});                // 8
    b.restrict_to("user:dana", "app:storefront", C("orders.read skus.read")); // 9
    b.restrict_to("user:dana", "app:back-office", C("orders.update"));      // 10
    auto built = b.build();
    INFO(built.error.message());
    REQUIRE(built);
    const auto& s = *built.snapshot;
    const auto store = s.find_scope("app:storefront");
    const auto office = s.find_scope("app:back-office");
    const auto market = s.find_scope("market:id:dGjKqWzP");
    auto dana = ward::credential<cl>::of(s.find_principal("user:dana"));

    SECTION("through the storefront") {
        dana.via(store);
        CHECK(s.check(dana, C("orders.read"), market).allowed);
        CHECK(s.check(dana, C("skus.read"), market).allowed);
        const auto d = s.check(dana, C("orders.update"), market);
        CHECK(d.why == reason::restricted_by_application);
        CHECK(d.missing == C("orders.update"));
        CHECK(ward::status_table{}.with_insufficient_permission(401)(d) == 401);
        // In the cap but not held: missing, not restricted.
        const auto m = s.check(dana, C("orders.read skus.create"), market);
        CHECK(m.why == reason::missing_permission);
        CHECK(s.effective_permissions(dana, market).permissions == (s.role_permissions("rol_ops") & C("orders.read skus.read")));
        CHECK(s.effective_permissions(dana, market).permissions == C("orders.read skus.read"));
    }
    SECTION("through the back office (update implies read in the cap)") {
        dana.via(office);
        CHECK(s.check(dana, C("orders.update orders.read"), market).allowed);
        CHECK(s.check(dana, C("skus.read"), market).why == reason::restricted_by_application);
    }
    SECTION("no application: restricted") {
        const auto d = s.check(dana, C("orders.read"), market);
        CHECK(d.why == reason::restricted_by_application);
        CHECK(s.effective_permissions(dana, market).permissions.none());
    }
    SECTION("through an unknown application: restricted") {
        dana.via(ward::scope_handle{});
        CHECK(s.check(dana, C("orders.read"), market).why == reason::restricted_by_application);
    }
    SECTION("through a scope that is not one of its applications: restricted") {
        dana.via(market);
        CHECK(s.check(dana, C("orders.read"), market).why == reason::restricted_by_application);
    }
    SECTION("a principal without restrictions is not affected") {
        auto eric = ward::credential<cl>::of(s.find_principal("user:eric"));
        CHECK(s.check(eric, C("orders.update customers.read"), market).allowed);
        eric.via(store);
        CHECK(s.check(eric, C("orders.update customers.read"), market).allowed);
    }
}

// ==== credentials ===============================================================================================

TEST_CASE("credential: bind_to, cap, cap_at and cap_wildcard", "[engine][credential]") {
    ward::policy_builder<ident> b;
    b.add_scope("platform", "platform");                       // 0
    b.add_scope("org:acme", "organization", "platform");       // 1
    b.add_scope("org:globex", "organization", "platform");     // 2
    b.add_scope("res:acme-1", "resource", "org:acme");         // 3
    b.add_scope("res:acme-2", "resource", "org:acme");         // 4
    b.add_scope("res:acme-1-sub", "resource", "res:acme-1");   // 5
    b.add_principal("user:eve");                               // 6
    b.grant("user:eve", "platform", iset::all());              // 7
    auto built = b.build();
    REQUIRE(built);
    const auto& s = *built.snapshot;
    const auto eve = s.find_principal("user:eve");
    const auto acme = s.find_scope("org:acme");
    const auto globex = s.find_scope("org:globex");
    const auto r1 = s.find_scope("res:acme-1");
    const auto r2 = s.find_scope("res:acme-2");
    const auto r1sub = s.find_scope("res:acme-1-sub");
    const ward::status_table status;

    SECTION("bind_to: outside the bound subtree is 404") {
        auto c = ward::credential<ident>::of(eve);
        c.bind_to(acme);
        CHECK(s.check(c, ident::publish, r1).allowed);
        const auto d = s.check(c, ident::publish, globex);
        CHECK(d.why == reason::outside_scope);
        CHECK(status(d) == 404);
        CHECK(s.check(c, ident::publish, "platform").why == reason::outside_scope);
        c.bind_to(globex); // the union of the subtrees
        CHECK(s.check(c, ident::publish, globex).allowed);
        auto nowhere = ward::credential<ident>::of(eve);
        nowhere.bind_to(ward::scope_handle{});
        CHECK(s.check(nowhere, ident::publish, acme).why == reason::outside_scope);
        auto many = ward::credential<ident>::of(eve);
        for (int i = 0; i < WARD_MAX_BOUND_SCOPES; ++i) many.bind_to(acme);
        CHECK(many.authenticated());
        many.bind_to(acme);
        CHECK(!many.authenticated());
        CHECK(s.check(many, ident::publish, acme).why == reason::unauthenticated);
    }
    SECTION("cap: a ceiling, closed under implications; repeated caps intersect") {
        auto c = ward::credential<ident>::of(eve);
        c.cap(I("sudo authenticate"));
        CHECK(s.check(c, I("list_users delete_token authenticate"), acme).allowed);
        const auto d = s.check(c, I("publish authenticate"), acme);
        CHECK(d.why == reason::not_in_token);
        CHECK(d.missing == I("publish"));
        c.cap(I("authenticate publish"));
        CHECK(s.check(c, ident::authenticate, acme).allowed);
        CHECK(s.check(c, ident::publish, acme).why == reason::not_in_token);
        CHECK(s.check(c, ident::list_users, acme).why == reason::not_in_token);
    }
    SECTION("provide's extended claim {\"res:acme-1\": 415, \"*\": 510}") {
        const auto m415 = ward::parse_integer<ident>(415).value;
        const auto m510 = ward::parse_integer<ident>(510).value;
        auto c = ward::credential<ident>::of(eve);
        c.cap_at(r1, m415).cap_wildcard(m510);
        CHECK(s.check(c, I("authenticate delete_resource"), r1).allowed);
        CHECK(s.check(c, I("authenticate"), r1sub).allowed); // the subtree of the entry
        const auto d = s.check(c, I("authenticate delete_resource"), r2);
        CHECK(d.why == reason::not_in_token);
        CHECK(d.missing == I("authenticate"));
        CHECK(s.check(c, I("delete_resource subscribe"), r2).allowed);
        CHECK(s.check(c, I("grant_resource_authorization"), r2).allowed);    // bit 5 in 510
        CHECK(s.check(c, I("grant_resource_authorization"), r1).why == reason::not_in_token); // not in 415
        CHECK(s.check(c, I("list_users"), globex).why == reason::not_in_token);
    }
    SECTION("the deepest extended entry applies; without a wildcard nothing else is allowed") {
        auto c = ward::credential<ident>::of(eve);
        c.cap_at(acme, I("publish subscribe")).cap_at(r1, I("subscribe"));
        CHECK(s.check(c, I("publish"), r2).allowed);
        CHECK(s.check(c, I("publish"), r1).why == reason::not_in_token);
        CHECK(s.check(c, I("subscribe"), r1sub).allowed);
        CHECK(s.check(c, I("subscribe"), globex).why == reason::not_in_token);
        CHECK(s.effective_permissions(c, globex).permissions.none());
    }
    SECTION("extended entries combine with the ceiling") {
        auto c = ward::credential<ident>::of(eve);
        c.cap(I("publish")).cap_wildcard(I("publish subscribe"));
        CHECK(s.check(c, I("publish"), r2).allowed);
        CHECK(s.check(c, I("subscribe"), r2).why == reason::not_in_token);
    }
}

// ==== parsing subjects and scope restrictions ===================================================================

TEST_CASE("parse_subject", "[engine][parse]") {
    SECTION("kind:id") {
        const auto r = ward::parse_subject("user:alice.smith@example.com");
        REQUIRE(r);
        CHECK(r.value.kind == ward::principal_kind::user);
        CHECK(r.value.kind_name == "user");
        CHECK(r.value.id == "alice.smith@example.com");
        CHECK(r.value.separator == ':');
        const auto a = ward::parse_subject("application:shop-42");
        REQUIRE(a);
        CHECK(a.value.kind == ward::principal_kind::application);
        CHECK(ward::parse_subject("organization:acme").value.kind == ward::principal_kind::organization);
        CHECK(ward::parse_subject("api_credential:k_123").value.kind == ward::principal_kind::api_credential);
        CHECK(ward::parse_subject("token:t1").value.kind == ward::principal_kind::token);
        CHECK(ward::parse_subject("invite:i1").value.kind == ward::principal_kind::invite);
    }
    SECTION("provider|id") {
        const auto r = ward::parse_subject("google-oauth2|1234567890");
        REQUIRE(r);
        CHECK(r.value.kind == ward::principal_kind::user);
        CHECK(r.value.kind_name == "google-oauth2");
        CHECK(r.value.id == "1234567890");
        CHECK(r.value.separator == '|');
        CHECK(ward::parse_subject("auth0|5f7c8ec7c33c6c004bbafe82"));
    }
    SECTION("errors, with positions") {
        struct bad {
            std::string_view in;
            errc ec;
            std::size_t pos;
        };
        const std::string overlong = "user:" + std::string(300, 'a');
        const std::string longest = "user:" + std::string(251, 'a');
        const bad cases[] = {
            {"", errc::empty_input, 0},
            {"alice", errc::malformed, 5},
            {":alice", errc::malformed, 0},
            {"|alice", errc::malformed, 0},
            {"robot:1", errc::unknown_kind, 0},
            {"User:alice", errc::invalid_character, 0},
            {"user:", errc::malformed, 5},
            {"auth0|", errc::malformed, 6},
            {"user:al ice", errc::invalid_character, 7},
            {" user:alice", errc::invalid_character, 0},
            {"user:alice ", errc::invalid_character, 10},
            {std::string_view("user:al\0ice", 11), errc::invalid_character, 7},
            {std::string_view("us\0er:alice", 11), errc::invalid_character, 2},
            {"user:a\x01", errc::invalid_character, 6},
            {"user:al:ice", errc::invalid_character, 7},
            {"user:\xc3\xa9", errc::invalid_character, 5},
            {overlong, errc::input_too_long, 256},
        };
        for (const bad& c : cases) {
            INFO(std::string(c.in));
            const auto r = ward::parse_subject(c.in);
            CHECK(!r);
            CHECK(r.ec == c.ec);
            CHECK(r.position == c.pos);
            CHECK(r.value.id.empty());
            CHECK(r.value.kind_name.empty());
        }
        CHECK(longest.size() == 256);
        CHECK(ward::parse_subject(longest));
    }
    static_assert(ward::parse_subject("user:x").value.kind == ward::principal_kind::user);
    static_assert(ward::parse_subject("robot:1").ec == ward::errc::unknown_kind);
}

TEST_CASE("parse_scope_restriction", "[engine][parse]") {
    const auto r = ward::parse_scope_restriction("market:id:dGjKqWzP");
    REQUIRE(r);
    CHECK(r.value.resource == "market");
    CHECK(r.value.attribute == "id");
    CHECK(r.value.value == "dGjKqWzP");
    const auto c = ward::parse_scope_restriction("stock_location:code:eu-west_1.a~b");
    REQUIRE(c);
    CHECK(c.value.resource == "stock_location");
    CHECK(c.value.attribute == "code");
    CHECK(c.value.value == "eu-west_1.a~b");

    struct bad {
        std::string_view in;
        errc ec;
        std::size_t pos;
    };
    const std::string overlong = "market:id:" + std::string(300, 'a');
    const bad cases[] = {
        {"", errc::empty_input, 0},
        {"market", errc::malformed, 6},
        {":id:x", errc::malformed, 0},
        {"market:", errc::malformed, 7},
        {"market:id", errc::malformed, 9},
        {"market::x", errc::malformed, 7},
        {"market:id:", errc::malformed, 10},
        {"market:name:x", errc::unknown_kind, 7},
        {"Market:id:x", errc::invalid_character, 0},
        {"market:ID:x", errc::invalid_character, 7},
        {"market:id:a b", errc::invalid_character, 11},
        {"market:id:a@b", errc::invalid_character, 11},
        {"market:id:a+b", errc::invalid_character, 11},
        {"market:id:a:b", errc::invalid_character, 11},
        {std::string_view("market:id:ab\0", 13), errc::invalid_character, 12},
        {overlong, errc::input_too_long, 256},
    };
    for (const bad& b : cases) {
        INFO(std::string(b.in));
        const auto p = ward::parse_scope_restriction(b.in);
        CHECK(!p);
        CHECK(p.ec == b.ec);
        CHECK(p.position == b.pos);
        CHECK(p.value.resource.empty());
        CHECK(p.value.value.empty());
    }
    static_assert(ward::parse_scope_restriction("market:code:EU").value.value == "EU");
}

// ==== authenticate(token_claims) =================================================================================

namespace {
struct auth_fixture {
    std::shared_ptr<const ward::snapshot<ident>> snap;
    auth_fixture() {
        ward::policy_builder<ident> b;
        b.add_scope("platform", "platform");                          // 0
        b.add_scope("org:acme", "organization", "platform");          // 1
        b.add_scope("org:globex", "organization", "platform");        // 2
        b.add_scope("app:acme-cli", "application", "org:acme");       // 3
        b.add_scope("res:acme-1", "resource", "org:acme");            // 4
        b.add_principal("user:alice");                                // 5
        b.add_principal("auth0|carol");                               // 6
        b.add_principal("application:cli", ward::principal_kind::application); // 7
        b.add_principal("organization:acme", ward::principal_kind::user);      // 8: stored with another kind
        b.grant("user:alice", "platform", iset::all());               // 9
        b.grant("auth0|carol", "org:acme", I("authenticate read_resources publish")); // 10
        b.grant("application:cli", "org:acme", I("read_resources"));  // 11
        b.grant("organization:acme", "org:acme", I("read_resources")); // 12
        b.restrict_to("auth0|carol", "app:acme-cli", I("read_resources")); // 13
        auto r = b.build();
        snap = r.snapshot;
    }
};
} // namespace

TEST_CASE("authenticate: subjects", "[engine][authenticate]") {
    const auth_fixture f;
    REQUIRE(f.snap);
    const auto& s = *f.snap;
    const auto acme = s.find_scope("org:acme");

    SECTION("good kind:id and provider|id subjects") {
        ward::token_claims c;
        c.subject = "user:alice";
        auto r = s.authenticate(c);
        REQUIRE(r);
        CHECK(r.failed == ward::claim::none);
        CHECK(r.value.authenticated());
        CHECK(r.value.principal() == s.find_principal("user:alice"));
        CHECK(!r.value.has_ceiling());
        CHECK(s.check(r.value, I("sudo delete_user"), acme).allowed);

        c.subject = "application:cli";
        r = s.authenticate(c);
        REQUIRE(r);
        CHECK(s.check(r.value, ident::read_resources, acme).allowed);

        c.subject = "auth0|carol";
        c.via = "app:acme-cli";
        r = s.authenticate(c);
        REQUIRE(r);
        CHECK(r.value.principal() == s.find_principal("auth0|carol"));
        CHECK(r.value.has_via());
        CHECK(r.value.via() == s.find_scope("app:acme-cli"));
        CHECK(s.check(r.value, ident::read_resources, acme).allowed);
        CHECK(s.check(r.value, ident::publish, acme).why == reason::restricted_by_application);
    }
    SECTION("a well-formed subject that is not in the policy: unknown principal") {
        ward::token_claims c;
        c.subject = "user:mallory";
        const auto r = s.authenticate(c);
        REQUIRE(r);
        const auto d = s.check(r.value, ident::authenticate, acme);
        CHECK(d.why == reason::unknown_principal);
        CHECK(ward::status_table{}(d) == 401);
        c.subject = "github|alice";
        CHECK(s.check(s.authenticate(c).value, ident::authenticate, acme).why == reason::unknown_principal);
    }
    SECTION("a subject whose kind differs from the principal's: unknown principal") {
        ward::token_claims c;
        c.subject = "organization:acme"; // stored as a user
        const auto r = s.authenticate(c);
        REQUIRE(r);
        CHECK(!r.value.principal().valid());
        CHECK(s.check(r.value, ident::read_resources, acme).why == reason::unknown_principal);
    }
    SECTION("bad subjects fail closed") {
        struct bad {
            std::string_view sub;
            errc ec;
            std::size_t pos;
        };
        const std::string overlong = "user:" + std::string(400, 'a');
        const bad cases[] = {
            {"", errc::empty_input, 0},
            {"alice", errc::malformed, 5},
            {"robot:1", errc::unknown_kind, 0},
            {"user:", errc::malformed, 5},
            {"user:ali ce", errc::invalid_character, 8},
            {std::string_view("user:alice\0admin", 16), errc::invalid_character, 10},
            {overlong, errc::input_too_long, 256},
        };
        for (const bad& b : cases) {
            INFO(std::string(b.sub));
            ward::token_claims c;
            c.subject = b.sub;
            const auto r = s.authenticate(c);
            CHECK(!r);
            CHECK(r.ec == b.ec);
            CHECK(r.failed == ward::claim::subject);
            CHECK(r.position == b.pos);
            CHECK(!r.value.authenticated());
            CHECK(s.check(r.value, ident::authenticate, acme).why == reason::unauthenticated);
        }
    }
}

TEST_CASE("authenticate: permission claims", "[engine][authenticate]") {
    const auth_fixture f;
    REQUIRE(f.snap);
    const auto& s = *f.snap;
    const auto acme = s.find_scope("org:acme");
    const auto r1 = s.find_scope("res:acme-1");
    const auto globex = s.find_scope("org:globex");
    ward::token_claims c;
    c.subject = "user:alice";

    SECTION("numeric permissions claim 415") {
        c.has_permission_mask = true;
        c.permission_mask = 415;
        const auto r = s.authenticate(c);
        REQUIRE(r);
        CHECK(r.value.has_ceiling());
        CHECK(r.value.ceiling() == ward::parse_integer<ident>(415).value);
        CHECK(s.check(r.value, I("authenticate read_resources create_resource update_resource delete_resource publish subscribe"), acme).allowed);
        const auto d = s.check(r.value, I("list_users"), acme);
        CHECK(d.why == reason::not_in_token);
        CHECK(has(s.explain(d), "list_users"));
    }
    SECTION("numeric claim with sudo: implications apply to the ceiling") {
        c.has_permission_mask = true;
        c.permission_mask = (1u << 29) | 1u;
        const auto r = s.authenticate(c);
        REQUIRE(r);
        CHECK(s.check(r.value, I("list_users delete_token authenticate"), acme).allowed);
        CHECK(s.check(r.value, I("publish"), acme).why == reason::not_in_token);
    }
    SECTION("a numeric claim with an undefined bit") {
        c.has_permission_mask = true;
        c.permission_mask = 415u | (1u << 14);
        const auto r = s.authenticate(c);
        CHECK(!r);
        CHECK(r.ec == errc::unknown_bit);
        CHECK(r.failed == ward::claim::permission_mask);
        CHECK(r.position == 14);
        CHECK(!r.value.authenticated());
        CHECK(s.check(r.value, ident::authenticate, acme).why == reason::unauthenticated);
        c.permission_mask = std::uint64_t{1} << 40;
        const auto high = s.authenticate(c);
        CHECK(high.ec == errc::unknown_bit);
        CHECK(high.position == 40);
    }
    SECTION("a names array") {
        const std::string_view names[] = {"authenticate", "publish"};
        c.has_permission_names = true;
        c.permission_names = names;
        const auto r = s.authenticate(c);
        REQUIRE(r);
        CHECK(r.value.ceiling() == I("authenticate publish"));
        CHECK(s.check(r.value, I("publish"), acme).allowed);
        CHECK(s.check(r.value, I("subscribe"), acme).why == reason::not_in_token);
    }
    SECTION("a names array with an unknown name: strict fails at its index, lenient skips it") {
        const std::string_view names[] = {"authenticate", "fly", "publish"};
        c.has_permission_names = true;
        c.permission_names = names;
        const auto r = s.authenticate(c);
        CHECK(!r);
        CHECK(r.ec == errc::unknown_name);
        CHECK(r.failed == ward::claim::permission_names);
        CHECK(r.position == 1);
        CHECK(!r.value.authenticated());
        c.names_mode = ward::parse_mode::lenient;
        const auto l = s.authenticate(c);
        REQUIRE(l);
        CHECK(l.value.ceiling() == I("authenticate publish"));
    }
    SECTION("an OAuth scope string, strict and lenient") {
        c.has_scope = true;
        c.scope = "authenticate subscribe";
        const auto r = s.authenticate(c);
        REQUIRE(r);
        CHECK(s.check(r.value, I("subscribe"), acme).allowed);
        CHECK(s.check(r.value, I("publish"), acme).why == reason::not_in_token);

        c.scope = "authenticate  subscribe";
        const auto twice = s.authenticate(c);
        CHECK(twice.ec == errc::empty_name);
        CHECK(twice.failed == ward::claim::scope);
        CHECK(twice.position == 13);
        c.scope = "authenticate write:everything";
        const auto unknown = s.authenticate(c);
        CHECK(unknown.ec == errc::unknown_name);
        CHECK(unknown.failed == ward::claim::scope);
        CHECK(unknown.position == 13);
        CHECK(!unknown.value.authenticated());

        c.names_mode = ward::parse_mode::lenient;
        const auto l = s.authenticate(c);
        REQUIRE(l);
        CHECK(l.value.ceiling() == I("authenticate"));
        CHECK(s.check(l.value, I("authenticate"), acme).allowed);
        CHECK(s.check(l.value, I("publish"), acme).why == reason::not_in_token);
        c.scope = std::string_view("authenticate \x01", 14);
        const auto ctl = s.authenticate(c);
        CHECK(ctl.ec == errc::invalid_character);
        CHECK(ctl.position == 13);
    }
    SECTION("an empty scope string is a ceiling of nothing") {
        c.has_scope = true;
        c.scope = "";
        const auto r = s.authenticate(c);
        REQUIRE(r);
        CHECK(s.check(r.value, I("authenticate"), acme).why == reason::not_in_token);
    }
    SECTION("every present permission claim caps: they intersect") {
        c.has_permission_mask = true;
        c.permission_mask = 415;
        c.has_scope = true;
        c.scope = "publish list_users";
        const auto r = s.authenticate(c);
        REQUIRE(r);
        CHECK(s.check(r.value, I("publish"), acme).allowed);
        CHECK(s.check(r.value, I("list_users"), acme).why == reason::not_in_token);
        CHECK(s.check(r.value, I("authenticate"), acme).why == reason::not_in_token);
    }
    SECTION("an extended map with a wildcard") {
        const ward::extended_claim ext[] = {{"res:acme-1", 415}, {"*", 510}};
        c.extended = ext;
        const auto r = s.authenticate(c);
        REQUIRE(r);
        CHECK(r.value.has_extended());
        CHECK(r.value.has_wildcard());
        CHECK(s.check(r.value, I("authenticate delete_resource"), r1).allowed);
        CHECK(s.check(r.value, I("authenticate"), globex).why == reason::not_in_token);
        CHECK(s.check(r.value, I("grant_resource_authorization"), globex).allowed);
        CHECK(s.check(r.value, I("grant_resource_authorization"), r1).why == reason::not_in_token);
    }
    SECTION("extended map errors") {
        const ward::extended_claim undefined_bit[] = {{"*", 510}, {"res:acme-1", 1u << 15}};
        c.extended = undefined_bit;
        auto r = s.authenticate(c);
        CHECK(r.ec == errc::unknown_bit);
        CHECK(r.failed == ward::claim::extended);
        CHECK(r.position == 1);
        CHECK(!r.value.authenticated());
        const ward::extended_claim bad_id[] = {{"res acme", 1}};
        c.extended = bad_id;
        r = s.authenticate(c);
        CHECK(r.ec == errc::invalid_id);
        CHECK(r.failed == ward::claim::extended);
        CHECK(r.position == 0);
        // An unknown resource grants nothing there (and without a wildcard nothing anywhere).
        const ward::extended_claim unknown[] = {{"res:nope", 415}};
        c.extended = unknown;
        r = s.authenticate(c);
        REQUIRE(r);
        CHECK(s.check(r.value, I("authenticate"), r1).why == reason::not_in_token);
        // More entries than a credential holds.
        std::vector<ward::extended_claim> many(WARD_MAX_EXTENDED_CLAIMS + 2, ward::extended_claim{"res:acme-1", 1});
        c.extended = ward::view<ward::extended_claim>(many.data(), many.size());
        r = s.authenticate(c);
        CHECK(!r);
        CHECK(r.ec == errc::too_many);
        CHECK(r.failed == ward::claim::extended);
        CHECK(!r.value.authenticated());
    }
}

TEST_CASE("authenticate: bound scopes and Commerce Layer restrictions", "[engine][authenticate]") {
    ward::policy_builder<cl> b(commerce_schema());
    b.add_scope("org:cl-store", "organization");                  // 0
    b.add_scope("app:storefront", "application", "org:cl-store"); // 1
    b.add_scope("market:id:dGjKqWzP", "market", "org:cl-store");  // 2
    b.add_scope("market:id:ZxYwVuTs", "market", "org:cl-store");  // 3
    b.add_scope("market:code:EU", "market", "org:cl-store");      // 4
    b.add_principal("application:storefront-client", ward::principal_kind::application); // 5
    b.grant("application:storefront-client", "org:cl-store", C("orders.update skus.read")); // 6
    b.restrict_to("application:storefront-client", "app:storefront", C("orders.read orders.update skus.read")); // 7
    auto built = b.build();
    INFO(built.error.message());
    REQUIRE(built);
    const auto& s = *built.snapshot;
    const auto m1 = s.find_scope("market:id:dGjKqWzP");
    const auto m2 = s.find_scope("market:id:ZxYwVuTs");
    const auto eu = s.find_scope("market:code:EU");
    const auto org = s.find_scope("org:cl-store");

    ward::token_claims c;
    c.subject = "application:storefront-client";
    c.via = "app:storefront";

    SECTION("restricted to one market") {
        c.bound_scopes = "market:id:dGjKqWzP";
        c.scope_restrictions = true;
        const auto r = s.authenticate(c);
        REQUIRE(r);
        CHECK(r.value.bound_count() == 1);
        CHECK(r.value.bound(0) == m1);
        CHECK(s.check(r.value, C("orders.update"), m1).allowed);
        const auto d = s.check(r.value, C("orders.read"), m2);
        CHECK(d.why == reason::outside_scope);
        CHECK(ward::status_table{}.with_insufficient_permission(401)(d) == 404);
        CHECK(s.check(r.value, C("orders.read"), org).why == reason::outside_scope);
    }
    SECTION("several markets, by id and code") {
        c.bound_scopes = "market:id:dGjKqWzP market:code:EU";
        c.scope_restrictions = true;
        const auto r = s.authenticate(c);
        REQUIRE(r);
        CHECK(r.value.bound_count() == 2);
        CHECK(s.check(r.value, C("skus.read"), m1).allowed);
        CHECK(s.check(r.value, C("skus.read"), eu).allowed);
        CHECK(s.check(r.value, C("skus.read"), m2).why == reason::outside_scope);
    }
    SECTION("a restriction to a market the policy does not know restricts to nothing") {
        c.bound_scopes = "market:id:unknownMkt";
        c.scope_restrictions = true;
        const auto r = s.authenticate(c);
        REQUIRE(r);
        CHECK(s.check(r.value, C("skus.read"), m1).why == reason::outside_scope);
        CHECK(s.check(r.value, C("skus.read"), org).why == reason::outside_scope);
    }
    SECTION("malformed restrictions fail closed, at the byte") {
        struct bad {
            std::string_view bound;
            errc ec;
            std::size_t pos;
        };
        const bad cases[] = {
            {"market:name:EU", errc::unknown_kind, 7},
            {"market:id:dGjKqWzP market:id:", errc::malformed, 29},
            {"market:id:dGjKqWzP cd", errc::malformed, 21},
            {"market:id:dGjKqWzP  market:code:EU", errc::empty_name, 19},
            {" market:code:EU", errc::empty_name, 0},
            {"market:code:EU ", errc::empty_name, 15},
            {"market:id:a@b", errc::invalid_character, 11},
            {"Market:id:x", errc::invalid_character, 0},
        };
        c.scope_restrictions = true;
        for (const bad& x : cases) {
            INFO(std::string(x.bound));
            c.bound_scopes = x.bound;
            const auto r = s.authenticate(c);
            CHECK(!r);
            CHECK(r.ec == x.ec);
            CHECK(r.failed == ward::claim::bound_scopes);
            CHECK(r.position == x.pos);
            CHECK(!r.value.authenticated());
        }
    }
    SECTION("more bound scopes than a credential holds") {
        c.bound_scopes = "market:code:EU market:code:EU market:code:EU market:code:EU market:code:EU "
                         "market:code:EU market:code:EU market:code:EU market:code:EU";
        c.scope_restrictions = true;
        const auto r = s.authenticate(c);
        CHECK(!r);
        CHECK(r.ec == errc::too_many);
        CHECK(r.failed == ward::claim::bound_scopes);
        CHECK(!r.value.authenticated());
    }
    SECTION("plain scope ids (no restriction syntax)") {
        c.bound_scopes = "org:cl-store";
        const auto r = s.authenticate(c);
        REQUIRE(r);
        CHECK(s.check(r.value, C("skus.read"), m2).allowed);
        c.bound_scopes = std::string_view("org:cl\x01store", 12);
        const auto bad = s.authenticate(c);
        CHECK(bad.ec == errc::invalid_id);
        CHECK(bad.failed == ward::claim::bound_scopes);
    }
    SECTION("via") {
        const auto r = s.authenticate(c);
        REQUIRE(r);
        CHECK(s.check(r.value, C("orders.read"), m1).allowed);
        c.via = {};
        const auto none = s.authenticate(c);
        REQUIRE(none);
        CHECK(s.check(none.value, C("orders.read"), m1).why == reason::restricted_by_application);
        c.via = "app:other";
        const auto other = s.authenticate(c);
        REQUIRE(other);
        CHECK(s.check(other.value, C("orders.read"), m1).why == reason::restricted_by_application);
        c.via = "app store";
        const auto bad = s.authenticate(c);
        CHECK(bad.ec == errc::invalid_id);
        CHECK(bad.failed == ward::claim::via);
        CHECK(!bad.value.authenticated());
    }
}

// ==== reverse queries and batches ===================================================================================

TEST_CASE("effective_permissions: the names for GET /user/me", "[engine][reverse]") {
    ward::policy_builder<bb> b;
    base_rows(b);
    b.bind("user:alice", "org:acme", {"viewer"});                  // 10
    b.grant("user:alice", "res:acme-db", B("update:deployments"));  // 11
    b.deny("user:alice", "res:acme-db", B("read:blueprints"));      // 12
    const auto s = must_build(b);
    const auto alice = ward::credential<bb>::of(s->find_principal("user:alice"));
    const auto at_org = s->effective_permissions(alice, s->find_scope("org:acme"));
    CHECK(at_org.why == reason::granted);
    CHECK(at_org.permissions == ladder["viewer"]);
    const auto at_db = s->effective_permissions(alice, s->find_scope("res:acme-db"));
    CHECK(at_db.permissions == ((ladder["viewer"] | B("update:deployments")) - B("read:blueprints")));
    const std::string names = ward::to_string(at_db.permissions);
    CHECK(has(names, "read:users"));
    CHECK(has(names, "read:organization"));
    CHECK(has(names, "update:deployments"));
    CHECK(has(names, "read:deployments"));
    CHECK(!has(names, "read:blueprints"));
    CHECK(ward::parse_scope<bb>(names).value == at_db.permissions);
    // The same, capped by the token.
    auto capped = alice;
    capped.cap(B("read:users update:deployments delete:users"));
    CHECK(s->effective_permissions(capped, s->find_scope("res:acme-db")).permissions == B("read:users update:deployments"));
    CHECK(ward::to_string(s->effective_permissions(capped, s->find_scope("org:acme")).permissions) == "read:users");
    // Nothing at the platform; refusals carry their reason.
    CHECK(s->effective_permissions(alice, s->find_scope("platform")).permissions.none());
    CHECK(s->effective_permissions(alice, ward::scope_handle{}).why == reason::unknown_scope);
    CHECK(s->effective_permissions(ward::credential<bb>{}, s->find_scope("org:acme")).why == reason::unauthenticated);
    CHECK(s->effective_permissions(ward::credential<bb>::of(ward::principal_handle{}), s->find_scope("org:acme")).why ==
          reason::unknown_principal);
    auto bound = alice;
    bound.bind_to(s->find_scope("org:globex"));
    const auto outside = s->effective_permissions(bound, s->find_scope("org:acme"));
    CHECK(outside.why == reason::outside_scope);
    CHECK(outside.permissions.none());
}

TEST_CASE("grantable: Auth0's token scope = requested intersected with held", "[engine][reverse]") {
    ward::policy_builder<bb> b;
    base_rows(b);
    b.bind("user:alice", "org:acme", {"editor"});            // 10
    b.deny("user:alice", "org:acme", B("create:deployments")); // 11
    const auto s = must_build(b);
    const auto alice = s->find_principal("user:alice");
    const auto acme = s->find_scope("org:acme");
    const bset requested = B("read:users delete:users create:blueprints create:deployments");
    CHECK(s->grantable(alice, acme, requested) == B("read:users create:blueprints"));
    CHECK(s->grantable(alice, s->find_scope("org:globex"), requested).none());
    CHECK(s->grantable(ward::principal_handle{}, acme, requested).none());
    CHECK(s->grantable(alice, acme, bset{}).none());
}

TEST_CASE("principals_with writes up to capacity and returns the total", "[engine][reverse]") {
    ward::policy_builder<bb> b;
    base_rows(b);
    std::vector<std::string> ids;
    for (int i = 0; i < 6; ++i) ids.push_back("user:member-" + std::to_string(i));
    for (const auto& id : ids) b.add_principal(id);
    for (const auto& id : ids) b.bind(id, "org:acme", {"viewer"});
    b.bind("user:alice", "platform", {"admin"});
    b.deny("user:member-3", "org:acme", B("read:users"));
    b.bind("user:bob", "org:globex", {"admin"});
    const auto s = must_build(b);
    const auto acme = s->find_scope("org:acme");
    const bset req = B("read:users");

    std::array<ward::principal_handle, 16> all{};
    const std::size_t total = s->principals_with(req, acme, all.data(), all.size());
    CHECK(total == 6); // alice + 5 members (member-3 is denied, bob is elsewhere)
    std::vector<std::string_view> names;
    for (std::size_t i = 0; i < total; ++i) names.push_back(s->principal_id(all[i]));
    CHECK(std::find(names.begin(), names.end(), "user:alice") != names.end());
    CHECK(std::find(names.begin(), names.end(), "user:member-3") == names.end());
    CHECK(std::find(names.begin(), names.end(), "user:bob") == names.end());
    for (std::size_t i = 1; i < total; ++i) CHECK(all[i - 1].value < all[i].value);

    std::array<ward::principal_handle, 4> small{};
    for (auto& h : small) h = ward::principal_handle{12345};
    CHECK(s->principals_with(req, acme, small.data(), 2) == total);
    CHECK(small[0] == all[0]);
    CHECK(small[1] == all[1]);
    CHECK(small[2].value == 12345); // nothing past the capacity
    CHECK(small[3].value == 12345);
    CHECK(s->principals_with(req, acme, nullptr, 0) == total);
    CHECK(s->principals_with(bset{}, acme, all.data(), all.size()) == 0);
    CHECK(s->principals_with(req, ward::scope_handle{}, all.data(), all.size()) == 0);
    CHECK(s->principals_with(B("delete:users"), s->find_scope("org:globex"), all.data(), all.size()) == 2);
}

TEST_CASE("batch check", "[engine][batch]") {
    ward::policy_builder<bb> b;
    b.set_version(42);
    base_rows(b);
    b.bind("user:alice", "org:acme", {"viewer"});            // 10
    b.deny("user:alice", "res:acme-db", B("read:users"));     // 11
    const auto s = must_build(b);
    const auto alice = ward::credential<bb>::of(s->find_principal("user:alice"));
    const ward::request<bb> reqs[] = {
        {B("read:users"), s->find_scope("org:acme")},
        {B("read:users"), s->find_scope("res:acme-db")},
        {B("delete:users"), s->find_scope("org:acme")},
        {B("read:users"), ward::scope_handle{}},
        {bset{}, s->find_scope("org:acme")},
        {B("read:blueprints"), s->find_scope("app:acme-shop")},
    };
    std::array<ward::decision<bb>, 6> out{};
    s->check(alice, ward::view<ward::request<bb>>(reqs), out.data());
    const reason expected[] = {reason::granted, reason::explicitly_denied, reason::missing_permission,
                               reason::unknown_scope, reason::invalid_request, reason::granted};
    for (std::size_t i = 0; i < out.size(); ++i) {
        INFO(i);
        CHECK(out[i].why == expected[i]);
        CHECK(out[i].version == 42);
        const auto single = s->check(alice, reqs[i].required, reqs[i].target);
        CHECK(single.allowed == out[i].allowed);
        CHECK(single.missing == out[i].missing);
        CHECK(single.row == out[i].row);
    }
    CHECK(out[0].row == 10);
    CHECK(out[1].row == 11);
}
