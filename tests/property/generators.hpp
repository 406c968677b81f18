// SPDX-License-Identifier: MIT
// Random policies and requests for the engine property tests, from a splitmix64 seed: scope forests
// of the standard schema, principals, compile-time and run-time roles, bindings with add/replace,
// grants, denies, denies for everyone and application restrictions; requests with unknown
// principals and scopes, unauthenticated credentials, bound scopes, ceilings and applications.
#ifndef WARD_TESTS_PROPERTY_GENERATORS_HPP
#define WARD_TESTS_PROPERTY_GENERATORS_HPP

#include "property/model.hpp"
#include "support/splitmix64.hpp"
#include <ward/subject.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace wt::property {

/// A seed for item `i` of a stream `salt`: every policy of every test has its own.
inline std::uint64_t derive(std::uint64_t salt, std::uint64_t i) {
    splitmix64 r{property_seed() ^ (salt * 0xd1b54a32d192ed03ull) ^ (i * 0x9e3779b97f4a7c15ull)};
    r.next();
    return r.next();
}

struct gen_options {
    bool replace = true;
    bool grants = true;
    bool denies = true;
    bool restrictions = true;
    std::size_t max_rows = 30;
};

template <class P>
bits random_perms(splitmix64& r, const policy_desc& pol, std::size_t max, unsigned empty_pct = 4) {
    bits out;
    if (r.chance(empty_pct)) return out;
    const std::size_t n = 1 + r.below(max);
    const auto& def = vm<P>::defined();
    for (std::size_t k = 0; k < n; ++k)
        out.insert(r.chance(85) ? pol.pool[r.below(pol.pool.size())] : def[r.below(def.size())]);
    return out;
}

template <class P>
void gen_frame(splitmix64& r, policy_desc& pol) {
    // The permission pool: a few hot bits (implication sources and targets) and a few random ones.
    const auto& def = vm<P>::defined();
    for (std::size_t h : model_vocab<P>::hot())
        if (r.chance(60)) pol.pool.push_back(h);
    while (pol.pool.size() < 5) { // distinct
        const std::size_t x = def[r.below(def.size())];
        if (std::find(pol.pool.begin(), pol.pool.end(), x) == pol.pool.end()) pol.pool.push_back(x);
    }

    // A scope forest of the standard schema.
    const std::size_t n = 5 + r.below(36);
    pol.scopes.push_back({"platform", skind::platform, npos});
    for (std::size_t i = 1; i < n; ++i) {
        const std::size_t roll = r.below(100);
        skind k = roll < 20   ? skind::organization
                  : roll < 40 ? skind::application
                  : roll < 65 ? skind::user
                              : skind::resource;
        std::size_t parent = npos;
        if (k == skind::organization) {
            parent = r.chance(12) ? npos : 0; // sometimes a root of its own: a forest
        } else {
            std::vector<std::size_t> cands;
            for (std::size_t j = 0; j < pol.scopes.size(); ++j)
                if (parent_allowed(pol.scopes[j].kind, k)) cands.push_back(j);
            if (cands.empty()) {
                k = skind::organization;
                parent = 0;
            } else {
                parent = cands[r.below(cands.size())];
            }
        }
        static const char* const prefix[] = {"plat", "org", "app", "usr", "res"};
        pol.scopes.push_back({std::string(prefix[static_cast<std::size_t>(k)]) + std::to_string(i), k, parent});
        if (k == skind::application) pol.applications.push_back(i);
    }

    const std::size_t np = 2 + r.below(9);
    for (std::size_t i = 0; i < np; ++i) {
        if (r.chance(20))
            pol.principals.push_back({"application:a" + std::to_string(i), ward::principal_kind::application});
        else pol.principals.push_back({"user:u" + std::to_string(i), ward::principal_kind::user});
    }

    pol.with_table = table_for<P>::present && r.chance(70);
    if (pol.with_table) pol.roles = table_for<P>::model();
    const std::size_t nr = r.below(6);
    for (std::size_t i = 0; i < nr; ++i) {
        role_desc d;
        d.id = "rol_" + std::to_string(i);
        d.perms = random_perms<P>(r, pol, 3, 10);
        const std::size_t existing = pol.roles.size();
        const std::size_t nparents = existing == 0 ? 0 : r.below(3);
        for (std::size_t k = 0; k < nparents; ++k) {
            const std::size_t q = r.below(existing); // an earlier role: never a cycle
            if (std::find(d.parents.begin(), d.parents.end(), q) == d.parents.end()) d.parents.push_back(q);
        }
        pol.roles.push_back(d);
    }
}

inline std::size_t some_principal(splitmix64& r, const policy_desc& pol) {
    // Favour the first three principals so that some of them collect many rows.
    return r.chance(50) ? r.below(std::min<std::size_t>(3, pol.principals.size())) : r.below(pol.principals.size());
}

template <class P>
row_desc random_row(splitmix64& r, const policy_desc& pol, const gen_options& o) {
    for (;;) {
        const std::size_t roll = r.below(100);
        row_desc w;
        w.scope = r.below(pol.scopes.size());
        if (roll < 35) {
            if (!o.grants) continue;
            w.type = row_type::binding;
            w.principal = some_principal(r, pol);
            const std::size_t n = pol.roles.empty() ? 0 : (r.chance(8) ? 0 : 1 + r.below(2));
            for (std::size_t k = 0; k < n; ++k) w.roles.push_back(r.below(pol.roles.size()));
            w.replace = o.replace && r.chance(20);
        } else if (roll < 62) {
            if (!o.grants) continue;
            w.type = row_type::grant;
            w.principal = some_principal(r, pol);
            w.perms = random_perms<P>(r, pol, 4);
        } else if (roll < 75) {
            if (!o.denies) continue;
            w.type = row_type::deny;
            w.principal = some_principal(r, pol);
            w.perms = random_perms<P>(r, pol, 2);
        } else if (roll < 81) {
            if (!o.denies) continue;
            w.type = row_type::deny_everyone;
            w.perms = random_perms<P>(r, pol, 2);
        } else {
            if (!o.restrictions) continue;
            w.type = row_type::restriction;
            w.principal = some_principal(r, pol);
            if (!pol.applications.empty() && r.chance(85)) w.scope = pol.applications[r.below(pol.applications.size())];
            w.perms = random_perms<P>(r, pol, 5);
            if (r.chance(25)) w.within = r.below(pol.scopes.size());
        }
        return w;
    }
}

template <class P>
policy_desc gen_policy(std::uint64_t seed, const gen_options& o) {
    splitmix64 r{seed};
    policy_desc pol;
    pol.seed = seed;
    gen_frame<P>(r, pol);
    if (o.grants || o.denies || o.restrictions) {
        const std::size_t n = r.below(o.max_rows + 1);
        for (std::size_t i = 0; i < n; ++i) pol.rows.push_back(random_row<P>(r, pol, o));
    }
    return pol;
}

struct req_options {
    unsigned unauth = 4;
    unsigned unknown = 3;
    unsigned bind = 25;
    unsigned cap = 30;
    unsigned via = 40;
    unsigned empty_required = 2;
    unsigned aimed = 55;
};

inline ref random_scope(splitmix64& r, const policy_desc& pol, unsigned unknown_pct) {
    ref f;
    if (r.chance(unknown_pct)) {
        f.raw = r.chance(50) ? none32 : static_cast<std::uint32_t>(pol.scopes.size() + r.below(3));
        return f;
    }
    f.idx = r.below(pol.scopes.size());
    return f;
}

template <class P>
request_desc gen_request(splitmix64& r, const policy_desc& pol, const req_options& o) {
    request_desc q;
    if (r.chance(o.unauth)) q.auth = r.chance(50) ? 1u : 2u;
    if (r.chance(o.unknown))
        q.principal.raw = r.chance(50) ? none32 : static_cast<std::uint32_t>(pol.principals.size() + r.below(3));
    else q.principal.idx = some_principal(r, pol);
    q.target = random_scope(r, pol, o.unknown);
    const row_desc* aim = nullptr; // aim some requests at a grant or binding, so that many are allowed
    if (q.principal.idx != npos && q.target.idx != npos && r.chance(o.aimed)) {
        std::vector<const row_desc*> giving;
        for (const row_desc& w : pol.rows)
            if (w.type == row_type::grant || w.type == row_type::binding) giving.push_back(&w);
        if (!giving.empty()) {
            aim = giving[r.below(giving.size())];
            q.principal.idx = aim->principal;
            std::vector<std::size_t> below;
            for (std::size_t t = 0; t < pol.scopes.size(); ++t)
                for (std::size_t s = t; s != npos; s = pol.scopes[s].parent)
                    if (s == aim->scope) {
                        below.push_back(t);
                        break;
                    }
            q.target.idx = below[r.below(below.size())];
        }
    }
    if (r.chance(o.bind)) {
        const std::size_t n = 1 + r.below(2);
        for (std::size_t k = 0; k < n; ++k) {
            if (q.target.idx != npos && r.chance(50)) { // an ancestor-or-self of the target
                std::size_t s = q.target.idx;
                while (pol.scopes[s].parent != npos && r.chance(50)) s = pol.scopes[s].parent;
                ref f;
                f.idx = s;
                q.bound.push_back(f);
            } else {
                q.bound.push_back(random_scope(r, pol, 8));
            }
        }
    }
    if (r.chance(o.cap)) {
        const std::size_t n = r.chance(75) ? 1 : 2;
        for (std::size_t k = 0; k < n; ++k) q.caps.push_back(random_perms<P>(r, pol, 5, 5));
    }
    if (r.chance(o.via)) {
        q.has_via = true;
        if (!pol.applications.empty() && r.chance(70)) q.via.idx = pol.applications[r.below(pol.applications.size())];
        else q.via = random_scope(r, pol, 8);
    }
    if (!r.chance(o.empty_required)) {
        const std::size_t roll = r.below(10), n = roll < 6 ? 1 : roll < 9 ? 2 : 3;
        if (aim != nullptr && !aim->perms.empty()) {
            const std::vector<std::size_t> from(aim->perms.begin(), aim->perms.end());
            for (std::size_t k = 0; k < n; ++k) q.required.insert(from[r.below(from.size())]);
        } else if (aim != nullptr && !aim->roles.empty()) {
            const role_desc& role = pol.roles[aim->roles[r.below(aim->roles.size())]];
            if (!role.perms.empty()) {
                const std::vector<std::size_t> from(role.perms.begin(), role.perms.end());
                for (std::size_t k = 0; k < n; ++k) q.required.insert(from[r.below(from.size())]);
            }
        }
        while (q.required.size() < n) q.required.insert(pol.pool[r.below(pol.pool.size())]);
    }
    return q;
}

/// A random principal and target of a policy, and one permission of its pool.
struct pick {
    std::size_t principal, target, perm;
};
inline pick random_pick(splitmix64& r, const policy_desc& pol) {
    return {r.below(pol.principals.size()), r.below(pol.scopes.size()), pol.pool[r.below(pol.pool.size())]};
}
inline std::size_t random_ancestor(splitmix64& r, const policy_desc& pol, std::size_t t) {
    std::size_t s = t;
    while (pol.scopes[s].parent != npos && r.chance(50)) s = pol.scopes[s].parent;
    return s;
}

} // namespace wt::property

#endif
