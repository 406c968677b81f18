// SPDX-License-Identifier: MIT
// Property tests of the decision engine (policy_builder, snapshot::check, effective_permissions)
// against a deliberately naive reference model (model.hpp), which shares no code with the engine.
//
// Random policies and requests (generators.hpp) come from a splitmix64 seed. The seed is printed
// with INFO and can be set with WARD_PROPERTY_SEED in the environment; on a mismatch the policy
// rows and the request are printed (harness.hpp) so the case can be reproduced.
#include "property/generators.hpp"
#include "property/harness.hpp"
#include "property/model.hpp"
#include "support/splitmix64.hpp"
#include "support/vocabularies.hpp"
#include "support/ward_catch.hpp"
#include <ward/builder.hpp>
#include <ward/credential.hpp>
#include <ward/decision.hpp>
#include <ward/permission_set.hpp>
#include <ward/snapshot.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

using namespace wt::property;
using wt::property_seed;
using wt::splitmix64;

namespace {

/// Generates policy i < `policies` of the stream `salt` with `o`, builds it in row order and calls
/// `f(pol, engine, r)`, r being the random stream of that policy's requests. Stops at the first
/// policy that does not build (build_engine has reported it) and returns false then.
template <class P, class F>
bool for_each_policy(std::uint64_t salt, std::size_t policies, const gen_options& o, F&& f) {
    for (std::size_t i = 0; i < policies; ++i) {
        const policy_desc pol = gen_policy<P>(derive(salt, i), o);
        const engine<P> e = build_engine<P>(pol, natural_order(pol));
        if (!e.snap) return false;
        splitmix64 r{derive(salt + 1, i)};
        f(pol, e, r);
    }
    return true;
}

template <class P>
std::size_t run_model_comparison(std::uint64_t salt, std::size_t policies, std::size_t requests) {
    INFO("WARD_PROPERTY_SEED=" << property_seed() << " vocabulary " << model_vocab<P>::name);
    tally t;
    std::size_t allowed = 0, checks = 0;
    std::vector<std::size_t> reasons(ward::reason_count, 0);
    for (std::size_t i = 0; i < policies; ++i) {
        const policy_desc pol = gen_policy<P>(derive(salt, i), gen_options{});
        const engine<P> e = build_engine<P>(pol, natural_order(pol));
        if (!e.snap) {
            ++t.mismatches;
            continue;
        }
        const model<P> m(pol);
        splitmix64 r{derive(salt + 1, i)};
        for (std::size_t k = 0; k < requests; ++k) {
            const request_desc q = gen_request<P>(r, pol, req_options{});
            const answer a = compare_with_model(e, m, pol, q, t);
            ++checks;
            allowed += a.allowed ? 1 : 0;
            ++reasons[static_cast<std::size_t>(a.why)];
        }
    }
    CHECK(t.mismatches == 0);
    // The generator must reach every reason and allow a fair share, or the comparison proves little.
    INFO("allowed " << allowed << " of " << checks);
    CHECK(allowed * 20 > checks);
    for (std::size_t k = 0; k < ward::reason_count; ++k) {
        INFO("reason " << ward::to_string(static_cast<ward::reason>(k)) << " seen " << reasons[k] << " times");
        CHECK(reasons[k] * 500 > checks);
    }
    return checks;
}

} // namespace

// ==== the model's vocabulary tables match the vocabularies ===========================================

TEST_CASE("engine property: the model's vocabularies and implications match the test vocabularies",
          "[engine][property]") {
    auto verify = [](auto tag) {
        using P = decltype(tag);
        CHECK(vm<P>::from_engine(ward::permission_set<P>::all()) == vm<P>::all());
        CHECK(vm<P>::to_engine(vm<P>::all()) == ward::permission_set<P>::all());
        for (std::size_t i : vm<P>::defined()) {
            INFO(model_vocab<P>::name << " bit " << i);
            CHECK(vm<P>::from_engine(vm<P>::to_engine(bits{i}).implied()) == vm<P>::closure(bits{i}));
        }
    };
    verify(wt::ident{});
    verify(wt::bb{});
    verify(wt::v200{});
    // The model's copy of the compile-time table names the same roles.
    const auto roles = table_for<wt::ident>::model();
    REQUIRE(roles.size() == ident_table.size());
    for (std::size_t i = 0; i < ident_table.size(); ++i) {
        INFO(ident_table.name(i));
        CHECK(ident_table.name(i) == roles[i].id);
    }
}

// ==== the engine against the model ===================================================================

TEST_CASE("engine property: check and effective_permissions agree with a naive model (ident)", "[engine][property]") {
    CHECK(run_model_comparison<wt::ident>(101, 900, 50) == 45000);
}

TEST_CASE("engine property: check and effective_permissions agree with a naive model (bb)", "[engine][property]") {
    CHECK(run_model_comparison<wt::bb>(202, 600, 50) == 30000);
}

TEST_CASE("engine property: check and effective_permissions agree with a naive model (v200, implication cycle)",
          "[engine][property]") {
    CHECK(run_model_comparison<wt::v200>(303, 600, 50) == 30000);
}

// ==== guarantees, each on its own =====================================================================

namespace {

template <class P>
void default_deny(std::uint64_t salt, std::size_t policies, std::size_t requests) {
    INFO("WARD_PROPERTY_SEED=" << property_seed() << " vocabulary " << model_vocab<P>::name);
    gen_options o;
    o.grants = false; // rows that can never grant: denies and restrictions only (or no rows at all)
    tally t;
    const bool built =
        for_each_policy<P>(salt, policies, o, [&](const policy_desc& pol, const engine<P>& e, splitmix64& r) {
            for (std::size_t k = 0; k < requests; ++k) {
                const request_desc q = gen_request<P>(r, pol, req_options{});
                const ward::decision<P> d = e.check(q);
                const ward::effective_result<P> ef = e.effective(q);
                ++t.comparisons;
                if (d.allowed || ef.permissions.any() || d.missing != vm<P>::to_engine(q.required))
                    t.template fail<P>("a policy without grants allowed something", pol, q, describe(d),
                                       "denied, missing everything required, nothing effective");
            }
        });
    if (!built) return;
    CHECK(t.mismatches == 0);
    CHECK(t.comparisons == policies * requests);
}

} // namespace

TEST_CASE("engine property: default deny (a policy without grants denies everything)", "[engine][property]") {
    default_deny<wt::ident>(404, 200, 25);
    default_deny<wt::v200>(405, 100, 25);
    // The emptiest policy of all: one scope, one principal, no rows.
    ward::policy_builder<wt::bb> b;
    b.add_scope("platform", "platform");
    b.add_principal("user:u");
    const auto built = b.build();
    REQUIRE(built);
    const auto cred = ward::credential<wt::bb>::of(built.value->find_principal("user:u"));
    for (std::size_t i = 0; i < 20; ++i) {
        const ward::permission_set<wt::bb> one(ward::vocabulary<wt::bb>::from_index(i));
        const auto d = built.value->check(cred, one, built.value->find_scope("platform"));
        CHECK_FALSE(d.allowed);
        CHECK(d.why == ward::reason::missing_permission);
        CHECK(d.missing == one);
    }
    CHECK(built.value->check(cred, ward::permission_set<wt::bb>::all(), built.value->find_scope("platform")).why ==
          ward::reason::missing_permission);
}

namespace {

template <class P>
void deny_wins(std::uint64_t salt, std::size_t policies, std::size_t picks) {
    INFO("WARD_PROPERTY_SEED=" << property_seed() << " vocabulary " << model_vocab<P>::name);
    tally t;
    for (std::size_t i = 0; i < policies; ++i) {
        splitmix64 r{derive(salt + 1, i)};
        policy_desc pol = gen_policy<P>(derive(salt, i), gen_options{});
        std::vector<pick> chosen;
        for (std::size_t k = 0; k < picks; ++k) {
            const pick c = random_pick(r, pol);
            chosen.push_back(c);
            // A grant at the target before the deny, a deny somewhere on the path, and a grant at the
            // root of the path after it: the deny must win whatever the order.
            row_desc g;
            g.type = row_type::grant;
            g.principal = c.principal;
            g.scope = c.target;
            g.perms = {c.perm};
            pol.rows.insert(pol.rows.begin() + static_cast<std::ptrdiff_t>(r.below(pol.rows.size() + 1)), g);
            row_desc dn;
            dn.type = r.chance(30) ? row_type::deny_everyone : row_type::deny;
            dn.principal = dn.type == row_type::deny ? c.principal : npos;
            dn.scope = random_ancestor(r, pol, c.target);
            dn.perms = {c.perm};
            pol.rows.insert(pol.rows.begin() + static_cast<std::ptrdiff_t>(r.below(pol.rows.size() + 1)), dn);
            g.scope = random_ancestor(r, pol, c.target);
            pol.rows.push_back(g);
        }
        const engine<P> e = build_engine<P>(pol, natural_order(pol));
        if (!e.snap) return;
        for (const pick& c : chosen) {
            request_desc q;
            q.principal.idx = c.principal;
            q.target.idx = c.target;
            q.required = {c.perm};
            if (r.chance(50)) q.required.insert(pol.pool[r.below(pol.pool.size())]);
            if (r.chance(30)) q.caps.push_back(vm<P>::all());
            if (r.chance(30) && !pol.applications.empty()) {
                q.has_via = true;
                q.via.idx = pol.applications[r.below(pol.applications.size())];
            }
            const ward::decision<P> d = e.check(q);
            ++t.comparisons;
            if (d.allowed || d.why != ward::reason::explicitly_denied ||
                !d.missing.contains(ward::vocabulary<P>::from_index(c.perm)) ||
                e.effective(q).permissions.contains(ward::vocabulary<P>::from_index(c.perm)))
                t.template fail<P>("a deny on the path did not win", pol, q, describe(d), "denied, explicitly denied");
        }
    }
    CHECK(t.mismatches == 0);
    CHECK(t.comparisons == policies * picks);
}

} // namespace

TEST_CASE("engine property: any deny on the path wins", "[engine][property]") {
    deny_wins<wt::ident>(505, 300, 4);
    deny_wins<wt::bb>(506, 200, 4);
}

namespace {

template <class P>
void allow_needs_grant(std::uint64_t salt, std::size_t policies) {
    INFO("WARD_PROPERTY_SEED=" << property_seed() << " vocabulary " << model_vocab<P>::name);
    tally t;
    std::size_t probed = 0;
    for (std::size_t i = 0; i < policies; ++i) {
        const policy_desc pol = gen_policy<P>(derive(salt, i), gen_options{});
        const engine<P> e = build_engine<P>(pol, natural_order(pol));
        if (!e.snap) return;
        const model<P> m(pol);
        splitmix64 r{derive(salt + 1, i)};
        // The first allowed request of this policy.
        for (std::size_t k = 0; k < 60; ++k) {
            const request_desc q = gen_request<P>(r, pol, req_options{});
            if (!e.check(q).allowed) continue;
            ++probed;
            // Without the principal's grants and bindings on the path, it is denied ...
            policy_desc on = pol, off = pol;
            on.rows.clear();
            off.rows.clear();
            for (const row_desc& w : pol.rows) {
                const bool giving =
                    (w.type == row_type::grant || w.type == row_type::binding) && w.principal == q.principal.idx;
                const bool on_path = m.covers(w.scope, q.target.idx);
                if (!(giving && on_path)) on.rows.push_back(w);
                if (!(giving && !on_path)) off.rows.push_back(w);
            }
            const engine<P> e_on = build_engine<P>(on, natural_order(on));
            const engine<P> e_off = build_engine<P>(off, natural_order(off));
            if (!e_on.snap || !e_off.snap) return;
            const ward::decision<P> d_on = e_on.check(q), d_off = e_off.check(q);
            t.comparisons += 2;
            if (d_on.allowed ||
                (d_on.why != ward::reason::missing_permission && d_on.why != ward::reason::explicitly_denied))
                t.template fail<P>("allowed without a grant on the path", on, q, describe(d_on),
                                   "denied, missing permission");
            // ... and without those elsewhere, it is still allowed.
            if (!d_off.allowed) t.template fail<P>("a grant off the path mattered", off, q, describe(d_off), "allowed");
            break;
        }
    }
    CHECK(t.mismatches == 0);
    INFO("probed " << probed << " allowed requests");
    CHECK(probed * 2 > policies);
}

} // namespace

TEST_CASE("engine property: an allow needs a grant on the path", "[engine][property]") {
    allow_needs_grant<wt::ident>(606, 300);
    allow_needs_grant<wt::v200>(607, 150);
}

namespace {

template <class P>
void no_flow_up_or_sideways(std::uint64_t salt, std::size_t policies) {
    INFO("WARD_PROPERTY_SEED=" << property_seed() << " vocabulary " << model_vocab<P>::name);
    tally t;
    std::size_t outside = 0;
    for (std::size_t i = 0; i < policies; ++i) {
        splitmix64 r{derive(salt + 1, i)};
        policy_desc pol = gen_policy<P>(derive(salt, i), gen_options{});
        // The principal under test gets exactly one grant (or one binding) at scope s; the other
        // principals' rows stay as noise.
        const std::size_t p = r.below(pol.principals.size());
        std::vector<row_desc> rows;
        for (const row_desc& w : pol.rows)
            if (w.principal != p && w.type != row_type::deny_everyone) rows.push_back(w);
        pol.rows = rows;
        const std::size_t s = r.below(pol.scopes.size());
        row_desc g;
        g.principal = p;
        g.scope = s;
        if (!pol.roles.empty() && r.chance(40)) {
            g.type = row_type::binding;
            g.roles.push_back(r.below(pol.roles.size()));
        } else {
            g.type = row_type::grant;
            g.perms = random_perms<P>(r, pol, 3, 0);
        }
        pol.rows.insert(pol.rows.begin() + static_cast<std::ptrdiff_t>(r.below(pol.rows.size() + 1)), g);
        const engine<P> e = build_engine<P>(pol, natural_order(pol));
        if (!e.snap) return;
        const model<P> m(pol);
        for (std::size_t target = 0; target < pol.scopes.size(); ++target) {
            request_desc q;
            q.principal.idx = p;
            q.target.idx = target;
            const ward::effective_result<P> ef = e.effective(q);
            ++t.comparisons;
            const bool below = m.covers(s, target);
            outside += below ? 0 : 1;
            // Above s, beside it or in another tree: nothing at all. At s and below: everything given.
            if (!below && ef.permissions.any())
                t.template fail<P>("a grant flowed up or sideways", pol, q,
                                   vm<P>::names(vm<P>::from_engine(ef.permissions)), "{}");
            if (below && ef.permissions != e.effective([&] {
                                                request_desc at = q;
                                                at.target.idx = s;
                                                return at;
                                            }())
                                               .permissions)
                t.template fail<P>("a grant did not flow down unchanged", pol, q,
                                   vm<P>::names(vm<P>::from_engine(ef.permissions)),
                                   "the permissions held at the granting scope");
            for (std::size_t x : vm<P>::from_engine(ef.permissions)) {
                q.required = {x};
                ++t.comparisons;
                if (!e.check(q).allowed)
                    t.template fail<P>("an effective permission was not allowed", pol, q, "denied", "allowed");
            }
        }
        // The parent and the siblings of s, explicitly.
        const std::size_t par = pol.scopes[s].parent;
        for (std::size_t k = 0; k < pol.scopes.size(); ++k) {
            if (k != par && (k == s || pol.scopes[k].parent != par)) continue;
            request_desc q;
            q.principal.idx = p;
            q.target.idx = k;
            for (std::size_t x : vm<P>::all()) {
                q.required = {x};
                ++t.comparisons;
                if (e.check(q).allowed)
                    t.template fail<P>("allowed at the parent or a sibling of the grant", pol, q, "allowed", "denied");
            }
        }
    }
    CHECK(t.mismatches == 0);
    CHECK(outside > policies);
}

} // namespace

TEST_CASE("engine property: grants never flow up or sideways", "[engine][property]") {
    no_flow_up_or_sideways<wt::ident>(707, 200);
    no_flow_up_or_sideways<wt::bb>(708, 150);
}

namespace {

template <class P>
void ceiling_never_exceeded(std::uint64_t salt, std::size_t policies, std::size_t requests) {
    INFO("WARD_PROPERTY_SEED=" << property_seed() << " vocabulary " << model_vocab<P>::name);
    tally t;
    std::size_t allowed = 0;
    req_options ro;
    ro.cap = 100;
    ro.unauth = 0;
    ro.unknown = 0;
    const bool built = for_each_policy<P>(
        salt, policies, gen_options{}, [&](const policy_desc& pol, const engine<P>& e, splitmix64& r) {
            for (std::size_t k = 0; k < requests; ++k) {
                const request_desc q = gen_request<P>(r, pol, ro);
                const ward::credential<P> cred = e.credential(q);
                // The ceiling the credential carries is the intersection of the caps, each closed.
                bits want = vm<P>::all();
                for (const bits& c : q.caps) want = intersect(want, vm<P>::closure(c));
                const auto ceiling = cred.ceiling();
                if (vm<P>::from_engine(ceiling) != want)
                    t.template fail<P>("the ceiling is not the closed intersection of the caps", pol, q,
                                       vm<P>::names(vm<P>::from_engine(ceiling)), vm<P>::names(want));
                const ward::effective_result<P> ef = e.effective(q);
                const ward::decision<P> d = e.check(q);
                ++t.comparisons;
                allowed += d.allowed ? 1 : 0;
                if (!ceiling.contains_all(ef.permissions))
                    t.template fail<P>("effective permissions exceed the ceiling", pol, q,
                                       vm<P>::names(vm<P>::from_engine(ef.permissions)),
                                       "a subset of " + vm<P>::names(want));
                if (d.allowed && !ceiling.contains_all(vm<P>::to_engine(q.required)))
                    t.template fail<P>("allowed beyond the ceiling", pol, q, describe(d), "denied, not in token");
                // The capped credential holds exactly what the uncapped one holds, within the ceiling.
                request_desc uncapped = q;
                uncapped.caps.clear();
                const ward::effective_result<P> eu = e.effective(uncapped);
                if (ef.permissions != (eu.permissions & ceiling))
                    t.template fail<P>("a ceiling did more than intersect", pol, q,
                                       vm<P>::names(vm<P>::from_engine(ef.permissions)),
                                       vm<P>::names(vm<P>::from_engine(eu.permissions & ceiling)));
            }
        });
    if (!built) return;
    CHECK(t.mismatches == 0);
    CHECK(allowed > 0);
}

} // namespace

TEST_CASE("engine property: the ceiling is never exceeded", "[engine][property]") {
    ceiling_never_exceeded<wt::ident>(808, 200, 30);
    ceiling_never_exceeded<wt::v200>(809, 100, 30);
}

namespace {

template <class P>
void order_and_duplicates(std::uint64_t salt, std::size_t policies, std::size_t requests) {
    INFO("WARD_PROPERTY_SEED=" << property_seed() << " vocabulary " << model_vocab<P>::name);
    gen_options o;
    o.replace = false; // a replacing binding depends on row order by nature
    tally t;
    for (std::size_t i = 0; i < policies; ++i) {
        const policy_desc pol = gen_policy<P>(derive(salt, i), o);
        splitmix64 r{derive(salt + 1, i)};
        build_order shuffled = natural_order(pol);
        r.shuffle(shuffled.scopes);
        r.shuffle(shuffled.roles);
        const std::size_t dups = pol.rows.empty() ? 0 : r.below(pol.rows.size() + 1);
        for (std::size_t k = 0; k < dups; ++k) shuffled.rows.push_back(r.below(pol.rows.size()));
        r.shuffle(shuffled.rows);
        const engine<P> a = build_engine<P>(pol, natural_order(pol));
        const engine<P> b = build_engine<P>(pol, shuffled);
        if (!a.snap || !b.snap) return;
        for (std::size_t k = 0; k < requests; ++k) {
            const request_desc q = gen_request<P>(r, pol, req_options{});
            const ward::decision<P> da = a.check(q), db = b.check(q);
            const ward::effective_result<P> ea = a.effective(q), eb = b.effective(q);
            ++t.comparisons;
            if (da.allowed != db.allowed || da.why != db.why || da.missing != db.missing || ea.why != eb.why ||
                ea.permissions != eb.permissions) {
                std::string order = "shuffled rows:";
                for (std::size_t x : shuffled.rows) order += " #" + std::to_string(x);
                INFO(order);
                t.template fail<P>("the decision depends on row order or duplicates", pol, q, describe(db),
                                   describe(da));
            }
        }
    }
    CHECK(t.mismatches == 0);
    CHECK(t.comparisons == policies * requests);
}

} // namespace

TEST_CASE("engine property: decisions do not depend on row order or duplicate rows", "[engine][property]") {
    order_and_duplicates<wt::ident>(909, 300, 25);
    order_and_duplicates<wt::bb>(910, 150, 25);
    order_and_duplicates<wt::v200>(911, 150, 25);
}

namespace {

template <class P>
void effective_agrees_with_check(std::uint64_t salt, std::size_t policies, std::size_t requests) {
    INFO("WARD_PROPERTY_SEED=" << property_seed() << " vocabulary " << model_vocab<P>::name);
    tally t;
    const bool built = for_each_policy<P>(
        salt, policies, gen_options{}, [&](const policy_desc& pol, const engine<P>& e, splitmix64& r) {
            for (std::size_t k = 0; k < requests; ++k) {
                const request_desc q = gen_request<P>(r, pol, req_options{});
                const ward::decision<P> d = e.check(q);
                const ward::effective_result<P> ef = e.effective(q);
                const auto required = vm<P>::to_engine(q.required);
                ++t.comparisons;
                bool ok = true;
                if (ef.why != ward::reason::granted) {
                    // Not admitted: check gives the same reason (an unauthenticated credential or an
                    // empty requirement is refused first), allows nothing, and nothing is effective.
                    const ward::reason want = q.auth != 0       ? ward::reason::unauthenticated
                                              : required.none() ? ward::reason::invalid_request
                                                                : ef.why;
                    ok = !d.allowed && d.why == want && ef.permissions.none() && d.missing == required;
                } else if (required.none()) {
                    ok = !d.allowed && d.why == ward::reason::invalid_request;
                } else {
                    ok = d.allowed == ef.permissions.contains_all(required) && d.missing == required - ef.permissions &&
                         (d.why == ward::reason::granted) == d.allowed;
                }
                if (!ok)
                    t.template fail<P>("check() and effective_permissions() disagree", pol, q, describe(d),
                                       std::string(ward::to_string(ef.why)) + ", effective " +
                                           vm<P>::names(vm<P>::from_engine(ef.permissions)));
            }
        });
    if (!built) return;
    CHECK(t.mismatches == 0);
    CHECK(t.comparisons == policies * requests);
}

} // namespace

TEST_CASE("engine property: effective_permissions agrees with check", "[engine][property]") {
    effective_agrees_with_check<wt::ident>(1001, 200, 40);
    effective_agrees_with_check<wt::bb>(1002, 100, 40);
    effective_agrees_with_check<wt::v200>(1003, 100, 40);
}

namespace {

/// Whatever the rows, what a credential may do is closed under the implications: a deny of X also
/// takes away whatever implies X. Checked on the engine alone (against the model's closure), and
/// principals_with against the model's grants minus denies.
template <class P>
void denies_keep_sets_closed(std::uint64_t salt, std::size_t policies, std::size_t requests) {
    INFO("WARD_PROPERTY_SEED=" << property_seed() << " vocabulary " << model_vocab<P>::name);
    tally t;
    std::size_t widened = 0; // requests where a deny took away a permission it does not name
    const bool built = for_each_policy<P>(
        salt, policies, gen_options{}, [&](const policy_desc& pol, const engine<P>& e, splitmix64& r) {
            const model<P> m(pol);
            for (std::size_t k = 0; k < requests; ++k) {
                const request_desc q = gen_request<P>(r, pol, req_options{});
                const ward::effective_result<P> ef = e.effective(q);
                const bits got = vm<P>::from_engine(ef.permissions);
                ++t.comparisons;
                if (vm<P>::closure(got) != got)
                    t.template fail<P>("effective permissions are not closed under the implications", pol, q,
                                       vm<P>::names(got), vm<P>::names(vm<P>::closure(got)));
                if (q.principal.idx == npos || q.target.idx == npos) continue;
                // A permission denied only through what it implies is refused by a deny row.
                for (const row_desc& w : pol.rows) {
                    if ((w.type != row_type::deny || w.principal != q.principal.idx) &&
                        w.type != row_type::deny_everyone)
                        continue;
                    if (!m.covers(w.scope, q.target.idx)) continue;
                    for (std::size_t x : minus(vm<P>::implying(w.perms), w.perms)) {
                        request_desc one; // a plain credential: nothing but the policy decides
                        one.principal = q.principal;
                        one.target = q.target;
                        one.required = {x};
                        const ward::decision<P> d = e.check(one);
                        ++t.comparisons;
                        ++widened;
                        if (d.allowed || d.why != ward::reason::explicitly_denied || d.row == ward::decision<P>::no_row)
                            t.template fail<P>("a permission implying a denied one was not refused by a deny", pol, one,
                                               describe(d), "denied, explicitly denied, by a deny row");
                    }
                }
            }
            // principals_with: exactly the principals whose grants minus denies hold the requirement.
            for (std::size_t k = 0; k < 4; ++k) {
                const std::size_t target = r.below(pol.scopes.size());
                bits required;
                required.insert(pol.pool[r.below(pol.pool.size())]);
                std::vector<ward::principal_handle> out(pol.principals.size() + 1);
                const std::size_t n =
                    e.snap->principals_with(vm<P>::to_engine(required), e.scope[target], out.data(), out.size());
                std::vector<ward::principal_handle> want;
                for (std::size_t p = 0; p < pol.principals.size(); ++p)
                    if (subset(required, m.held(p, target))) want.push_back(e.principal[p]);
                out.resize(n < out.size() ? n : out.size());
                std::sort(want.begin(), want.end(),
                          [](ward::principal_handle a, ward::principal_handle b) { return a.value < b.value; });
                ++t.comparisons;
                if (out != want) {
                    request_desc q;
                    q.required = required;
                    q.target.idx = target;
                    t.template fail<P>("principals_with disagrees with the model", pol, q,
                                       std::to_string(n) + " principals", std::to_string(want.size()) + " principals");
                }
            }
        });
    if (!built) return;
    CHECK(t.mismatches == 0);
    INFO("permissions refused through an implication: " << widened);
    if (!vm<P>::implications().empty()) CHECK(widened > 0);
}

} // namespace

TEST_CASE("engine property: a deny also removes what implies it; effective sets stay closed", "[engine][property]") {
    denies_keep_sets_closed<wt::ident>(1101, 300, 30);
    denies_keep_sets_closed<wt::bb>(1102, 100, 30);
    denies_keep_sets_closed<wt::v200>(1103, 200, 30);
}

// ==== replace, explicitly ================================================================================

TEST_CASE("engine property: a replacing binding drops only earlier bindings of the same principal and scope",
          "[engine][property]") {
    // A fixed example the model and the engine must both get right, beside the random ones.
    policy_desc pol;
    pol.scopes = {
        {"platform", skind::platform, npos}, {"org1", skind::organization, 0}, {"app2", skind::application, 1}};
    pol.principals = {{"user:u0", ward::principal_kind::user}, {"user:u1", ward::principal_kind::user}};
    pol.roles = {{"rol_a", {0}, {}, false}, {"rol_b", {1}, {}, false}, {"rol_c", {2}, {}, false}};
    pol.pool = {0, 1, 2};
    auto bind = [](std::size_t p, std::size_t s, std::size_t role, bool replace) {
        row_desc w;
        w.type = row_type::binding;
        w.principal = p;
        w.scope = s;
        w.roles = {role};
        w.replace = replace;
        return w;
    };
    row_desc g;
    g.type = row_type::grant;
    g.principal = 0;
    g.scope = 1;
    g.perms = {3};
    pol.rows = {bind(0, 1, 0, false), g, bind(1, 1, 0, false), bind(0, 2, 0, false), bind(0, 1, 1, true),
                bind(0, 1, 2, false)};
    const engine<wt::bb> e = build_engine<wt::bb>(pol, natural_order(pol));
    REQUIRE(e.snap);
    const model<wt::bb> m(pol);
    auto at = [](std::size_t p, std::size_t s, std::size_t x) {
        request_desc q;
        q.principal.idx = p;
        q.target.idx = s;
        q.required = {x};
        return q;
    };
    // u0 at org1: rol_a was replaced by rol_b; rol_c (later) and the grant stay.
    for (std::size_t x = 0; x < 4; ++x) {
        const request_desc q = at(0, 1, x);
        INFO("permission " << x);
        CHECK(e.check(q).allowed == (x != 0));
        CHECK(m.check(q).allowed == (x != 0));
    }
    // u0 at app2 still has rol_a from its own binding there; u1 keeps rol_a at org1.
    CHECK(e.check(at(0, 2, 0)).allowed);
    CHECK(m.check(at(0, 2, 0)).allowed);
    CHECK(e.check(at(1, 1, 0)).allowed);
    CHECK(m.check(at(1, 1, 0)).allowed);
}
