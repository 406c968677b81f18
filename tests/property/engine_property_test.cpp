// SPDX-License-Identifier: MIT
// Property tests of the decision engine (policy_builder, snapshot::check, effective_permissions)
// against a deliberately naive reference model written here: scopes are a std::vector with parent
// links that the model walks, permission sets are std::set of bit indices, roles are flattened by
// recursion, and the vocabulary's implications are applied by a fixed-point loop over an
// implication list written in this file. The model shares no code with the engine (no scope
// numbering, no handles, no masks, no implied()).
//
// Random policies (scope forests of the standard schema, principals, compile-time and run-time
// roles, bindings with add/replace, grants, denies, denies for everyone, application restrictions)
// and random requests (unknown principals and scopes, unauthenticated credentials, bound scopes,
// ceilings, applications) are generated from a splitmix64 seed. The seed is printed with INFO and
// can be set with WARD_PROPERTY_SEED in the environment; on a mismatch the policy rows and the
// request are printed so the case can be reproduced.
#include "vocabularies.hpp"
#include "ward_catch.hpp"

#include <ward/credential.hpp>
#include <ward/decision.hpp>
#include <ward/permission_set.hpp>
#include <ward/policy.hpp>
#include <ward/role.hpp>
#include <ward/scope.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

constexpr std::size_t npos = static_cast<std::size_t>(-1);
constexpr std::uint32_t none32 = 0xffffffffu;

// ---- deterministic randomness ---------------------------------------------------------------------
struct splitmix64 {
    std::uint64_t state;
    std::uint64_t next() noexcept {
        std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    std::size_t below(std::size_t n) noexcept { return static_cast<std::size_t>(next() % n); }
    bool chance(unsigned percent) noexcept { return next() % 100 < percent; }
    template <class T>
    void shuffle(std::vector<T>& v) noexcept {
        for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
    }
};

std::uint64_t base_seed() {
    if (const char* s = std::getenv("WARD_PROPERTY_SEED")) return std::strtoull(s, nullptr, 0);
    return 0x5eed20240b0a7d00ull;
}
/// A seed for item `i` of a stream `salt`: every policy of every test has its own.
std::uint64_t derive(std::uint64_t salt, std::uint64_t i) {
    splitmix64 r{base_seed() ^ (salt * 0xd1b54a32d192ed03ull) ^ (i * 0x9e3779b97f4a7c15ull)};
    r.next();
    return r.next();
}

// ---- naive sets of bit indices ---------------------------------------------------------------------
using bits = std::set<std::size_t>;

bits unite(const bits& a, const bits& b) {
    bits o = a;
    for (std::size_t x : b) o.insert(x);
    return o;
}
bits intersect(const bits& a, const bits& b) {
    bits o;
    for (std::size_t x : a)
        if (b.count(x) != 0) o.insert(x);
    return o;
}
bits minus(const bits& a, const bits& b) {
    bits o;
    for (std::size_t x : a)
        if (b.count(x) == 0) o.insert(x);
    return o;
}
void add_to(bits& a, const bits& b) {
    for (std::size_t x : b) a.insert(x);
}
bool subset(const bits& a, const bits& b) {
    for (std::size_t x : a)
        if (b.count(x) == 0) return false;
    return true;
}

// ---- the model's own view of each vocabulary: defined bits and implications, written by hand ------
using implication_list = std::vector<std::pair<std::size_t, std::size_t>>;

template <class P>
struct model_vocab;

template <>
struct model_vocab<wt::ident> {
    static constexpr const char* name = "ident";
    static std::vector<std::size_t> defined() {
        std::vector<std::size_t> d;
        for (std::size_t i = 0; i <= 13; ++i) d.push_back(i);
        for (std::size_t i = 20; i <= 26; ++i) d.push_back(i);
        d.push_back(29);
        return d;
    }
    // sudo(29) -> the application, user and token flags.
    static implication_list implications() {
        implication_list l;
        const std::size_t targets[] = {10, 11, 12, 13, 20, 21, 22, 23, 24, 25, 26};
        for (std::size_t t : targets) l.push_back({29, t});
        return l;
    }
    static std::vector<std::size_t> hot() { return {29, 10, 20, 26, 0, 1}; }
};

template <>
struct model_vocab<wt::bb> {
    static constexpr const char* name = "bb";
    static std::vector<std::size_t> defined() {
        std::vector<std::size_t> d;
        for (std::size_t i = 0; i < 20; ++i) d.push_back(i); // 5 resources x 4 actions
        return d;
    }
    static implication_list implications() { return {}; }
    static std::vector<std::size_t> hot() { return {0, 1, 4}; } // read:users, create:users, read:organization
};

template <>
struct model_vocab<wt::v200> {
    static constexpr const char* name = "v200";
    static std::vector<std::size_t> defined() {
        std::vector<std::size_t> d;
        for (std::size_t i = 0; i < 200; ++i) d.push_back(i);
        return d;
    }
    // A cycle: any of 0, 130, 199 implies the other two.
    static implication_list implications() { return {{199, 0}, {0, 130}, {130, 199}}; }
    static std::vector<std::size_t> hot() { return {0, 130, 199, 64, 63}; }
};

template <class P>
struct vm {
    static const std::vector<std::size_t>& defined() {
        static const std::vector<std::size_t> d = model_vocab<P>::defined();
        return d;
    }
    static const implication_list& implications() {
        static const implication_list l = model_vocab<P>::implications();
        return l;
    }
    static const bits& all() {
        static const bits a(defined().begin(), defined().end());
        return a;
    }
    /// Fixed point: apply every implication until nothing changes.
    static bits closure(bits s) {
        bool changed = true;
        while (changed) {
            changed = false;
            for (const auto& imp : implications())
                if (s.count(imp.first) != 0 && s.count(imp.second) == 0) {
                    s.insert(imp.second);
                    changed = true;
                }
        }
        return s;
    }
    static ward::permission_set<P> to_engine(const bits& b) {
        ward::permission_set<P> s;
        for (std::size_t i : b) s.insert(ward::vocabulary<P>::from_index(i));
        return s;
    }
    static bits from_engine(const ward::permission_set<P>& s) {
        bits b;
        for (std::size_t i : defined())
            if (s.test(i)) b.insert(i);
        return b;
    }
    static std::string names(const bits& b) {
        std::string o = "{";
        for (std::size_t i : b) {
            if (o.size() > 1) o += ' ';
            o += std::string(ward::vocabulary<P>::name(i));
        }
        return o + "}";
    }
};

// ---- compile-time role tables (and the model's copy of their definitions) --------------------------
struct role_desc {
    std::string id;
    bits perms;                       ///< own permissions
    std::vector<std::size_t> parents; ///< indices into policy_desc::roles
    bool in_table = false;
};

using ident_set = ward::permission_set<wt::ident>;
constexpr auto ident_table = ward::make_roles<wt::ident>({
    {"t_reader", ident_set{wt::ident::authenticate, wt::ident::read_resources}},
    {"t_writer", ident_set{wt::ident::create_resource, wt::ident::update_resource, wt::ident::delete_resource}, {"t_reader"}},
    {"t_admin", ident_set{wt::ident::sudo}, {"t_writer"}},
    {"t_pubsub", ident_set{wt::ident::publish, wt::ident::subscribe}},
});

template <class P>
struct table_for {
    static constexpr bool present = false;
    static std::vector<role_desc> model() { return {}; }
    static void add(ward::policy_builder<P>&) {}
};
template <>
struct table_for<wt::ident> {
    static constexpr bool present = true;
    static std::vector<role_desc> model() {
        return {{"t_reader", {0, 1}, {}, true},
                {"t_writer", {2, 3, 4}, {0}, true},
                {"t_admin", {29}, {1}, true},
                {"t_pubsub", {7, 8}, {}, true}};
    }
    static void add(ward::policy_builder<wt::ident>& b) { b.add_roles(ident_table); }
};

// ---- policies as plain rows --------------------------------------------------------------------------
enum class skind : unsigned char { platform, organization, application, user, resource };

const char* kind_name(skind k) {
    switch (k) {
    case skind::platform: return "platform";
    case skind::organization: return "organization";
    case skind::application: return "application";
    case skind::user: return "user";
    case skind::resource: return "resource";
    }
    return "?";
}
/// The standard schema, written out again.
bool parent_allowed(skind parent, skind child) {
    switch (child) {
    case skind::platform: return false;
    case skind::organization: return parent == skind::platform;
    case skind::application: return parent == skind::organization;
    case skind::user: return parent == skind::platform || parent == skind::organization || parent == skind::application;
    case skind::resource:
        return parent == skind::organization || parent == skind::application || parent == skind::user || parent == skind::resource;
    }
    return false;
}

struct scope_desc {
    std::string id;
    skind kind;
    std::size_t parent; ///< npos for a root
};
struct principal_desc {
    std::string id;
    ward::principal_kind kind;
};
enum class row_type : unsigned char { binding, grant, deny, deny_everyone, restriction };
struct row_desc {
    row_type type = row_type::grant;
    std::size_t principal = npos; ///< npos for deny_everyone
    std::size_t scope = 0;
    std::vector<std::size_t> roles; ///< bindings
    bits perms;                     ///< grants, denies, restrictions
    bool replace = false;
    std::size_t within = npos;      ///< restrictions: the governed scope (npos: the application's parent)
};
struct policy_desc {
    std::uint64_t seed = 0;
    std::vector<scope_desc> scopes;
    std::vector<principal_desc> principals;
    std::vector<role_desc> roles; ///< the table's roles first (when present), then run-time roles
    bool with_table = false;
    std::vector<row_desc> rows;
    std::vector<std::size_t> pool; ///< the permissions this policy's rows and requests favour
    std::vector<std::size_t> applications;
};

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
        skind k = roll < 20 ? skind::organization : roll < 40 ? skind::application : roll < 65 ? skind::user : skind::resource;
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
        if (r.chance(20)) pol.principals.push_back({"application:a" + std::to_string(i), ward::principal_kind::application});
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

std::size_t some_principal(splitmix64& r, const policy_desc& pol) {
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

// ---- describing policies and requests (for failure messages) ----------------------------------------
template <class P>
std::string describe(const policy_desc& pol) {
    std::ostringstream s;
    s << "policy (seed " << pol.seed << ", vocabulary " << model_vocab<P>::name << ")\n  scopes:";
    for (const scope_desc& d : pol.scopes)
        s << ' ' << d.id << '(' << kind_name(d.kind) << (d.parent == npos ? std::string(", root") : " < " + pol.scopes[d.parent].id) << ')';
    s << "\n  principals:";
    for (const principal_desc& p : pol.principals) s << ' ' << p.id;
    s << "\n  roles:";
    for (const role_desc& d : pol.roles) {
        s << ' ' << d.id << vm<P>::names(d.perms);
        for (std::size_t q : d.parents) s << '<' << pol.roles[q].id;
        if (d.in_table) s << "[table]";
    }
    s << "\n  rows:";
    for (std::size_t i = 0; i < pol.rows.size(); ++i) {
        const row_desc& w = pol.rows[i];
        s << "\n    #" << i << ' ';
        const std::string who = w.principal == npos ? std::string("everyone") : pol.principals[w.principal].id;
        const std::string& at = pol.scopes[w.scope].id;
        switch (w.type) {
        case row_type::binding:
            s << "bind " << who << " @ " << at << " [";
            for (std::size_t q : w.roles) s << ' ' << pol.roles[q].id;
            s << " ]" << (w.replace ? " replace" : " add");
            break;
        case row_type::grant: s << "grant " << who << " @ " << at << ' ' << vm<P>::names(w.perms); break;
        case row_type::deny: s << "deny " << who << " @ " << at << ' ' << vm<P>::names(w.perms); break;
        case row_type::deny_everyone: s << "deny_everyone @ " << at << ' ' << vm<P>::names(w.perms); break;
        case row_type::restriction:
            s << "restrict_to " << who << " @ " << at << ' ' << vm<P>::names(w.perms);
            if (w.within != npos) s << " within " << pol.scopes[w.within].id;
            break;
        }
    }
    return s.str();
}

// ---- requests ------------------------------------------------------------------------------------------
/// A reference to a scope or principal of the policy (idx), or an unknown handle (idx == npos, raw).
struct ref {
    std::size_t idx = npos;
    std::uint32_t raw = none32;
};
struct request_desc {
    unsigned auth = 0; ///< 0 authenticated, 1 default (unauthenticated) credential, 2 revoked
    ref principal;
    std::vector<ref> bound;
    std::vector<bits> caps;
    bool has_via = false;
    ref via;
    bits required;
    ref target;
};
struct req_options {
    unsigned unauth = 4;
    unsigned unknown = 3;
    unsigned bind = 25;
    unsigned cap = 30;
    unsigned via = 40;
    unsigned empty_required = 2;
    unsigned aimed = 55;
};

ref random_scope(splitmix64& r, const policy_desc& pol, unsigned unknown_pct) {
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
    if (r.chance(o.unknown)) q.principal.raw = r.chance(50) ? none32 : static_cast<std::uint32_t>(pol.principals.size() + r.below(3));
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

template <class P>
std::string describe(const policy_desc& pol, const request_desc& q) {
    std::ostringstream s;
    auto scope_name = [&](const ref& f) {
        return f.idx == npos ? "<unknown scope handle " + std::to_string(f.raw) + ">" : pol.scopes[f.idx].id;
    };
    s << "request: credential ";
    if (q.auth == 1) s << "default-constructed (unauthenticated) ";
    if (q.auth == 2) s << "revoked ";
    s << "of " << (q.principal.idx == npos ? "<unknown principal handle " + std::to_string(q.principal.raw) + ">"
                                           : pol.principals[q.principal.idx].id);
    for (const ref& b : q.bound) s << ", bind_to " << scope_name(b);
    for (const bits& c : q.caps) s << ", cap " << vm<P>::names(c);
    if (q.has_via) s << ", through " << scope_name(q.via);
    s << "; required " << vm<P>::names(q.required) << " at " << scope_name(q.target);
    return s.str();
}

// ---- the engine side -------------------------------------------------------------------------------------
template <class P>
struct engine {
    std::shared_ptr<const ward::snapshot<P>> snap;
    std::vector<ward::scope_handle> scope;         ///< by model index
    std::vector<ward::principal_handle> principal; ///< by model index

    ward::scope_handle sh(const ref& f) const { return f.idx == npos ? ward::scope_handle{f.raw} : scope[f.idx]; }
    ward::principal_handle ph(const ref& f) const { return f.idx == npos ? ward::principal_handle{f.raw} : principal[f.idx]; }

    ward::credential<P> credential(const request_desc& q) const {
        ward::credential<P> c;
        if (q.auth != 1) c = ward::credential<P>::of(ph(q.principal));
        for (const ref& b : q.bound) c.bind_to(sh(b));
        for (const bits& k : q.caps) c.cap(vm<P>::to_engine(k));
        if (q.has_via) c.via(sh(q.via));
        if (q.auth == 2) c.revoke();
        return c;
    }
    ward::decision<P> check(const request_desc& q) const {
        return snap->check(credential(q), vm<P>::to_engine(q.required), sh(q.target));
    }
    ward::effective_result<P> effective(const request_desc& q) const { return snap->effective_permissions(credential(q), sh(q.target)); }
};

struct build_order {
    std::vector<std::size_t> scopes, roles, rows; ///< builder order (rows may repeat: duplicates)
};

build_order natural_order(const policy_desc& pol) {
    build_order o;
    for (std::size_t i = 0; i < pol.scopes.size(); ++i) o.scopes.push_back(i);
    for (std::size_t i = 0; i < pol.roles.size(); ++i)
        if (!pol.roles[i].in_table) o.roles.push_back(i);
    for (std::size_t i = 0; i < pol.rows.size(); ++i) o.rows.push_back(i);
    return o;
}

template <class P>
engine<P> build_engine(const policy_desc& pol, const build_order& order) {
    ward::policy_builder<P> b;
    for (std::size_t i : order.scopes) {
        const scope_desc& d = pol.scopes[i];
        b.add_scope(d.id, kind_name(d.kind), d.parent == npos ? std::string_view{} : std::string_view(pol.scopes[d.parent].id));
    }
    for (const principal_desc& p : pol.principals) b.add_principal(p.id, p.kind);
    if (pol.with_table) table_for<P>::add(b);
    for (std::size_t i : order.roles) {
        const role_desc& d = pol.roles[i];
        std::vector<std::string_view> parents;
        for (std::size_t q : d.parents) parents.push_back(pol.roles[q].id);
        b.define_role(d.id, vm<P>::to_engine(d.perms), ward::view<std::string_view>(parents));
    }
    for (std::size_t i : order.rows) {
        const row_desc& w = pol.rows[i];
        const std::string_view who = w.principal == npos ? std::string_view{} : std::string_view(pol.principals[w.principal].id);
        const std::string_view at = pol.scopes[w.scope].id;
        switch (w.type) {
        case row_type::binding: {
            std::vector<std::string_view> roles;
            for (std::size_t q : w.roles) roles.push_back(pol.roles[q].id);
            b.bind(who, at, ward::view<std::string_view>(roles), w.replace ? ward::assign::replace : ward::assign::add);
            break;
        }
        case row_type::grant: b.grant(who, at, vm<P>::to_engine(w.perms)); break;
        case row_type::deny: b.deny(who, at, vm<P>::to_engine(w.perms)); break;
        case row_type::deny_everyone: b.deny_everyone(at, vm<P>::to_engine(w.perms)); break;
        case row_type::restriction:
            b.restrict_to(who, at, vm<P>::to_engine(w.perms), w.within == npos ? std::string_view{} : std::string_view(pol.scopes[w.within].id));
            break;
        }
    }
    engine<P> e;
    const auto built = b.build();
    if (!built) {
        INFO(describe<P>(pol));
        FAIL_CHECK("the policy did not build: " << built.error.message());
        return e;
    }
    e.snap = built.snapshot;
    for (const scope_desc& d : pol.scopes) e.scope.push_back(e.snap->find_scope(d.id));
    for (const principal_desc& p : pol.principals) e.principal.push_back(e.snap->find_principal(p.id));
    return e;
}

// ---- the reference model ------------------------------------------------------------------------------------
struct answer {
    bool admitted = false;
    bool allowed = false;
    ward::reason why = ward::reason::unauthenticated;
    bits missing;
    bits effective;
};

template <class P>
class model {
public:
    explicit model(const policy_desc& pol) : pol_(pol) {
        flat_.assign(pol.roles.size(), bits{});
        done_.assign(pol.roles.size(), false);
        for (std::size_t i = 0; i < pol.roles.size(); ++i) flatten(i);
        for (std::size_t i = 0; i < pol.rows.size(); ++i) {
            const row_desc& w = pol.rows[i];
            bits m;
            if (w.type == row_type::binding) {
                for (std::size_t q : w.roles) m = unite(m, flat_[q]);
            } else if (w.type == row_type::grant || w.type == row_type::restriction) {
                m = vm<P>::closure(w.perms);
            } else {
                m = w.perms; // denies are not closed under implications
            }
            mask_.push_back(m);
            // A binding is dropped when a later replacing binding names the same principal and scope.
            bool dropped = false;
            if (w.type == row_type::binding)
                for (std::size_t j = i + 1; j < pol.rows.size() && !dropped; ++j) {
                    const row_desc& v = pol.rows[j];
                    dropped = v.type == row_type::binding && v.replace && v.principal == w.principal && v.scope == w.scope;
                }
            dropped_.push_back(dropped);
            // A restriction governs its explicit scope, or else the application's parent (its
            // organization), or the application itself when it is a root.
            std::size_t gov = w.within;
            if (gov == npos && w.type == row_type::restriction) gov = pol.scopes[w.scope].parent == npos ? w.scope : pol.scopes[w.scope].parent;
            governs_.push_back(gov);
        }
    }

    /// Is scope a the same as t or above it? Walks t's parent links.
    bool covers(std::size_t a, std::size_t t) const {
        if (a == npos) return false;
        for (std::size_t s = t; s != npos; s = pol_.scopes[s].parent)
            if (s == a) return true;
        return false;
    }

    answer check(const request_desc& q) const {
        answer a;
        a.missing = q.required;
        if (q.auth != 0) return a; // unauthenticated
        if (q.required.empty()) {
            a.why = ward::reason::invalid_request;
            return a;
        }
        a.why = admit(q);
        if (a.why != ward::reason::granted) return a;
        a.admitted = true;
        bits granted, denied;
        path(q, granted, denied);
        const bits held = minus(granted, denied);
        const bool capped = !q.caps.empty();
        const bits tok = token(q);
        a.effective = limit(q, held, tok);
        a.missing = minus(q.required, a.effective);
        if (a.missing.empty()) {
            a.allowed = true;
            a.why = ward::reason::granted;
        } else if (!intersect(a.missing, denied).empty()) {
            a.why = ward::reason::explicitly_denied;
        } else if (!subset(q.required, held)) {
            a.why = ward::reason::missing_permission;
        } else if (capped && !subset(q.required, tok)) {
            a.why = ward::reason::not_in_token;
        } else {
            a.why = ward::reason::restricted_by_application;
        }
        return a;
    }

    answer effective(const request_desc& q) const {
        answer a;
        if (q.auth != 0) return a;
        a.why = admit(q);
        if (a.why != ward::reason::granted) return a;
        a.admitted = true;
        bits granted, denied;
        path(q, granted, denied);
        a.effective = limit(q, minus(granted, denied), token(q));
        return a;
    }

private:
    void flatten(std::size_t i) {
        if (done_[i]) return;
        bits m = pol_.roles[i].perms;
        for (std::size_t q : pol_.roles[i].parents) {
            flatten(q);
            m = unite(m, flat_[q]);
        }
        flat_[i] = vm<P>::closure(m);
        done_[i] = true;
    }
    ward::reason admit(const request_desc& q) const {
        // The principal first: a caller the policy does not know learns nothing about scopes.
        if (q.principal.idx == npos) return ward::reason::unknown_principal;
        if (q.target.idx == npos) return ward::reason::unknown_scope;
        if (!q.bound.empty()) {
            bool inside = false;
            for (const ref& b : q.bound) inside = inside || covers(b.idx, q.target.idx);
            if (!inside) return ward::reason::outside_scope;
        }
        return ward::reason::granted;
    }
    void path(const request_desc& q, bits& granted, bits& denied) const {
        const std::size_t p = q.principal.idx, t = q.target.idx;
        for (std::size_t i = 0; i < pol_.rows.size(); ++i) {
            const row_desc& w = pol_.rows[i];
            if (w.type == row_type::restriction || !covers(w.scope, t)) continue;
            if (w.type == row_type::deny_everyone) {
                add_to(denied, mask_[i]);
                continue;
            }
            if (w.principal != p) continue;
            if (w.type == row_type::deny) add_to(denied, mask_[i]);
            else if (!dropped_[i]) add_to(granted, mask_[i]);
        }
    }
    /// The token's ceiling: the intersection of the caps, each closed (meaningless without caps).
    bits token(const request_desc& q) const {
        if (q.caps.empty()) return {};
        bits t = vm<P>::closure(q.caps[0]);
        for (std::size_t i = 1; i < q.caps.size(); ++i) t = intersect(t, vm<P>::closure(q.caps[i]));
        return t;
    }
    /// What the policy holds, limited by the token's ceiling and the application restriction.
    bits limit(const request_desc& q, const bits& held, const bits& tok) const {
        bits e = q.caps.empty() ? held : intersect(held, tok);
        bool restricted = false;
        const bits a = app(q, restricted);
        return restricted ? intersect(e, a) : e;
    }
    /// The principal is restricted at the target when one of its restrictions governs the target;
    /// it then holds the union of the caps of the governing restrictions whose application is (an
    /// ancestor of) the one in use.
    bits app(const request_desc& q, bool& restricted) const {
        const std::size_t p = q.principal.idx;
        bits m;
        for (std::size_t i = 0; i < pol_.rows.size(); ++i) {
            const row_desc& w = pol_.rows[i];
            if (w.type != row_type::restriction || w.principal != p || !covers(governs_[i], q.target.idx)) continue;
            restricted = true;
            if (q.has_via && q.via.idx != npos && covers(w.scope, q.via.idx)) add_to(m, mask_[i]);
        }
        return m;
    }

    const policy_desc& pol_;
    std::vector<bits> flat_;
    std::vector<bool> done_;
    std::vector<bits> mask_;
    std::vector<bool> dropped_;
    std::vector<std::size_t> governs_; ///< restrictions: the scope whose subtree they govern
};

// ---- comparing -----------------------------------------------------------------------------------------------
template <class P>
std::string describe(const ward::decision<P>& d) {
    return std::string(d.allowed ? "allowed" : "denied") + ", " + std::string(ward::to_string(d.why)) + ", missing " +
           vm<P>::names(vm<P>::from_engine(d.missing));
}
template <class P>
std::string describe(const answer& a) {
    return std::string(a.allowed ? "allowed" : "denied") + ", " + std::string(ward::to_string(a.why)) + ", missing " +
           vm<P>::names(a.missing) + ", effective " + vm<P>::names(a.effective);
}

/// Counts mismatches and reports the first few of them in full.
struct tally {
    std::size_t comparisons = 0;
    std::size_t mismatches = 0;
    template <class P>
    void fail(const char* what, const policy_desc& pol, const request_desc& q, const std::string& got, const std::string& want) {
        if (++mismatches > 5) return;
        INFO(describe<P>(pol));
        INFO(describe<P>(pol, q));
        INFO("engine: " << got);
        INFO("model:  " << want);
        FAIL_CHECK(what);
    }
};

template <class P>
answer compare_with_model(const engine<P>& e, const model<P>& m, const policy_desc& pol, const request_desc& q, tally& t) {
    const ward::decision<P> d = e.check(q);
    const answer want = m.check(q);
    ++t.comparisons;
    if (d.allowed != want.allowed || d.why != want.why || vm<P>::from_engine(d.missing) != want.missing)
        t.template fail<P>("check() disagrees with the model", pol, q, describe(d), describe<P>(want));
    const ward::effective_result<P> r = e.effective(q);
    const answer we = m.effective(q);
    ++t.comparisons;
    if (r.why != we.why || vm<P>::from_engine(r.permissions) != we.effective)
        t.template fail<P>("effective_permissions() disagrees with the model", pol, q,
                           std::string(ward::to_string(r.why)) + ", " + vm<P>::names(vm<P>::from_engine(r.permissions)),
                           describe<P>(we));
    return want;
}

template <class P>
std::size_t run_model_comparison(std::uint64_t salt, std::size_t policies, std::size_t requests) {
    INFO("WARD_PROPERTY_SEED=" << base_seed() << " vocabulary " << model_vocab<P>::name);
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

TEST_CASE("engine property: the model's vocabularies and implications match the test vocabularies", "[engine][property]") {
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
    INFO("WARD_PROPERTY_SEED=" << base_seed() << " vocabulary " << model_vocab<P>::name);
    gen_options o;
    o.grants = false; // rows that can never grant: denies and restrictions only (or no rows at all)
    tally t;
    for (std::size_t i = 0; i < policies; ++i) {
        const policy_desc pol = gen_policy<P>(derive(salt, i), o);
        const engine<P> e = build_engine<P>(pol, natural_order(pol));
        if (!e.snap) return;
        splitmix64 r{derive(salt + 1, i)};
        for (std::size_t k = 0; k < requests; ++k) {
            const request_desc q = gen_request<P>(r, pol, req_options{});
            const ward::decision<P> d = e.check(q);
            const ward::effective_result<P> ef = e.effective(q);
            ++t.comparisons;
            if (d.allowed || ef.permissions.any() || d.missing != vm<P>::to_engine(q.required))
                t.template fail<P>("a policy without grants allowed something", pol, q, describe(d),
                                   "denied, missing everything required, nothing effective");
        }
    }
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
    const auto cred = ward::credential<wt::bb>::of(built.snapshot->find_principal("user:u"));
    for (std::size_t i = 0; i < 20; ++i) {
        const ward::permission_set<wt::bb> one(ward::vocabulary<wt::bb>::from_index(i));
        const auto d = built.snapshot->check(cred, one, built.snapshot->find_scope("platform"));
        CHECK_FALSE(d.allowed);
        CHECK(d.why == ward::reason::missing_permission);
        CHECK(d.missing == one);
    }
    CHECK(built.snapshot->check(cred, ward::permission_set<wt::bb>::all(), built.snapshot->find_scope("platform")).why ==
          ward::reason::missing_permission);
}

namespace {

/// A random principal and target of a policy, and one permission of its pool.
struct pick {
    std::size_t principal, target, perm;
};
pick random_pick(splitmix64& r, const policy_desc& pol) {
    return {r.below(pol.principals.size()), r.below(pol.scopes.size()), pol.pool[r.below(pol.pool.size())]};
}
std::size_t random_ancestor(splitmix64& r, const policy_desc& pol, std::size_t t) {
    std::size_t s = t;
    while (pol.scopes[s].parent != npos && r.chance(50)) s = pol.scopes[s].parent;
    return s;
}

template <class P>
void deny_wins(std::uint64_t salt, std::size_t policies, std::size_t picks) {
    INFO("WARD_PROPERTY_SEED=" << base_seed() << " vocabulary " << model_vocab<P>::name);
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
            if (d.allowed || d.why != ward::reason::explicitly_denied || !d.missing.contains(ward::vocabulary<P>::from_index(c.perm)) ||
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
    INFO("WARD_PROPERTY_SEED=" << base_seed() << " vocabulary " << model_vocab<P>::name);
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
                const bool giving = (w.type == row_type::grant || w.type == row_type::binding) && w.principal == q.principal.idx;
                const bool on_path = m.covers(w.scope, q.target.idx);
                if (!(giving && on_path)) on.rows.push_back(w);
                if (!(giving && !on_path)) off.rows.push_back(w);
            }
            const engine<P> e_on = build_engine<P>(on, natural_order(on));
            const engine<P> e_off = build_engine<P>(off, natural_order(off));
            if (!e_on.snap || !e_off.snap) return;
            const ward::decision<P> d_on = e_on.check(q), d_off = e_off.check(q);
            t.comparisons += 2;
            if (d_on.allowed || (d_on.why != ward::reason::missing_permission && d_on.why != ward::reason::explicitly_denied))
                t.template fail<P>("allowed without a grant on the path", on, q, describe(d_on), "denied, missing permission");
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
    INFO("WARD_PROPERTY_SEED=" << base_seed() << " vocabulary " << model_vocab<P>::name);
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
                t.template fail<P>("a grant flowed up or sideways", pol, q, vm<P>::names(vm<P>::from_engine(ef.permissions)), "{}");
            if (below && ef.permissions != e.effective([&] {
                    request_desc at = q;
                    at.target.idx = s;
                    return at;
                }()).permissions)
                t.template fail<P>("a grant did not flow down unchanged", pol, q, vm<P>::names(vm<P>::from_engine(ef.permissions)),
                                   "the permissions held at the granting scope");
            for (std::size_t x : vm<P>::from_engine(ef.permissions)) {
                q.required = {x};
                ++t.comparisons;
                if (!e.check(q).allowed) t.template fail<P>("an effective permission was not allowed", pol, q, "denied", "allowed");
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
                if (e.check(q).allowed) t.template fail<P>("allowed at the parent or a sibling of the grant", pol, q, "allowed", "denied");
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
    INFO("WARD_PROPERTY_SEED=" << base_seed() << " vocabulary " << model_vocab<P>::name);
    tally t;
    std::size_t allowed = 0;
    req_options ro;
    ro.cap = 100;
    ro.unauth = 0;
    ro.unknown = 0;
    for (std::size_t i = 0; i < policies; ++i) {
        const policy_desc pol = gen_policy<P>(derive(salt, i), gen_options{});
        const engine<P> e = build_engine<P>(pol, natural_order(pol));
        if (!e.snap) return;
        splitmix64 r{derive(salt + 1, i)};
        for (std::size_t k = 0; k < requests; ++k) {
            const request_desc q = gen_request<P>(r, pol, ro);
            const ward::credential<P> cred = e.credential(q);
            // The ceiling the credential carries is the intersection of the caps, each closed.
            bits want = vm<P>::all();
            for (const bits& c : q.caps) want = intersect(want, vm<P>::closure(c));
            const auto ceiling = cred.ceiling();
            if (vm<P>::from_engine(ceiling) != want)
                t.template fail<P>("the ceiling is not the closed intersection of the caps", pol, q, vm<P>::names(vm<P>::from_engine(ceiling)),
                                   vm<P>::names(want));
            const ward::effective_result<P> ef = e.effective(q);
            const ward::decision<P> d = e.check(q);
            ++t.comparisons;
            allowed += d.allowed ? 1 : 0;
            if (!ceiling.contains_all(ef.permissions))
                t.template fail<P>("effective permissions exceed the ceiling", pol, q, vm<P>::names(vm<P>::from_engine(ef.permissions)),
                                   "a subset of " + vm<P>::names(want));
            if (d.allowed && !ceiling.contains_all(vm<P>::to_engine(q.required)))
                t.template fail<P>("allowed beyond the ceiling", pol, q, describe(d), "denied, not in token");
            // The capped credential holds exactly what the uncapped one holds, within the ceiling.
            request_desc uncapped = q;
            uncapped.caps.clear();
            const ward::effective_result<P> eu = e.effective(uncapped);
            if (ef.permissions != (eu.permissions & ceiling))
                t.template fail<P>("a ceiling did more than intersect", pol, q, vm<P>::names(vm<P>::from_engine(ef.permissions)),
                                   vm<P>::names(vm<P>::from_engine(eu.permissions & ceiling)));
        }
    }
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
    INFO("WARD_PROPERTY_SEED=" << base_seed() << " vocabulary " << model_vocab<P>::name);
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
                t.template fail<P>("the decision depends on row order or duplicates", pol, q, describe(db), describe(da));
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
    INFO("WARD_PROPERTY_SEED=" << base_seed() << " vocabulary " << model_vocab<P>::name);
    tally t;
    for (std::size_t i = 0; i < policies; ++i) {
        const policy_desc pol = gen_policy<P>(derive(salt, i), gen_options{});
        const engine<P> e = build_engine<P>(pol, natural_order(pol));
        if (!e.snap) return;
        splitmix64 r{derive(salt + 1, i)};
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
                const ward::reason want = q.auth != 0 ? ward::reason::unauthenticated
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
                                   std::string(ward::to_string(ef.why)) + ", effective " + vm<P>::names(vm<P>::from_engine(ef.permissions)));
        }
    }
    CHECK(t.mismatches == 0);
    CHECK(t.comparisons == policies * requests);
}

} // namespace

TEST_CASE("engine property: effective_permissions agrees with check", "[engine][property]") {
    effective_agrees_with_check<wt::ident>(1001, 200, 40);
    effective_agrees_with_check<wt::bb>(1002, 100, 40);
    effective_agrees_with_check<wt::v200>(1003, 100, 40);
}

// ==== replace, explicitly ================================================================================

TEST_CASE("engine property: a replacing binding drops only earlier bindings of the same principal and scope",
          "[engine][property]") {
    // A fixed example the model and the engine must both get right, beside the random ones.
    policy_desc pol;
    pol.scopes = {{"platform", skind::platform, npos}, {"org1", skind::organization, 0}, {"app2", skind::application, 1}};
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
    pol.rows = {bind(0, 1, 0, false), g, bind(1, 1, 0, false), bind(0, 2, 0, false), bind(0, 1, 1, true), bind(0, 1, 2, false)};
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
