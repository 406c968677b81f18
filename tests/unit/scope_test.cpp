// SPDX-License-Identifier: MIT
// scope_schema: a custom schema (tenant > project > environment), the trees it accepts and decides
// on, and the scopes of the wrong kind it refuses.
#include "support/engine_fixture.hpp"
#include "support/vocabularies.hpp"
#include "support/ward_catch.hpp"
#include <ward/builder.hpp>
#include <ward/scope.hpp>

using namespace wt;
using ward::errc;
using ward::reason;

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
        b.add_scope("tenant:t1", "tenant");                          // 0
        b.add_scope("project:p1", "project", "tenant:t1");           // 1
        b.add_scope("env:prod", "environment", "project:p1");        // 2
        b.add_scope("env:staging", "environment", "project:p1");     // 3
        b.add_principal("user:dev");                                 // 4
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
        CHECK(e.ec == errc::wrong_scope_kind);
        CHECK(e.row == 1);
        CHECK(e.id == "env:prod");
    }
    SECTION("a project with no parent") {
        ward::policy_builder<bb> b(schema);
        b.add_scope("tenant:t1", "tenant");
        b.add_scope("project:loose", "project");
        const auto e = must_fail(b);
        CHECK(e.ec == errc::wrong_scope_kind);
        CHECK(e.row == 1);
        CHECK(e.id == "project:loose");
    }
    SECTION("a kind of the standard schema is unknown here") {
        ward::policy_builder<bb> b(schema);
        b.add_scope("tenant:t1", "tenant");
        b.add_scope("org:acme", "organization", "tenant:t1");
        const auto e = must_fail(b);
        CHECK(e.ec == errc::unknown_kind);
        CHECK(e.row == 1);
        CHECK(e.id == "organization");
    }
    SECTION("a tenant under a project") {
        ward::policy_builder<bb> b(schema);
        b.add_scope("tenant:t1", "tenant");
        b.add_scope("project:p1", "project", "tenant:t1");
        b.add_scope("tenant:t2", "tenant", "project:p1");
        const auto e = must_fail(b);
        CHECK(e.ec == errc::wrong_scope_kind);
        CHECK(e.row == 2);
        CHECK(e.id == "tenant:t2");
    }
}
