#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""cli_test.py TOOL: casbin2ward.py's options and the cases the generated-header tests do not
reach: --scope and --parent, deny rows under an allow-only effect, repeated rows, output to
standard output, and exit status 1 for a file that cannot be read."""

import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import reference  # noqa: E402
failures = 0


def run(tool, *args):
    return subprocess.run([sys.executable, tool] + list(args), capture_output=True, text=True)


def expect(name, ok, detail=""):
    global failures
    print("%s %s%s" % ("ok  " if ok else "FAIL", name, "" if ok else ": " + detail))
    failures += 0 if ok else 1


def write_case(tmp, name, model_dir, policy_text, model_text=None):
    """tmp/name/{model.conf, policy.csv}: the model of model_dir (or model_text) and this policy."""
    d = os.path.join(tmp, name)
    os.makedirs(d)
    if model_text is None:
        with open(os.path.join(HERE, model_dir, "model.conf"), encoding="utf-8") as f:
            model_text = f.read()
    with open(os.path.join(d, "model.conf"), "w", encoding="utf-8") as f:
        f.write(model_text)
    with open(os.path.join(d, "policy.csv"), "w", encoding="utf-8") as f:
        f.write(policy_text)
    return d, [os.path.join(d, "model.conf"), os.path.join(d, "policy.csv")]


def main(tool):
    rbac = [os.path.join(HERE, "rbac", f) for f in ("model.conf", "policy.csv")]
    domains = [os.path.join(HERE, "rbac_with_domains", f) for f in ("model.conf", "policy.csv")]

    r = run(tool, *rbac, "--scope", "org:acme")
    expect("--scope names the one scope", r.returncode == 0 and 'b.add_scope("org:acme", "organization");' in r.stdout
           and 'b.grant("alice", "org:acme", "data1:read");' in r.stdout, r.stderr)
    r = run(tool, *domains, "--parent", "platform")
    expect("--parent puts the domains under it", r.returncode == 0
           and 'b.add_scope("domain1", "organization", "platform");' in r.stdout, r.stderr)
    r = run(tool, *rbac, "--namespace", "a::b")
    expect("--namespace takes a nested namespace", r.returncode == 0 and "namespace a::b {" in r.stdout, r.stderr)
    r = run(tool, *rbac, "--namespace", "1bad")
    expect("a bad --namespace is a usage error", r.returncode == 2 and "--namespace" in r.stderr, r.stderr)
    r = run(tool, rbac[0], os.path.join(HERE, "no_such_policy.csv"))
    expect("an unreadable file is exit status 1", r.returncode == 1 and "no_such_policy.csv" in r.stderr, r.stderr)

    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(tmp, "model.conf")
        policy = os.path.join(tmp, "policy.csv")
        with open(os.path.join(HERE, "rbac", "model.conf"), encoding="utf-8") as f:
            text = f.read().replace("p = sub, obj, act", "p = sub, obj, act, eft")
        with open(model, "w", encoding="utf-8") as f:
            f.write(text)
        with open(policy, "w", encoding="utf-8") as f:
            f.write("p, alice, data1, read, allow\np, alice, data1, read, allow\np, alice, data1, write, deny\n")
        r = run(tool, model, policy)
        expect("an allow-only effect ignores deny rows", r.returncode == 0 and "b.deny(" not in r.stdout
               and "// p, alice, data1, write, deny; ignored" in r.stdout, r.stdout + r.stderr)
        expect("a repeated row is read once", r.stdout.count('b.grant("alice"') == 1
               and '"data1:read"' in r.stdout, r.stdout)

        # Whitespace: spaces after a comma are dropped by every casbin port; after a name Go casbin
        # keeps them (the reference evaluator reads lines as Go casbin does), so the tool refuses.
        d, files = write_case(tmp, "trailing", "rbac", "p,   alice,data1 ,read\np, bob, data2, write\n")
        expect("the reference reads a trailing space as Go casbin does",
               not reference.Casbin(d).enforce(("alice", "data1", "read"))
               and reference.Casbin(d).enforce(("alice", "data1 ", "read")))
        r = run(tool, *files)
        expect("a trailing space is refused, naming the line", r.returncode == 2
               and "policy.csv:1: field 3 'data1 ' has whitespace after it" in r.stderr, r.stderr)
        d, files = write_case(tmp, "leading", "rbac", "p,   alice,data1,\tread\np,bob, data2,write\n")
        r = run(tool, *files)
        expect("a tab after a comma is refused (Go casbin drops it, Python's csv keeps it)", r.returncode == 2
               and "policy.csv:1: field 4" in r.stderr, r.stderr)
        d, files = write_case(tmp, "spaces", "rbac", "p,   alice,data1,read\n  p  ,bob,data2, write  \n")
        r = run(tool, *files)
        expect("a space after the row type is refused", r.returncode == 2
               and "field 1 'p  '" in r.stderr, r.stderr)
        d, files = write_case(tmp, "plain", "rbac", "p,   alice,data1,read\n  p,bob,data2, write  \n")
        r = run(tool, *files)
        expect("leading spaces and a line's surrounding spaces are fine", r.returncode == 0
               and 'b.grant("alice", "casbin", "data1:read");' in r.stdout
               and 'b.grant("bob", "casbin", "data2:write");' in r.stdout, r.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
