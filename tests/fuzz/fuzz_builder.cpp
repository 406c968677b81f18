// SPDX-License-Identifier: MIT
// Fuzz harness: policy_builder on decoded rows, against the naive reference model of the property
// tests (tests/property/model.hpp). The input is lines, one builder call each, tokens separated
// by single spaces (so an empty token is an empty id):
//   S <id> <kind> [<parent>]                 add_scope          P <id> [a|o|c|t|i]   add_principal
//   R <id> <perms> [<parent role>...]        define_role        T                    add_roles (ident)
//   B <principal> <scope> <+|=> <role>...    bind (= replace)   G|D <principal> <scope> <perms>  grant, deny
//   E <scope> <perms>                        deny_everyone      X <principal> <app> <perms> [<within>]  restrict_to
// <perms> is `#<hex>` (a permission set: bit i of the number) or names joined by ',' ("-" for none); E and X
// take a set, so for them names go through ward::permissions (bad names: the empty set).
// A first line `W` selects the 200-permission vocabulary instead of provide ident's.
// Checked: the build fails exactly when some row is bad (a malformed or duplicate id, an unknown
// kind or name, a reference to an id no row defines, a scope under a parent of a kind the schema
// does not allow, a scope no root reaches, a role that inherits itself), and then names the
// earliest bad row and its kind; on success every principal x scope answer (effective permissions,
// also through each restricted application, and a check of each permission the rows mention)
// agrees with the model.
#include "fuzz/fuzz_check.hpp"
#include "property/model.hpp"
#include "support/vocabularies.hpp"
#include <ward/builder.hpp>
#include <ward/credential.hpp>
#include <ward/decision.hpp>
#include <ward/snapshot.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace wp = wt::property;
using wp::npos;

constexpr std::size_t max_rows = 48;

struct perms_arg {
    bool mask = false;      ///< `#hex`: the set overload
    std::uint64_t word = 0; ///< its bits
    std::string names;      ///< otherwise: the scope string
};

struct row {
    char op = 0;
    ward::row_kind kind = ward::row_kind::scope;
    std::vector<std::string_view> args;
    perms_arg perms;
};

perms_arg read_perms(std::string_view t) {
    perms_arg p;
    if (!t.empty() && t[0] == '#') {
        p.mask = true;
        for (char c : t.substr(1)) {
            const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
            if (d >= 0) p.word = (p.word << 4) | static_cast<std::uint64_t>(d);
        }
        return p;
    }
    if (t != "-")
        for (char c : t) p.names += c == ',' ? ' ' : c;
    return p;
}

/// The rows of the input; lines that are no builder call are skipped.
std::vector<row> decode(std::string_view text, bool ident) {
    std::vector<row> rows;
    for (std::string_view line : wf::pieces(text, '\n')) {
        if (rows.size() == max_rows || line.empty()) continue;
        row r;
        r.op = line[0];
        const std::vector<std::string_view> t = wf::pieces(line, ' ');
        r.args.assign(t.begin() + 1, t.end());
        const std::size_t n = r.args.size();
        switch (r.op) {
        case 'S': r.kind = ward::row_kind::scope; break;
        case 'P': r.kind = ward::row_kind::principal; break;
        case 'R': r.kind = ward::row_kind::role; break;
        case 'T': r.kind = ward::row_kind::role_table; break;
        case 'B': r.kind = ward::row_kind::binding; break;
        case 'G': r.kind = ward::row_kind::grant; break;
        case 'D': r.kind = ward::row_kind::deny; break;
        case 'E': r.kind = ward::row_kind::deny_everyone; break;
        case 'X': r.kind = ward::row_kind::restriction; break;
        default: continue;
        }
        const bool enough = (r.op == 'S' && n >= 2 && n <= 3) || (r.op == 'P' && n >= 1 && n <= 2) ||
                            (r.op == 'R' && n >= 2) || (r.op == 'T' && n == 0 && ident) || (r.op == 'B' && n >= 3) ||
                            ((r.op == 'G' || r.op == 'D') && n == 3) || (r.op == 'E' && n == 2) ||
                            (r.op == 'X' && n >= 3 && n <= 4);
        if (!enough) continue;
        if (r.op == 'R') r.perms = read_perms(r.args[1]);
        if (r.op == 'G' || r.op == 'D' || r.op == 'X') r.perms = read_perms(r.args[2]);
        if (r.op == 'E') r.perms = read_perms(r.args[1]);
        rows.push_back(r);
    }
    return rows;
}

ward::principal_kind principal_kind_of(const row& r) {
    const char k = r.args.size() > 1 && !r.args[1].empty() ? r.args[1][0] : 'u';
    switch (k) {
    case 'a': return ward::principal_kind::application;
    case 'o': return ward::principal_kind::organization;
    case 'c': return ward::principal_kind::api_credential;
    case 't': return ward::principal_kind::token;
    case 'i': return ward::principal_kind::invite;
    default: return ward::principal_kind::user;
    }
}

template <class P>
ward::permission_set<P> mask_set(std::uint64_t word) {
    typename ward::permission_set<P>::word_array w{};
    w[0] = word;
    return ward::permission_set<P>::from_words(w);
}

/// Calls the builder for each row, in order.
template <class P>
ward::build_result<P> build(const std::vector<row>& rows) {
    ward::policy_builder<P> b;
    std::vector<std::string_view> list;
    for (const row& r : rows) {
        const std::size_t expected_row = b.row_count();
        std::size_t got = 0;
        const auto& a = r.args;
        switch (r.op) {
        case 'S': got = b.add_scope(a[0], a[1], a.size() > 2 ? a[2] : std::string_view{}); break;
        case 'P': got = b.add_principal(a[0], principal_kind_of(r)); break;
        case 'R':
            list.assign(a.begin() + 2, a.end());
            got = r.perms.mask ? b.define_role(a[0], mask_set<P>(r.perms.word), list)
                               : b.define_role(a[0], std::string_view(r.perms.names), list);
            break;
        case 'T':
            if constexpr (wp::table_for<P>::present) got = b.add_roles(wp::ident_table);
            break;
        case 'B':
            list.assign(a.begin() + 3, a.end());
            got = b.bind(a[0], a[1], list, a[2] == "=" ? ward::assign::replace : ward::assign::add);
            break;
        case 'G':
            got = r.perms.mask ? b.grant(a[0], a[1], mask_set<P>(r.perms.word))
                               : b.grant(a[0], a[1], std::string_view(r.perms.names));
            break;
        case 'D':
            got = r.perms.mask ? b.deny(a[0], a[1], mask_set<P>(r.perms.word))
                               : b.deny(a[0], a[1], std::string_view(r.perms.names));
            break;
        case 'E':
            got = b.deny_everyone(a[0], r.perms.mask ? mask_set<P>(r.perms.word) : ward::permissions<P>(r.perms.names));
            break;
        case 'X':
            got = b.restrict_to(a[0], a[1],
                                r.perms.mask ? mask_set<P>(r.perms.word) : ward::permissions<P>(r.perms.names),
                                a.size() > 3 ? a[3] : std::string_view{});
            break;
        default: break;
        }
        WARD_FUZZ_CHECK(got == expected_row && b.row_count() == expected_row + 1);
    }
    return b.build();
}

// ---- the naive judgement of the rows ------------------------------------------------------------------------
bool valid_id(std::string_view s) {
    if (s.empty() || s.size() > WARD_MAX_ID_LENGTH) return false;
    for (char c : s)
        if (c <= ' ' || c > '~') return false;
    return true;
}

std::optional<wp::skind> kind_named(std::string_view k) {
    for (wp::skind s :
         {wp::skind::platform, wp::skind::organization, wp::skind::application, wp::skind::user, wp::skind::resource})
        if (k == wp::kind_name(s)) return s;
    return std::nullopt;
}

struct scope_def {
    std::size_t row;
    std::optional<wp::skind> kind;
    std::string_view parent; ///< empty: a root (also when the parent id is malformed)
};
struct role_def {
    std::size_t row;
    wf::bitset perms;
    std::vector<std::string_view> parents;
    bool in_table = false;
};

template <class P>
struct judged {
    std::vector<bool> bad;
    std::map<std::string_view, scope_def> scopes;
    std::map<std::string_view, std::pair<std::size_t, ward::principal_kind>> principals; ///< row, kind
    std::map<std::string_view, role_def> roles;
    std::vector<wf::bitset> perms; ///< per row: its permission bits (grants, denies, restrictions, roles)

    std::vector<bool> cycle; ///< rows bad only because of a scope or role cycle

    /// The earliest bad row, whichever check makes it bad (build() runs every check).
    std::size_t earliest() const {
        for (std::size_t i = 0; i < bad.size(); ++i)
            if (bad[i] || cycle[i]) return i;
        return npos;
    }
};

template <class P>
judged<P> judge(const std::vector<row>& rows) {
    judged<P> j;
    j.bad.assign(rows.size(), false);
    j.cycle.assign(rows.size(), false);
    j.perms.assign(rows.size(), wf::bitset{});
    std::vector<std::pair<char, std::pair<std::string_view, std::size_t>>> refs; // (s|p|r, (id, row))
    auto ref = [&](char what, std::string_view id, std::size_t i) {
        if (!valid_id(id)) j.bad[i] = true;
        else refs.push_back({what, {id, i}});
    };
    auto perms_of = [&](const row& r, std::size_t i) {
        if (r.perms.mask) {
            j.perms[i] = wf::bits_of(mask_set<P>(r.perms.word));
            return true;
        }
        const wf::naive_result n = wf::naive_scope<P>(r.perms.names, false);
        if (n.ec != ward::errc::ok) return j.bad[i] = true, false;
        j.perms[i] = n.value;
        return true;
    };
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const row& r = rows[i];
        const auto& a = r.args;
        switch (r.op) {
        case 'S': {
            if (!valid_id(a[0]) || j.scopes.count(a[0]) != 0) {
                j.bad[i] = true;
                break;
            }
            scope_def d{i, kind_named(a[1]), {}};
            if (!d.kind) j.bad[i] = true; // and its parent is not read
            else if (a.size() > 2 && !a[2].empty()) {
                ref('s', a[2], i);
                if (valid_id(a[2])) d.parent = a[2];
            }
            j.scopes[a[0]] = d;
            break;
        }
        case 'P':
            if (!valid_id(a[0]) || j.principals.count(a[0]) != 0) j.bad[i] = true;
            else j.principals[a[0]] = {i, principal_kind_of(r)};
            break;
        case 'R': {
            if (!perms_of(r, i)) break;
            if (!valid_id(a[0]) || j.roles.count(a[0]) != 0) {
                j.bad[i] = true;
                break;
            }
            role_def d{i, j.perms[i], {}, false};
            for (std::size_t k = 2; k < a.size(); ++k) {
                ref('r', a[k], i);
                if (valid_id(a[k])) d.parents.push_back(a[k]);
            }
            j.roles[a[0]] = d;
            break;
        }
        case 'T': {
            const std::vector<wp::role_desc> table = wp::table_for<P>::model();
            for (std::size_t k = 0; k < table.size(); ++k) {
                const std::string_view id = wp::ident_table.name(k); // the table's own storage
                if (j.roles.count(id) != 0) {
                    j.bad[i] = true;
                    continue;
                }
                role_def d{i, table[k].perms, {}, true};
                for (std::size_t q : table[k].parents) d.parents.push_back(wp::ident_table.name(q));
                j.roles[id] = d;
            }
            break;
        }
        case 'B':
            ref('p', a[0], i);
            ref('s', a[1], i);
            for (std::size_t k = 3; k < a.size(); ++k) ref('r', a[k], i);
            break;
        case 'G':
        case 'D':
        case 'X':
            if (r.op == 'X' && !r.perms.mask) { // restrict_to takes a set: the names' set, or none
                const wf::naive_result n = wf::naive_scope<P>(r.perms.names, false);
                if (n.ec == ward::errc::ok) j.perms[i] = n.value;
            } else if (!perms_of(r, i)) {
                break;
            }
            ref('p', a[0], i);
            ref('s', a[1], i);
            if (r.op == 'X' && a.size() > 3 && !a[3].empty()) ref('s', a[3], i);
            break;
        case 'E':
            if (!r.perms.mask) { // deny_everyone takes a set: the names' set, or none
                const wf::naive_result n = wf::naive_scope<P>(r.perms.names, false);
                if (n.ec == ward::errc::ok) j.perms[i] = n.value;
            } else {
                perms_of(r, i);
            }
            ref('s', a[0], i);
            break;
        default: break;
        }
    }
    // References to ids no row defines.
    for (const auto& f : refs) {
        const std::string_view id = f.second.first;
        const bool defined = f.first == 's'   ? j.scopes.count(id) != 0
                             : f.first == 'p' ? j.principals.count(id) != 0
                                              : j.roles.count(id) != 0;
        if (!defined) j.bad[f.second.second] = true;
    }
    // Scope kinds: a root must be a platform or an organization; a child must fit its parent.
    for (const auto& [id, d] : j.scopes) {
        if (!d.kind) continue;
        if (d.parent.empty()) {
            if (*d.kind != wp::skind::platform && *d.kind != wp::skind::organization) j.bad[d.row] = true;
        } else {
            const auto p = j.scopes.find(d.parent);
            if (p != j.scopes.end() && p->second.kind && !wp::parent_allowed(*p->second.kind, *d.kind))
                j.bad[d.row] = true;
        }
    }
    // Scopes no root reaches (on a cycle, or below one).
    for (const auto& [id, d] : j.scopes) {
        std::string_view at = id;
        std::size_t steps = 0;
        while (steps <= j.scopes.size()) {
            const auto it = j.scopes.find(at);
            if (it == j.scopes.end() || it->second.parent.empty()) break;
            at = it->second.parent;
            ++steps;
        }
        if (steps > j.scopes.size()) j.cycle[d.row] = true;
    }
    // Roles that inherit in a cycle: the row that closes the first cycle, i.e. the earliest row
    // after which the roles defined so far (a parent edge counting once both ends are defined)
    // inherit in a cycle.
    for (std::size_t last = 0; last < rows.size(); ++last) {
        auto in = [&](std::string_view id) {
            const auto it = j.roles.find(id);
            return it != j.roles.end() && it->second.row <= last;
        };
        bool cycle = false;
        for (const auto& [id, d] : j.roles) {
            if (d.row > last) continue;
            std::vector<std::string_view> todo, seen;
            for (std::string_view q : d.parents)
                if (in(q)) todo.push_back(q);
            while (!todo.empty() && !cycle) {
                const std::string_view q = todo.back();
                todo.pop_back();
                if (q == id) cycle = true;
                if (std::find(seen.begin(), seen.end(), q) != seen.end()) continue;
                seen.push_back(q);
                for (std::string_view g : j.roles.at(q).parents)
                    if (in(g)) todo.push_back(g);
            }
            if (cycle) break;
        }
        if (cycle) {
            j.cycle[last] = true;
            break;
        }
    }
    return j;
}

// ---- on success: the model's answers ------------------------------------------------------------------------
template <class P>
void compare(const std::vector<row>& rows, const judged<P>& j, const ward::snapshot<P>& snap) {
    wp::policy_desc pol;
    std::map<std::string_view, std::size_t> scope_ix, principal_ix, role_ix;
    for (const auto& [id, d] : j.scopes) {
        scope_ix[id] = pol.scopes.size();
        pol.scopes.push_back({std::string(id), *d.kind, npos});
    }
    for (const auto& [id, d] : j.scopes)
        if (!d.parent.empty()) pol.scopes[scope_ix[id]].parent = scope_ix.at(d.parent);
    for (const auto& [id, d] : j.principals) {
        principal_ix[id] = pol.principals.size();
        pol.principals.push_back({std::string(id), d.second});
    }
    for (const auto& [id, d] : j.roles) {
        role_ix[id] = pol.roles.size();
        pol.roles.push_back({std::string(id), d.perms, {}, d.in_table});
    }
    for (const auto& [id, d] : j.roles)
        for (std::string_view q : d.parents) pol.roles[role_ix[id]].parents.push_back(role_ix.at(q));
    wf::bitset mentioned;
    for (const auto& d : pol.roles) wt::property::add_to(mentioned, d.perms);
    std::vector<std::size_t> apps;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const row& r = rows[i];
        const auto& a = r.args;
        wp::row_desc w;
        switch (r.op) {
        case 'B':
            w.type = wp::row_type::binding;
            w.principal = principal_ix.at(a[0]);
            w.scope = scope_ix.at(a[1]);
            w.replace = a[2] == "=";
            for (std::size_t k = 3; k < a.size(); ++k) w.roles.push_back(role_ix.at(a[k]));
            break;
        case 'G':
        case 'D':
        case 'X':
            w.type = r.op == 'G' ? wp::row_type::grant : r.op == 'D' ? wp::row_type::deny : wp::row_type::restriction;
            w.principal = principal_ix.at(a[0]);
            w.scope = scope_ix.at(a[1]);
            w.perms = j.perms[i];
            if (r.op == 'X' && a.size() > 3 && !a[3].empty()) w.within = scope_ix.at(a[3]);
            if (r.op == 'X') apps.push_back(w.scope);
            break;
        case 'E':
            w.type = wp::row_type::deny_everyone;
            w.scope = scope_ix.at(a[0]);
            w.perms = j.perms[i];
            break;
        default: continue;
        }
        wt::property::add_to(mentioned, w.perms);
        pol.rows.push_back(w);
    }
    const wp::model<P> m(pol);
    const auto& defined = wp::vm<P>::defined();
    mentioned = wp::vm<P>::closure(mentioned);
    for (std::size_t i : defined)
        if (mentioned.count(i) == 0) { // and one permission no row mentions
            mentioned.insert(i);
            break;
        }

    for (std::size_t p = 0; p < pol.principals.size(); ++p) {
        const ward::principal_handle ph = snap.find_principal(pol.principals[p].id);
        WARD_FUZZ_CHECK(ph.valid() && snap.kind_of(ph) == pol.principals[p].kind);
        for (std::size_t t = 0; t < pol.scopes.size(); ++t) {
            const ward::scope_handle th = snap.find_scope(pol.scopes[t].id);
            WARD_FUZZ_CHECK(th.valid());
            wp::request_desc q;
            q.principal.idx = p;
            q.target.idx = t;
            const ward::credential<P> cred = ward::credential<P>::of(ph);
            // Effective permissions, without an application and through each restricted one.
            for (std::size_t v = 0; v <= apps.size(); ++v) {
                ward::credential<P> c = cred;
                q.has_via = v < apps.size();
                q.via.idx = q.has_via ? apps[v] : npos;
                if (q.has_via) c.via(snap.find_scope(pol.scopes[apps[v]].id));
                const wp::answer want = m.effective(q);
                const ward::effective_result<P> got = snap.effective_permissions(c, th);
                WARD_FUZZ_CHECK(got.why == want.why);
                WARD_FUZZ_CHECK(wf::bits_of(got.permissions) == want.effective);
            }
            // A check of each permission the rows mention, and of all of them at once.
            q.has_via = false;
            q.via.idx = npos;
            for (std::size_t i : mentioned) {
                q.required = {i};
                const wp::answer want = m.check(q);
                const ward::decision<P> got = snap.check(cred, wp::vm<P>::to_engine(q.required), th);
                WARD_FUZZ_CHECK(got.allowed == want.allowed && got.why == want.why);
                WARD_FUZZ_CHECK(wf::bits_of(got.missing) == want.missing);
            }
            q.required = mentioned;
            const wp::answer want = m.check(q);
            const ward::decision<P> got = snap.check(cred, wp::vm<P>::to_engine(q.required), th);
            WARD_FUZZ_CHECK(got.allowed == want.allowed && got.why == want.why);
        }
    }
}

template <class P>
void run(std::string_view text, bool ident) {
    const std::vector<row> rows = decode(text, ident);
    const ward::build_result<P> built = build<P>(rows);
    const judged<P> j = judge<P>(rows);
    const std::size_t first = j.earliest();
    if ((first == npos) != static_cast<bool>(built) || (first != npos && built.error.row != first))
        std::fprintf(stderr, "ward fuzz: builder says \"%s\"; the earliest bad row is %s\n",
                     built.error.message().c_str(), first == npos ? "none" : std::to_string(first).c_str());
    if (first != npos) {
        // Refused, naming the earliest bad row and its kind, and nothing built.
        WARD_FUZZ_CHECK(!built && built.value == nullptr);
        WARD_FUZZ_CHECK(!built.error.ok() && built.error.ec != ward::errc::ok);
        WARD_FUZZ_CHECK(built.error.row == first);
        WARD_FUZZ_CHECK(built.error.kind == rows[first].kind);
        return;
    }
    WARD_FUZZ_CHECK(built && built.error.ok() && built.error.ec == ward::errc::ok);
    WARD_FUZZ_CHECK(built.value->scope_count() == j.scopes.size());
    WARD_FUZZ_CHECK(built.value->principal_count() == j.principals.size());
    WARD_FUZZ_CHECK(built.value->role_count() == j.roles.size());
    compare<P>(rows, j, *built.value);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = wf::as_text(data, size);
    if (text.substr(0, 2) == "W\n") run<wt::v200>(text.substr(2), false);
    else run<wt::ident>(text, true);
    return 0;
}
