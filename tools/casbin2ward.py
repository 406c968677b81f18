#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Translates a casbin model (model.conf) and policy (policy.csv) into a C++ header of ward rows.

    tools/casbin2ward.py model.conf policy.csv -o casbin_policy.hpp [--namespace NAME]
                         [--scope ID] [--parent ID]

The header declares a resource x action vocabulary (the policy's objects and actions, wire names
"obj:act", no implications, so matching is exact as in casbin), a function
`add_rows(ward::policy_builder<perm>&)` adding the scopes, principals, roles, bindings, grants and
denies, and `enforce(snapshot, sub, [dom,] obj, act)`, which answers as casbin's Enforce does
(its parameters are these names whatever the model calls its request fields; the enumerators are
`o_<object>` and `a_<action>`, clear of keywords and macros).

Supported: the ACL, RBAC, RBAC-with-deny and RBAC-with-domains models of casbin's examples (and
domains with deny): `r = sub, [dom,] obj, act`, `p = sub, [dom,] obj, act[, eft]`, `g = _, _` or
`g = _, _, _`, the effects `some(where (p.eft == allow))` and `some(where (p.eft == allow)) &&
!some(where (p.eft == deny))`, and the matcher `g(r.sub, p.sub[, r.dom]) [&& r.dom == p.dom] &&
r.obj == p.obj && r.act == p.act` (terms in any order, `r.sub == p.sub` without roles). Anything
else is refused with a message naming the construct, and exit status 2: ward's permissions are
exact names, so pattern matching (keyMatch, regexMatch, globMatch, ...), ABAC, eval, priorities,
deny-by-default-off effects, a second role definition and custom functions cannot be expressed.
So are policy fields with whitespace after them or inside quotes (Go casbin keeps it, other ports
trim it) and ids longer than ward's WARD_MAX_ID_LENGTH (256; a role in a domain is `role@domain`).
A bad command line is exit status 64, a file that cannot be read 1.

Mapping: every casbin subject name becomes a ward principal (casbin lets a role be a request's
subject too); a name that is a role (the second field of a `g` line) becomes a ward role (per
domain, `role@domain`) holding its `p` rows' permissions and inheriting, through define_role's
parents, the roles its own `g` lines name; `g, user, role[, dom]` becomes a binding; a user's own
`p` rows become grants; the model without domains puts everything in one organization scope
(--scope, default "casbin"); with domains, each domain is an organization scope. A self-link
`g, a, a` changes nothing in casbin and is dropped (a comment notes it). A deny row
(`eft` = deny) becomes a ward deny for every principal it reaches in casbin (the subject itself
and everyone who inherits it through `g`), since ward's denies name a principal, not a role.
"""

import argparse
import csv
import io
import os
import re
import sys
from collections import OrderedDict

EXIT_REFUSED = 2
EXIT_USAGE = 64  # EX_USAGE: a bad command line, told apart from a refused model
MAX_ID_LENGTH = 256  # ward's default WARD_MAX_ID_LENGTH: the longest principal, scope or role id
MAX_HIERARCHY = 10  # casbin's default role manager follows at most 10 links

CXX_KEYWORDS = set(
    """alignas alignof and and_eq asm auto bitand bitor bool break case catch char char8_t char16_t
    char32_t class compl concept const consteval constexpr constinit const_cast continue co_await
    co_return co_yield decltype default delete do double dynamic_cast else enum explicit export
    extern false float for friend goto if inline int long mutable namespace new noexcept not not_eq
    nullptr operator or or_eq private protected public register reinterpret_cast requires return
    short signed sizeof static static_assert static_cast struct switch template this thread_local
    throw true try typedef typeid typename union unsigned using virtual void volatile wchar_t while
    xor xor_eq final override import module""".split()
)


class Refused(Exception):
    """The model or policy uses something ward cannot express; the message says what."""


# ---- model.conf -------------------------------------------------------------------------------------


def read_model(text):
    """casbin's INI-like model: [section], `key = value`, `#` comments, `\\` continuations."""
    sections = OrderedDict()
    current = None
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if pending:
            line = pending + " " + line
            pending = ""
        if line.endswith("\\"):
            pending = line[:-1].strip()
            continue
        if not line or line.startswith("#") or line.startswith(";"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1].strip()
            sections.setdefault(current, OrderedDict())
            continue
        if current is None or "=" not in line:
            raise Refused("model: cannot read line %r (expected [section] or key = value)" % line)
        key, value = line.split("=", 1)
        sections[current][key.strip()] = value.strip()
    return sections


def tokens(value):
    return [t.strip() for t in value.split(",")]


FUNCTION_HINTS = {
    "keyMatch": "path pattern matching",
    "keyMatch2": "path pattern matching",
    "keyMatch3": "path pattern matching",
    "keyMatch4": "path pattern matching",
    "keyMatch5": "path pattern matching",
    "keyGet": "path pattern matching",
    "keyGet2": "path pattern matching",
    "regexMatch": "regular expressions",
    "globMatch": "glob patterns",
    "ipMatch": "IP address ranges",
    "eval": "ABAC rules evaluated from the policy",
}


class Model:
    """The recognized shape of a supported model: which field is what."""

    def __init__(self):
        self.r = []  # request tokens
        self.p = []  # policy tokens
        self.has_eft = False
        self.g_arity = 0  # 0 (no roles), 2 or 3 (domains)
        self.with_deny = False
        self.sub = self.dom = self.obj = self.act = None  # positions in r / p
        self.description = ""


def parse_model(text):
    sections = read_model(text)
    known = {"request_definition", "policy_definition", "role_definition", "policy_effect", "matchers"}
    for name in sections:
        if name not in known:
            raise Refused("model: section [%s] is not one ward can express (only %s)" % (name, ", ".join(sorted(known))))
    for name in ("request_definition", "policy_definition", "policy_effect", "matchers"):
        if name not in sections:
            raise Refused("model: section [%s] is missing" % name)
    m = Model()

    req = sections["request_definition"]
    if list(req) != ["r"]:
        extra = [k for k in req if k != "r"]
        raise Refused("model: request_definition %s: several request types (r2, ...) are not supported" % ", ".join(extra or ["(no r)"]))
    m.r = tokens(req["r"])
    pol = sections["policy_definition"]
    if list(pol) != ["p"]:
        extra = [k for k in pol if k != "p"]
        raise Refused("model: policy_definition %s: several policy types (p2, ...) are not supported" % ", ".join(extra or ["(no p)"]))
    m.p = tokens(pol["p"])
    for t in m.r + m.p:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", t):
            raise Refused("model: definition token %r is not a plain field name" % t)
    if m.p and m.p[-1] == "eft":
        m.has_eft = True
        fields = m.p[:-1]
    else:
        fields = m.p
    if "eft" in fields:
        raise Refused("model: p.eft must be the last policy field")
    if len(fields) != len(m.r):
        raise Refused(
            "model: the request has %d fields (%s) and the policy %d (%s); ward needs them to correspond one to one"
            % (len(m.r), ", ".join(m.r), len(fields), ", ".join(fields))
        )

    roles = sections.get("role_definition", OrderedDict())
    for k, v in roles.items():
        if k != "g":
            raise Refused("model: role_definition %s: a second role definition (%s = %s) is not supported, only g" % (k, k, v))
        if "(" in v:
            raise Refused("model: role_definition g = %s: conditional role links are not supported" % v)
        arity = len(tokens(v))
        if any(t != "_" for t in tokens(v)) or arity not in (2, 3):
            raise Refused("model: role_definition g = %s: only g = _, _ (roles) and g = _, _, _ (roles in domains) are supported" % v)
        m.g_arity = arity

    effect = dict(sections["policy_effect"])
    if list(effect) != ["e"]:
        raise Refused("model: policy_effect must define e only")
    e = re.sub(r"\s+", "", effect["e"])
    allow = "some(where(p.eft==allow))"
    if e == allow:
        m.with_deny = False
    elif e == allow + "&&!some(where(p.eft==deny))":
        m.with_deny = True
        if not m.has_eft:
            raise Refused("model: the deny effect needs an eft field last in policy_definition")
    elif e == "!some(where(p.eft==deny))":
        raise Refused(
            "model: policy effect %r (allow unless denied) is not supported: ward allows only what is granted" % effect["e"]
        )
    elif "priority" in e.lower():
        raise Refused("model: policy effect %r: priority effects are not supported (ward's deny always wins)" % effect["e"])
    else:
        raise Refused("model: policy effect %r is not supported" % effect["e"])

    matchers = dict(sections["matchers"])
    if list(matchers) != ["m"]:
        raise Refused("model: matchers must define m only (%s)" % ", ".join(matchers))
    parse_matcher(m, matchers["m"], fields)
    kind = "ACL" if m.g_arity == 0 else ("RBAC with domains" if m.dom is not None else "RBAC")
    m.description = kind + (" with deny" if m.with_deny else "")
    return m


def parse_matcher(m, text, fields):
    raw = text
    if re.search(r"\sin\s*\(", text):
        raise Refused("model: matcher %r: the in operator is not supported" % raw)
    s = re.sub(r"\s+", "", text)
    if "||" in s:
        raise Refused("model: matcher %r: a disjunction (||) is not supported" % raw)
    for name in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)\(", s):
        if name == "g":
            continue
        if re.fullmatch(r"g[0-9]+", name):
            raise Refused("model: matcher uses %s(): a second role definition is not supported, only g" % name)
        hint = FUNCTION_HINTS.get(name, "a custom function")
        raise Refused(
            "model: matcher uses %s() (%s), which ward cannot express: ward permissions are exact names" % (name, hint)
        )
    if re.search(r"\b[rp]\.[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_]", s):
        raise Refused("model: matcher %r reads attributes of a field (ABAC), which is not supported" % raw)
    terms = s.split("&&")
    pairs = {}  # position -> compared
    g_term = None
    r_index = {t: i for i, t in enumerate(m.r)}
    p_index = {t: i for i, t in enumerate(fields)}
    for term in terms:
        t = term
        while t.startswith("(") and t.endswith(")") and not t.startswith("g("):
            t = t[1:-1]
        g = re.fullmatch(r"g\(r\.(\w+),p\.(\w+)(?:,r\.(\w+))?\)", t)
        eq = re.fullmatch(r"([rp])\.(\w+)==([rp])\.(\w+)", t)
        if g:
            if g_term is not None:
                raise Refused("model: matcher calls g() twice")
            g_term = g.groups()
            continue
        if eq and eq.group(1) != eq.group(3):
            rt, pt = (eq.group(2), eq.group(4)) if eq.group(1) == "r" else (eq.group(4), eq.group(2))
            if rt not in r_index or pt not in p_index:
                raise Refused("model: matcher term %r names a field the definitions do not declare" % term)
            if r_index[rt] != p_index[pt]:
                raise Refused("model: matcher term %r compares fields at different positions" % term)
            if r_index[rt] in pairs:
                raise Refused("model: matcher compares r.%s twice" % rt)
            pairs[r_index[rt]] = term
            continue
        if re.search(r"!=|<|>|!", t):
            raise Refused("model: matcher term %r: only equality of a request field and a policy field is supported" % term)
        if '"' in t or "'" in t:
            raise Refused("model: matcher term %r compares with a literal (e.g. a superuser), which is not supported" % term)
        raise Refused("model: matcher term %r is not one ward can express" % term)

    if m.g_arity and g_term is None:
        raise Refused("model: the role definition g is declared but the matcher does not call g()")
    if g_term is not None:
        if m.g_arity == 0:
            raise Refused("model: matcher calls g() but the model declares no role_definition")
        rs, ps, rd = g_term
        if (rd is None) != (m.g_arity == 2):
            raise Refused(
                "model: matcher calls g() with %d arguments but role_definition g has %d fields" % (3 if rd else 2, m.g_arity)
            )
        if rs not in r_index or ps not in p_index or r_index[rs] != p_index[ps]:
            raise Refused("model: matcher g(r.%s, p.%s) must link the request's and the policy's subject fields" % (rs, ps))
        m.sub = r_index[rs]
        if m.sub in pairs:
            raise Refused("model: matcher both calls g() on and compares r.%s" % rs)
        if rd is not None:
            if rd not in r_index:
                raise Refused("model: matcher g(..., r.%s) names a field the request does not declare" % rd)
            m.dom = r_index[rd]
            if m.dom not in pairs:
                raise Refused("model: matcher uses r.%s as g()'s domain but does not require r.%s == p.%s" % (rd, rd, fields[m.dom]))
    else:
        if 0 not in pairs:
            raise Refused("model: matcher has no g() and does not compare the subject field r.%s" % m.r[0])
        m.sub = 0
    rest = [i for i in range(len(m.r)) if i != m.sub and i != m.dom]
    missing = [m.r[i] for i in rest if i not in pairs]
    if missing:
        raise Refused("model: matcher does not compare r.%s with the policy: a field matching anything is not supported" % ", r.".join(missing))
    if len(rest) != 2:
        raise Refused(
            "model: the request compares %d fields besides the subject%s (%s); ward maps exactly an object and an action"
            % (len(rest), " and domain" if m.dom is not None else "", ", ".join(m.r[i] for i in rest))
        )
    m.obj, m.act = rest


# ---- policy.csv ---------------------------------------------------------------------------------


def check_name(name, what, where):
    if not name:
        raise Refused("%s: empty %s" % (where, what))
    if "*" in name:
        raise Refused(
            "%s: %s %r looks like a wildcard; this matcher compares names exactly, and ward has no wildcards" % (where, what, name)
        )
    bad = [c for c in name if ord(c) < 0x21 or ord(c) > 0x7E or c in "\"\\"]
    if bad:
        raise Refused("%s: %s %r has the byte %r, which a ward id or permission name cannot hold" % (where, what, name, bad[0]))
    check_length(name, "%s: %s" % (where, what))


def check_length(ident, what):
    if len(ident) > MAX_ID_LENGTH:
        raise Refused(
            "%s %r is %d bytes, longer than ward's WARD_MAX_ID_LENGTH (%d)"
            % (what, ident[:40] + "...", len(ident), MAX_ID_LENGTH)
        )


class Policy:
    def __init__(self):
        self.rules = []  # (sub, dom, obj, act, eft, line)
        self.links = []  # (user, role, dom, line)


def parse_policy(text, model, path):
    pol = Policy()
    fields = len(model.r) + (1 if model.has_eft else 0)
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = "%s:%d" % (path, number)
        # As Go casbin reads a line (csv with TrimLeadingSpace): spaces after a comma are dropped;
        # whitespace after a name, or inside quotes, Go casbin keeps and other ports trim.
        row = next(csv.reader(io.StringIO(line), skipinitialspace=True))
        for i, c in enumerate(row):
            if c != c.strip():
                raise Refused(
                    "%s: field %d %r has whitespace %s it, which casbin's ports read differently (Go casbin keeps "
                    "it as part of the name, others trim it); remove it"
                    % (where, i + 1, c, "after" if c == c.lstrip() else ("before" if c == c.rstrip() else "around"))
                )
        kind, values = row[0], row[1:]
        if kind == "p":
            if len(values) != fields:
                raise Refused("%s: p row has %d fields, the model's policy_definition %d" % (where, len(values), fields))
            for i, v in enumerate(values[: len(model.r)]):
                check_name(v, "field " + model.p[i], where)
            eft = values[-1] if model.has_eft else "allow"
            if eft not in ("allow", "deny"):
                raise Refused("%s: eft %r is neither allow nor deny" % (where, eft))
            dom = values[model.dom] if model.dom is not None else None
            pol.rules.append((values[model.sub], dom, values[model.obj], values[model.act], eft, line))
        elif kind == "g":
            if model.g_arity == 0:
                raise Refused("%s: a g row, but the model declares no role_definition" % where)
            if len(values) != model.g_arity:
                raise Refused("%s: g row has %d fields, role_definition g %d" % (where, len(values), model.g_arity))
            for v in values:
                check_name(v, "name", where)
            pol.links.append((values[0], values[1], values[2] if model.g_arity == 3 else None, line))
        else:
            raise Refused("%s: row type %r is not supported (only p and g)" % (where, kind))
    if not any(r[4] == "allow" for r in pol.rules):
        raise Refused("%s: the policy grants nothing (no allow p row)" % path)
    return pol


# ---- the mapping --------------------------------------------------------------------------------


def unique(seq):
    return list(OrderedDict.fromkeys(seq))


def first_of(rows):
    """(key, text) pairs -> key + (text,) tuples, each key once, in first-seen order."""
    seen = OrderedDict()
    for key, text in rows:
        seen.setdefault(key, text)
    return [k + (v,) for k, v in seen.items()]


def identifier(prefix, name, taken):
    """The enumerator of an object (prefix "o_") or action ("a_"): the prefix keeps it clear of C++
    keywords and of lower-case macros (errno, linux and unix under -std=gnu++17, near, far, small and
    interface on Windows); only the wire names carry meaning. Lower case: upper-case names (DELETE,
    ERROR, ...) tend to collide with platform macros."""
    ident = re.sub(r"[^a-z0-9_]", "_", name.lower())
    ident = prefix + (re.sub(r"_+", "_", ident).strip("_") or "x")
    base, k = ident, 2
    while ident in taken:
        ident = "%s_%d" % (base, k)  # never a reserved "__"
        k += 1
    taken.add(ident)
    return ident


def cstr(s):
    return '"' + s + '"'  # names were checked: no quote, backslash or control byte


class Translation:
    def __init__(self, model, policy, scope, parent):
        self.model, self.policy = model, policy
        domains = [scope] if model.dom is None else unique([r[1] for r in policy.rules] + [l[2] for l in policy.links])
        self.domains = domains
        self.global_scope = scope
        if parent and parent in domains:
            raise Refused(
                "--parent %r is also %s; the parent must be a scope of its own"
                % (parent, "the scope of the rows (--scope)" if model.dom is None else "a domain of the policy")
            )
        self.objects = unique(r[2] for r in policy.rules)
        self.actions = unique(r[3] for r in policy.rules)
        names = {}
        for o in self.objects:
            for a in self.actions:
                n = o + ":" + a
                if n in names:
                    raise Refused("object %r and action %r give the permission name %r, as %r and %r do" % ((o, a, n) + names[n]))
                names[n] = (o, a)
        if len(self.objects) * len(self.actions) > 4096:
            sys.stderr.write(
                "casbin2ward: note: %d objects x %d actions exceed ward's default WARD_MAX_PERMISSION_BITS (4096); "
                "define it larger before including ward\n" % (len(self.objects), len(self.actions))
            )
        self.parent = parent
        dom_of = (lambda d: d) if model.dom is not None else (lambda d: scope)
        # casbin reads a repeated row as one; keep the first, with its text for the comments
        self.rules = first_of(((r[0], dom_of(r[1]), r[2], r[3], r[4]), r[5]) for r in policy.rules)
        links = first_of(((l[0], l[1], dom_of(l[2])), l[3]) for l in policy.links)
        # A self-link `g, a, a` changes nothing in casbin (g(a, a) holds anyway): dropped, not a cycle.
        self.self_links = [l for l in links if l[0] == l[1]]
        self.links = [l for l in links if l[0] != l[1]]
        self.role_names = unique(l[1] for l in self.links)
        self.subjects = unique([r[0] for r in self.rules] + [x for l in self.links for x in l[:2]])
        # Indexes, built once: a name's g links and allow rows per domain.
        self.links_of = OrderedDict()  # (name, dom) -> its g rows, in policy order
        for l in self.links:
            self.links_of.setdefault((l[0], l[2]), []).append(l)
        self.up = {}  # dom -> name -> the roles it names directly, in policy order
        for (name, d), ls in self.links_of.items():
            self.up.setdefault(d, {})[name] = unique(l[1] for l in ls)
        self.allow_of = OrderedDict()  # (sub, dom) -> its allow rows
        for r in self.rules:
            if r[4] == "allow":
                self.allow_of.setdefault((r[0], r[1]), []).append(r)
        self.reach = {}  # dom -> name -> {every name it reaches through g rows: distance}, names with links only
        self.check_hierarchy()
        self._granting = {}  # (name, dom) -> whether it or a role it reaches has allow rows in dom

    def role_id(self, role, dom):
        return role if self.model.dom is None else role + "@" + dom

    def parents(self, name, dom):
        return self.up.get(dom, {}).get(name, [])

    def reached(self, name, dom):
        """Everything casbin's g(name, x[, dom]) holds for, name included, with the distances."""
        return self.reach.get(dom, {}).get(name) or {name: 0}

    def check_hierarchy(self):
        where = (lambda d: "") if self.model.dom is None else (lambda d: " in domain %r" % d)
        for d, up in self.up.items():
            # cycles: an iterative depth-first search over the domain's links
            state = {}  # name -> 1 on the path, 2 done
            for start in up:
                if start in state:
                    continue
                state[start] = 1
                stack = [(start, iter(up[start]))]
                while stack:
                    n, it = stack[-1]
                    q = next(it, None)
                    if q is None:
                        state[n] = 2
                        stack.pop()
                    elif state.get(q) == 1:
                        raise Refused("g rows make a role cycle through %r%s: ward refuses role cycles" % (q, where(d)))
                    elif q not in state:
                        state[q] = 1
                        stack.append((q, iter(up.get(q, ()))))
            # shortest distances from each linked name; casbin follows at most MAX_HIERARCHY links
            reach = self.reach.setdefault(d, {})
            for name in up:
                dist, frontier = {name: 0}, [name]
                while frontier:
                    nxt = []
                    for n in frontier:
                        for q in up.get(n, ()):
                            if q not in dist:
                                dist[q] = dist[n] + 1
                                nxt.append(q)
                    frontier = nxt
                deep = [q for q, k in dist.items() if k > MAX_HIERARCHY]
                if deep:
                    raise Refused(
                        "g rows link %r to %r through %d levels%s; casbin's role manager stops at %d, ward does not"
                        % (name, deep[0], dist[deep[0]], where(d), MAX_HIERARCHY)
                    )
                reach[name] = dist
        if self.model.dom is not None:
            ids = {}
            for r in self.role_names:
                for d in self.domains:
                    rid = self.role_id(r, d)
                    if rid in ids and ids[rid] != (r, d):
                        raise Refused("role %r in domain %r and role %r in domain %r both become the ward role %r" % (r, d, ids[rid][0], ids[rid][1], rid))
                    ids[rid] = (r, d)

    def granting(self, name, d):
        """Whether name, or a role it reaches in d, has allow rows in d (a role worth defining)."""
        key = (name, d)
        if key not in self._granting:
            self._granting[key] = any((n, d) in self.allow_of for n in self.reached(name, d))
        return self._granting[key]

    def rows(self):
        """The builder calls, each with the casbin rows it comes from."""
        out = []
        is_role = set(self.role_names)
        # scopes
        for d in self.domains:
            if self.parent:
                out.append(("b.add_scope(%s, \"organization\", %s);" % (cstr(d), cstr(self.parent)), None))
            else:
                out.append(("b.add_scope(%s, \"organization\");" % cstr(d), None))
        for s in self.subjects:
            out.append(("b.add_principal(%s);" % cstr(s), None))
        defined = set()
        for d in self.domains:
            for role in self.role_names:
                own = self.allow_of.get((role, d), [])
                perms = unique(o + ":" + a for (_s, _d, o, a, _e, _l) in own)
                parents = [p for p in self.parents(role, d) if self.granting(p, d)]
                if not perms and not parents:
                    continue
                defined.add((role, d))
                rid = self.role_id(role, d)
                check_length(rid, "role %r in domain %r: the ward role id" % (role, d) if self.model.dom is not None else "role")
                src = own + self.links_of.get((role, d), [])
                call = "b.define_role(%s, %s" % (cstr(rid), cstr(" ".join(perms)))
                if parents:
                    call += ", {%s}" % ", ".join(cstr(self.role_id(p, d)) for p in parents)
                out.append((call + ");", src))
        for d in self.domains:
            for s in self.subjects:
                if s in is_role:
                    if (s, d) in defined:
                        out.append(
                            ("b.bind(%s, %s, {%s});" % (cstr(s), cstr(d), cstr(self.role_id(s, d))), ["the role %s as a subject" % s])
                        )
                    continue
                roles = [p for p in self.parents(s, d) if (p, d) in defined]
                if roles:
                    src = [l for l in self.links_of.get((s, d), []) if (l[1], d) in defined]
                    out.append(
                        ("b.bind(%s, %s, {%s});" % (cstr(s), cstr(d), ", ".join(cstr(self.role_id(p, d)) for p in roles)), src)
                    )
                own = self.allow_of.get((s, d))
                if own:
                    perms = unique(o + ":" + a for (_s, _d, o, a, _e, _l) in own)
                    out.append(("b.grant(%s, %s, %s);" % (cstr(s), cstr(d), cstr(" ".join(perms))), own))
        for link in self.self_links:
            out.append((None, [link, "ignored: a self-link (casbin's g(a, a) holds anyway)"]))
        # who inherits whom, per domain: the principals a deny on a name reaches
        order = {s: i for i, s in enumerate(self.subjects)}
        heirs = {}  # (name, dom) -> the names that reach it through g rows
        for d, reach in self.reach.items():
            for n, dist in reach.items():
                for q in dist:
                    if q != n:
                        heirs.setdefault((q, d), []).append(n)
        for rule in self.rules:
            if rule[4] != "deny":
                continue
            if not self.model.with_deny:
                out.append((None, [rule, "ignored: this model's effect does not read deny rows"]))
                continue
            s, d, o, a, _e, _l = rule
            for n in sorted([s] + heirs.get((s, d), []), key=order.__getitem__):
                out.append(("b.deny(%s, %s, %s);" % (cstr(n), cstr(d), cstr(o + ":" + a)), [rule] if n == s else [rule, "%s inherits %s" % (n, s)]))
        return out


def source_text(src):
    """The casbin rows (their text as written) and notes a builder call comes from."""
    return "; ".join(x if isinstance(x, str) else x[-1] for x in src)


def generate(model, policy, t, ns, model_path, policy_path):
    obj_ids, act_ids = set(), set()
    objs = [(identifier("o_", o, obj_ids), o) for o in t.objects]
    acts = [(identifier("a_", a, act_ids), a) for a in t.actions]
    guard = re.sub(r"[^A-Za-z0-9]", "_", ns).upper() + "_CASBIN_POLICY_HPP"
    q = "::" + ns + "::"  # inside the namespace, its own names are written fully qualified
    L = []
    w = L.append
    w("// Generated by tools/casbin2ward.py from %s and %s; do not edit." % (os.path.basename(model_path), os.path.basename(policy_path)))
    w("// casbin model: %s (request: %s)." % (model.description, ", ".join(model.r)))
    w("#ifndef %s" % guard)
    w("#define %s" % guard)
    w("")
    w("#include <ward/ward.hpp>")
    w("")
    w("#include <cstddef>")
    w("#include <string_view>")
    w("")
    w("namespace %s {" % ns)
    w("")
    w("/// The policy's objects and actions; a permission is one of each, named \"object:action\".")
    w("enum class object : unsigned { %s };" % ", ".join("%s = %d" % (i, k) for k, (i, _) in enumerate(objs)))
    w("enum class action : unsigned { %s };" % ", ".join("%s = %d" % (i, k) for k, (i, _) in enumerate(acts)))
    w("")
    w("} // namespace %s" % ns)
    w("")
    for typ, items in (("object", objs), ("action", acts)):
        w("template <>")
        w("struct ward::permission_traits<%s::%s> {" % (ns, typ))
        w("    using e = %s::%s;" % (ns, typ))
        w("    static constexpr ward::permission_name<e> names[] = {")
        for i, n in items:
            w("        {e::%s, %s}," % (i, cstr(n)))
        w("    };")
        if typ == "action":
            w("    // No implications: casbin compares actions exactly, and so does a deny.")
        w("};")
        w("")
    w("namespace %s {" % ns)
    w("")
    w("using perm = ::ward::product<%sobject, %saction, ::ward::name_order::resource_action, ':'>;" % (q, q))
    w("using perms = ::ward::permission_set<%sperm>;" % q)
    w("")
    if model.dom is None:
        w("/// The organization scope every row is at (the model has no domains).")
        w("inline constexpr ::std::string_view scope = %s;" % cstr(t.global_scope))
    else:
        w("/// The policy's domains, each an organization scope.")
        w("inline constexpr ::std::string_view domains[] = {%s};" % ", ".join(cstr(d) for d in t.domains))
    w("")
    w("/// Adds the casbin policy's rows to a builder%s." % (" (scopes under %s, which the caller adds)" % cstr(t.parent) if t.parent else ""))
    w("inline void add_rows(::ward::policy_builder<%sperm>& b) {" % q)
    for call, src in t.rows():
        comment = "" if not src else "// " + source_text(src)
        if call is None:
            w("    " + comment)
        elif comment and len(call) + len(comment) + 5 <= 120:
            w("    %s %s" % (call, comment))
        else:
            if comment:
                w("    " + comment)
            w("    " + call)
    w("}")
    w("")
    # Fixed parameter names, whatever the model calls its request fields (`scope` would hide the
    # constant, `object` the enum, `std` the namespace), and fully qualified names in the body.
    args = ["::std::string_view sub"]
    if model.dom is not None:
        args.append("::std::string_view dom")
    args += ["::std::string_view obj", "::std::string_view act"]
    w("/// Answers as casbin's enforce(%s) does on this model and policy." % ", ".join(model.r))
    w("inline bool enforce(const ::ward::snapshot<%sperm>& policy," % q)
    w("                    %s) noexcept {" % ", ".join(args))
    w("    using objects = ::ward::vocabulary<%sobject>;" % q)
    w("    using actions = ::ward::vocabulary<%saction>;" % q)
    w("    const ::std::size_t o = objects::find(obj), a = actions::find(act);")
    w("    if (o == objects::npos || a == actions::npos) return false;")
    w("    const %sperm p{objects::from_index(o), actions::from_index(a)};" % q)
    where = q + "scope" if model.dom is None else "dom"
    w("    const auto who = ::ward::credential<%sperm>::of(policy.find_principal(sub));" % q)
    w("    return policy.check(who, %sperms{p}, %s).allowed;" % (q, where))
    w("}")
    w("")
    w("} // namespace %s" % ns)
    w("")
    w("#endif")
    return "\n".join(L) + "\n"


class ArgumentParser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, "%s: error: %s\n" % (self.prog, message))


def check_namespace(ns):
    """None when ns can name the generated code's namespace, else why not."""
    parts = ns.split("::")
    if not all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", p) for p in parts):
        return "--namespace must be a C++ namespace name (identifiers joined by ::)"
    for p in parts:
        if p in CXX_KEYWORDS:
            return "--namespace %s: %r is a C++ keyword" % (ns, p)
        if "__" in p or re.match(r"_[A-Z]", p):
            return "--namespace %s: %r is an identifier reserved to the implementation" % (ns, p)
    if parts[0] in ("std", "ward", "posix"):
        return "--namespace %s: the namespace %r is not the generated code's to add to" % (ns, parts[0])
    return None


def main(argv=None):
    ap = ArgumentParser(description="Translate a casbin model and policy into ward builder rows (a C++ header).")
    ap.add_argument("model", help="casbin model.conf")
    ap.add_argument("policy", help="casbin policy.csv")
    ap.add_argument("-o", "--output", help="the header to write (default: standard output)")
    ap.add_argument("--namespace", default="casbin_policy", help="C++ namespace of the generated code")
    ap.add_argument("--scope", default="casbin", help="the organization scope of a model without domains")
    ap.add_argument("--parent", default="", help="put the organization scopes under this (platform) scope")
    args = ap.parse_args(argv)
    bad_namespace = check_namespace(args.namespace)
    if bad_namespace:
        ap.error(bad_namespace)
    try:
        with open(args.model, encoding="utf-8") as f:
            model_text = f.read()
        with open(args.policy, encoding="utf-8") as f:
            policy_text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        sys.stderr.write("casbin2ward: %s\n" % e)
        return 1
    try:
        for what, value in (("--scope", args.scope), ("--parent", args.parent)):
            if value:
                check_name(value, "scope id", what)
        model = parse_model(model_text)
        policy = parse_policy(policy_text, model, args.policy)
        translation = Translation(model, policy, args.scope, args.parent)
        header = generate(model, policy, translation, args.namespace, args.model, args.policy)
    except Refused as e:
        sys.stderr.write("casbin2ward: refused: %s\n" % e)
        return EXIT_REFUSED
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(header)
    else:
        sys.stdout.write(header)
    return 0


if __name__ == "__main__":
    sys.exit(main())
