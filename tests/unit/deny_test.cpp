// SPDX-License-Identifier: MIT
// Denies and implications: a deny of X also removes every permission that implies X, so that what
// a principal holds stays closed under the vocabulary's implications. Checked in every query
// (check, batch, effective_permissions, grantable, principals_with, explain), for a principal's
// denies and for denies for everyone, with the deny row as the deciding row.
#include "support/engine_fixture.hpp"
#include "support/vocabularies.hpp"
#include "support/ward_catch.hpp"
#include <ward/builder.hpp>
#include <ward/credential.hpp>
#include <ward/explain.hpp>
#include <ward/snapshot.hpp>

#include <array>
#include <cstddef>
#include <memory>
#include <string>

using namespace wt;
using ward::reason;

namespace {

template <class P>
std::shared_ptr<const ward::snapshot<P>> built(const ward::policy_builder<P>& b) {
    auto r = b.build();
    INFO(r.error.message());
    REQUIRE(r);
    return r.value;
}

/// Is `s` closed under the vocabulary's implications?
template <class P>
bool closed(const ward::permission_set<P>& s) {
    return s.implied() == s;
}

// Commerce Layer's vocabulary: orders.update and orders.destroy imply orders.read.
struct cl_policy {
    std::shared_ptr<const ward::snapshot<cl>> snap;
    cl_policy() {
        ward::policy_builder<cl> b;
        b.add_scope("platform", "platform");                                          // 0
        b.add_scope("org:acme", "organization", "platform");                          // 1
        b.add_scope("app:shop", "application", "org:acme");                           // 2
        b.add_scope("res:db", "resource", "org:acme");                                // 3
        b.add_principal("user:alice");                                                // 4
        b.add_principal("user:bob");                                                  // 5
        b.add_principal("user:carol");                                                // 6
        b.grant("user:alice", "org:acme", C("orders.update orders.create"));          // 7: holds orders.read too
        b.deny("user:alice", "org:acme", C("orders.read"));                           // 8
        b.grant("user:bob", "org:acme", C("orders.update orders.create"));            // 9
        b.deny("user:bob", "res:db", C("orders.read"));                               // 10
        b.grant("user:carol", "org:acme", C("skus.update skus.destroy skus.create")); // 11
        b.deny_everyone("app:shop", C("skus.read"));                                  // 12
        snap = built(b);
    }
};

} // namespace

TEST_CASE("deny: a deny also removes every permission that implies the denied one", "[engine][deny]") {
    const cl_policy f;
    const auto& s = *f.snap;
    const auto alice = ward::credential<cl>::of(s.find_principal("user:alice"));
    const auto bob = ward::credential<cl>::of(s.find_principal("user:bob"));
    const auto acme = s.find_scope("org:acme");
    const auto db = s.find_scope("res:db");

    SECTION("check: the implying permission is refused by the deny row") {
        const auto d = s.check(alice, C("orders.update"), acme);
        CHECK(!d.allowed);
        CHECK(d.why == reason::explicitly_denied);
        CHECK(d.row == 8);
        CHECK(d.missing == C("orders.update"));
        const auto read = s.check(alice, C("orders.read"), acme);
        CHECK(read.why == reason::explicitly_denied);
        CHECK(read.row == 8);
        // What implies nothing denied is untouched.
        const auto create = s.check(alice, C("orders.create"), acme);
        CHECK(create.allowed);
        CHECK(create.row == 7);
        const auto both = s.check(alice, C("orders.create orders.update"), acme);
        CHECK(both.why == reason::explicitly_denied);
        CHECK(both.missing == C("orders.update"));
    }
    SECTION("explain names the deny row") {
        const std::string e = s.explain(s.check(alice, C("orders.update"), acme));
        CHECK(has(e, "orders.update explicitly denied by deny row 8 (user:alice at org:acme)"));
    }
    SECTION("a batch answers as single checks do") {
        const std::array<ward::request<cl>, 3> reqs{
            {{C("orders.update"), acme}, {C("orders.create"), acme}, {C("orders.update"), db}}};
        std::array<ward::decision<cl>, 3> out{};
        s.check(bob, ward::view<ward::request<cl>>(reqs.data(), reqs.size()), out.data());
        CHECK(out[0].allowed);
        CHECK(out[1].allowed);
        CHECK(out[2].why == reason::explicitly_denied);
        CHECK(out[2].row == 10);
        s.check(alice, ward::view<ward::request<cl>>(reqs.data(), reqs.size()), out.data());
        CHECK(out[0].why == reason::explicitly_denied);
        CHECK(out[0].row == 8);
        CHECK(out[1].allowed);
    }
    SECTION("effective_permissions and grantable stay closed") {
        const auto ea = s.effective_permissions(alice, acme);
        CHECK(ea.why == reason::granted);
        CHECK(ea.permissions == C("orders.create"));
        CHECK(closed(ea.permissions));
        CHECK(s.grantable(alice.principal(), acme, C("orders.update orders.read orders.create")) == C("orders.create"));
        // Bob's deny is at res:db only: above it he holds update and read, below it neither.
        CHECK(s.effective_permissions(bob, acme).permissions == C("orders.update orders.read orders.create"));
        const auto eb = s.effective_permissions(bob, db);
        CHECK(eb.permissions == C("orders.create"));
        CHECK(closed(eb.permissions));
    }
    SECTION("principals_with leaves out whoever is denied an implied permission") {
        std::array<ward::principal_handle, 4> out{};
        CHECK(s.principals_with(C("orders.update"), acme, out.data(), out.size()) == 1);
        CHECK(out[0] == bob.principal());
        CHECK(s.principals_with(C("orders.update"), db, out.data(), out.size()) == 0);
        CHECK(s.principals_with(C("orders.create"), db, out.data(), out.size()) == 2);
    }
    SECTION("a token's ceiling cannot bring the implying permission back") {
        auto capped = alice;
        capped.cap(C("orders.update"));
        CHECK(s.check(capped, C("orders.update"), acme).why == reason::explicitly_denied);
    }
}

TEST_CASE("deny: a deny for everyone removes the permissions that imply it", "[engine][deny]") {
    const cl_policy f;
    const auto& s = *f.snap;
    const auto carol = ward::credential<cl>::of(s.find_principal("user:carol"));
    const auto acme = s.find_scope("org:acme");
    const auto shop = s.find_scope("app:shop");
    CHECK(s.check(carol, C("skus.update skus.destroy skus.read"), acme).allowed);
    for (const auto p : {C("skus.update"), C("skus.destroy"), C("skus.read")}) {
        const auto d = s.check(carol, p, shop);
        CHECK(d.why == reason::explicitly_denied);
        CHECK(d.row == 12);
        CHECK(has(s.explain(d), "deny-for-everyone row 12 (at app:shop)"));
    }
    CHECK(s.check(carol, C("skus.create"), shop).allowed);
    CHECK(s.effective_permissions(carol, shop).permissions == C("skus.create"));
    std::array<ward::principal_handle, 4> out{};
    CHECK(s.principals_with(C("skus.update"), shop, out.data(), out.size()) == 0);
    CHECK(s.principals_with(C("skus.update"), acme, out.data(), out.size()) == 1);
}

TEST_CASE("deny: sudo is refused where a permission it implies is denied", "[engine][deny]") {
    ward::policy_builder<ident> b;
    b.add_scope("platform", "platform");                 // 0
    b.add_scope("org:acme", "organization", "platform"); // 1
    b.add_principal("user:root");                        // 2
    b.grant("user:root", "platform", I("sudo publish")); // 3
    b.deny("user:root", "org:acme", I("list_users"));    // 4
    const auto s = built(b);
    const auto root = ward::credential<ident>::of(s->find_principal("user:root"));
    const auto acme = s->find_scope("org:acme");
    CHECK(s->check(root, I("sudo"), "platform").allowed);
    const auto d = s->check(root, I("sudo"), acme);
    CHECK(d.why == reason::explicitly_denied);
    CHECK(d.row == 4);
    CHECK(s->check(root, I("list_users"), acme).why == reason::explicitly_denied);
    // The other permissions sudo implied are still held (each granted on its own by the closure).
    CHECK(s->check(root, I("create_user delete_token publish"), acme).allowed);
    const auto e = s->effective_permissions(root, acme).permissions;
    CHECK(!e.contains(ident::sudo));
    CHECK(!e.contains(ident::list_users));
    CHECK(e.contains(ident::create_user));
    CHECK(closed(e));
}

TEST_CASE("deny: in a cycle of implications, denying one denies them all", "[engine][deny]") {
    using vset = ward::permission_set<v200>;
    ward::policy_builder<v200> b;
    b.add_scope("platform", "platform");                   // 0
    b.add_principal("user:u");                             // 1
    b.grant("user:u", "platform", vset{v200{0}, v200{5}}); // 2: 0, 130, 199 and 5
    b.deny("user:u", "platform", vset{v200{130}});         // 3
    const auto s = built(b);
    const auto u = ward::credential<v200>::of(s->find_principal("user:u"));
    const auto platform = s->find_scope("platform");
    CHECK(s->effective_permissions(u, platform).permissions == vset{v200{5}});
    for (const auto x : {v200{0}, v200{130}, v200{199}}) {
        const auto d = s->check(u, vset{x}, platform);
        CHECK(d.why == reason::explicitly_denied);
        CHECK(d.row == 3);
    }
}
