// SPDX-License-Identifier: MIT
// Property tests of policy_writer (writer.hpp) and of the builder calls it rests on (remove,
// unbind, begin_change / commit_change / rollback_change).
//
// Random policies (generators.hpp) change by random sequences of changes: bindings added (add and
// replace) and removed, grants, denies, denies for everyone, restrictions (with and without
// `within`), principals added and removed with their rows, leaf scopes added and removed, run-time
// roles defined and redefined, unbind. After every change the snapshot apply() derived is compared
// with a full build of the same rows (writer.rows().build()): handles, lookups, every principal x
// every scope x several permission sets (check: allowed, reason, deciding row, missing, version),
// effective_permissions, roles_at and principals_with, and role_permissions of every role id. A
// second comparison rebuilds only the live rows, renumbered, in a fresh builder: the writer's
// snapshot must decide by ids as that build does, and as the naive model (model.hpp) does.
//
// Changes that make the policy invalid (an unknown role, a role cycle, a scope under a parent of
// the wrong kind, a row for a removed principal, removing what rows still name, a bad row number)
// must be refused with exactly the error a copy of the rows with the same change gives on build(),
// with the rows and the current snapshot left as they were.
//
// The seed is printed with INFO and can be set with WARD_PROPERTY_SEED; a mismatch prints the live
// rows and the change.
#include "property/generators.hpp"
#include "property/harness.hpp"
#include "property/model.hpp"
#include "support/splitmix64.hpp"
#include "support/vocabularies.hpp"
#include "support/ward_catch.hpp"
#include <ward/builder.hpp>
#include <ward/claims.hpp>
#include <ward/credential.hpp>
#include <ward/decision.hpp>
#include <ward/error.hpp>
#include <ward/permission_set.hpp>
#include <ward/snapshot.hpp>
#include <ward/writer.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using namespace wt::property;
using wt::property_seed;
using wt::splitmix64;

namespace {

// ---- the rows as the test keeps them ------------------------------------------------------------------
enum class rk : unsigned char { scope, principal, role_table, role, binding, grant, deny, deny_everyone, restriction };

// The row kinds of relations here and in the model's policy descriptions.
constexpr std::pair<rk, row_type> relation_kinds[] = {{rk::binding, row_type::binding},
                                                      {rk::grant, row_type::grant},
                                                      {rk::deny, row_type::deny},
                                                      {rk::deny_everyone, row_type::deny_everyone},
                                                      {rk::restriction, row_type::restriction}};
row_type type_of(rk k) {
    for (const auto& [a, t] : relation_kinds)
        if (a == k) return t;
    return row_type::restriction;
}
rk kind_of(row_type t) {
    for (const auto& [a, b] : relation_kinds)
        if (b == t) return a;
    return rk::restriction;
}

const char* rk_name(rk k) {
    switch (k) {
    case rk::scope: return "scope";
    case rk::principal: return "principal";
    case rk::role_table: return "role table";
    case rk::role: return "role";
    case rk::binding: return "bind";
    case rk::grant: return "grant";
    case rk::deny: return "deny";
    case rk::deny_everyone: return "deny_everyone";
    case rk::restriction: return "restrict_to";
    }
    return "?";
}

bool is_relation(rk k) { return k >= rk::binding; }

/// One builder row, by ids.
struct row_rec {
    rk kind = rk::grant;
    std::string id; ///< scope, principal, role
    skind scope_kind = skind::resource;
    std::string parent; ///< scope: the parent's id ("" for a root)
    ward::principal_kind pkind = ward::principal_kind::user;
    std::vector<std::string> parents;     ///< role: parent roles
    std::string principal, scope, within; ///< relation rows ("" principal: deny_everyone)
    std::vector<std::string> roles;       ///< binding
    bits perms;                           ///< role, grant, deny, deny_everyone, restriction
    bool replace = false;
};

template <class P>
std::string describe_row(const row_rec& w) {
    std::ostringstream s;
    s << rk_name(w.kind);
    switch (w.kind) {
    case rk::scope:
        s << ' ' << w.id << " (" << kind_name(w.scope_kind) << ")" << (w.parent.empty() ? " root" : " < " + w.parent);
        break;
    case rk::principal: s << ' ' << w.id; break;
    case rk::role_table: break;
    case rk::role:
        s << ' ' << w.id << ' ' << vm<P>::names(w.perms);
        for (const std::string& q : w.parents) s << " <" << q;
        break;
    case rk::binding:
        s << ' ' << w.principal << " @ " << w.scope << " [";
        for (const std::string& q : w.roles) s << ' ' << q;
        s << " ]" << (w.replace ? " replace" : " add");
        break;
    case rk::deny_everyone: s << " @ " << w.scope << ' ' << vm<P>::names(w.perms); break;
    case rk::grant:
    case rk::deny:
    case rk::restriction:
        s << ' ' << w.principal << " @ " << w.scope << ' ' << vm<P>::names(w.perms);
        if (!w.within.empty()) s << " within " << w.within;
        break;
    }
    return s.str();
}

/// Adds `w` to `b`; returns its row number.
template <class P>
std::size_t add_row(ward::policy_builder<P>& b, const row_rec& w) {
    using set = ward::permission_set<P>;
    const set perms = vm<P>::to_engine(w.perms);
    switch (w.kind) {
    case rk::scope: return b.add_scope(w.id, kind_name(w.scope_kind), w.parent);
    case rk::principal: return b.add_principal(w.id, w.pkind);
    case rk::role_table: {
        const std::size_t row = b.row_count();
        table_for<P>::add(b);
        return row;
    }
    case rk::role: {
        const std::vector<std::string_view> parents(w.parents.begin(), w.parents.end());
        return b.define_role(w.id, perms, ward::view<std::string_view>(parents));
    }
    case rk::binding: {
        const std::vector<std::string_view> roles(w.roles.begin(), w.roles.end());
        return b.bind(w.principal, w.scope, ward::view<std::string_view>(roles),
                      w.replace ? ward::assign::replace : ward::assign::add);
    }
    case rk::grant: return b.grant(w.principal, w.scope, perms);
    case rk::deny: return b.deny(w.principal, w.scope, perms);
    case rk::deny_everyone: return b.deny_everyone(w.scope, perms);
    case rk::restriction: return b.restrict_to(w.principal, w.scope, perms, w.within);
    }
    return 0;
}

/// The live rows of a policy, by builder row number, and every id it ever used.
struct state {
    std::map<std::size_t, row_rec> rows;
    std::set<std::size_t> removed; ///< numbers of removed rows
    std::size_t table_row = npos;
    bool with_table = false;
    std::vector<std::string> table_roles;
    std::vector<std::size_t> pool;
    std::set<std::string> scope_ids, principal_ids, role_ids; ///< every id ever used
    std::size_t fresh = 0;                                    ///< for new ids

    void note(const row_rec& w) {
        if (w.kind == rk::scope) scope_ids.insert(w.id);
        if (w.kind == rk::principal) principal_ids.insert(w.id);
        if (w.kind == rk::role) role_ids.insert(w.id);
        if (!w.principal.empty()) principal_ids.insert(w.principal);
        if (!w.scope.empty()) scope_ids.insert(w.scope);
        for (const std::string& q : w.roles) role_ids.insert(q);
        for (const std::string& q : w.parents) role_ids.insert(q);
    }
    /// The live row defining `id` as a `k`, or null.
    const row_rec* def(rk k, const std::string& id) const {
        for (const auto& [n, w] : rows)
            if (w.kind == k && w.id == id) return &w;
        return nullptr;
    }
    std::size_t def_row(rk k, const std::string& id) const {
        for (const auto& [n, w] : rows)
            if (w.kind == k && w.id == id) return n;
        return npos;
    }
    std::vector<std::string> live(rk k) const {
        std::vector<std::string> out;
        for (const auto& [n, w] : rows)
            if (w.kind == k) out.push_back(w.id);
        return out;
    }
    std::vector<std::size_t> numbers(bool (*pred)(const row_rec&)) const {
        std::vector<std::size_t> out;
        for (const auto& [n, w] : rows)
            if (pred(w)) out.push_back(n);
        return out;
    }
    /// Every role a binding may name: the table's, then the live run-time ones.
    std::vector<std::string> roles() const {
        std::vector<std::string> out;
        if (with_table) out = table_roles;
        for (const std::string& id : live(rk::role)) out.push_back(id);
        return out;
    }
    /// The earliest live row naming `id` as a `k` (not defining it); npos when none does.
    std::size_t first_naming(rk k, const std::string& id) const {
        for (const auto& [n, w] : rows) {
            if (k == rk::scope &&
                ((w.kind == rk::scope && w.parent == id) || (is_relation(w.kind) && (w.scope == id || w.within == id))))
                return n;
            if (k == rk::principal && is_relation(w.kind) && w.principal == id) return n;
            if (k == rk::role && ((w.kind == rk::role && std::count(w.parents.begin(), w.parents.end(), id) != 0) ||
                                  (w.kind == rk::binding && std::count(w.roles.begin(), w.roles.end(), id) != 0)))
                return n;
        }
        return npos;
    }
    /// Does role `a` inherit from `b` (itself included), through live run-time roles?
    bool inherits(const std::string& a, const std::string& b) const {
        if (a == b) return true;
        const row_rec* d = def(rk::role, a);
        if (d == nullptr) return false;
        for (const std::string& q : d->parents)
            if (inherits(q, b)) return true;
        return false;
    }
    /// Which live row defines each id, and which live row names it first: first_naming and def_row
    /// for every id in one pass.
    struct index {
        std::map<std::pair<rk, std::string>, std::size_t> defined, first;
        std::map<rk, std::vector<std::string>> live;
    };
    index make_index() const {
        index x;
        for (const auto& [n, w] : rows) {
            const std::size_t row = n; // a structured binding is not captured before C++20
            auto name = [&](rk k, const std::string& id) {
                if (!id.empty()) x.first.emplace(std::make_pair(k, id), row);
            };
            if (w.kind == rk::scope || w.kind == rk::principal || w.kind == rk::role) {
                x.defined[{w.kind, w.id}] = n;
                x.live[w.kind].push_back(w.id);
            }
            if (w.kind == rk::scope) name(rk::scope, w.parent);
            if (is_relation(w.kind)) {
                name(rk::scope, w.scope);
                name(rk::scope, w.within);
                name(rk::principal, w.principal);
            }
            for (const std::string& q : w.parents) name(rk::role, q);
            for (const std::string& q : w.roles) name(rk::role, q);
        }
        return x;
    }
    std::size_t live_bindings(const std::string& p, const std::string& s) const {
        std::size_t n = 0;
        for (const auto& [k, w] : rows) n += w.kind == rk::binding && w.principal == p && w.scope == s ? 1 : 0;
        return n;
    }
};

/// The live rows as a policy description: scopes, principals, the table, run-time roles, then the
/// relation rows in their order (what a fresh builder of the live rows holds, renumbered).
template <class P>
policy_desc to_desc(const state& s) {
    policy_desc pol;
    pol.pool = s.pool;
    pol.with_table = s.with_table;
    std::map<std::string, std::size_t> si, pi, ri;
    for (const auto& [n, w] : s.rows)
        if (w.kind == rk::scope) {
            si[w.id] = pol.scopes.size();
            if (w.scope_kind == skind::application) pol.applications.push_back(pol.scopes.size());
            pol.scopes.push_back({w.id, w.scope_kind, npos});
        }
    for (const auto& [n, w] : s.rows)
        if (w.kind == rk::scope && !w.parent.empty()) pol.scopes[si.at(w.id)].parent = si.at(w.parent);
    for (const auto& [n, w] : s.rows)
        if (w.kind == rk::principal) {
            pi[w.id] = pol.principals.size();
            pol.principals.push_back({w.id, w.pkind});
        }
    if (s.with_table) pol.roles = table_for<P>::model();
    for (std::size_t i = 0; i < pol.roles.size(); ++i) ri[pol.roles[i].id] = i;
    for (const auto& [n, w] : s.rows)
        if (w.kind == rk::role) {
            ri[w.id] = pol.roles.size();
            role_desc d;
            d.id = w.id;
            d.perms = w.perms;
            pol.roles.push_back(d);
        }
    for (const auto& [n, w] : s.rows)
        if (w.kind == rk::role)
            for (const std::string& q : w.parents) pol.roles[ri.at(w.id)].parents.push_back(ri.at(q));
    for (const auto& [n, w] : s.rows) {
        if (!is_relation(w.kind)) continue;
        row_desc d;
        d.type = type_of(w.kind);
        d.principal = w.principal.empty() ? npos : pi.at(w.principal);
        d.scope = si.at(w.scope);
        for (const std::string& q : w.roles) d.roles.push_back(ri.at(q));
        d.perms = w.perms;
        d.replace = w.replace;
        d.within = w.within.empty() ? npos : si.at(w.within);
        pol.rows.push_back(d);
    }
    return pol;
}

template <class P>
std::string describe_state(const state& s) {
    std::ostringstream o;
    o << "live rows (vocabulary " << model_vocab<P>::name << "):";
    for (const auto& [n, w] : s.rows) o << "\n    #" << n << ' ' << describe_row<P>(w);
    return o.str();
}

// ---- changes ------------------------------------------------------------------------------------------
struct op {
    enum class type : unsigned char { add, remove, remove_added, unbind, set_version } t = type::add;
    row_rec row;                  ///< add
    std::size_t number = 0;       ///< remove; remove_added: which add of this change (from 0)
    bool bad = false;             ///< remove: a number that must answer unknown_row
    std::string principal, scope; ///< unbind
    std::uint64_t version = 0;    ///< set_version
};

struct change {
    std::vector<op> ops;
    std::string what;
    bool valid = true;
    bool either = false;                   ///< valid or not: only apply() == build() is checked
    ward::errc expect_ec = ward::errc::ok; ///< invalid changes whose error the test predicts
    std::size_t expect_row = npos;         ///< ... and its row (npos: not predicted)
    std::string expect_id;
    std::uint64_t set_version = 0; ///< the version the change sets (0: none)
};

template <class P>
std::string describe_change(const change& c) {
    std::ostringstream o;
    o << "change (" << c.what << (c.valid ? ", valid" : ", invalid") << "):";
    for (const op& x : c.ops) {
        o << "\n    ";
        switch (x.t) {
        case op::type::add: o << "add " << describe_row<P>(x.row); break;
        case op::type::remove: o << "remove #" << x.number << (x.bad ? " (a bad number)" : ""); break;
        case op::type::remove_added: o << "remove the row of add " << x.number << " of this change"; break;
        case op::type::unbind: o << "unbind " << x.principal << " @ " << x.scope; break;
        case op::type::set_version: o << "set_version " << x.version; break;
        }
    }
    return o.str();
}

/// Makes the builder calls of `c`, keeping `s` in step, and checks what remove and unbind answer.
template <class P>
void run(ward::policy_builder<P>& b, const change& c, state& s) {
    std::vector<std::size_t> added;
    for (const op& x : c.ops) {
        switch (x.t) {
        case op::type::add: {
            const std::size_t n = add_row(b, x.row);
            added.push_back(n);
            s.rows[n] = x.row;
            s.note(x.row);
            break;
        }
        case op::type::remove_added: {
            const std::size_t n = added.at(x.number);
            CHECK(b.remove(n) == ward::errc::ok);
            s.rows.erase(n);
            s.removed.insert(n);
            break;
        }
        case op::type::remove: {
            const ward::errc e = b.remove(x.number);
            if (x.bad) {
                CHECK(e == ward::errc::unknown_row);
            } else {
                CHECK(e == ward::errc::ok);
                s.rows.erase(x.number);
                s.removed.insert(x.number);
            }
            break;
        }
        case op::type::unbind: {
            const std::size_t expected = s.live_bindings(x.principal, x.scope);
            CHECK(b.unbind(x.principal, x.scope) == expected);
            for (auto it = s.rows.begin(); it != s.rows.end();) {
                const row_rec& w = it->second;
                if (w.kind == rk::binding && w.principal == x.principal && w.scope == x.scope) {
                    s.removed.insert(it->first);
                    it = s.rows.erase(it);
                } else {
                    ++it;
                }
            }
            break;
        }
        case op::type::set_version: b.set_version(x.version); break;
        }
    }
}

// ---- random changes -------------------------------------------------------------------------------------
template <class T>
const T& any_of(splitmix64& r, const std::vector<T>& v) {
    return v[r.below(v.size())];
}

bits random_bits(splitmix64& r, const std::vector<std::size_t>& pool, const std::vector<std::size_t>& defined,
                 std::size_t max) {
    bits out;
    const std::size_t n = 1 + r.below(max);
    for (std::size_t k = 0; k < n; ++k) out.insert(r.chance(85) ? any_of(r, pool) : any_of(r, defined));
    return out;
}

op add_op(row_rec w) {
    op x;
    x.t = op::type::add;
    x.row = std::move(w);
    return x;
}
op remove_op(std::size_t n, bool bad = false) {
    op x;
    x.t = op::type::remove;
    x.number = n;
    x.bad = bad;
    return x;
}

skind kind_of_id(const state& s, const std::string& id) {
    for (const auto& [n, w] : s.rows)
        if (w.kind == rk::scope && w.id == id) return w.scope_kind;
    return skind::resource;
}

template <class P>
class change_maker {
public:
    change_maker(splitmix64& r, const state& s) : r_(r), s_(s), x_(s.make_index()), roles_(s.roles()) {
        for (const auto& [n, w] : s_.rows)
            if (w.kind == rk::scope && w.scope_kind == skind::application) apps_.push_back(w.id);
    }
    const std::vector<std::string>& live(rk k) const {
        static const std::vector<std::string> none_live;
        const auto it = x_.live.find(k);
        return it == x_.live.end() ? none_live : it->second;
    }
    bool defined(rk k, const std::string& id) const { return x_.defined.count({k, id}) != 0; }
    std::size_t def_row(rk k, const std::string& id) const { return x_.defined.at({k, id}); }
    std::size_t first_naming(rk k, const std::string& id) const {
        const auto it = x_.first.find({k, id});
        return it == x_.first.end() ? npos : it->second;
    }

    bits perms(std::size_t max) { return random_bits(r_, s_.pool, vm<P>::defined(), max); }
    std::string principal() { return any_of(r_, live(rk::principal)); }
    std::string scope() { return any_of(r_, live(rk::scope)); }
    std::vector<std::string> some_roles(std::size_t max) {
        const std::vector<std::string>& all = roles_;
        std::vector<std::string> out;
        if (all.empty()) return out;
        const std::size_t n = r_.below(max + 1);
        for (std::size_t k = 0; k < n; ++k) {
            const std::string& q = any_of(r_, all);
            if (std::find(out.begin(), out.end(), q) == out.end()) out.push_back(q);
        }
        return out;
    }
    const std::vector<std::string>& applications() const { return apps_; }

    row_rec relation(rk k) {
        row_rec w;
        w.kind = k;
        w.scope = scope();
        if (k != rk::deny_everyone) w.principal = principal();
        switch (k) {
        case rk::binding:
            w.roles = some_roles(2);
            w.replace = r_.chance(50);
            break;
        case rk::grant: w.perms = perms(4); break;
        case rk::deny:
        case rk::deny_everyone: w.perms = perms(2); break;
        case rk::restriction: {
            const std::vector<std::string>& apps = applications();
            if (!apps.empty() && r_.chance(85)) w.scope = any_of(r_, apps);
            w.perms = perms(5);
            if (r_.chance(35)) w.within = scope();
            break;
        }
        default: break;
        }
        return w;
    }
    row_rec random_relation() {
        const std::size_t roll = r_.below(100);
        return relation(roll < 35   ? rk::binding
                        : roll < 60 ? rk::grant
                        : roll < 75 ? rk::deny
                        : roll < 82 ? rk::deny_everyone
                                    : rk::restriction);
    }
    /// An id of kind k not live now: a removed one again, or a fresh one.
    std::string new_id(rk k, const char* prefix) {
        std::vector<std::string> gone;
        const std::set<std::string>& ever = k == rk::scope       ? s_.scope_ids
                                            : k == rk::principal ? s_.principal_ids
                                                                 : s_.role_ids;
        for (const std::string& id : ever)
            if (!defined(k, id) && (!s_.with_table || k != rk::role || !is_table_role(id)) &&
                first_naming(k, id) == npos)
                gone.push_back(id);
        if (!gone.empty() && r_.chance(35)) return any_of(r_, gone);
        return prefix + std::to_string(++fresh_) + "_" + std::to_string(s_.fresh);
    }
    bool is_table_role(const std::string& id) const {
        return std::find(s_.table_roles.begin(), s_.table_roles.end(), id) != s_.table_roles.end();
    }
    row_rec new_principal() {
        row_rec w;
        w.kind = rk::principal;
        if (r_.chance(20)) {
            w.pkind = ward::principal_kind::application;
            w.id = new_id(rk::principal, "application:n");
        } else {
            w.id = new_id(rk::principal, "user:n");
        }
        return w;
    }
    /// A leaf scope under a live parent of a kind it may have (or a root organization).
    row_rec new_scope() {
        row_rec w;
        w.kind = rk::scope;
        static const skind kinds[] = {skind::organization, skind::application, skind::user, skind::resource};
        for (int attempt = 0; attempt < 8; ++attempt) {
            w.scope_kind = kinds[r_.below(4)];
            std::vector<std::string> cands;
            for (const auto& [n, d] : s_.rows)
                if (d.kind == rk::scope && parent_allowed(d.scope_kind, w.scope_kind)) cands.push_back(d.id);
            if (w.scope_kind == skind::organization && r_.chance(15)) cands.clear(); // a root
            else if (cands.empty()) continue;
            w.parent = cands.empty() ? std::string() : any_of(r_, cands);
            break;
        }
        if (w.parent.empty() && w.scope_kind != skind::organization) w.scope_kind = skind::organization;
        static const char* const prefix[] = {"plat", "org", "app", "usr", "res"};
        w.id = new_id(rk::scope, (std::string(prefix[static_cast<std::size_t>(w.scope_kind)]) + "n").c_str());
        return w;
    }
    row_rec new_role() {
        row_rec w;
        w.kind = rk::role;
        w.id = new_id(rk::role, "rol_n");
        w.perms = r_.chance(10) ? bits{} : perms(3);
        w.parents = some_roles(2);
        w.parents.erase(std::remove(w.parents.begin(), w.parents.end(), w.id), w.parents.end());
        return w;
    }

    change valid() {
        change c;
        const std::size_t roll = r_.below(106);
        const auto bindings = s_.numbers([](const row_rec& w) { return w.kind == rk::binding; });
        const auto relations = s_.numbers([](const row_rec& w) { return is_relation(w.kind); });
        const auto role_rows = s_.numbers([](const row_rec& w) { return w.kind == rk::role; });
        if (roll < 18) {
            c.what = "add a binding";
            c.ops.push_back(add_op(relation(rk::binding)));
        } else if (roll < 26 && !bindings.empty()) {
            c.what = "remove a binding";
            c.ops.push_back(remove_op(any_of(r_, bindings)));
        } else if (roll < 50) { // one row of a principal (or of everyone): 8 grants, 6 denies, 4, 6
            const rk k = roll < 34 ? rk::grant : roll < 40 ? rk::deny : roll < 44 ? rk::deny_everyone : rk::restriction;
            c.what = k == rk::grant           ? "grant"
                     : k == rk::deny          ? "deny"
                     : k == rk::deny_everyone ? "deny_everyone"
                                              : "restriction";
            c.ops.push_back(add_op(relation(k)));
        } else if (roll < 56) {
            c.what = "add a principal";
            const row_rec p = new_principal();
            c.ops.push_back(add_op(p));
            if (r_.chance(60)) { // and a first row of it, in the same change
                row_rec w = random_relation();
                if (w.kind == rk::deny_everyone) w = relation(rk::binding);
                w.principal = p.id;
                c.ops.push_back(add_op(w));
            }
        } else if (roll < 61 && live(rk::principal).size() > 2) {
            c.what = "remove a principal with its rows";
            const std::string p = principal();
            for (const auto& [n, w] : s_.rows)
                if ((is_relation(w.kind) && w.principal == p) || (w.kind == rk::principal && w.id == p))
                    c.ops.push_back(remove_op(n));
            r_.shuffle(c.ops);
            if (r_.chance(30)) { // and add it again, with a new row, in the same change
                c.what = "remove a principal with its rows and add it again";
                row_rec again;
                again.kind = rk::principal;
                again.id = p;
                again.pkind = r_.chance(30) ? ward::principal_kind::application : ward::principal_kind::user;
                c.ops.push_back(add_op(again));
                row_rec w = relation(rk::binding);
                w.principal = p;
                c.ops.push_back(add_op(w));
            }
        } else if (roll < 67) {
            c.what = "add a leaf scope";
            const row_rec sc = new_scope();
            add_then_name(
                c, sc, 50, [&] { return random_relation(); }, [&](row_rec& w) { w.scope = sc.id; });
        } else if (roll < 72 && !leaf_scopes().empty()) {
            c.what = "remove a leaf scope nothing names";
            const std::size_t n = any_of(r_, leaf_scopes());
            c.ops.push_back(remove_op(n));
            if (r_.chance(30)) { // and define it again in the same change: where it was, or elsewhere
                c.what = "remove a leaf scope and define it again";
                row_rec again = s_.rows.at(n);
                if (r_.chance(50)) {
                    const row_rec other = new_scope();
                    again.scope_kind = other.scope_kind;
                    again.parent = other.parent == again.id ? again.parent : other.parent;
                    if (again.parent == again.id || (again.parent.empty() && again.scope_kind != skind::organization))
                        again = s_.rows.at(n);
                }
                add_then_name(
                    c, again, 50, [&] { return random_relation(); }, [&](row_rec& w) { w.scope = again.id; });
            }
        } else if (roll < 77) {
            c.what = "define a run-time role";
            const row_rec d = new_role();
            add_then_name(
                c, d, 60, [&] { return relation(rk::binding); }, [&](row_rec& w) { w.roles.push_back(d.id); });
        } else if (roll < 83 && !role_rows.empty()) {
            c.what = "change a role's permissions";
            const std::size_t n = any_of(r_, role_rows);
            row_rec d = s_.rows.at(n);
            d.perms = r_.chance(10) ? bits{} : perms(3);
            if (r_.chance(30)) { // other parents, none inheriting from it
                d.parents.clear();
                for (const std::string& q : some_roles(2))
                    if (!s_.inherits(q, d.id)) d.parents.push_back(q);
            }
            if (r_.chance(85)) {
                c.ops.push_back(remove_op(n));
                c.ops.push_back(add_op(d));
            } else { // defined again before its old row goes: whatever build() says, apply() must say
                c.what = "define a role again, then remove its old row";
                c.either = true;
                c.ops.push_back(add_op(d));
                c.ops.push_back(remove_op(n));
            }
        } else if (roll < 90) {
            c.what = "unbind";
            op x;
            x.t = op::type::unbind;
            if (!bindings.empty() && r_.chance(80)) {
                const row_rec& w = s_.rows.at(any_of(r_, bindings));
                x.principal = w.principal;
                x.scope = w.scope;
            } else {
                x.principal = r_.chance(10) ? std::string("user:nobody") : principal();
                x.scope = scope();
            }
            c.ops.push_back(x);
        } else if (roll < 93 && !relations.empty()) {
            c.what = "remove a row";
            c.ops.push_back(remove_op(any_of(r_, relations)));
        } else if (roll < 96) {
            c.what = "add rows and remove one of them in the same change";
            c.ops.push_back(add_op(random_relation()));
            c.ops.push_back(add_op(relation(rk::binding)));
            op x;
            if (r_.chance(50)) {
                x.t = op::type::remove_added;
                x.number = r_.below(2);
            } else { // unbind what the binding just added (and whatever else binds there)
                x.t = op::type::unbind;
                x.principal = c.ops.back().row.principal;
                x.scope = c.ops.back().row.scope;
            }
            c.ops.push_back(x);
        } else if (roll < 97) {
            c.what = "nothing";
        } else if (roll < 100) {
            c.what = "a scope, a role, a principal and their rows at once";
            const row_rec sc = new_scope(), d = new_role(), p = new_principal();
            c.ops.push_back(add_op(sc));
            c.ops.push_back(add_op(d));
            c.ops.push_back(add_op(p));
            row_rec w = relation(rk::binding);
            w.principal = p.id;
            w.scope = sc.id;
            w.roles.push_back(d.id);
            c.ops.push_back(add_op(w));
            w = relation(rk::deny_everyone);
            w.scope = sc.id;
            c.ops.push_back(add_op(w));
            w = relation(rk::grant);
            c.ops.push_back(add_op(w));
            r_.shuffle(c.ops);
        } else {
            c.what = "several rows";
            const std::size_t n = 2 + r_.below(3);
            std::set<std::size_t> gone;
            for (std::size_t k = 0; k < n; ++k) {
                if (!relations.empty() && r_.chance(35)) {
                    const std::size_t victim = any_of(r_, relations);
                    if (gone.insert(victim).second) c.ops.push_back(remove_op(victim));
                } else {
                    c.ops.push_back(add_op(random_relation()));
                }
            }
        }
        maybe_version(c);
        return c;
    }

    change invalid() {
        change c;
        c.valid = false;
        const std::size_t roll = r_.below(100);
        if (roll < 10) {
            c.what = "a binding naming an unknown role";
            row_rec w = relation(rk::binding);
            w.roles.push_back("rol_unknown");
            c.ops.push_back(add_op(w));
            c.expect_ec = ward::errc::unknown_role;
        } else if (roll < 20) {
            c.what = "a role cycle";
            const auto role_rows = s_.numbers([](const row_rec& w) { return w.kind == rk::role; });
            if (!role_rows.empty() && r_.chance(50)) { // redefine a role to inherit from its own heir
                const std::size_t n = any_of(r_, role_rows);
                row_rec d = s_.rows.at(n);
                std::vector<std::string> heirs;
                for (const std::string& q : live(rk::role))
                    if (s_.inherits(q, d.id)) heirs.push_back(q);
                d.parents.push_back(any_of(r_, heirs));
                c.ops.push_back(remove_op(n));
                c.ops.push_back(add_op(d));
            } else {
                row_rec x = new_role(), y;
                y.kind = rk::role;
                y.id = x.id + "_y";
                y.perms = perms(2);
                x.parents.push_back(y.id);
                y.parents.push_back(x.id);
                c.ops.push_back(add_op(x));
                c.ops.push_back(add_op(y));
            }
            c.expect_ec = ward::errc::role_cycle;
        } else if (roll < 30) {
            c.what = "a scope under a parent of the wrong kind";
            row_rec w;
            w.kind = rk::scope;
            w.id = new_id(rk::scope, "bad");
            w.parent = scope();
            const skind k = kind_of_id(s_, w.parent); // a kind that may not sit under that parent
            static const skind kinds[] = {skind::organization, skind::application, skind::user, skind::resource,
                                          skind::platform};
            std::vector<skind> wrong;
            for (skind q : kinds)
                if (!parent_allowed(k, q)) wrong.push_back(q);
            w.scope_kind = any_of(r_, wrong);
            c.ops.push_back(add_op(w));
            if (w.scope_kind != skind::platform) c.expect_ec = ward::errc::wrong_scope_kind;
        } else if (roll < 42) {
            c.what = "a row for a removed principal";
            std::vector<std::string> gone;
            for (const std::string& id : s_.principal_ids)
                if (!defined(rk::principal, id)) gone.push_back(id);
            std::string p;
            if (!gone.empty() && r_.chance(60)) {
                p = any_of(r_, gone);
            } else { // removed in the same change, with its rows, then named again
                p = principal();
                for (const auto& [n, w] : s_.rows)
                    if ((is_relation(w.kind) && w.principal == p) || (w.kind == rk::principal && w.id == p))
                        c.ops.push_back(remove_op(n));
            }
            row_rec w = random_relation();
            if (w.kind == rk::deny_everyone) w = relation(rk::grant);
            w.principal = p;
            c.ops.push_back(add_op(w));
            c.expect_ec = ward::errc::unknown_principal;
        } else if (roll < 52) {
            return remove_named(c, rk::principal, ward::errc::unknown_principal,
                                "removing a principal that rows still name");
        } else if (roll < 60) {
            return remove_named(c, rk::scope, ward::errc::unknown_scope, "removing a scope that rows still name");
        } else if (roll < 68) {
            return remove_named(c, rk::role, ward::errc::unknown_role, "removing a role that rows still name");
        } else if (roll < 84) {
            c.what = "remove() of a bad row number";
            const bool before = r_.chance(30), after = r_.chance(30);
            if (before) c.ops.push_back(add_op(random_relation()));
            // Every number committed so far is live or removed: the next is past the end.
            std::size_t end = 0;
            if (!s_.rows.empty()) end = std::max(end, s_.rows.rbegin()->first + 1);
            if (!s_.removed.empty()) end = std::max(end, *s_.removed.rbegin() + 1);
            std::size_t n = end + (before ? 1 : 0) + r_.below(4) + (r_.chance(10) ? 1000000 : 0);
            const std::size_t pick = r_.below(3);
            if (pick == 0 && !s_.removed.empty()) {
                const std::vector<std::size_t> gone(s_.removed.begin(), s_.removed.end());
                n = any_of(r_, gone);
            } else if (pick == 1 && s_.table_row != npos) {
                n = s_.table_row;
            }
            c.ops.push_back(remove_op(n, true));
            if (after) c.ops.push_back(add_op(random_relation()));
        } else if (roll < 92) {
            return unknown_scope_row();
        } else {
            c = invalid_after_valid();
        }
        maybe_version(c);
        return c;
    }

private:
    std::vector<std::size_t> leaf_scopes() const {
        std::vector<std::size_t> out;
        if (live(rk::scope).size() <= 3) return out;
        for (const auto& [n, w] : s_.rows)
            if (w.kind == rk::scope && w.id != "platform" && first_naming(rk::scope, w.id) == npos) out.push_back(n);
        return out;
    }
    change unknown_scope_row() {
        change c;
        c.valid = false;
        c.what = "a row naming an unknown scope";
        row_rec w = random_relation();
        w.scope = "res_unknown";
        c.ops.push_back(add_op(w));
        c.expect_ec = ward::errc::unknown_scope;
        return c;
    }
    /// Adds `def` to the change and, `pct` times in 100, a row made by `make` that `name` points at it.
    template <class Make, class Name>
    void add_then_name(change& c, const row_rec& def, unsigned pct, Make make, Name name) {
        c.ops.push_back(add_op(def));
        if (!r_.chance(pct)) return;
        row_rec w = make();
        name(w);
        c.ops.push_back(add_op(w));
    }
    /// Removing the definition of an id of `kind` that rows still name: build()'s error names the
    /// earliest of them.
    change remove_named(change c, rk kind, ward::errc ec, const char* what) {
        c.what = what;
        std::vector<std::string> named;
        for (const std::string& id : live(kind))
            if (first_naming(kind, id) != npos) named.push_back(id);
        if (named.empty()) return unknown_scope_row();
        const std::string id = any_of(r_, named);
        c.ops.push_back(remove_op(def_row(kind, id)));
        c.expect_ec = ec;
        c.expect_row = first_naming(kind, id);
        c.expect_id = id;
        return c;
    }
    change invalid_after_valid() {
        change c = valid();
        change bad = r_.chance(50) ? unknown_scope_row() : change{};
        if (bad.ops.empty()) {
            bad.what = "a binding naming an unknown role";
            row_rec w = relation(rk::binding);
            w.roles = {"rol_unknown"};
            bad.ops.push_back(add_op(w));
            bad.expect_ec = ward::errc::unknown_role;
        }
        c.what += ", then " + bad.what;
        c.valid = false;
        // The first part may remove what the second names, or be refused itself: the error is
        // not predicted (apply() must still give build()'s).
        c.expect_ec = ward::errc::ok;
        c.either = false;
        c.set_version = 0;
        c.ops.erase(
            std::remove_if(c.ops.begin(), c.ops.end(), [](const op& x) { return x.t == op::type::set_version; }),
            c.ops.end());
        for (op& x : bad.ops) c.ops.push_back(std::move(x));
        return c;
    }
    void maybe_version(change& c) {
        if (!r_.chance(10)) return;
        op x;
        x.t = op::type::set_version;
        x.version = r_.chance(70) ? 1000000 + s_.fresh * 100 + r_.below(50) : 1;
        c.set_version = x.version;
        c.ops.push_back(x);
    }

    splitmix64& r_;
    const state& s_;
    state::index x_;
    std::vector<std::string> roles_, apps_;
    std::size_t fresh_ = 0;
};

// ---- the starting policy -----------------------------------------------------------------------------------
template <class P>
std::vector<row_rec> initial_rows(const policy_desc& pol) {
    std::vector<row_rec> out;
    for (const scope_desc& d : pol.scopes) {
        row_rec w;
        w.kind = rk::scope;
        w.id = d.id;
        w.scope_kind = d.kind;
        if (d.parent != npos) w.parent = pol.scopes[d.parent].id;
        out.push_back(w);
    }
    for (const principal_desc& p : pol.principals) {
        row_rec w;
        w.kind = rk::principal;
        w.id = p.id;
        w.pkind = p.kind;
        out.push_back(w);
    }
    if (pol.with_table) {
        row_rec w;
        w.kind = rk::role_table;
        out.push_back(w);
    }
    for (const role_desc& d : pol.roles) {
        if (d.in_table) continue;
        row_rec w;
        w.kind = rk::role;
        w.id = d.id;
        w.perms = d.perms;
        for (std::size_t q : d.parents) w.parents.push_back(pol.roles[q].id);
        out.push_back(w);
    }
    for (const row_desc& d : pol.rows) {
        row_rec w;
        w.kind = kind_of(d.type);
        if (d.principal != npos) w.principal = pol.principals[d.principal].id;
        w.scope = pol.scopes[d.scope].id;
        for (std::size_t q : d.roles) w.roles.push_back(pol.roles[q].id);
        w.perms = d.perms;
        w.replace = d.replace;
        if (d.within != npos) w.within = pol.scopes[d.within].id;
        out.push_back(w);
    }
    return out;
}

// ---- comparing two snapshots -----------------------------------------------------------------------------------
struct counts {
    std::size_t comparisons = 0;
    std::size_t mismatches = 0;
    std::size_t applied = 0, refused = 0, steps = 0;
    std::size_t derived = 0;                  ///< changes applied that the writer derived incrementally
    std::map<std::string, std::size_t> kinds; ///< changes applied (or refused), by what they do
};

template <class P>
std::string show(const ward::decision<P>& d) {
    std::ostringstream o;
    o << (d.allowed ? "allowed" : "denied") << ", " << ward::to_string(d.why) << ", missing "
      << vm<P>::names(vm<P>::from_engine(d.missing)) << ", row ";
    if (d.row == ward::decision<P>::no_row) o << "none";
    else o << d.row;
    o << ", version " << d.version;
    return o.str();
}

/// Reports a mismatch: the first few in full, with the context (the rows and the change).
template <class F>
void mismatch(counts& t, F&& context, const std::string& what) {
    if (++t.mismatches > 6) return;
    INFO(context());
    FAIL_CHECK(what);
}

/// The permission sets each step asks about: each permission of the pool and the hot ones alone,
/// pairs of them, and one random set.
template <class P>
std::vector<ward::permission_set<P>> asked_sets(splitmix64& r, const state& s) {
    std::vector<std::size_t> singles = s.pool;
    for (std::size_t h : model_vocab<P>::hot())
        if (std::find(singles.begin(), singles.end(), h) == singles.end()) singles.push_back(h);
    std::vector<ward::permission_set<P>> out;
    for (std::size_t i : singles) out.push_back(vm<P>::to_engine(bits{i}));
    for (std::size_t k = 0; k < 3; ++k) out.push_back(vm<P>::to_engine(bits{any_of(r, singles), any_of(r, singles)}));
    out.push_back(vm<P>::to_engine(random_bits(r, s.pool, vm<P>::defined(), 4)));
    return out;
}

/// `a` (derived by the writer) against `b` (a full build of the same rows): same handles, same
/// answers to every query. Decisions are compared for the principal handles `only` (all when empty).
template <class P, class F>
void compare_snapshots(const ward::snapshot<P>& a, const ward::snapshot<P>& b, const state& s, splitmix64& r, counts& t,
                       F&& context, const std::vector<std::uint32_t>& only = {}) {
    using set = ward::permission_set<P>;
    auto expect = [&](bool same, const auto& what) {
        ++t.comparisons;
        if (!same) mismatch(t, context, what());
    };
    expect(a.version() == b.version(),
           [&] { return "version " + std::to_string(a.version()) + " vs " + std::to_string(b.version()); });
    expect(a.scope_count() == b.scope_count() && a.principal_count() == b.principal_count() &&
               a.role_count() == b.role_count() && a.entry_count() == b.entry_count(),
           [&] {
               return "counts: scopes " + std::to_string(a.scope_count()) + " vs " + std::to_string(b.scope_count()) +
                      ", principals " + std::to_string(a.principal_count()) + " vs " +
                      std::to_string(b.principal_count()) + ", roles " + std::to_string(a.role_count()) + " vs " +
                      std::to_string(b.role_count()) + ", entries " + std::to_string(a.entry_count()) + " vs " +
                      std::to_string(b.entry_count());
           });

    // Lookups: every id ever used (live or not) and one never used.
    for (const std::string& id : s.scope_ids)
        expect(a.find_scope(id) == b.find_scope(id), [&] { return "find_scope(" + id + ")"; });
    expect(!a.find_scope("res_never").valid() && !b.find_scope("res_never").valid(),
           [] { return "find_scope(never)"; });
    for (const std::string& id : s.principal_ids)
        expect(a.find_principal(id) == b.find_principal(id), [&] { return "find_principal(" + id + ")"; });
    for (const std::string& id : s.role_ids) {
        const auto x = a.role_permissions(id), y = b.role_permissions(id);
        expect(x.ec == y.ec && x.value == y.value, [&] {
            return "role_permissions(" + id + "): " + std::string(ward::to_string(x.ec)) + " " +
                   vm<P>::names(vm<P>::from_engine(x.value)) + " vs " + std::string(ward::to_string(y.ec)) + " " +
                   vm<P>::names(vm<P>::from_engine(y.value));
        });
    }
    for (const std::string& id : s.table_roles) {
        const auto x = a.role_permissions(id), y = b.role_permissions(id);
        expect(x.ec == y.ec && x.value == y.value, [&] { return "role_permissions(" + id + ")"; });
    }
    const std::size_t ns = std::max(a.scope_count(), b.scope_count()) + 1;
    const std::size_t np = std::max(a.principal_count(), b.principal_count()) + 1;
    for (std::uint32_t i = 0; i < ns; ++i) {
        const ward::scope_handle h{i};
        expect(a.scope_id(h) == b.scope_id(h) && a.scope_kind(h) == b.scope_kind(h) && a.parent(h) == b.parent(h), [&] {
            return "scope handle " + std::to_string(i) + ": " + std::string(a.scope_id(h)) + " (" +
                   std::string(a.scope_kind(h)) + ") parent " + std::to_string(a.parent(h).value) + " vs " +
                   std::string(b.scope_id(h)) + " (" + std::string(b.scope_kind(h)) + ") parent " +
                   std::to_string(b.parent(h).value);
        });
        bool same = true;
        for (std::uint32_t j = 0; j < ns; ++j)
            same = same && a.encloses(h, ward::scope_handle{j}) == b.encloses(h, ward::scope_handle{j});
        expect(same, [&] { return "encloses(" + std::to_string(i) + ", ...)"; });
    }
    for (std::uint32_t i = 0; i < np; ++i) {
        const ward::principal_handle h{i};
        expect(a.principal_id(h) == b.principal_id(h) && a.kind_of(h) == b.kind_of(h), [&] {
            return "principal handle " + std::to_string(i) + ": " + std::string(a.principal_id(h)) + " vs " +
                   std::string(b.principal_id(h));
        });
    }

    // Credentials from token claims: each principal id ever used as the subject, bound to a scope
    // and through a scope given by id.
    const std::vector<std::string> scopes_ever(s.scope_ids.begin(), s.scope_ids.end());
    for (const std::string& id : s.principal_ids) {
        ward::token_claims claims;
        claims.subject = id;
        const std::string bound = any_of(r, scopes_ever), via = any_of(r, scopes_ever);
        if (r.chance(50)) claims.bound_scopes = bound;
        if (r.chance(50)) claims.via = via;
        const auto x = a.authenticate(claims), y = b.authenticate(claims);
        expect(x.ec == y.ec && x.value.authenticated() == y.value.authenticated() &&
                   x.value.principal() == y.value.principal() && x.value.has_via() == y.value.has_via() &&
                   x.value.via() == y.value.via() && x.value.bound_count() == y.value.bound_count(),
               [&] {
                   return "authenticate(sub " + id + ", bound " + std::string(claims.bound_scopes) + ", via " +
                          std::string(claims.via) + "): derived " + std::string(ward::to_string(x.ec)) + " principal " +
                          std::to_string(x.value.principal().value) + "; full build " +
                          std::string(ward::to_string(y.ec)) + " principal " +
                          std::to_string(y.value.principal().value);
               });
    }

    // Decisions: every principal x every scope x the sets, through three credentials: plain,
    // through an application, through another application with a ceiling.
    const std::vector<set> sets = asked_sets<P>(r, s);
    std::vector<ward::scope_handle> apps;
    for (std::uint32_t i = 0; i < a.scope_count(); ++i)
        if (a.scope_kind(ward::scope_handle{i}) == "application") apps.push_back(ward::scope_handle{i});
    std::array<ward::role_membership, 48> ra{}, rb{};
    std::array<ward::principal_handle, 48> pa{}, pb{};
    std::vector<std::uint32_t> asked = only;
    if (asked.empty())
        for (std::uint32_t p = 0; p < np; ++p) asked.push_back(p);
    for (const std::uint32_t p : asked) {
        const ward::principal_handle ph{p};
        std::vector<ward::credential<P>> creds{ward::credential<P>::of(ph)};
        if (!apps.empty()) {
            creds.push_back(ward::credential<P>::of(ph).via(any_of(r, apps)));
            auto capped = ward::credential<P>::of(ph);
            capped.via(any_of(r, apps)).cap(any_of(r, sets) | any_of(r, sets));
            creds.push_back(capped);
        }
        for (std::uint32_t sc = 0; sc < ns; ++sc) {
            const ward::scope_handle sh{sc};
            for (std::size_t c = 0; c < creds.size(); ++c) {
                for (const set& q : sets) {
                    const ward::decision<P> x = a.check(creds[c], q, sh), y = b.check(creds[c], q, sh);
                    expect(x.allowed == y.allowed && x.why == y.why && x.row == y.row && x.missing == y.missing &&
                               x.version == y.version,
                           [&] {
                               return "check(principal " + std::to_string(p) + " credential " + std::to_string(c) +
                                      ", " + vm<P>::names(vm<P>::from_engine(q)) + ", scope " + std::to_string(sc) +
                                      " " + std::string(b.scope_id(sh)) + "): derived " + show(x) + "; full build " +
                                      show(y);
                           });
                    if (r.chance(2)) { // the sentence, now and then (it allocates)
                        const std::string ex = a.explain(x), ey = b.explain(y);
                        expect(ex == ey, [&] { return "explain: derived '" + ex + "'; full build '" + ey + "'"; });
                    }
                }
                const auto x = a.effective_permissions(creds[c], sh), y = b.effective_permissions(creds[c], sh);
                expect(x.why == y.why && x.permissions == y.permissions, [&] {
                    return "effective_permissions(principal " + std::to_string(p) + " credential " + std::to_string(c) +
                           ", scope " + std::to_string(sc) + "): derived " + std::string(ward::to_string(x.why)) + " " +
                           vm<P>::names(vm<P>::from_engine(x.permissions)) + "; full build " +
                           std::string(ward::to_string(y.why)) + " " + vm<P>::names(vm<P>::from_engine(y.permissions));
                });
            }
            const auto x = a.roles_at(ph, sh, ra.data(), ra.size()), y = b.roles_at(ph, sh, rb.data(), rb.size());
            bool same = x.count == y.count && x.why == y.why;
            for (std::size_t k = 0; same && k < std::min(x.count, ra.size()); ++k)
                same = ra[k].role == rb[k].role && ra[k].origin == rb[k].origin && ra[k].bound_at == rb[k].bound_at &&
                       ra[k].through == rb[k].through;
            expect(same, [&] {
                std::string m = "roles_at(principal " + std::to_string(p) + ", scope " + std::to_string(sc) +
                                "): derived " + std::to_string(x.count) + " " + std::string(ward::to_string(x.why)) +
                                ":";
                for (std::size_t k = 0; k < std::min(x.count, ra.size()); ++k)
                    m += " " + std::string(ra[k].role) + "/" + std::string(ward::to_string(ra[k].origin)) + "@" +
                         std::to_string(ra[k].bound_at.value);
                m += "; full build " + std::to_string(y.count) + " " + std::string(ward::to_string(y.why)) + ":";
                for (std::size_t k = 0; k < std::min(y.count, rb.size()); ++k)
                    m += " " + std::string(rb[k].role) + "/" + std::string(ward::to_string(rb[k].origin)) + "@" +
                         std::to_string(rb[k].bound_at.value);
                return m;
            });
        }
    }
    for (std::uint32_t sc = 0; sc < ns; ++sc) {
        if (!only.empty() && !r.chance(25)) continue; // many principals: a sample of the scopes
        const ward::scope_handle sh{sc};
        for (const set& q : sets) {
            const std::size_t x = a.principals_with(q, sh, pa.data(), pa.size());
            const std::size_t y = b.principals_with(q, sh, pb.data(), pb.size());
            bool same = x == y;
            for (std::size_t k = 0; same && k < std::min(x, pa.size()); ++k) same = pa[k] == pb[k];
            expect(same, [&] {
                return "principals_with(" + vm<P>::names(vm<P>::from_engine(q)) + ", scope " + std::to_string(sc) +
                       "): derived " + std::to_string(x) + ", full build " + std::to_string(y);
            });
        }
    }
}

// ---- the model side: the live rows alone, renumbered -----------------------------------------------------------
/// The engine view of a snapshot for the harness: handles found by id.
template <class P>
engine<P> engine_of(std::shared_ptr<const ward::snapshot<P>> snap, const policy_desc& pol) {
    engine<P> e;
    e.snap = std::move(snap);
    for (const scope_desc& d : pol.scopes) e.scope.push_back(e.snap->find_scope(d.id));
    for (const principal_desc& p : pol.principals) e.principal.push_back(e.snap->find_principal(p.id));
    return e;
}

/// `q` with its unknown handles (numbers past the description's) moved past the snapshot's own.
template <class P>
request_desc past_the_end(request_desc q, const policy_desc& pol, const ward::snapshot<P>& snap) {
    auto scope = [&](ref& f) {
        if (f.idx == npos && f.raw != none32)
            f.raw = static_cast<std::uint32_t>(snap.scope_count() + (f.raw - pol.scopes.size()));
    };
    if (q.principal.idx == npos && q.principal.raw != none32)
        q.principal.raw =
            static_cast<std::uint32_t>(snap.principal_count() + (q.principal.raw - pol.principals.size()));
    scope(q.target);
    scope(q.via);
    for (ref& b : q.bound) scope(b);
    return q;
}

/// The writer's snapshot against a fresh build of the live rows alone (renumbered), by ids, and
/// against the naive model.
template <class P, class F>
void compare_with_rebuild(const std::shared_ptr<const ward::snapshot<P>>& current, const state& s, splitmix64& r,
                          std::size_t requests, counts& t, F&& context) {
    const policy_desc pol = to_desc<P>(s);
    const engine<P> fresh = build_engine<P>(pol, natural_order(pol));
    if (!fresh.snap) {
        mismatch(t, context, "the live rows alone, renumbered, do not build");
        return;
    }
    const engine<P> mine = engine_of<P>(current, pol);
    for (std::size_t i = 0; i < pol.scopes.size(); ++i) {
        ++t.comparisons;
        if (!mine.scope[i].valid())
            mismatch(t, context, "the writer's snapshot does not find scope " + pol.scopes[i].id);
    }
    for (std::size_t i = 0; i < pol.principals.size(); ++i) {
        ++t.comparisons;
        if (!mine.principal[i].valid())
            mismatch(t, context, "the writer's snapshot does not find principal " + pol.principals[i].id);
    }
    // An id no live row defines is gone: lookups do not know it.
    std::set<std::string> live_ids;
    for (const auto& [n, w] : s.rows) live_ids.insert(w.id);
    for (const std::string& id : s.scope_ids) {
        ++t.comparisons;
        if (live_ids.count(id) == 0 && current->find_scope(id).valid())
            mismatch(t, context, "find_scope knows the removed scope " + id);
    }
    for (const std::string& id : s.principal_ids) {
        ++t.comparisons;
        if (live_ids.count(id) == 0 && current->find_principal(id).valid())
            mismatch(t, context, "find_principal knows the removed principal " + id);
    }
    for (const std::string& id : s.role_ids) {
        ++t.comparisons;
        const bool table = std::find(s.table_roles.begin(), s.table_roles.end(), id) != s.table_roles.end();
        if (live_ids.count(id) == 0 && !(s.with_table && table) && current->role_permissions(id))
            mismatch(t, context, "role_permissions knows the removed role " + id);
    }
    const model<P> m(pol);
    tally tm;
    for (std::size_t k = 0; k < requests; ++k) {
        const request_desc q = gen_request<P>(r, pol, req_options{});
        const request_desc qa = past_the_end<P>(q, pol, *current);
        const request_desc qb = past_the_end<P>(q, pol, *fresh.snap);
        const ward::decision<P> x = mine.check(qa), y = fresh.check(qb);
        ++t.comparisons;
        if (x.allowed != y.allowed || x.why != y.why || x.missing != y.missing)
            mismatch(t, context,
                     "by ids, the writer's snapshot and a fresh build of the live rows disagree: " +
                         describe<P>(pol, q) + "\n  writer: " + describe(x) + "\n  fresh:  " + describe(y));
        const auto ex = mine.effective(qa), ey = fresh.effective(qb);
        ++t.comparisons;
        if (ex.why != ey.why || ex.permissions != ey.permissions)
            mismatch(t, context,
                     "by ids, effective_permissions of the writer's snapshot and of a fresh build disagree: " +
                         describe<P>(pol, q));
        compare_with_model(mine, m, pol, qa, tm); // the writer's snapshot against the naive model
    }
    t.comparisons += tm.comparisons;
    if (tm.mismatches != 0) mismatch(t, context, "the writer's snapshot disagrees with the naive model (above)");
    // principals_with by ids.
    // Room for every principal: handle order differs between the two, so the first few would too.
    std::vector<ward::principal_handle> pa(current->principal_count() + 1), pb(fresh.snap->principal_count() + 1);
    for (std::size_t k = 0; k < 4 && !pol.scopes.empty(); ++k) {
        const std::size_t sc = r.below(pol.scopes.size());
        const auto q = vm<P>::to_engine(bits{any_of(r, pol.pool)});
        const std::size_t x = current->principals_with(q, mine.scope[sc], pa.data(), pa.size());
        const std::size_t y = fresh.snap->principals_with(q, fresh.scope[sc], pb.data(), pb.size());
        std::vector<std::string> ia, ib;
        for (std::size_t i = 0; i < std::min(x, pa.size()); ++i) ia.emplace_back(current->principal_id(pa[i]));
        for (std::size_t i = 0; i < std::min(y, pb.size()); ++i) ib.emplace_back(fresh.snap->principal_id(pb[i]));
        std::sort(ia.begin(), ia.end());
        std::sort(ib.begin(), ib.end());
        ++t.comparisons;
        if (x != y || ia != ib)
            mismatch(t, context, "by ids, principals_with disagrees with a fresh build at " + pol.scopes[sc].id);
    }
}

// ---- the driver ------------------------------------------------------------------------------------------------
template <class P>
void run_writer(std::uint64_t salt, std::size_t policies, std::size_t steps, std::size_t requests, counts& t,
                std::size_t wide = 0) {
    INFO("WARD_PROPERTY_SEED=" << property_seed() << " vocabulary " << model_vocab<P>::name);
    for (std::size_t i = 0; i < policies; ++i) {
        const std::uint64_t seed = derive(salt, i);
        const policy_desc pol0 = gen_policy<P>(seed, gen_options{});
        splitmix64 r{derive(salt + 1, i)};
        state s;
        s.pool = pol0.pool;
        s.with_table = pol0.with_table;
        if (pol0.with_table)
            for (const role_desc& d : table_for<P>::model()) s.table_roles.push_back(d.id);
        ward::policy_builder<P> b;
        for (const row_rec& w : initial_rows<P>(pol0)) {
            const std::size_t n = add_row(b, w);
            if (w.kind == rk::role_table) s.table_row = n;
            s.rows[n] = w;
            s.note(w);
        }
        // A wide policy: principals over several pages, each with a row or two.
        const state frame = s; // scopes and roles the wide rows name
        change_maker<P> filler(r, frame);
        for (std::size_t k = 0; k < wide; ++k) {
            row_rec p;
            p.kind = rk::principal;
            p.id = "user:w" + std::to_string(k);
            std::vector<row_rec> more{p};
            for (std::size_t j = r.below(3); j > 0; --j) {
                row_rec w = filler.relation(r.chance(60) ? rk::binding : r.chance(70) ? rk::grant : rk::deny);
                w.principal = p.id;
                more.push_back(w);
            }
            for (const row_rec& w : more) {
                s.rows[add_row(b, w)] = w;
                s.note(w);
            }
        }
        ward::policy_writer<P> writer(std::move(b));
        if (!writer.current()) {
            INFO(describe_state<P>(s));
            FAIL_CHECK("the first policy did not build: " << writer.error().message());
            ++t.mismatches;
            continue;
        }
        std::string last_change = "(none yet)";
        auto context = [&] {
            return "policy " + std::to_string(i) + " (seed " + std::to_string(seed) + "), step " +
                   std::to_string(t.steps) + "\n  " + describe_state<P>(s) + "\n  last " + last_change;
        };
        for (std::size_t step = 0; step < steps; ++step) {
            ++t.steps;
            s.fresh = t.steps;
            change_maker<P> make(r, s);
            const change c = r.chance(25) ? make.invalid() : make.valid();
            last_change = describe_change<P>(c);

            // What a full build of the changed rows says: a copy of the rows, changed, built.
            ward::policy_builder<P> copy = writer.rows();
            state copy_state = s;
            run(copy, c, copy_state);
            const ward::build_result<P> expected = copy.build();

            const std::shared_ptr<const ward::snapshot<P>> before = writer.current();
            const std::uint64_t rows_version = writer.rows().version();
            const std::size_t row_count = writer.rows().row_count();
            state next = s;
            const ward::build_result<P> got = writer.apply([&](ward::policy_builder<P>& rows) { run(rows, c, next); });
            ++t.comparisons;
            if (!c.either && c.valid != static_cast<bool>(expected))
                mismatch(t, context,
                         std::string(c.valid ? "a valid change did not build: " : "an invalid change built: ") +
                             expected.error.message());
            if (!expected) {
                ++t.refused;
                ++t.kinds["refused: " + c.what];
                const ward::build_error& e = got.error;
                if (got || e.ec != expected.error.ec || e.kind != expected.error.kind || e.row != expected.error.row ||
                    e.id != expected.error.id)
                    mismatch(t, context,
                             "apply() answered '" + (got ? std::string("ok") : e.message()) + "', build() '" +
                                 expected.error.message() + "'");
                if (c.expect_ec != ward::errc::ok &&
                    (expected.error.ec != c.expect_ec || (c.expect_row != npos && expected.error.row != c.expect_row) ||
                     (!c.expect_id.empty() && expected.error.id != c.expect_id)))
                    mismatch(t, context,
                             "build() answered '" + expected.error.message() + "', expected " +
                                 std::string(ward::to_string(c.expect_ec)) +
                                 (c.expect_row != npos ? " at row " + std::to_string(c.expect_row) : std::string()) +
                                 (c.expect_id.empty() ? std::string() : " for '" + c.expect_id + "'"));
                if (writer.current() != before || writer.rows().version() != rows_version ||
                    writer.rows().row_count() != row_count)
                    mismatch(t, context, "a refused change left the writer changed");
            } else {
                ++t.applied;
                ++t.kinds[c.what];
                if (!got || writer.current() != got.value) {
                    mismatch(t, context, "apply() refused a change build() accepts: " + got.error.message());
                    continue;
                }
                const std::uint64_t want =
                    c.set_version > before->version() + 1 ? c.set_version : before->version() + 1;
                if (got.value->version() != want)
                    mismatch(t, context,
                             "version " + std::to_string(got.value->version()) + ", expected " + std::to_string(want));
                if (!writer.error().ok()) mismatch(t, context, "error() is not ok after a change applied");
                if (writer.last_derivation() == ward::derivation::incremental) ++t.derived;
                s = std::move(next);
            }
            // The derived snapshot against a full build of the same rows.
            const ward::build_result<P> full = writer.rows().build();
            if (!full) {
                mismatch(t, context, "the writer's rows do not build: " + full.error.message());
                continue;
            }
            std::vector<std::uint32_t> only;
            if (wide != 0) { // the principals the change names, page edges, and a sample
                std::set<std::uint32_t> picked;
                auto name = [&](const std::string& id) {
                    for (const ward::snapshot<P>* x : {before.get(), full.value.get()})
                        if (x->find_principal(id).valid()) picked.insert(x->find_principal(id).value);
                };
                const state& old = s;
                for (const op& x : c.ops) {
                    const row_rec* w = x.t == op::type::add ? &x.row
                                       : x.t == op::type::remove && old.rows.count(x.number) != 0
                                           ? &old.rows.at(x.number)
                                           : nullptr;
                    if (w != nullptr && !w->principal.empty()) name(w->principal);
                    if (w != nullptr && w->kind == rk::principal) name(w->id);
                    if (x.t == op::type::unbind) name(x.principal);
                }
                const auto count = static_cast<std::uint32_t>(full.value->principal_count());
                for (const std::uint32_t edge : {0u, 1u, 255u, 256u, 257u, 511u, 512u, 767u, 768u})
                    if (edge <= count) picked.insert(edge);
                if (count > 0) picked.insert(count - 1);
                picked.insert(count);
                for (int k = 0; k < 24; ++k) picked.insert(static_cast<std::uint32_t>(r.below(count + 1)));
                only.assign(picked.begin(), picked.end());
            }
            compare_snapshots(*writer.current(), *full.value, s, r, t, context, only);
            if (step % 3 == 2) compare_with_rebuild<P>(writer.current(), s, r, requests, t, context);

            // A change begun and rolled back leaves the rows as they were.
            if (step % 5 == 4) {
                ward::policy_builder<P> rb = writer.rows();
                rb.begin_change();
                state scratch = s;
                change_maker<P> other(r, s);
                const change d = r.chance(50) ? other.invalid() : other.valid();
                run(rb, d, scratch);
                rb.rollback_change();
                ++t.comparisons;
                if (rb.row_count() != writer.rows().row_count() || rb.version() != writer.rows().version())
                    mismatch(t, context, "rollback_change() did not restore the row count and version");
                const ward::build_result<P> again = rb.build();
                if (!again)
                    mismatch(t, context, "after rollback_change() the rows do not build: " + again.error.message());
                else compare_snapshots(*writer.current(), *again.value, s, r, t, context, only);
            }
        }
    }
}

} // namespace

TEST_CASE("policy_writer property: apply() derives what a full build of the same rows gives",
          "[engine][property][incremental]") {
    counts t;
    run_writer<wt::ident>(1401, 9, 24, 30, t);
    run_writer<wt::bb>(1402, 5, 24, 30, t);
    run_writer<wt::v200>(1403, 5, 24, 30, t);
    run_writer<wt::ident>(1404, 2, 30, 20, t, 600); // principals over three pages
    run_writer<wt::v200>(1405, 1, 30, 20, t, 300);  // and with masks in a pool
    INFO("comparisons " << t.comparisons << ", steps " << t.steps << ", applied " << t.applied << " (" << t.derived
                        << " derived incrementally), refused " << t.refused);
    CHECK(t.mismatches == 0);
    // Most changes must take the incremental path, or the comparison tests build() against itself.
    CHECK(t.derived * 2 > t.applied);
    // Every kind of change must have been made, or the comparison proves little.
    static const char* const made[] = {"add a binding",
                                       "remove a binding",
                                       "grant",
                                       "deny",
                                       "deny_everyone",
                                       "restriction",
                                       "add a principal",
                                       "remove a principal with its rows",
                                       "add a leaf scope",
                                       "remove a leaf scope nothing names",
                                       "remove a leaf scope and define it again",
                                       "remove a principal with its rows and add it again",
                                       "define a run-time role",
                                       "change a role's permissions",
                                       "unbind",
                                       "remove a row",
                                       "several rows",
                                       "add rows and remove one of them in the same change",
                                       "a scope, a role, a principal and their rows at once",
                                       "refused: a binding naming an unknown role",
                                       "refused: a role cycle",
                                       "refused: a scope under a parent of the wrong kind",
                                       "refused: a row for a removed principal",
                                       "refused: removing a principal that rows still name",
                                       "refused: removing a scope that rows still name",
                                       "refused: removing a role that rows still name",
                                       "refused: remove() of a bad row number",
                                       "refused: a row naming an unknown scope"};
    for (const auto& [k, n] : t.kinds) UNSCOPED_INFO(k << ": " << n);
    for (const char* k : made) {
        INFO(k << " made " << t.kinds[k] << " times");
        CHECK(t.kinds[k] >= 1);
    }
    REQUIRE(t.comparisons >= 100000);
}

TEST_CASE("policy_writer: remove() answers unknown_row for numbers it cannot remove; versions increase",
          "[engine][property][incremental]") {
    using set = ward::permission_set<wt::ident>;
    ward::policy_builder<wt::ident> b;
    b.add_scope("platform", "platform");
    b.add_scope("org:a", "organization", "platform");
    b.add_principal("user:u");
    const std::size_t table = b.add_roles(ident_table);
    const std::size_t grant = b.grant("user:u", "org:a", set{wt::ident::authenticate});
    ward::policy_writer<wt::ident> w(std::move(b));
    REQUIRE(w.current());
    const std::uint64_t v1 = w.current()->version();
    const auto u = w.current()->find_principal("user:u");
    const auto org = w.current()->find_scope("org:a");
    CHECK(w.current()->check(ward::credential<wt::ident>::of(u), set{wt::ident::authenticate}, org).allowed);

    // Numbers never added, the role table's, and (below) one removed already: unknown_row, refused.
    for (const std::size_t bad : {std::size_t{99}, table, std::size_t{1000000000}}) {
        INFO("row " << bad);
        const auto before = w.current();
        ward::errc answered = ward::errc::ok;
        const auto r = w.apply([&](ward::policy_builder<wt::ident>& rows) { answered = rows.remove(bad); });
        CHECK(answered == ward::errc::unknown_row);
        CHECK_FALSE(r);
        CHECK(r.error.ec == ward::errc::unknown_row);
        CHECK(w.current() == before);
    }
    ward::errc answered = ward::errc::unknown_row;
    auto r = w.apply([&](ward::policy_builder<wt::ident>& rows) { answered = rows.remove(grant); });
    CHECK(answered == ward::errc::ok);
    REQUIRE(r);
    CHECK(r.value->version() == v1 + 1);
    CHECK_FALSE(r.value->check(ward::credential<wt::ident>::of(u), set{wt::ident::authenticate}, org).allowed);
    r = w.apply([&](ward::policy_builder<wt::ident>& rows) { answered = rows.remove(grant); });
    CHECK(answered == ward::errc::unknown_row);
    CHECK_FALSE(r);
    CHECK(w.current()->version() == v1 + 1);

    // Each apply raises the version by one, or to the version the change sets when that is larger.
    std::uint64_t last = w.current()->version();
    for (int k = 0; k < 5; ++k) {
        r = w.apply([](ward::policy_builder<wt::ident>& rows) {
            rows.grant("user:u", "platform", set{wt::ident::read_resources});
        });
        REQUIRE(r);
        CHECK(r.value->version() == last + 1);
        last = r.value->version();
    }
    r = w.apply([](ward::policy_builder<wt::ident>& rows) { rows.set_version(500); });
    REQUIRE(r);
    CHECK(r.value->version() == 500);
    r = w.apply([](ward::policy_builder<wt::ident>& rows) { rows.set_version(3); });
    REQUIRE(r);
    CHECK(r.value->version() == 501);
    // A change begun and rolled back on a builder forgets the errors of its rows too.
    ward::policy_builder<wt::ident> copy = w.rows();
    const std::size_t count = copy.row_count();
    copy.begin_change();
    copy.add_principal("not an id");
    copy.grant("user:u", "org:a", "no:such-permission");
    CHECK_FALSE(copy.build());
    copy.rollback_change();
    CHECK(copy.row_count() == count);
    CHECK(copy.build());
    // unbind of nothing bound: 0, and the policy still builds.
    r = w.apply([](ward::policy_builder<wt::ident>& rows) { CHECK(rows.unbind("user:u", "org:a") == 0); });
    REQUIRE(r);
    CHECK(r.value->version() == 502);
}

TEST_CASE("policy_writer: rows that do not build leave current() null until a change makes them build",
          "[engine][property][incremental]") {
    using set = ward::permission_set<wt::ident>;
    ward::policy_builder<wt::ident> b;
    b.add_scope("platform", "platform");
    b.add_principal("user:u");
    const std::size_t bad = b.bind("user:u", "platform", {"rol_missing"});
    ward::policy_writer<wt::ident> w(std::move(b));
    CHECK_FALSE(w.current());
    CHECK(w.error().ec == ward::errc::unknown_role);
    CHECK(w.error().row == bad);
    auto r =
        w.apply([](ward::policy_builder<wt::ident>& rows) { rows.grant("user:u", "platform", set{wt::ident::sudo}); });
    CHECK_FALSE(r);
    CHECK(r.error.ec == ward::errc::unknown_role);
    CHECK_FALSE(w.current());
    r = w.apply([&](ward::policy_builder<wt::ident>& rows) {
        CHECK(rows.remove(bad) == ward::errc::ok);
        rows.grant("user:u", "platform", set{wt::ident::sudo});
    });
    REQUIRE(r);
    CHECK(w.current() == r.value);
    CHECK(w.error().ok());
    const auto full = w.rows().build();
    REQUIRE(full);
    CHECK(full.value->version() == r.value->version());
    const auto u = r.value->find_principal("user:u");
    const auto d = r.value->check(ward::credential<wt::ident>::of(u), set{wt::ident::sudo}, "platform");
    CHECK(d.allowed);
    CHECK(d.row == full.value->check(ward::credential<wt::ident>::of(u), set{wt::ident::sudo}, "platform").row);
}
