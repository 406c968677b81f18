// SPDX-License-Identifier: MIT
// snapshot: check with every reason it can give (and its explanation), inheritance down the scope
// tree, lookups and ancestry, denies (whatever the row order, and for everyone), application
// restrictions, reverse queries (effective_permissions, grantable, principals_with) and batches.
#include "support/engine_fixture.hpp"
#include "support/vocabularies.hpp"
#include "support/ward_catch.hpp"
#include <ward/builder.hpp>
#include <ward/explain.hpp>
#include <ward/format.hpp>
#include <ward/parse.hpp>
#include <ward/snapshot.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

using namespace wt;
using ward::reason;

// ==== decisions: every reason ================================================================================

TEST_CASE("check: every reason, with missing, rule and version", "[engine][check]") {
    ward::policy_builder<bb> b;
    b.set_version(7);
    base_rows(b);
    b.bind("user:alice", "org:acme", {"viewer"});                        // 10
    b.bind("user:bob", "org:acme", {"admin"});                           // 11
    b.deny("user:bob", "res:acme-db", B("delete:users update:users"));   // 12
    b.restrict_to("application:shop", "app:acme-shop", B("read:users")); // 13
    b.bind("application:shop", "org:acme", {"viewer"});                  // 14
    b.grant("auth0|carol", "platform", "read:organization");             // 15
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
        CHECK(s->check(ward::credential<bb>::of(ward::principal_handle{1000}), B("read:users"), acme).why ==
              reason::unknown_principal);
    }
    SECTION("unknown scope") {
        const auto d = s->check(ward::credential<bb>::of(alice), B("read:users"), ward::scope_handle{});
        CHECK(!d.allowed);
        CHECK(d.why == reason::unknown_scope);
        CHECK(d.missing == B("read:users"));
        CHECK(status(d) == 404);
        CHECK(has(s->explain(d), "target scope is not in this policy"));
        CHECK(s->check(ward::credential<bb>::of(alice), B("read:users"), "org:nope").why == reason::unknown_scope);
        CHECK(s->check(ward::credential<bb>::of(alice), B("read:users"), ward::scope_handle{999}).why ==
              reason::unknown_scope);
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

// ==== scopes ==================================================================================================

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
    CHECK(s->role_permissions("viewer").value == ladder["viewer"]);
    CHECK(s->role_permissions("rol_nope").value.none());
    CHECK(s->role_permissions("rol_nope").ec == ward::errc::unknown_role);
    CHECK_FALSE(s->role_permissions("rol_nope"));
    CHECK(s->role_permissions("viewer"));

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

// ==== denies ==================================================================================================

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
    b.bind("user:alice", "platform", {"admin"});           // 10
    b.bind("user:bob", "org:acme", {"admin"});             // 11
    b.deny_everyone("org:acme", B("delete:users"));        // 12
    b.deny_everyone("platform", B("update:organization")); // 13
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

TEST_CASE("restrictions: effective = role permissions intersected with the application's cap", "[engine][restrict]") {
    ward::policy_builder<cl> b(commerce_schema());
    b.add_scope("org:cl-store", "organization");                              // 0
    b.add_scope("app:storefront", "application", "org:cl-store");             // 1
    b.add_scope("app:back-office", "application", "org:cl-store");            // 2
    b.add_scope("market:id:dGjKqWzP", "market", "org:cl-store");              // 3
    b.add_principal("user:dana");                                             // 4
    b.add_principal("user:eric");                                             // 5
    b.define_role("rol_ops", "orders.update skus.read customers.read");       // 6
    b.bind("user:dana", "org:cl-store", {"rol_ops"});                         // 7
    b.bind("user:eric", "org:cl-store", {"rol_ops"});                         // 8
    b.restrict_to("user:dana", "app:storefront", C("orders.read skus.read")); // 9
    b.restrict_to("user:dana", "app:back-office", C("orders.update"));        // 10
    auto built = b.build();
    INFO(built.error.message());
    REQUIRE(built);
    const auto& s = *built.value;
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
        CHECK(s.effective_permissions(dana, market).permissions ==
              (s.role_permissions("rol_ops").value & C("orders.read skus.read")));
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

// ==== reverse queries and batches ===================================================================================

TEST_CASE("effective_permissions: the names for GET /user/me", "[engine][reverse]") {
    ward::policy_builder<bb> b;
    base_rows(b);
    b.bind("user:alice", "org:acme", {"viewer"});                  // 10
    b.grant("user:alice", "res:acme-db", B("update:deployments")); // 11
    b.deny("user:alice", "res:acme-db", B("read:blueprints"));     // 12
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
    CHECK(s->effective_permissions(capped, s->find_scope("res:acme-db")).permissions ==
          B("read:users update:deployments"));
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
    b.bind("user:alice", "org:acme", {"editor"});              // 10
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
    b.bind("user:alice", "org:acme", {"viewer"});         // 10
    b.deny("user:alice", "res:acme-db", B("read:users")); // 11
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
    const reason expected[] = {reason::granted,       reason::explicitly_denied, reason::missing_permission,
                               reason::unknown_scope, reason::invalid_request,   reason::granted};
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

TEST_CASE("batch of independent requests, each with its own credential", "[engine][batch]") {
    // Principals over three pages, so the batch reaches across pages and past its prefetch window;
    // and more than 8,192 principals, where the batch prefetches (below, it decides one by one).
    const int users = GENERATE(static_cast<int>((std::size_t{1} << WARD_PRINCIPAL_PAGE_BITS) * 5 / 2), 9000);
    INFO(users << " users");
    ward::policy_builder<bb> b;
    base_rows(b);
    for (int i = 0; i < users; ++i) {
        const std::string u = "user:u" + std::to_string(i);
        b.add_principal(u);
        b.bind(u, i % 2 == 0 ? "org:acme" : "org:globex", {i % 3 == 0 ? "admin" : "viewer"});
        if (i % 5 == 0) b.grant(u, "res:acme-db", B("delete:users")); // a second entry, beyond the head
    }
    b.deny("user:u4", "res:acme-db", B("read:users"));
    const auto s = must_build(b);
    std::vector<ward::credential<bb>> creds;
    for (int i = 0; i < users; ++i)
        creds.push_back(ward::credential<bb>::of(s->find_principal("user:u" + std::to_string(i))));
    creds.push_back(ward::credential<bb>::of(ward::principal_handle{}));         // unknown principal
    creds.push_back(ward::credential<bb>::of(ward::principal_handle{1u << 20})); // a handle past the end
    auto bound = creds[0];
    bound.bind_to(s->find_scope("org:globex"));
    creds.push_back(bound); // outside its scope
    const ward::scope_handle where[] = {s->find_scope("org:acme"), s->find_scope("res:acme-db"),
                                        s->find_scope("org:globex"), ward::scope_handle{}};
    const bset what[] = {B("read:users"), B("delete:users"), B("read:organization")};
    std::vector<ward::batch_request<bb>> reqs;
    const std::size_t count = creds.size() + 1 > 3000 ? creds.size() + 1 : 3000; // every credential at least once
    for (std::size_t i = 0; i < count; ++i) {
        const std::size_t c = (i * 7919) % (creds.size() + 1); // one in creds.size() + 1 has no credential
        reqs.push_back({c == creds.size() ? nullptr : &creds[c], what[i % 3], where[(i / 3) % 4]});
    }
    reqs.push_back({&creds[4], B("read:users"), s->find_scope("res:acme-db")});  // the deny
    reqs.push_back({&creds.back(), B("read:users"), s->find_scope("org:acme")}); // bound to org:globex
    std::vector<ward::decision<bb>> out(reqs.size());
    s->check(ward::view<ward::batch_request<bb>>(reqs.data(), reqs.size()), out.data());
    std::size_t allowed = 0, kinds = 0;
    bool seen[ward::reason_count] = {};
    for (std::size_t i = 0; i < reqs.size(); ++i) {
        INFO(i);
        const auto one = reqs[i].who != nullptr ? s->check(*reqs[i].who, reqs[i].required, reqs[i].target)
                                                : s->check(ward::credential<bb>{}, reqs[i].required, reqs[i].target);
        CHECK(out[i].allowed == one.allowed);
        CHECK(out[i].why == one.why);
        CHECK(out[i].row == one.row);
        CHECK(out[i].missing == one.missing);
        allowed += out[i].allowed;
        seen[static_cast<std::size_t>(out[i].why)] = true;
    }
    for (bool x : seen) kinds += x;
    CHECK(allowed > 0);
    CHECK(allowed < reqs.size());
    CHECK(seen[static_cast<std::size_t>(reason::unauthenticated)]);
    CHECK(seen[static_cast<std::size_t>(reason::unknown_principal)]);
    CHECK(seen[static_cast<std::size_t>(reason::unknown_scope)]);
    CHECK(seen[static_cast<std::size_t>(reason::outside_scope)]);
    CHECK(seen[static_cast<std::size_t>(reason::explicitly_denied)]);
    CHECK(kinds >= 6);
    s->check(ward::view<ward::batch_request<bb>>(), out.data()); // an empty batch decides nothing
}
