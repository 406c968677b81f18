// SPDX-License-Identifier: MIT
// policy_writer and the builder's removals and changes: which changes are derived (not built in
// full), what a derived snapshot shares with the one before, what remove() and unbind() take away,
// and a refused change leaving the rows and the current snapshot as they were. The property suite
// (property/incremental_property_test.cpp) compares derived and full builds on random changes.
#include "support/engine_fixture.hpp"
#include "support/vocabularies.hpp"
#include "support/ward_catch.hpp"
#include <ward/builder.hpp>
#include <ward/credential.hpp>
#include <ward/writer.hpp>

#include <cstddef>
#include <memory>
#include <string>

using namespace wt;
using ward::derivation;
using ward::errc;
using ward::reason;
using ward::row_kind;

namespace {

using cred = ward::credential<bb>;
using snap_ptr = std::shared_ptr<const ward::snapshot<bb>>;

// Principals per snapshot page (WARD_PRINCIPAL_PAGE_BITS).
constexpr std::size_t page_size = std::size_t{1} << WARD_PRINCIPAL_PAGE_BITS;
constexpr int user_count = static_cast<int>(page_size * 5 / 2);

// The base rows, plus users of org:acme over three pages of principals, each a viewer there.
ward::policy_builder<bb> many_users() {
    ward::policy_builder<bb> b;
    base_rows(b);
    for (int i = 0; i < user_count; ++i) {
        const std::string u = "user:u" + std::to_string(i);
        b.add_principal(u);
        b.bind(u, "org:acme", {"viewer"});
    }
    return b;
}

ward::decision<bb> decide(const ward::snapshot<bb>& s, std::string_view who, std::string_view perm,
                          std::string_view where) {
    return s.check(cred::of(s.find_principal(who)), B(perm), s.find_scope(where));
}

// The derived snapshot decides as a full build of the same rows does, for a few principals,
// every scope of the base rows and a handful of permissions; returns how many checks compared.
std::size_t same_as_full(const ward::policy_writer<bb>& w, std::initializer_list<std::string_view> who) {
    const snap_ptr full = must_build(w.rows());
    const auto& d = *w.current();
    std::size_t n = 0;
    for (std::string_view p : who)
        for (std::string_view at : {"platform", "org:acme", "org:globex", "app:acme-shop", "res:acme-db"})
            for (std::string_view perm : {"read:users", "update:users", "read:organization", "create:blueprints"}) {
                const auto a = decide(d, p, perm, at), b = decide(*full, p, perm, at);
                INFO(p << " " << perm << " @ " << at);
                CHECK(a.allowed == b.allowed);
                CHECK(a.why == b.why);
                CHECK(a.row == b.row);
                CHECK(a.version == b.version);
                ++n;
            }
    return n;
}

} // namespace

TEST_CASE("policy_writer: principals' rows are derived, sharing the pages they do not touch", "[engine][writer]") {
    ward::policy_writer<bb> w(many_users());
    REQUIRE(w.current());
    const snap_ptr first = w.current();
    CHECK(first->version() == 1);
    CHECK(!decide(*first, "user:alice", "update:users", "org:acme"));

    std::size_t row = 0;
    auto r = w.apply([&](ward::policy_builder<bb>& b) { row = b.bind("user:alice", "org:acme", {"admin"}); });
    REQUIRE(r);
    CHECK(w.last_derivation() == derivation::incremental);
    CHECK(r.value == w.current());
    CHECK(w.current()->version() == 2);
    const auto d = decide(*w.current(), "user:alice", "update:users", "org:acme");
    CHECK(d.allowed);
    CHECK(d.row == row);
    CHECK(first->find_principal("user:alice").valid()); // the first snapshot is unchanged
    CHECK(!decide(*first, "user:alice", "update:users", "org:acme"));
    CHECK(same_as_full(w, {"user:alice", "user:bob", "user:u0", "user:u2000"}) == 80);
    // One page of principals (of three) and the page directory.
    CHECK(w.current()->unshared_bytes(*first) * 2 < first->memory_bytes());
    CHECK(w.current()->unshared_bytes(*first) > 0);
    CHECK(w.current()->unshared_bytes(*w.current()) == 0);

    SECTION("grant, deny, restriction, removal and unbind") {
        std::size_t deny_row = 0;
        REQUIRE(w.apply([&](auto& b) {
            b.grant("user:u300", "app:acme-shop", B("update:users"));
            deny_row = b.deny("user:u5", "org:acme", B("read:users"));
            b.restrict_to("user:u6", "app:acme-shop", B("read:users"));
        }));
        CHECK(w.last_derivation() == derivation::incremental);
        CHECK(decide(*w.current(), "user:u300", "update:users", "app:acme-shop").allowed);
        const auto denied = decide(*w.current(), "user:u5", "read:users", "org:acme");
        CHECK(denied.why == reason::explicitly_denied);
        CHECK(denied.row == deny_row);
        same_as_full(w, {"user:u300", "user:u5", "user:u6"});

        REQUIRE(w.apply([&](auto& b) { CHECK(b.remove(deny_row) == errc::ok); }));
        CHECK(w.last_derivation() == derivation::incremental);
        CHECK(decide(*w.current(), "user:u5", "read:users", "org:acme").allowed);

        REQUIRE(w.apply([&](auto& b) { CHECK(b.unbind("user:u7", "org:acme") == 1); }));
        CHECK(w.last_derivation() == derivation::incremental);
        CHECK(decide(*w.current(), "user:u7", "read:users", "org:acme").why == reason::missing_permission);
        same_as_full(w, {"user:u5", "user:u7"});
    }
    SECTION("a new principal, and a removed one with its rows") {
        REQUIRE(w.apply([&](auto& b) {
            b.add_principal("user:zed");
            b.bind("user:zed", "org:globex", {"admin"});
        }));
        CHECK(w.last_derivation() == derivation::incremental);
        CHECK(decide(*w.current(), "user:zed", "delete:users", "org:globex").allowed);
        CHECK(!first->find_principal("user:zed").valid());

        const std::size_t alice_binding = row;
        REQUIRE(w.apply([&](auto& b) {
            CHECK(b.remove(alice_binding) == errc::ok);
            CHECK(b.remove(5) == errc::ok); // user:alice's definition
        }));
        CHECK(w.last_derivation() == derivation::incremental);
        CHECK(!w.current()->find_principal("user:alice").valid());
        const auto gone = w.current()->check(cred::of(ward::principal_handle{0}), B("read:users"),
                                             w.current()->find_scope("org:acme"));
        CHECK(gone.why == reason::unknown_principal); // a stale handle is refused, not decided
        same_as_full(w, {"user:alice", "user:zed", "user:bob"});
    }
    SECTION("roles, denies for everyone and scopes") {
        REQUIRE(w.apply([&](auto& b) { b.define_role("rol_ops", B("update:organization"), {"viewer"}); }));
        CHECK(w.last_derivation() == derivation::incremental);
        std::size_t role_row = 0;
        REQUIRE(w.apply([&](auto& b) {
            role_row = b.define_role("rol_x", B("read:organization"));
            b.bind("user:u1", "org:acme", {"rol_x"});
        }));
        REQUIRE(w.apply([&](auto& b) { // the role's permissions change: its members repack
            CHECK(b.remove(role_row) == errc::ok);
            b.define_role("rol_x", B("update:users"));
        }));
        CHECK(w.last_derivation() == derivation::incremental);
        CHECK(decide(*w.current(), "user:u1", "update:users", "org:acme").allowed);
        same_as_full(w, {"user:u1", "user:u2"});

        REQUIRE(w.apply([&](auto& b) { b.deny_everyone("app:acme-shop", B("read:users")); }));
        CHECK(w.last_derivation() == derivation::incremental);
        CHECK(decide(*w.current(), "user:u2", "read:users", "app:acme-shop").why == reason::explicitly_denied);

        REQUIRE(w.apply([&](auto& b) {
            b.add_scope("app:acme-new", "application", "org:acme");
            b.grant("user:u2", "app:acme-new", B("delete:users"));
        }));
        CHECK(w.last_derivation() == derivation::incremental);
        CHECK(decide(*w.current(), "user:u2", "delete:users", "app:acme-new").allowed);
        CHECK(decide(*w.current(), "user:u2", "read:users", "app:acme-new").allowed); // viewer at org:acme
        CHECK(w.current()->encloses(w.current()->find_scope("org:acme"), w.current()->find_scope("app:acme-new")));
        same_as_full(w, {"user:u1", "user:u2", "user:u2000"});
        CHECK(w.current()->find_scope("res:acme-db") == must_build(w.rows())->find_scope("res:acme-db"));

        std::size_t leaf = 0;
        REQUIRE(w.apply([&](auto& b) { leaf = b.add_scope("res:tmp", "resource", "org:globex"); }));
        REQUIRE(w.apply([&](auto& b) { CHECK(b.remove(leaf) == errc::ok); }));
        CHECK(w.last_derivation() == derivation::incremental);
        CHECK(!w.current()->find_scope("res:tmp").valid());
    }
}

TEST_CASE("policy_writer: a refused change is build()'s error and leaves everything as it was", "[engine][writer]") {
    ward::policy_writer<bb> w(many_users());
    const snap_ptr before = w.current();
    const std::size_t rows = w.rows().row_count();

    auto refused = [&](auto change, errc ec, row_kind kind, std::string_view id) {
        ward::policy_builder<bb> copy = w.rows();
        change(copy);
        const auto expected = copy.build().error;
        const auto r = w.apply(change);
        CHECK(!r);
        CHECK(r.value == nullptr);
        CHECK(r.error.ec == ec);
        CHECK(r.error.kind == kind);
        CHECK(r.error.id == id);
        CHECK(r.error.ec == expected.ec);
        CHECK(r.error.row == expected.row);
        CHECK(r.error.id == expected.id);
        CHECK(w.current() == before);
        CHECK(w.rows().row_count() == rows);
        CHECK(w.rows().version() == before->version());
        CHECK(w.rows().build()); // the rows build again
    };
    refused([](auto& b) { b.bind("user:alice", "org:acme", {"no-such-role"}); }, errc::unknown_role, row_kind::binding,
            "no-such-role");
    refused([](auto& b) { b.bind("user:nobody", "org:acme", {"viewer"}); }, errc::unknown_principal, row_kind::binding,
            "user:nobody");
    refused([](auto& b) { b.remove(10); }, errc::unknown_principal, row_kind::binding, "user:u0"); // still bound
    refused([](auto& b) { b.add_scope("org:inner", "organization", "app:acme-shop"); }, errc::wrong_scope_kind,
            row_kind::scope, "org:inner");
    refused(
        [](auto& b) {
            b.define_role("rol_a", B("read:users"), {"rol_b"});
            b.define_role("rol_b", B("read:users"), {"rol_a"});
        },
        errc::role_cycle, row_kind::role, "rol_b");
    refused([](auto& b) { b.remove(100000); }, errc::unknown_row, row_kind::removal, "");
    refused([](auto& b) { b.remove(9); }, errc::unknown_row, row_kind::removal, ""); // a role table

    // A principal removed (it has no rows): a later row naming it is refused.
    REQUIRE(w.apply([](auto& b) { CHECK(b.remove(5) == errc::ok); }));
    CHECK(!w.current()->find_principal("user:alice").valid());
    const snap_ptr after = w.current();
    const auto r = w.apply([](auto& b) { b.grant("user:alice", "org:acme", B("read:users")); });
    CHECK(r.error.ec == errc::unknown_principal);
    CHECK(r.error.kind == row_kind::grant);
    CHECK(w.current() == after);
}

TEST_CASE("policy_writer: prepare, then commit or roll back with the database", "[engine][writer]") {
    ward::policy_writer<bb> w(many_users());
    const snap_ptr before = w.current();
    const std::size_t rows = w.rows().row_count();
    auto grant_alice = [](auto& b) { b.grant("user:alice", "org:globex", B("read:users")); };

    // Prepared: derived, but not current until commit().
    const auto p = w.prepare(grant_alice);
    REQUIRE(p);
    CHECK(w.prepared());
    CHECK(w.current() == before);
    CHECK(w.last_derivation() == derivation::incremental);
    CHECK(decide(*p.value, "user:alice", "read:users", "org:globex").allowed);
    CHECK(p.value->version() == before->version() + 1);

    // Rolled back: rows, current and version as before; the same change prepares again.
    w.rollback();
    CHECK(!w.prepared());
    CHECK(w.current() == before);
    CHECK(w.rows().row_count() == rows);
    CHECK(w.rows().version() == before->version());
    CHECK(!decide(*must_build(w.rows()), "user:alice", "read:users", "org:globex").allowed);
    w.rollback(); // nothing prepared: nothing happens
    CHECK(w.current() == before);

    // A second prepare() takes back the first: only the second change is kept by commit().
    REQUIRE(w.prepare(grant_alice));
    const auto second = w.prepare([](auto& b) { b.deny("user:alice", "org:acme", B("read:users")); });
    REQUIRE(second);
    CHECK(second.value->version() == before->version() + 1);
    w.commit();
    CHECK(!w.prepared());
    CHECK(w.current() == second.value);
    CHECK(!decide(*w.current(), "user:alice", "read:users", "org:globex").allowed);
    CHECK(!decide(*w.current(), "user:alice", "read:users", "org:acme").allowed);
    CHECK(w.rows().row_count() == rows + 1);
    w.commit(); // nothing prepared: nothing happens
    CHECK(w.current() == second.value);

    // A refused prepare leaves nothing prepared.
    const auto refused = w.prepare([](auto& b) { b.bind("user:alice", "org:acme", {"no-such-role"}); });
    CHECK(!refused);
    CHECK(refused.error.ec == errc::unknown_role);
    CHECK(!w.prepared());
    CHECK(w.current() == second.value);
    CHECK(w.rows().row_count() == rows + 1);
}

TEST_CASE("policy_builder: remove and rollback without a writer", "[engine][writer]") {
    ward::policy_builder<bb> b;
    base_rows(b);
    const std::size_t bind_row = b.bind("user:alice", "org:acme", {"admin"});
    CHECK(b.remove(bind_row) == errc::ok);
    CHECK(b.remove(bind_row) == errc::unknown_row); // removed already: an error of the rows
    CHECK(must_fail(b).ec == errc::unknown_row);

    ward::policy_builder<bb> c;
    base_rows(c);
    c.begin_change();
    c.add_principal("user:new");
    c.bind("user:new", "org:acme", {"viewer"});
    CHECK(c.remove(5) == errc::ok);
    const auto changed = must_build(c);
    CHECK(changed->find_principal("user:new").valid());
    CHECK(!changed->find_principal("user:alice").valid());
    c.rollback_change();
    const auto s = must_build(c);
    CHECK(s->find_principal("user:alice").valid());
    CHECK(!s->find_principal("user:new").valid());
    CHECK(c.row_count() == 10);
    // The ids the change interned are gone: defining them again is no duplicate.
    c.add_principal("user:new");
    CHECK(must_build(c)->find_principal("user:new").valid());

    // A begin_change inside an open change joins it: one rollback takes back both parts.
    c.begin_change();
    c.add_principal("user:first");
    c.begin_change();
    c.add_principal("user:second");
    c.rollback_change();
    const auto after = must_build(c);
    CHECK(!after->find_principal("user:first").valid());
    CHECK(!after->find_principal("user:second").valid());
    CHECK(after->find_principal("user:new").valid());
}

TEST_CASE("policy_writer: new principals extend a small index, folded into a new base past its limit",
          "[engine][writer]") {
    ward::policy_writer<bb> w(many_users());
    constexpr std::size_t batch = 100, batches = ward::detail::shared_ids::extra_limit / batch + 2;
    for (std::size_t k = 0; k < batches; ++k) {
        REQUIRE(w.apply([&](auto& b) {
            for (std::size_t i = 0; i < batch; ++i) {
                const std::string id = "user:new" + std::to_string(k * batch + i);
                b.add_principal(id);
                b.bind(id, "org:globex", {"editor"});
            }
        }));
        CHECK(w.last_derivation() == derivation::incremental);
        const auto& s = *w.current();
        const snap_ptr full = must_build(w.rows());
        REQUIRE(s.principal_count() == full->principal_count());
        for (std::size_t i = 0; i < batch; ++i) { // the new ids, and ids of the base
            const std::string id = "user:new" + std::to_string(k * batch + i);
            CHECK(s.find_principal(id) == full->find_principal(id));
            CHECK(s.principal_id(s.find_principal(id)) == id);
            CHECK(decide(s, id, "create:blueprints", "org:globex").allowed);
        }
        CHECK(s.find_principal("user:u17") == full->find_principal("user:u17"));
        CHECK(!s.find_principal("user:never-added").valid());
    }
    CHECK(w.current()->principal_count() == 4 + user_count + batches * batch);
}
