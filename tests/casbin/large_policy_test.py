#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""large_policy_test.py TOOL: casbin2ward.py translates a large generated policy (RBAC with domains
and deny: 50 domains, 5,000 users, a g row each, a role ladder per domain, denies on roles,
self-links, and a lattice of roles without permissions, 8 wide and 10 deep, whose paths are
exponential in number) in reasonable time, and the rows it writes answer sampled requests as
reference.py does. The rows are read back by a small interpreter of ward's semantics for these
calls (a role's permissions with its parents', a binding or grant at a scope, a deny winning);
casbin_test.cpp checks the same calls through ward itself on the smaller models.

The time is printed, not bounded here (the test machine may be busy): CTest's TIMEOUT on this test
is the bound, far above what the translation needs and far below what repeated rescans or an
unmemoized walk of the lattice take."""

import os
import random
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import reference  # noqa: E402

DOMAINS, USERS, OBJECTS = 50, 5000, 10
ACTIONS = ["read", "write", "delete"]

MODEL = """[request_definition]
r = sub, dom, obj, act

[policy_definition]
p = sub, dom, obj, act, eft

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow)) && !some(where (p.eft == deny))

[matchers]
m = g(r.sub, p.sub, r.dom) && r.dom == p.dom && r.obj == p.obj && r.act == p.act
"""


def policy_text(rng):
    lines = []
    for k in range(DOMAINS):
        d = "tenant%d" % k
        o = ["data%d" % ((k + i) % OBJECTS) for i in range(3)]
        lines += [
            "p, viewer, %s, %s, read, allow" % (d, o[0]),
            "p, viewer, %s, %s, read, allow" % (d, o[1]),
            "p, editor, %s, %s, write, allow" % (d, o[0]),
            "p, admin, %s, %s, delete, allow" % (d, o[0]),
            "p, admin, %s, %s, read, allow" % (d, o[2]),
            "p, suspended, %s, %s, read, deny" % (d, o[1]),
            "g, editor, viewer, %s" % d,
            "g, admin, editor, %s" % d,
            "g, auditor, viewer, %s" % d,
            "g, suspended, viewer, %s" % d,
        ]
    # a lattice without permissions in tenant0: every role of a level names every role of the next
    # (8^9 paths from the top; a walk that does not remember what it has seen never ends)
    width, depth = 8, 10
    for level in range(depth - 1):
        for a in range(width):
            for b in range(width):
                lines.append("g, lattice%d_%d, lattice%d_%d, tenant0" % (level, a, level + 1, b))
    roles = ["viewer", "editor", "admin", "auditor", "suspended"]
    for u in range(USERS):
        user, d = "user%d" % u, "tenant%d" % (u % DOMAINS)
        lines.append("g, %s, %s, %s" % (user, rng.choice(roles), d))
        if u % 97 == 0:
            lines.append("g, %s, %s, %s" % (user, user, d))  # a self-link: ignored
        if u % 113 == 0:
            lines.append("p, %s, %s, data%d, write, allow" % (user, d, rng.randrange(OBJECTS)))
        if u % 131 == 0:
            lines.append("p, %s, %s, data%d, read, deny" % (user, d, rng.randrange(OBJECTS)))
    lines.append("g, lattice_user, lattice0_0, tenant0")
    lines.append("p, lattice_user, tenant0, data0, write, allow")
    return "\n".join(lines) + "\n"


CALL = re.compile(r'^\s*b\.(define_role|bind|grant|deny)\((.*)\);')


def strings(args):
    return re.findall(r'"([^"]*)"', args)


class Rows:
    """The generated add_rows, read back: ward's answer for these calls."""

    def __init__(self, header):
        self.roles, self.binds, self.grants, self.denies = {}, {}, {}, set()
        for line in header.splitlines():
            m = CALL.match(line)
            if not m:
                continue
            kind, s = m.group(1), strings(m.group(2))
            if kind == "define_role":
                self.roles[s[0]] = (set(s[1].split()), s[2:])
            elif kind == "bind":
                self.binds.setdefault((s[0], s[1]), []).extend(s[2:])
            elif kind == "grant":
                self.grants.setdefault((s[0], s[1]), set()).update(s[2].split())
            else:
                self.denies.add((s[0], s[1], s[2]))

    def role_perms(self, role):
        perms, parents = self.roles[role]
        out = set(perms)
        for p in parents:
            out |= self.role_perms(p)
        return out

    def allowed(self, sub, dom, obj, act):
        perm = obj + ":" + act
        if (sub, dom, perm) in self.denies:
            return False
        held = set(self.grants.get((sub, dom), ()))
        for r in self.binds.get((sub, dom), ()):
            held |= self.role_perms(r)
        return perm in held


def main(tool):
    rng = random.Random(20240611)
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "model.conf"), "w", encoding="utf-8") as f:
            f.write(MODEL)
        with open(os.path.join(tmp, "policy.csv"), "w", encoding="utf-8") as f:
            f.write(policy_text(rng))
        out = os.path.join(tmp, "out.hpp")
        start = time.monotonic()
        r = subprocess.run(
            [sys.executable, tool, os.path.join(tmp, "model.conf"), os.path.join(tmp, "policy.csv"), "-o", out],
            capture_output=True,
            text=True,
        )
        elapsed = time.monotonic() - start
        print("translated %d domains x %d users in %.1f s (exit %d)" % (DOMAINS, USERS, elapsed, r.returncode))
        if r.returncode != 0:
            print("FAIL: %s" % r.stderr)
            return 1
        with open(out, encoding="utf-8") as f:
            rows = Rows(f.read())
        casbin = reference.Casbin(tmp)

    subjects = ["user%d" % u for u in range(USERS)] + ["viewer", "admin", "suspended", "lattice_user", "lattice0_3"]
    requests = [("lattice_user", "tenant0", "data0", "write"), ("lattice_user", "tenant0", "data0", "read")]
    for _ in range(4000):
        u = rng.choice(subjects)
        d = "tenant%d" % (int(u[4:]) % DOMAINS if u.startswith("user") and rng.random() < 0.8 else rng.randrange(DOMAINS))
        requests.append((u, d, "data%d" % rng.randrange(OBJECTS), rng.choice(ACTIONS)))
    failures = allowed = 0
    for req in requests:
        want, got = casbin.enforce(req), rows.allowed(*req)
        allowed += want
        if want != got:
            failures += 1
            if failures <= 10:
                print("FAIL %s: casbin %s, the generated rows %s" % (", ".join(req), want, got))
    print("%d requests, %d allowed, %d disagree" % (len(requests), allowed, failures))
    if allowed < 100 or allowed > len(requests) - 100:
        print("FAIL: the sample does not exercise both answers")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
