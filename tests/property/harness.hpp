// SPDX-License-Identifier: MIT
// The engine side of the engine property tests: a policy description built with policy_builder,
// requests turned into credentials and checks, and the comparison with the model, which reports
// the first few mismatches in full (the policy rows and the request) so a case can be reproduced.
#ifndef WARD_TESTS_PROPERTY_HARNESS_HPP
#define WARD_TESTS_PROPERTY_HARNESS_HPP

#include "property/model.hpp"
#include "support/ward_catch.hpp"
#include <ward/builder.hpp>
#include <ward/credential.hpp>
#include <ward/decision.hpp>
#include <ward/snapshot.hpp>

#include <cstddef>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace wt::property {

// ---- describing policies and requests (for failure messages) ----------------------------------------
template <class P>
std::string describe(const policy_desc& pol) {
    std::ostringstream s;
    s << "policy (seed " << pol.seed << ", vocabulary " << model_vocab<P>::name << ")\n  scopes:";
    for (const scope_desc& d : pol.scopes)
        s << ' ' << d.id << '(' << kind_name(d.kind)
          << (d.parent == npos ? std::string(", root") : " < " + pol.scopes[d.parent].id) << ')';
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

template <class P>
std::string describe(const policy_desc& pol, const request_desc& q) {
    std::ostringstream s;
    auto scope_name = [&](const ref& f) {
        return f.idx == npos ? "<unknown scope handle " + std::to_string(f.raw) + ">" : pol.scopes[f.idx].id;
    };
    s << "request: credential ";
    if (q.auth == 1) s << "default-constructed (unauthenticated) ";
    if (q.auth == 2) s << "revoked ";
    s << "of "
      << (q.principal.idx == npos ? "<unknown principal handle " + std::to_string(q.principal.raw) + ">"
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
    ward::principal_handle ph(const ref& f) const {
        return f.idx == npos ? ward::principal_handle{f.raw} : principal[f.idx];
    }

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
    ward::effective_result<P> effective(const request_desc& q) const {
        return snap->effective_permissions(credential(q), sh(q.target));
    }
};

struct build_order {
    std::vector<std::size_t> scopes, roles, rows; ///< builder order (rows may repeat: duplicates)
};

inline build_order natural_order(const policy_desc& pol) {
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
        b.add_scope(d.id, kind_name(d.kind),
                    d.parent == npos ? std::string_view{} : std::string_view(pol.scopes[d.parent].id));
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
        const std::string_view who =
            w.principal == npos ? std::string_view{} : std::string_view(pol.principals[w.principal].id);
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
            b.restrict_to(who, at, vm<P>::to_engine(w.perms),
                          w.within == npos ? std::string_view{} : std::string_view(pol.scopes[w.within].id));
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
    e.snap = built.value;
    for (const scope_desc& d : pol.scopes) e.scope.push_back(e.snap->find_scope(d.id));
    for (const principal_desc& p : pol.principals) e.principal.push_back(e.snap->find_principal(p.id));
    return e;
}

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
    void fail(const char* what, const policy_desc& pol, const request_desc& q, const std::string& got,
              const std::string& want) {
        if (++mismatches > 5) return;
        INFO(describe<P>(pol));
        INFO(describe<P>(pol, q));
        INFO("engine: " << got);
        INFO("model:  " << want);
        FAIL_CHECK(what);
    }
};

template <class P>
answer compare_with_model(const engine<P>& e, const model<P>& m, const policy_desc& pol, const request_desc& q,
                          tally& t) {
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

} // namespace wt::property

#endif
