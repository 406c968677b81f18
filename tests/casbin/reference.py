#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A small reference evaluator of casbin's semantics, independent of ward and of casbin2ward.py.

    reference.py MODEL_DIR OUTPUT

Reads MODEL_DIR/model.conf (only to learn whether it has domains and deny), policy.csv and
requests.txt (documented requests with casbin's answers), checks that every documented answer is
what casbin's semantics give, and writes OUTPUT: the documented requests, then every combination
of subject x [domain x] object x action of the policy plus a name the policy does not know in each
position, each with the answer casbin gives. One request a line, fields separated by ", ", the
answer ("true" / "false") last. Exit status 1 when a documented answer disagrees.

Semantics (casbin's enforce with the default role manager; policy lines read as Go casbin reads
them, so `p, alice , data1, read` is a row for "alice ", not "alice"):
- g(a, b[, dom]) holds when a == b, or b is reached from a through at most 10 g links (of that
  domain);
- a policy row matches when g(r.sub, p.sub[, r.dom]) holds and every other field is equal;
- allowed when some matching row has eft allow, and (with the deny effect) no matching row has
  eft deny. A row without an eft field is an allow.
"""

import csv
import itertools
import sys

MAX_HIERARCHY = 10


def fields(line):
    return [f.strip() for f in line.split(",")]


def policy_fields(line):
    """A policy line's fields as Go casbin reads them (encoding/csv with TrimLeadingSpace): spaces
    after a comma are dropped, spaces after a name and inside quotes are part of it."""
    return next(csv.reader([line], skipinitialspace=True))


def content_lines(path):
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.strip()
            if line and not line.startswith("#"):
                yield line


class Casbin:
    def __init__(self, directory):
        conf = open(directory + "/model.conf", encoding="utf-8").read()
        request = [l for l in conf.splitlines() if l.strip().startswith("r =")][0]
        self.width = len(fields(request.split("=", 1)[1]))  # 3, or 4 with a domain
        self.domains = self.width == 4
        effect = [l for l in conf.splitlines() if l.strip().startswith("e =")][0]
        self.deny_effect = "deny" in effect
        self.rules, self.links = [], []
        for line in content_lines(directory + "/policy.csv"):
            f = policy_fields(line)
            if f[0] == "p":
                values = f[1 : 1 + self.width]
                eft = f[1 + self.width] if len(f) > 1 + self.width else "allow"
                self.rules.append((tuple(values), eft))
            elif f[0] == "g":
                self.links.append(tuple(f[1:]))
        self.links_from = {}  # name -> its g links, so a step does not scan every link
        for link in self.links:
            self.links_from.setdefault(link[0], []).append(link)

    def has_link(self, name, role, dom):
        if name == role:
            return True
        level, current, seen = MAX_HIERARCHY, {name}, {name}
        while current and level >= 0:
            nxt = set()
            for n in current:
                if n == role:
                    return True
                for link in self.links_from.get(n, ()):
                    if dom is None or link[2] == dom:
                        nxt.add(link[1])
            current = nxt - seen
            seen |= nxt
            level -= 1
        return False

    def enforce(self, request):
        allow = deny = False
        dom = request[1] if self.domains else None
        for values, eft in self.rules:
            if any(request[i] != values[i] for i in range(1, self.width)):
                continue
            if not self.has_link(request[0], values[0], dom):
                continue
            if eft == "allow":
                allow = True
            elif eft == "deny":
                deny = True
        return allow and not (self.deny_effect and deny)

    def grid(self):
        columns = [set() for _ in range(self.width)]
        for values, _ in self.rules:
            for i, v in enumerate(values):
                columns[i].add(v)
        for link in self.links:
            columns[0].update(link[:2])
            if self.domains:
                columns[1].add(link[2])
        columns = [sorted(c) + ["unknown_" + str(i)] for i, c in enumerate(columns)]
        return itertools.product(*columns)


def main(directory, output):
    casbin = Casbin(directory)
    lines, failures = [], 0
    for line in content_lines(directory + "/requests.txt"):
        f = fields(line)
        request, documented = tuple(f[:-1]), f[-1] == "true"
        got = casbin.enforce(request)
        if got != documented:
            sys.stderr.write("%s: documented %s but casbin's semantics give %s\n" % (line, documented, got))
            failures += 1
        lines.append(", ".join(request + (str(documented).lower(),)))
    documented_count = len(lines)
    for request in casbin.grid():
        lines.append(", ".join(request + (str(casbin.enforce(request)).lower(),)))
    with open(output, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    sys.stdout.write(
        "%s: %d documented requests, %d combinations (%d allowed)\n"
        % (directory, documented_count, len(lines) - documented_count, sum(l.endswith("true") for l in lines[documented_count:]))
    )
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.stderr.write("usage: reference.py MODEL_DIR OUTPUT\n")
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
