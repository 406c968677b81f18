// SPDX-License-Identifier: MIT
// credential: bind_to, cap, cap_at and cap_wildcard; and snapshot::authenticate of token claims
// (subjects, permission claims of every form, bound scopes and Commerce Layer restrictions, via),
// where every bad claim fails closed with its position.
#include "support/engine_fixture.hpp"
#include "support/vocabularies.hpp"
#include "support/ward_catch.hpp"
#include <ward/builder.hpp>
#include <ward/claims.hpp>
#include <ward/config.hpp>
#include <ward/credential.hpp>
#include <ward/explain.hpp>
#include <ward/parse.hpp>
#include <ward/snapshot.hpp>
#include <ward/view.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

using namespace wt;
using ward::errc;
using ward::reason;

// ==== credentials ===============================================================================================

TEST_CASE("credential: bind_to, cap, cap_at and cap_wildcard", "[engine][credential]") {
    ward::policy_builder<ident> b;
    b.add_scope("platform", "platform");                     // 0
    b.add_scope("org:acme", "organization", "platform");     // 1
    b.add_scope("org:globex", "organization", "platform");   // 2
    b.add_scope("res:acme-1", "resource", "org:acme");       // 3
    b.add_scope("res:acme-2", "resource", "org:acme");       // 4
    b.add_scope("res:acme-1-sub", "resource", "res:acme-1"); // 5
    b.add_principal("user:eve");                             // 6
    b.grant("user:eve", "platform", iset::all());            // 7
    auto built = b.build();
    REQUIRE(built);
    const auto& s = *built.value;
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
        CHECK(s.check(c, I("grant_resource_authorization"), r2).allowed);                     // bit 5 in 510
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
    SECTION("several caps for one scope, or several wildcards, intersect whatever their order") {
        for (bool looser_first : {true, false}) {
            auto c = ward::credential<ident>::of(eve);
            const iset loose = I("publish subscribe"), tight = I("subscribe");
            c.cap_at(acme, looser_first ? loose : tight).cap_at(acme, looser_first ? tight : loose);
            c.cap_wildcard(looser_first ? loose : tight).cap_wildcard(looser_first ? tight : loose);
            CHECK(c.extended_count() == 1); // one entry for acme
            CHECK(s.check(c, I("subscribe"), r1).allowed);
            CHECK(s.check(c, I("publish"), r1).why == reason::not_in_token);
            CHECK(s.check(c, I("subscribe"), globex).allowed);
            CHECK(s.check(c, I("publish"), globex).why == reason::not_in_token);
        }
    }
    SECTION("a repeated cap takes no second entry, so it never runs into the limit") {
        auto c = ward::credential<ident>::of(eve);
        for (std::size_t i = 0; i < WARD_MAX_EXTENDED_CLAIMS + 5; ++i) c.cap_at(r1, I("subscribe"));
        CHECK(c.authenticated());
        CHECK(c.extended_count() == 1);
        c.cap_at(ward::scope_handle{}, I("publish")); // a resource the policy does not know: no entry
        CHECK(c.extended_count() == 1);
    }
    SECTION("extended entries combine with the ceiling") {
        auto c = ward::credential<ident>::of(eve);
        c.cap(I("publish")).cap_wildcard(I("publish subscribe"));
        CHECK(s.check(c, I("publish"), r2).allowed);
        CHECK(s.check(c, I("subscribe"), r2).why == reason::not_in_token);
    }
    SECTION("a credential for a principal writes no arrays; bound scopes and entries survive copies") {
        STATIC_REQUIRE(std::is_trivially_copyable<ward::credential<ident>>::value);
#if __cplusplus >= 202002L // C++17 cannot leave the arrays unwritten in a constant expression
        constexpr auto lit = ward::credential<ident>::of(ward::principal_handle{6}).bind_to(ward::scope_handle{1});
        STATIC_REQUIRE(lit.bound(0).value == 1);
        STATIC_REQUIRE_FALSE(lit.bound(1).valid());
#endif
        const auto plain = ward::credential<ident>::of(eve);
        CHECK(plain.bound_count() == 0);
        CHECK_FALSE(plain.bound(0).valid()); // past bound_count(): an invalid handle, never the unused storage
        CHECK_FALSE(plain.extended(0).scope.valid());
        CHECK(plain.extended(0).ceiling.none());
        auto c = plain; // bound and capped after a copy: the arrays start existing at their first use
        c.bind_to(acme).cap_at(r1, I("publish"));
        const auto copy = c;
        REQUIRE(copy.bound_count() == 1);
        CHECK(copy.bound(0) == acme);
        CHECK_FALSE(copy.bound(1).valid());
        REQUIRE(copy.extended_count() == 1);
        CHECK(copy.extended(0).scope == r1);
        CHECK(s.check(copy, ident::publish, r1).allowed);
        CHECK(s.check(copy, ident::publish, r2).why == reason::not_in_token);
        CHECK(s.check(copy, ident::publish, globex).why == reason::outside_scope);
        CHECK(s.check(plain, ident::publish, globex).allowed);
        for (std::size_t i = 0; i < WARD_MAX_BOUND_SCOPES; ++i) c.bind_to(r1sub); // one past the limit
        CHECK_FALSE(c.authenticated());
    }
}

// ==== authenticate(token_claims) =================================================================================

namespace {
struct auth_fixture {
    std::shared_ptr<const ward::snapshot<ident>> snap;
    auth_fixture() {
        ward::policy_builder<ident> b;
        b.add_scope("platform", "platform");                                          // 0
        b.add_scope("org:acme", "organization", "platform");                          // 1
        b.add_scope("org:globex", "organization", "platform");                        // 2
        b.add_scope("app:acme-cli", "application", "org:acme");                       // 3
        b.add_scope("res:acme-1", "resource", "org:acme");                            // 4
        b.add_principal("user:alice");                                                // 5
        b.add_principal("auth0|carol");                                               // 6
        b.add_principal("application:cli", ward::principal_kind::application);        // 7
        b.add_principal("organization:acme", ward::principal_kind::user);             // 8: stored with another kind
        b.grant("user:alice", "platform", iset::all());                               // 9
        b.grant("auth0|carol", "org:acme", I("authenticate read_resources publish")); // 10
        b.grant("application:cli", "org:acme", I("read_resources"));                  // 11
        b.grant("organization:acme", "org:acme", I("read_resources"));                // 12
        b.restrict_to("auth0|carol", "app:acme-cli", I("read_resources"));            // 13
        auto r = b.build();
        snap = r.value;
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
        CHECK(
            s.check(r.value,
                    I("authenticate read_resources create_resource update_resource delete_resource publish subscribe"),
                    acme)
                .allowed);
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
    SECTION("duplicate extended entries intersect, whatever their order") {
        // 0xB = authenticate read_resources update_resource; 1 = authenticate. Two entries for one
        // resource are two caps there: the tighter one must win, never the first or the last.
        const auto update = I("update_resource");
        const ward::extended_claim tight_last[] = {{"org:acme", 0xB}, {"org:acme", 1}};
        const ward::extended_claim tight_first[] = {{"org:acme", 1}, {"org:acme", 0xB}};
        const ward::extended_claim wild_tight_first[] = {{"*", 1}, {"*", 0xB}};
        const ward::extended_claim wild_tight_last[] = {{"*", 0xB}, {"*", 1}};
        for (const auto claims :
             {ward::view<ward::extended_claim>(tight_last), ward::view<ward::extended_claim>(tight_first)}) {
            c.extended = claims;
            const auto r = s.authenticate(c);
            REQUIRE(r);
            CHECK(r.value.extended_count() == 1); // folded into one entry
            const auto d = s.check(r.value, update, acme);
            CHECK(!d.allowed);
            CHECK(d.why == reason::not_in_token);
            CHECK(s.check(r.value, I("authenticate"), acme).allowed);
            CHECK(s.check(r.value, update, r1).why == reason::not_in_token); // the entry's subtree too
            CHECK(s.effective_permissions(r.value, acme).permissions == I("authenticate"));
        }
        for (const auto claims :
             {ward::view<ward::extended_claim>(wild_tight_first), ward::view<ward::extended_claim>(wild_tight_last)}) {
            c.extended = claims;
            const auto r = s.authenticate(c);
            REQUIRE(r);
            CHECK(r.value.wildcard() == I("authenticate"));
            CHECK(s.check(r.value, update, acme).why == reason::not_in_token);
            CHECK(s.check(r.value, update, globex).why == reason::not_in_token);
            CHECK(s.check(r.value, I("authenticate"), globex).allowed);
        }
    }
    SECTION("duplicate extended entries: each closed under implications, then intersected") {
        // sudo implies list_users and create_user; list_users implies nothing: the intersection of
        // the two closed caps is list_users alone.
        const ward::extended_claim ext[] = {
            {"org:acme", std::uint64_t{1} << 29}, {"res:acme-1", 1}, {"org:acme", std::uint64_t{1} << 20}, {"*", 1}};
        c.extended = ext;
        const auto r = s.authenticate(c);
        REQUIRE(r);
        CHECK(r.value.extended_count() == 2);
        CHECK(s.check(r.value, I("list_users"), acme).allowed);
        CHECK(s.check(r.value, I("create_user"), acme).why == reason::not_in_token);
        CHECK(s.check(r.value, I("sudo"), acme).why == reason::not_in_token);
        // Only entries for the same resource fold: the deeper res:acme-1 still applies there.
        CHECK(s.check(r.value, I("authenticate"), r1).allowed);
        CHECK(s.check(r.value, I("list_users"), r1).why == reason::not_in_token);
        CHECK(s.check(r.value, I("authenticate"), globex).allowed);
    }
    SECTION("duplicates fold before the entry limit counts") {
        std::vector<ward::extended_claim> same(WARD_MAX_EXTENDED_CLAIMS + 1, ward::extended_claim{"res:acme-1", 0xB});
        same.back().mask = 1;
        c.extended = ward::view<ward::extended_claim>(same.data(), same.size());
        const auto r = s.authenticate(c);
        REQUIRE(r);
        CHECK(r.value.extended_count() == 1);
        CHECK(s.check(r.value, I("update_resource"), r1).why == reason::not_in_token);
        // A bad entry after duplicates still fails closed at its index.
        same.back().mask = std::uint64_t{1} << 15;
        c.extended = ward::view<ward::extended_claim>(same.data(), same.size());
        const auto bad = s.authenticate(c);
        CHECK(bad.ec == errc::unknown_bit);
        CHECK(bad.position == same.size() - 1);
        CHECK(!bad.value.authenticated());
    }
}

TEST_CASE("authenticate: bound scopes and Commerce Layer restrictions", "[engine][authenticate]") {
    ward::policy_builder<cl> b(commerce_schema());
    b.add_scope("org:cl-store", "organization");                                                                // 0
    b.add_scope("app:storefront", "application", "org:cl-store");                                               // 1
    b.add_scope("market:id:dGjKqWzP", "market", "org:cl-store");                                                // 2
    b.add_scope("market:id:ZxYwVuTs", "market", "org:cl-store");                                                // 3
    b.add_scope("market:code:EU", "market", "org:cl-store");                                                    // 4
    b.add_principal("application:storefront-client", ward::principal_kind::application);                        // 5
    b.grant("application:storefront-client", "org:cl-store", C("orders.update skus.read"));                     // 6
    b.restrict_to("application:storefront-client", "app:storefront", C("orders.read orders.update skus.read")); // 7
    auto built = b.build();
    INFO(built.error.message());
    REQUIRE(built);
    const auto& s = *built.value;
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
