// SPDX-License-Identifier: MIT
#include "world.hpp"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>

namespace wb {

namespace {

constexpr char base62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr char hex[] = "0123456789abcdef";

/// prefix + 16 base62 characters; the first 11 encode mix(i ^ salt) in full (so ids are unique).
std::string base62_id(const char* prefix, std::uint64_t i, std::uint64_t salt) {
    std::string s(prefix);
    std::uint64_t v = mix(i ^ salt);
    for (int k = 0; k < 11; ++k, v /= 62) s += base62[v % 62];
    std::uint64_t w = mix(v ^ i ^ (salt << 1));
    for (int k = 0; k < 5; ++k, w /= 62) s += base62[w % 62];
    return s;
}

/// "auth0|" + 24 hex digits; the first 16 encode mix(i ^ salt) in full.
std::string auth0_id(std::uint64_t i) {
    std::string s("auth0|");
    const std::uint64_t v = mix(i ^ 0x5bd1e995ull);
    for (int k = 15; k >= 0; --k) s += hex[(v >> (4 * k)) & 15];
    const std::uint64_t w = mix(v);
    for (int k = 7; k >= 0; --k) s += hex[(w >> (4 * k)) & 15];
    return s;
}

[[noreturn]] void die(const char* what) {
    std::fprintf(stderr, "ward benchmarks: %s\n", what);
    std::abort();
}

} // namespace

std::shared_ptr<const dataset> make_dataset(std::size_t orgs) {
    auto d = std::make_shared<dataset>();
    d->orgs = orgs;
    d->org_ids.reserve(orgs);
    d->role_ids.reserve(orgs * roles_per_org);
    d->role_perms.reserve(orgs * roles_per_org);
    d->user_ids.reserve(orgs * users_per_org);
    d->user_roles.reserve(orgs * users_per_org);
    rng g{0x1234};
    for (std::size_t o = 0; o < orgs; ++o) {
        d->org_ids.push_back(base62_id("org_", o, 0x0a11));
        for (std::size_t k = 0; k < roles_per_org; ++k) {
            const std::size_t r = o * roles_per_org + k;
            d->role_ids.push_back(base62_id("rol_", r, 0x70e5));
            std::array<std::uint8_t, perms_per_role> ps{};
            for (std::size_t j = 0; j < perms_per_role; ++j) {
                bool fresh = false;
                while (!fresh) {
                    ps[j] = static_cast<std::uint8_t>(g.below(resource_count * action_count));
                    fresh = true;
                    for (std::size_t q = 0; q < j; ++q) fresh = fresh && ps[q] != ps[j];
                }
            }
            d->role_perms.push_back(ps);
        }
        for (std::size_t k = 0; k < users_per_org; ++k) {
            const std::size_t u = o * users_per_org + k;
            d->user_ids.push_back(auth0_id(u));
            d->user_roles.push_back({static_cast<std::uint32_t>(o * roles_per_org + k % roles_per_org),
                                     static_cast<std::uint32_t>(o * roles_per_org + (k + 2) % roles_per_org)});
        }
    }
    return d;
}

void add_rows(ward::policy_builder<perm>& b, const dataset& d) {
    b.reserve(d.org_ids.size(), d.user_ids.size(), d.user_ids.size());
    for (const std::string& o : d.org_ids) b.add_scope(o, "organization");
    for (std::size_t r = 0; r < d.role_ids.size(); ++r) {
        perms s;
        for (std::uint8_t p : d.role_perms[r]) s.insert(perm_at(p));
        b.define_role(d.role_ids[r], s);
    }
    for (std::size_t u = 0; u < d.user_ids.size(); ++u) {
        b.add_principal(d.user_ids[u], ward::principal_kind::user);
        std::array<std::string_view, roles_per_member> rs{};
        for (std::size_t k = 0; k < roles_per_member; ++k) rs[k] = d.role_ids[d.user_roles[u][k]];
        b.bind(d.user_ids[u], d.org_ids[d.org_of(u)], ward::view<std::string_view>(rs.data(), rs.size()));
    }
}

std::shared_ptr<const ward::snapshot<perm>> build_snapshot(const dataset& d, std::uint64_t version) {
    ward::policy_builder<perm> b(ward::scope_schema::standard(), version);
    add_rows(b, d);
    auto r = b.build();
    if (!r) die(r.error.message().c_str());
    return r.value;
}

void baseline_policy::load(const dataset& d) {
    roles.reserve(d.role_ids.size());
    for (std::size_t r = 0; r < d.role_ids.size(); ++r) {
        const std::string& org = d.org_ids[r / roles_per_org];
        auto& set = roles[d.role_ids[r]];
        for (std::uint8_t p : d.role_perms[r])
            set.insert(org + "|" + std::string(resource_names[p / action_count]) + "|" +
                       std::string(action_names[p % action_count]));
    }
    members.reserve(d.user_ids.size());
    for (std::size_t u = 0; u < d.user_ids.size(); ++u) {
        auto& in_org = members[d.user_ids[u]][d.org_ids[d.org_of(u)]];
        for (std::uint32_t r : d.user_roles[u]) in_org.insert(d.role_ids[r]);
    }
}

const world& world_for(std::size_t orgs) {
    static std::mutex m;
    static std::map<std::size_t, std::unique_ptr<world>> cache;
    const std::lock_guard<std::mutex> lock(m);
    auto& slot = cache[orgs];
    if (slot) return *slot;

    auto w = std::make_unique<world>();
    w->data = make_dataset(orgs);
    const dataset& d = *w->data;
    w->snap = build_snapshot(d);
    w->base = std::make_unique<baseline_policy>();
    w->base->load(d);

    rng g{0xfeed + orgs};
    w->by_handle.reserve(request_count);
    w->by_string.reserve(request_count);
    w->by_baseline.reserve(request_count);
    for (std::size_t i = 0; i < request_count; ++i) {
        const std::size_t u = g.below(d.user_ids.size());
        const std::size_t o = d.org_of(u);
        std::size_t p;
        if (g.below(2) == 0) {
            const std::uint32_t r = d.user_roles[u][g.below(roles_per_member)];
            p = d.role_perms[r][g.below(perms_per_role)];
        } else {
            p = g.below(resource_count * action_count);
        }
        const perms req{perm_at(p)};
        const bool expect = d.held_by(u).contains_all(req);
        w->expected.push_back(expect);
        w->allowed_count += expect ? 1 : 0;
        w->by_handle.push_back({w->snap->find_principal(d.user_ids[u]), w->snap->find_scope(d.org_ids[o]), req});
        w->by_string.push_back({d.user_ids[u], d.org_ids[o], req});
        w->by_baseline.push_back(
            {&d.user_ids[u], &d.org_ids[o], resource_names[p / action_count], action_names[p % action_count]});
    }
    // The three forms must agree with the data on every request, or the timings mean nothing.
    for (std::size_t i = 0; i < request_count; ++i) {
        const auto& h = w->by_handle[i];
        const bool a = w->snap->check(ward::credential<perm>::of(h.principal), h.required, h.target).allowed;
        const auto& s = w->by_string[i];
        const bool b = w->snap
                           ->check(ward::credential<perm>::of(w->snap->find_principal(s.principal)), s.required,
                                   w->snap->find_scope(s.target))
                           .allowed;
        const auto& q = w->by_baseline[i];
        const bool c = w->base->check(*q.user, *q.org, q.object, q.action);
        if (a != w->expected[i] || b != w->expected[i] || c != w->expected[i]) die("ward and the baseline disagree");
    }
    slot = std::move(w);
    return *slot;
}

} // namespace wb
