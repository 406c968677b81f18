// SPDX-License-Identifier: MIT
// Fuzz harness: snapshot::authenticate, every token claim. The input is lines, each a claim:
//   s<subject>   m<decimal mask>   n<one permissions-array item>   N (an empty permissions array)
//   c<scope string>   e<resource> <decimal mask> (an extended entry)   b<bound scopes>
//   r (bound scopes are restrictions)   v<via application>   l (lenient names)
// against one fixed policy. Checked: a refused token fails closed (unauthenticated, every check
// refused) and names the first bad claim in claim order with a position inside that claim; an
// accepted one names the subject's principal, carries the intersection of its permission claims
// as its ceiling, and at no scope holds more than the ceiling, the extended entry that applies,
// the policy alone (through the same application), or anything outside its bound scopes; check
// agrees with effective_permissions.
#include "fuzz/fuzz_check.hpp"
#include "property/model.hpp"
#include "support/vocabularies.hpp"
#include <ward/builder.hpp>
#include <ward/claims.hpp>
#include <ward/credential.hpp>
#include <ward/snapshot.hpp>
#include <ward/subject.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

using P = wt::ident;
using set = ward::permission_set<P>;
using vm = wt::property::vm<P>;

const ward::snapshot<P>& policy() {
    static const std::shared_ptr<const ward::snapshot<P>> snap = [] {
        ward::policy_builder<P> b;
        b.add_scope("platform", "platform");
        b.add_scope("org:acme", "organization", "platform");
        b.add_scope("org:globex", "organization", "platform");
        b.add_scope("app:shop", "application", "org:acme");
        b.add_scope("app:admin", "application", "org:acme");
        b.add_scope("market:id:eu", "resource", "org:acme");
        b.add_scope("market:code:us", "resource", "org:globex");
        b.add_scope("doc", "resource", "app:shop");
        b.add_principal("user:alice");
        b.add_principal("user:bob");
        b.add_principal("application:shop", ward::principal_kind::application);
        b.add_principal("auth0|carol");
        b.add_principal("api_credential:key1", ward::principal_kind::api_credential);
        b.add_principal("user:mallory", ward::principal_kind::application); // a kind that differs from the subject's
        b.add_roles(wt::property::ident_table);
        b.bind("user:alice", "org:acme", {"t_writer"});
        b.grant("user:bob", "platform", "read_resources publish");
        b.deny("user:alice", "app:admin", "delete_resource");
        b.deny_everyone("org:globex", ward::permissions<P>("sudo"));
        b.restrict_to("user:alice", "app:shop", ward::permissions<P>("read_resources create_resource"));
        b.bind("auth0|carol", "org:globex", {"t_admin", "t_pubsub"});
        b.grant("application:shop", "app:shop", "subscribe read_resources");
        b.grant("api_credential:key1", "market:id:eu", "sudo authenticate");
        b.grant("user:mallory", "platform", "sudo");
        auto built = b.build();
        WARD_FUZZ_CHECK(built);
        return built.value;
    }();
    return *snap;
}

std::uint64_t decimal(std::string_view s) {
    std::uint64_t v = 0;
    for (char c : s)
        if (c >= '0' && c <= '9') v = v * 10 + static_cast<std::uint64_t>(c - '0'); // wraps: any 64-bit value
    return v;
}

bool naive_valid_id(std::string_view s) {
    if (s.empty() || s.size() > WARD_MAX_ID_LENGTH) return false;
    for (char c : s)
        if (c <= ' ' || c > '~') return false;
    return true;
}

struct decoded {
    ward::token_claims claims;
    std::vector<std::string_view> names;
    std::vector<ward::extended_claim> extended;
};

struct expected {
    ward::errc ec = ward::errc::ok;
    ward::claim failed = ward::claim::none;
    std::size_t position = 0;
};

/// The first bad claim, claim by claim in the documented order.
expected first_bad_claim(const ward::snapshot<P>& s, const decoded& d) {
    const ward::token_claims& c = d.claims;
    const auto sub = ward::parse_subject(c.subject);
    if (!sub) return {sub.ec, ward::claim::subject, sub.position};
    if (c.has_permission_mask) {
        const auto m = set::from_integer(c.permission_mask);
        if (!m) return {m.ec, ward::claim::permission_mask, m.position};
    }
    const bool lenient = c.names_mode == ward::parse_mode::lenient;
    if (c.has_permission_names) {
        const wf::naive_result m = wf::naive_names<P>(d.names, lenient);
        if (m.ec != ward::errc::ok) return {m.ec, ward::claim::permission_names, m.position};
    }
    if (c.has_scope) {
        const wf::naive_result m = wf::naive_scope<P>(c.scope, lenient);
        if (m.ec != ward::errc::ok) return {m.ec, ward::claim::scope, m.position};
    }
    if (!d.extended.empty()) {
        if (d.extended.size() > WARD_MAX_EXTENDED_CLAIMS + 1)
            return {ward::errc::too_many, ward::claim::extended, WARD_MAX_EXTENDED_CLAIMS};
        std::vector<ward::scope_handle> kept; // distinct known scopes: duplicates fold into one entry
        for (std::size_t i = 0; i < d.extended.size(); ++i) {
            const auto m = set::from_integer(d.extended[i].mask);
            if (!m) return {m.ec, ward::claim::extended, i};
            if (d.extended[i].resource == "*") continue;
            if (!naive_valid_id(d.extended[i].resource)) return {ward::errc::invalid_id, ward::claim::extended, i};
            const ward::scope_handle at = s.find_scope(d.extended[i].resource);
            if (!at.valid() || std::find(kept.begin(), kept.end(), at) != kept.end()) continue;
            if (kept.size() == WARD_MAX_EXTENDED_CLAIMS) return {ward::errc::too_many, ward::claim::extended, i};
            kept.push_back(at);
        }
    }
    if (!c.bound_scopes.empty()) {
        if (c.bound_scopes.size() > WARD_MAX_INPUT_LENGTH)
            return {ward::errc::input_too_long, ward::claim::bound_scopes, WARD_MAX_INPUT_LENGTH};
        std::size_t offset = 0, bound = 0;
        for (std::string_view item : wf::pieces(c.bound_scopes, ' ')) {
            if (item.empty()) return {ward::errc::empty_name, ward::claim::bound_scopes, offset};
            if (c.scope_restrictions) {
                const auto r = ward::parse_scope_restriction(item);
                if (!r) return {r.ec, ward::claim::bound_scopes, offset + r.position};
            } else if (!naive_valid_id(item)) {
                return {ward::errc::invalid_id, ward::claim::bound_scopes, offset};
            }
            if (bound == WARD_MAX_BOUND_SCOPES) return {ward::errc::too_many, ward::claim::bound_scopes, offset};
            ++bound;
            offset += item.size() + 1;
        }
    }
    if (!c.via.empty() && !naive_valid_id(c.via)) return {ward::errc::invalid_id, ward::claim::via, 0};
    return {};
}

/// The claim's length in the unit its position counts (bytes, or items).
std::size_t claim_extent(const decoded& d, ward::claim which) {
    switch (which) {
    case ward::claim::subject: return d.claims.subject.size();
    case ward::claim::permission_mask: return 63;
    case ward::claim::permission_names: return d.names.size() - 1;
    case ward::claim::scope: return d.claims.scope.size();
    case ward::claim::extended: return d.extended.size() - 1;
    case ward::claim::bound_scopes: return d.claims.bound_scopes.size();
    case ward::claim::via: return d.claims.via.size();
    case ward::claim::none: return 0;
    }
    return 0;
}

wf::bitset closure_of(const set& s) { return vm::closure(wf::bits_of(s)); }

void check_accepted(const ward::snapshot<P>& s, const decoded& d, const ward::credential<P>& cred) {
    const ward::token_claims& c = d.claims;
    WARD_FUZZ_CHECK(cred.authenticated());

    // The principal: the subject's, when the policy has it with the subject's kind.
    const auto sub = ward::parse_subject(c.subject);
    const ward::principal_handle p = s.find_principal(c.subject);
    if (p.valid() && s.kind_of(p) == sub.value.kind) WARD_FUZZ_CHECK(cred.principal() == p);
    else WARD_FUZZ_CHECK(!cred.principal().valid());

    // The ceiling: the intersection of every permission claim present, each closed under implications.
    const bool lenient = c.names_mode == ward::parse_mode::lenient;
    bool capped = false;
    wf::bitset ceiling = vm::all();
    auto cap = [&](const wf::bitset& b) {
        ceiling = wt::property::intersect(ceiling, vm::closure(b));
        capped = true;
    };
    if (c.has_permission_mask) cap(wf::bits_of(set::from_integer(c.permission_mask).value));
    if (c.has_permission_names) cap(wf::naive_names<P>(d.names, lenient).value);
    if (c.has_scope) cap(wf::naive_scope<P>(c.scope, lenient).value);
    WARD_FUZZ_CHECK(cred.has_ceiling() == capped);
    if (capped) WARD_FUZZ_CHECK(wf::bits_of(cred.ceiling()) == ceiling);

    std::vector<ward::scope_handle> bound;
    for (std::string_view item : wf::pieces(c.bound_scopes, ' '))
        if (!c.bound_scopes.empty()) bound.push_back(s.find_scope(item));
    WARD_FUZZ_CHECK(cred.bound_count() == bound.size());
    WARD_FUZZ_CHECK(cred.has_via() == !c.via.empty());
    if (!c.via.empty()) WARD_FUZZ_CHECK(cred.via() == s.find_scope(c.via));

    // The policy alone: the same principal through the same application, without token caps.
    auto policy_alone = ward::credential<P>::of(cred.principal());
    if (cred.has_via()) policy_alone.via(cred.via());
    for (std::uint32_t t = 0; t <= s.scope_count(); ++t) { // every scope, and one handle past them
        const ward::scope_handle target{t};
        const ward::effective_result<P> eff = s.effective_permissions(cred, target);
        const wf::bitset held = wf::bits_of(eff.permissions);
        if (eff.why != ward::reason::granted) WARD_FUZZ_CHECK(eff.permissions.none());
        if (!cred.principal().valid()) WARD_FUZZ_CHECK(eff.why == ward::reason::unknown_principal);
        if (t == s.scope_count() && cred.principal().valid()) WARD_FUZZ_CHECK(eff.why == ward::reason::unknown_scope);
        // Never above the ceiling, nor above what the policy alone grants.
        if (capped) WARD_FUZZ_CHECK(wt::property::subset(held, ceiling));
        WARD_FUZZ_CHECK(eff.permissions - s.effective_permissions(policy_alone, target).permissions == set{});
        // Never outside the bound scopes.
        if (!bound.empty() && t < s.scope_count()) {
            bool in_bound = false;
            for (ward::scope_handle b : bound)
                for (ward::scope_handle k = target; k.valid(); k = s.parent(k)) in_bound = in_bound || k == b;
            if (!in_bound) WARD_FUZZ_CHECK(eff.why == ward::reason::outside_scope || !cred.principal().valid());
        }
        // Never above the extended entry that applies: the entries of the deepest scope that has
        // entries and encloses the target (intersected), else every "*" entry (intersected), else
        // nothing.
        if (!d.extended.empty() && t < s.scope_count()) {
            bool found = false;
            wf::bitset ext = vm::all();
            for (ward::scope_handle k = target; k.valid() && !found; k = s.parent(k))
                for (const ward::extended_claim& e : d.extended)
                    if (e.resource != "*" && s.find_scope(e.resource) == k) {
                        found = true;
                        ext = wt::property::intersect(ext, closure_of(set::from_integer(e.mask).value));
                    }
            if (!found)
                for (const ward::extended_claim& e : d.extended)
                    if (e.resource == "*") {
                        found = true;
                        ext = wt::property::intersect(ext, closure_of(set::from_integer(e.mask).value));
                    }
            if (!found) ext.clear();
            WARD_FUZZ_CHECK(wt::property::subset(held, ext));
        }
        // check() agrees with effective_permissions, one permission at a time.
        for (std::size_t i : vm::defined()) {
            const ward::decision<P> dec = s.check(cred, set{ward::vocabulary<P>::from_index(i)}, target);
            WARD_FUZZ_CHECK(dec.allowed == (held.count(i) != 0));
            if (!dec.allowed) WARD_FUZZ_CHECK(dec.missing.test(i));
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ward::snapshot<P>& s = policy();
    decoded d;
    ward::token_claims& c = d.claims;
    for (std::string_view line : wf::pieces(wf::as_text(data, size), '\n')) {
        if (line.empty()) continue;
        const std::string_view v = line.substr(1);
        switch (line[0]) {
        case 's': c.subject = v; break;
        case 'm':
            c.has_permission_mask = true;
            c.permission_mask = decimal(v);
            break;
        case 'n':
            c.has_permission_names = true;
            d.names.push_back(v);
            break;
        case 'N': c.has_permission_names = true; break;
        case 'c':
            c.has_scope = true;
            c.scope = v;
            break;
        case 'e': {
            const std::size_t sp = v.rfind(' ');
            if (sp == std::string_view::npos) d.extended.push_back({v, 0});
            else d.extended.push_back({v.substr(0, sp), decimal(v.substr(sp + 1))});
            break;
        }
        case 'b': c.bound_scopes = v; break;
        case 'r': c.scope_restrictions = true; break;
        case 'v': c.via = v; break;
        case 'l': c.names_mode = ward::parse_mode::lenient; break;
        default: break;
        }
    }
    c.permission_names = ward::view<std::string_view>(d.names);
    c.extended = ward::view<ward::extended_claim>(d.extended);

    const ward::credential_result<P> r = s.authenticate(c);
    const expected want = first_bad_claim(s, d);
    if (r.ec != want.ec || r.failed != want.failed || r.position != want.position)
        std::fprintf(stderr, "ward fuzz: authenticate says %s at %zu of claim %s; expected %s at %zu of claim %s\n",
                     std::string(ward::to_string(r.ec)).c_str(), r.position,
                     std::string(ward::to_string(r.failed)).c_str(), std::string(ward::to_string(want.ec)).c_str(),
                     want.position, std::string(ward::to_string(want.failed)).c_str());
    WARD_FUZZ_CHECK(r.ec == want.ec && r.failed == want.failed && r.position == want.position);
    WARD_FUZZ_CHECK(static_cast<bool>(r) == (r.failed == ward::claim::none));
    if (!r) {
        // Failed closed: unauthenticated, every check refused, the position inside the bad claim.
        WARD_FUZZ_CHECK(!r.value.authenticated() && !r.value.principal().valid());
        WARD_FUZZ_CHECK(r.position <= claim_extent(d, r.failed));
        for (std::uint32_t t = 0; t < s.scope_count(); ++t) {
            const ward::decision<P> dec = s.check(r.value, set::all(), ward::scope_handle{t});
            WARD_FUZZ_CHECK(!dec.allowed && dec.why == ward::reason::unauthenticated);
        }
        return 0;
    }
    check_accepted(s, d, r.value);
    return 0;
}
