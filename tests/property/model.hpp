// SPDX-License-Identifier: MIT
// The naive reference model of the engine property tests (engine_property_test.cpp), and the plain
// descriptions of policies and requests it reads. Scopes are a std::vector with parent links that
// the model walks, permission sets are std::set of bit indices, roles are flattened by recursion,
// and the vocabulary's implications are applied by a fixed-point loop over an implication list
// written here. The model shares no code with the engine (no scope numbering, no handles, no
// masks, no implied()).
//
// The deny rule, as the model states it: a deny of X removes X and every permission whose closure
// holds X (vm::implying), so that what a principal holds stays closed under the implications.
#ifndef WARD_TESTS_PROPERTY_MODEL_HPP
#define WARD_TESTS_PROPERTY_MODEL_HPP

#include "support/vocabularies.hpp"
#include <ward/builder.hpp>
#include <ward/decision.hpp>
#include <ward/permission_set.hpp>
#include <ward/role.hpp>
#include <ward/scope.hpp>

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace wt::property {

inline constexpr std::size_t npos = static_cast<std::size_t>(-1);
inline constexpr std::uint32_t none32 = 0xffffffffu;

// ---- naive sets of bit indices ---------------------------------------------------------------------
using bits = std::set<std::size_t>;

inline bits unite(const bits& a, const bits& b) {
    bits o = a;
    for (std::size_t x : b) o.insert(x);
    return o;
}
inline bits intersect(const bits& a, const bits& b) {
    bits o;
    for (std::size_t x : a)
        if (b.count(x) != 0) o.insert(x);
    return o;
}
inline bits minus(const bits& a, const bits& b) {
    bits o;
    for (std::size_t x : a)
        if (b.count(x) == 0) o.insert(x);
    return o;
}
inline void add_to(bits& a, const bits& b) {
    for (std::size_t x : b) a.insert(x);
}
inline bool subset(const bits& a, const bits& b) {
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
    /// Every defined permission that grants one of `b` (itself, or through its closure): what a
    /// deny of `b` removes.
    static bits implying(const bits& b) {
        bits o;
        for (std::size_t x : defined())
            if (!intersect(closure(bits{x}), b).empty()) o.insert(x);
        return o;
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
inline constexpr auto ident_table = ward::make_roles<wt::ident>({
    {"t_reader", ident_set{wt::ident::authenticate, wt::ident::read_resources}},
    {"t_writer",
     ident_set{wt::ident::create_resource, wt::ident::update_resource, wt::ident::delete_resource},
     {"t_reader"}},
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

inline const char* kind_name(skind k) {
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
inline bool parent_allowed(skind parent, skind child) {
    switch (child) {
    case skind::platform: return false;
    case skind::organization: return parent == skind::platform;
    case skind::application: return parent == skind::organization;
    case skind::user: return parent == skind::platform || parent == skind::organization || parent == skind::application;
    case skind::resource:
        return parent == skind::organization || parent == skind::application || parent == skind::user ||
               parent == skind::resource;
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
    std::size_t within = npos; ///< restrictions: the governed scope (npos: the application's parent)
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
                m = vm<P>::implying(w.perms); // a deny of X also denies whatever implies X
            }
            mask_.push_back(m);
            // A binding is dropped when a later replacing binding names the same principal and scope.
            bool dropped = false;
            if (w.type == row_type::binding)
                for (std::size_t j = i + 1; j < pol.rows.size() && !dropped; ++j) {
                    const row_desc& v = pol.rows[j];
                    dropped =
                        v.type == row_type::binding && v.replace && v.principal == w.principal && v.scope == w.scope;
                }
            dropped_.push_back(dropped);
            // A restriction governs its explicit scope, or else the application's parent (its
            // organization), or the application itself when it is a root.
            std::size_t gov = w.within;
            if (gov == npos && w.type == row_type::restriction)
                gov = pol.scopes[w.scope].parent == npos ? w.scope : pol.scopes[w.scope].parent;
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

    /// What the policy alone gives principal p at scope t (grants minus denies, before token caps
    /// and application restrictions): what principals_with asks about.
    bits held(std::size_t p, std::size_t t) const {
        request_desc q;
        q.principal.idx = p;
        q.target.idx = t;
        bits granted, denied;
        path(q, granted, denied);
        return minus(granted, denied);
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

} // namespace wt::property

#endif
