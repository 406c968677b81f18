// SPDX-License-Identifier: MIT
// The decision engine allocates nothing once a snapshot is built: checks (allowed and every denied
// path), batches, reverse queries, lookups by id, authentication of token claims, subject and
// scope-restriction parsing, and reading through ward::live.
#include "support/alloc_counter.hpp"
#include "support/vocabularies.hpp"
#include "support/ward_catch.hpp"
#include <ward/ward.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

using ident = wt::ident;
using iset = ward::permission_set<ident>;
using ward::reason;

constexpr int orgs = 100;
constexpr int users_per_org = 10;

// Ids are longer than any small-string buffer, so a hidden std::string copy would allocate.
std::string org_id(int o) { return "organization-scope:" + std::to_string(1000000 + o); }
std::string app_id(int o) { return "application-scope:" + std::to_string(1000000 + o); }
std::string res_id(int o) { return "resource-scope:database-" + std::to_string(1000000 + o); }
std::string user_id(int o, int u) {
    return "user:member-of-organization-" + std::to_string(o) + "-number-" + std::to_string(u);
}

constexpr auto roles = ward::make_roles<ident>({
    {"member", ward::permissions<ident>("authenticate read_resources subscribe")},
    {"editor", ward::permissions<ident>("create_resource update_resource delete_resource publish"), {"member"}},
    {"owner", ward::permissions<ident>("sudo grant_resource_authorization"), {"editor"}},
});

struct big_policy {
    std::shared_ptr<const ward::snapshot<ident>> snap;
    big_policy() {
        ward::policy_builder<ident> b(ward::scope_schema::standard(), 17);
        b.reserve(orgs * 3 + 1, orgs * users_per_org + 1, orgs * users_per_org);
        b.add_scope("platform-root-scope-id", "platform");
        b.add_roles(roles);
        b.define_role("rol_custom_auditor_role", "read_resources list_users", {"member"});
        b.add_principal("application:the-command-line-client", ward::principal_kind::application);
        for (int o = 0; o < orgs; ++o) {
            b.add_scope(org_id(o), "organization", "platform-root-scope-id");
            b.add_scope(app_id(o), "application", org_id(o));
            b.add_scope(res_id(o), "resource", org_id(o));
            for (int u = 0; u < users_per_org; ++u) {
                const std::string id = user_id(o, u);
                b.add_principal(id);
                const std::string_view role = u == 0  ? "owner"
                                              : u < 4 ? "editor"
                                              : u < 8 ? "member"
                                                      : "rol_custom_auditor_role";
                b.bind(id, org_id(o), {role});
            }
            b.deny(user_id(o, 1), res_id(o), iset{ident::delete_resource});
            b.restrict_to(user_id(o, 2), app_id(o), iset{ident::read_resources, ident::authenticate});
        }
        b.grant("application:the-command-line-client", "platform-root-scope-id", iset{ident::read_resources});
        b.deny_everyone(res_id(7), iset{ident::publish});
        auto r = b.build();
        snap = r.value;
    }
};

const big_policy& policy() {
    static const big_policy p;
    return p;
}

} // namespace

TEST_CASE("check allocates nothing, allowed or denied on every path", "[alloc][engine]") {
    const auto& s = *policy().snap;
    REQUIRE(policy().snap);
    const std::string owner_id = user_id(42, 0), editor_id = user_id(42, 1), restricted_id = user_id(42, 2);
    const std::string member_id = user_id(42, 5), res7 = res_id(7);
    const std::string org = org_id(42), other_org = org_id(43), app = app_id(42), res = res_id(42);
    const auto owner = ward::credential<ident>::of(s.find_principal(owner_id));
    const auto editor = ward::credential<ident>::of(s.find_principal(editor_id));
    const auto member = ward::credential<ident>::of(s.find_principal(member_id));
    auto restricted = ward::credential<ident>::of(s.find_principal(restricted_id));
    restricted.via(s.find_scope(app));
    auto bound = owner;
    bound.bind_to(s.find_scope(other_org));
    auto capped = owner;
    capped.cap(iset{ident::authenticate});
    const iset none{};
    const iset del{ident::delete_resource};
    const iset pub{ident::publish};

    std::array<ward::decision<ident>, 11> d{};
    const std::size_t n = wt::allocations_during([&] {
        d[0] = s.check(owner, iset{ident::list_users, ident::delete_user}, s.find_scope(org));
        d[1] = s.check(ward::credential<ident>{}, del, s.find_scope(org));
        d[2] = s.check(owner, none, s.find_scope(org));
        d[3] = s.check(ward::credential<ident>::of(ward::principal_handle{}), del, s.find_scope(org));
        d[4] = s.check(owner, del, s.find_scope("organization-scope:does-not-exist"));
        d[5] = s.check(bound, del, s.find_scope(org));
        d[6] = s.check(member, del, s.find_scope(org));
        d[7] = s.check(editor, del, s.find_scope(res));
        d[8] = s.check(capped, del, s.find_scope(org));
        d[9] = s.check(restricted, del, s.find_scope(org));
        d[10] = s.check(owner, pub, std::string_view(res7));
    });
    CHECK(n == 0);
    CHECK(d[0].why == reason::granted);
    CHECK(d[1].why == reason::unauthenticated);
    CHECK(d[2].why == reason::invalid_request);
    CHECK(d[3].why == reason::unknown_principal);
    CHECK(d[4].why == reason::unknown_scope);
    CHECK(d[5].why == reason::outside_scope);
    CHECK(d[6].why == reason::missing_permission);
    CHECK(d[7].why == reason::explicitly_denied);
    CHECK(d[8].why == reason::not_in_token);
    CHECK(d[9].why == reason::restricted_by_application);
    CHECK(d[10].why == reason::explicitly_denied); // nothing held in org 7, and publish is denied to everyone there
    for (const auto& x : d) CHECK(x.version == 17);
}

TEST_CASE("deny for everyone and extended caps allocate nothing", "[alloc][engine]") {
    const auto& s = *policy().snap;
    const std::string owner7 = user_id(7, 0);
    const std::string res7 = res_id(7), org7 = org_id(7);
    auto owner = ward::credential<ident>::of(s.find_principal(owner7));
    owner.cap_at(s.find_scope(res7), iset{ident::publish, ident::subscribe}).cap_wildcard(iset{ident::authenticate});
    ward::decision<ident> a, b, c;
    const std::size_t n = wt::allocations_during([&] {
        a = s.check(owner, iset{ident::publish}, s.find_scope(res7));
        b = s.check(owner, iset{ident::subscribe}, s.find_scope(res7));
        c = s.check(owner, iset{ident::subscribe}, s.find_scope(org7));
    });
    CHECK(n == 0);
    CHECK(a.why == reason::explicitly_denied);
    CHECK(b.why == reason::granted);
    CHECK(c.why == reason::not_in_token);
}

TEST_CASE("batch check into a caller array allocates nothing", "[alloc][engine]") {
    const auto& s = *policy().snap;
    const auto cred = ward::credential<ident>::of(s.find_principal(user_id(9, 1)));
    const std::string org = org_id(9), res = res_id(9), app = app_id(9), other = org_id(10);
    const ward::request<ident> reqs[] = {
        {iset{ident::publish}, s.find_scope(org)},
        {iset{ident::delete_resource}, s.find_scope(res)},
        {iset{ident::read_resources}, s.find_scope(app)},
        {iset{ident::read_resources}, s.find_scope(other)},
        {iset{}, s.find_scope(org)},
    };
    std::array<ward::decision<ident>, 5> out{};
    CHECK(wt::allocations_during([&] { s.check(cred, ward::view<ward::request<ident>>(reqs), out.data()); }) == 0);
    CHECK(out[0].allowed);
    CHECK(out[1].why == reason::explicitly_denied);
    CHECK(out[2].allowed);
    CHECK(out[3].why == reason::missing_permission);
    CHECK(out[4].why == reason::invalid_request);

    // Independent requests, each with its own credential (the throughput mode).
    const auto other_cred = ward::credential<ident>::of(s.find_principal(user_id(10, 0)));
    const ward::batch_request<ident> many[] = {
        {&cred, iset{ident::publish}, s.find_scope(org)},
        {&other_cred, iset{ident::publish}, s.find_scope(org)},
        {&other_cred, iset{ident::publish}, s.find_scope(other)},
        {nullptr, iset{ident::publish}, s.find_scope(org)},
    };
    std::array<ward::decision<ident>, 4> each{};
    CHECK(wt::allocations_during([&] { s.check(ward::view<ward::batch_request<ident>>(many), each.data()); }) == 0);
    CHECK(each[0].allowed);
    CHECK(each[1].why == reason::missing_permission);
    CHECK(each[2].allowed);
    CHECK(each[3].why == reason::unauthenticated);
}

TEST_CASE("reverse queries allocate nothing", "[alloc][engine]") {
    const auto& s = *policy().snap;
    const std::string owner_id = user_id(3, 0), org = org_id(3);
    const auto cred = ward::credential<ident>::of(s.find_principal(owner_id));
    ward::effective_result<ident> eff;
    iset granted;
    std::array<ward::principal_handle, 4> small{};
    std::array<ward::principal_handle, 64> big{};
    std::size_t total_small = 0, total_big = 0;
    std::array<char, 512> buf{};
    ward::format_result fr;
    const std::size_t n = wt::allocations_during([&] {
        eff = s.effective_permissions(cred, s.find_scope(org));
        granted = s.grantable(cred.principal(), s.find_scope(org), iset{ident::sudo, ident::publish});
        total_small = s.principals_with(iset{ident::read_resources}, s.find_scope(org), small.data(), small.size());
        total_big = s.principals_with(iset{ident::read_resources}, s.find_scope(org), big.data(), big.size());
        fr = ward::format_to(buf.data(), buf.data() + buf.size(), eff.permissions);
    });
    CHECK(n == 0);
    CHECK(eff.why == reason::granted);
    CHECK(eff.permissions.contains(ident::delete_user));
    CHECK(granted == iset{ident::sudo, ident::publish});
    // 10 members of org 3 (including the restricted one: principals_with ignores restrictions) and
    // the command-line client granted at the platform.
    CHECK(total_small == users_per_org + 1);
    CHECK(total_big == total_small);
    CHECK(small[0] == big[0]);
    REQUIRE(fr);
    CHECK(std::string_view(buf.data(), static_cast<std::size_t>(fr.ptr - buf.data())) ==
          ward::to_string(eff.permissions));
}

TEST_CASE("roles_at and effective_permissions by id allocate nothing", "[alloc][engine]") {
    const auto& s = *policy().snap;
    const std::string auditor = user_id(5, 9), owner = user_id(5, 0), org = org_id(5), res = res_id(5);
    const auto cred = ward::credential<ident>::of(s.find_principal(owner));
    std::array<ward::role_membership, 8> out{};
    std::array<ward::role_membership, 1> one{};
    ward::roles_result a, b, c, d;
    ward::effective_result<ident> eff, miss;
    const std::size_t n = wt::allocations_during([&] {
        a = s.roles_at(auditor, res, out.data(), out.size());
        b = s.roles_at(s.find_principal(auditor), s.find_scope(org), one.data(), one.size());
        c = s.roles_at("user:member-of-no-organization-at-all", org, out.data(), out.size());
        d = s.roles_at(owner, "resource-scope:database-that-is-not-there", out.data(), out.size());
        eff = s.effective_permissions(cred, org);
        miss = s.effective_permissions(cred, "organization-scope:that-is-not-there");
    });
    CHECK(n == 0);
    REQUIRE(a);
    CHECK(a.count == 2); // rol_custom_auditor_role bound at the organization, and its parent member
    CHECK(out[0].role == "rol_custom_auditor_role");
    CHECK(out[0].origin == ward::role_origin::bound_above);
    CHECK(out[1].role == "member");
    CHECK(out[1].origin == ward::role_origin::inherited);
    CHECK(b.count == 2);
    CHECK(one[0].origin == ward::role_origin::bound_here);
    CHECK(c.why == reason::unknown_principal);
    CHECK(d.why == reason::unknown_scope);
    CHECK(eff.permissions.contains(ident::sudo));
    CHECK(miss.why == reason::unknown_scope);
}

TEST_CASE("lookups by string id allocate nothing", "[alloc][engine]") {
    const auto& s = *policy().snap;
    const std::string sid = res_id(99), pid = user_id(99, 9);
    ward::scope_handle a, miss;
    ward::principal_handle p, pmiss;
    ward::lookup_result<iset> r1, r2, r3;
    bool inside = false;
    const std::size_t n = wt::allocations_during([&] {
        a = s.find_scope(sid);
        miss = s.find_scope("resource-scope:database-that-is-not-there");
        p = s.find_principal(pid);
        pmiss = s.find_principal("user:member-of-no-organization-at-all");
        r1 = s.role_permissions("owner");
        r2 = s.role_permissions("rol_custom_auditor_role");
        r3 = s.role_permissions("rol_a_role_that_does_not_exist");
        inside = s.encloses(s.find_scope("platform-root-scope-id"), a);
    });
    CHECK(n == 0);
    CHECK(a.valid());
    CHECK(!miss.valid());
    CHECK(p.valid());
    CHECK(!pmiss.valid());
    CHECK(r1.value.contains(ident::delete_user));
    CHECK(r2.value.contains(ident::list_users));
    CHECK(r3.value.none());
    CHECK(r3.ec == ward::errc::unknown_role);
    CHECK(inside);
}

TEST_CASE("authenticate allocates nothing, for every claim, on success and failure", "[alloc][engine]") {
    const auto& s = *policy().snap;
    const std::string subject = user_id(5, 2);
    const std::string org = org_id(5), app = app_id(5), res = res_id(5), other_res = res_id(6);
    const std::string bound = org + " " + res;
    const std::string_view names[] = {"authenticate", "read_resources", "publish"};
    const std::string_view bad_names[] = {"authenticate", "fly"};
    const ward::extended_claim ext[] = {{res, 415}, {"*", 510}};
    const ward::extended_claim bad_ext[] = {{res, 1u << 14}};
    const std::string overlong(300, 'a');

    std::array<ward::credential_result<ident>, 14> r{};
    const std::size_t n = wt::allocations_during([&] {
        ward::token_claims c;
        c.subject = subject;
        r[0] = s.authenticate(c);
        c.has_permission_mask = true;
        c.permission_mask = 415;
        r[1] = s.authenticate(c);
        c.has_permission_names = true;
        c.permission_names = names;
        r[2] = s.authenticate(c);
        c.has_scope = true;
        c.scope = "authenticate read_resources";
        r[3] = s.authenticate(c);
        c.extended = ext;
        c.bound_scopes = bound;
        c.via = app;
        r[4] = s.authenticate(c);

        ward::token_claims f;
        f.subject = "user:member-of-nowhere-at-all-ever";
        r[5] = s.authenticate(f); // unknown principal: ok, checks answer unknown_principal
        f.subject = "robot:member-of-organization-5";
        r[6] = s.authenticate(f);
        f.subject = overlong;
        r[7] = s.authenticate(f);
        f.subject = subject;
        f.has_permission_mask = true;
        f.permission_mask = 1u << 14;
        r[8] = s.authenticate(f);
        f.has_permission_mask = false;
        f.has_permission_names = true;
        f.permission_names = bad_names;
        r[9] = s.authenticate(f);
        f.has_permission_names = false;
        f.has_scope = true;
        f.scope = "authenticate  read_resources";
        r[10] = s.authenticate(f);
        f.has_scope = false;
        f.extended = bad_ext;
        r[11] = s.authenticate(f);
        f.extended = {};
        f.bound_scopes = "market:name:organization-scope-1000005";
        f.scope_restrictions = true;
        r[12] = s.authenticate(f);
        f.bound_scopes = {};
        f.via = "application scope with spaces";
        r[13] = s.authenticate(f);
    });
    CHECK(n == 0);
    for (std::size_t i = 0; i <= 5; ++i) {
        INFO(i);
        CHECK(r[i]);
    }
    for (std::size_t i = 6; i < r.size(); ++i) {
        INFO(i);
        CHECK(!r[i]);
        CHECK(!r[i].value.authenticated());
    }
    CHECK(r[6].failed == ward::claim::subject);
    CHECK(r[7].failed == ward::claim::subject);
    CHECK(r[8].failed == ward::claim::permission_mask);
    CHECK(r[9].failed == ward::claim::permission_names);
    CHECK(r[10].failed == ward::claim::scope);
    CHECK(r[11].failed == ward::claim::extended);
    CHECK(r[12].failed == ward::claim::bound_scopes);
    CHECK(r[13].failed == ward::claim::via);

    // The credentials decide, still without allocating.
    std::array<ward::decision<ident>, 3> d{};
    CHECK(wt::allocations_during([&] {
              d[0] = s.check(r[4].value, iset{ident::authenticate, ident::read_resources}, s.find_scope(res));
              d[1] = s.check(r[4].value, iset{ident::read_resources}, s.find_scope(other_res));
              d[2] = s.check(r[5].value, iset{ident::read_resources}, s.find_scope(org));
          }) == 0);
    CHECK(d[0].allowed);
    CHECK(d[1].why == reason::outside_scope);
    CHECK(d[2].why == reason::unknown_principal);
}

TEST_CASE("a lenient authenticate over std::string names allocates nothing", "[alloc][engine]") {
    const auto& s = *policy().snap;
    const std::string subject = user_id(5, 2);
    const std::vector<std::string> names{"authenticate", "fly", "read_resources", "swim"};
    std::vector<std::string> too_many;
    for (std::size_t bytes = 0; bytes <= WARD_MAX_INPUT_LENGTH; bytes += 13) too_many.emplace_back("authenticate");
    ward::credential_result<ident> ok, long_claim;
    const std::size_t n = wt::allocations_during([&] {
        ward::token_claims c;
        c.subject = subject;
        c.names_mode = ward::parse_mode::lenient;
        c.has_permission_names = true;
        c.permission_names = names;
        c.has_scope = true;
        c.scope = "authenticate openid";
        ok = s.authenticate(c);
        c.permission_names = too_many;
        long_claim = s.authenticate(c);
    });
    CHECK(n == 0);
    REQUIRE(ok);
    CHECK(ok.skipped == 3);
    CHECK(long_claim.ec == ward::errc::input_too_long);
    CHECK(long_claim.skipped == 0);
}

TEST_CASE("parse_subject and parse_scope_restriction allocate nothing", "[alloc][engine]") {
    const std::string long_subject = "user:" + std::string(200, 'x');
    const std::string long_restriction = "market:id:" + std::string(200, 'y');
    std::array<ward::parse_result<ward::subject>, 5> sub{};
    std::array<ward::parse_result<ward::scope_restriction>, 4> res{};
    const std::size_t n = wt::allocations_during([&] {
        sub[0] = ward::parse_subject(long_subject);
        sub[1] = ward::parse_subject("google-oauth2|109876543210987654321");
        sub[2] = ward::parse_subject("robot:member-of-organization");
        sub[3] = ward::parse_subject(std::string_view("user:member\0of-organization", 27));
        sub[4] = ward::parse_subject("no-separator-in-this-subject-at-all");
        res[0] = ward::parse_scope_restriction(long_restriction);
        res[1] = ward::parse_scope_restriction("stock_location:code:warehouse-eu-west-1");
        res[2] = ward::parse_scope_restriction("market:name:something-long-enough");
        res[3] = ward::parse_scope_restriction("market:id:");
    });
    CHECK(n == 0);
    CHECK(sub[0]);
    CHECK(sub[1]);
    CHECK(sub[2].ec == ward::errc::unknown_kind);
    CHECK(sub[3].ec == ward::errc::invalid_character);
    CHECK(sub[4].ec == ward::errc::malformed);
    CHECK(res[0]);
    CHECK(res[1]);
    CHECK(res[2].ec == ward::errc::unknown_kind);
    CHECK(res[3].ec == ward::errc::malformed);
}

TEST_CASE("live::read and a check through the guard allocate nothing", "[alloc][engine][live]") {
    ward::live<ident> current(policy().snap);
    const std::string owner_id = user_id(11, 0), org = org_id(11);
    ward::decision<ident> d;
    std::uint64_t version = 0;
    const std::size_t n = wt::allocations_during([&] {
        for (int i = 0; i < 100; ++i) {
            const auto g = current.read();
            d = g->check(ward::credential<ident>::of(g->find_principal(owner_id)), iset{ident::publish},
                         g->find_scope(org));
        }
        version = current.version();
    });
    CHECK(n == 0);
    CHECK(d.allowed);
    CHECK(version == 17);
}

TEST_CASE("decisions on a snapshot policy_writer derived allocate nothing, holes included", "[alloc][engine][writer]") {
    // The same rows as policy(), then changes: a new member, a removed principal and scope (holes).
    ward::policy_builder<ident> b(ward::scope_schema::standard(), 17);
    b.add_scope("platform-root-scope-id", "platform");
    b.add_roles(roles);
    for (int o = 0; o < orgs; ++o) {
        b.add_scope(org_id(o), "organization", "platform-root-scope-id");
        for (int u = 0; u < users_per_org; ++u) {
            b.add_principal(user_id(o, u));
            b.bind(user_id(o, u), org_id(o), {u == 0 ? "owner" : "member"});
        }
    }
    ward::policy_writer<ident> w(std::move(b));
    REQUIRE(w.current());
    std::size_t temp_scope = 0, temp_user = 0;
    REQUIRE(w.apply([&](auto& rows) {
        temp_scope = rows.add_scope("resource-scope:temporary-one", "resource", org_id(3));
        temp_user = rows.add_principal("user:temporary-principal-with-a-long-id");
        rows.add_principal("user:newly-invited-member-of-organization-3");
        rows.bind("user:newly-invited-member-of-organization-3", org_id(3), {"editor"});
    }));
    REQUIRE(w.apply([&](auto& rows) {
        rows.remove(temp_scope);
        rows.remove(temp_user);
    }));
    REQUIRE(w.last_derivation() == ward::derivation::incremental);
    const auto& s = *w.current();
    const std::string invited = "user:newly-invited-member-of-organization-3", org3 = org_id(3);
    const std::string gone_user = "user:temporary-principal-with-a-long-id",
                      gone_scope = "resource-scope:temporary-one";
    const std::string member = user_id(3, 1);
    const iset upd{ident::update_resource};
    std::array<ward::decision<ident>, 4> d{};
    const std::size_t n = wt::allocations_during([&] {
        d[0] = s.check(ward::credential<ident>::of(s.find_principal(invited)), upd, s.find_scope(org3));
        d[1] = s.check(ward::credential<ident>::of(s.find_principal(gone_user)), upd, s.find_scope(org3));
        d[2] = s.check(ward::credential<ident>::of(s.find_principal(invited)), upd, s.find_scope(gone_scope));
        d[3] = s.check(ward::credential<ident>::of(s.find_principal(member)), upd, s.find_scope(org3));
    });
    CHECK(n == 0);
    CHECK(d[0].why == reason::granted);
    CHECK(d[1].why == reason::unknown_principal);
    CHECK(d[2].why == reason::unknown_scope);
    CHECK(d[3].why == reason::missing_permission);
}
