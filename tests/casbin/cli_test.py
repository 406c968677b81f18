#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""cli_test.py TOOL: casbin2ward.py's options and the cases the generated-header tests do not
reach: --scope and --parent, deny rows under an allow-only effect, repeated rows, output to
standard output, exit status 1 for a file that cannot be read and 64 for a bad command line,
whitespace around names, ids longer than ward's WARD_MAX_ID_LENGTH, and self-links."""

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
    for ns, why in (("1bad", "namespace name"), ("int", "keyword"), ("a::int", "keyword"), ("ward", "not the generated"),
                    ("std::x", "not the generated"), ("a__b", "reserved")):
        r = run(tool, *rbac, "--namespace", ns)
        expect("--namespace %s is a usage error (64)" % ns, r.returncode == 64 and why in r.stderr, r.stderr)
    r = run(tool, rbac[0])
    expect("a missing argument is a usage error (64), not a refusal (2)", r.returncode == 64 and "usage:" in r.stderr, r.stderr)
    r = run(tool, *rbac, "--no-such-option")
    expect("an unknown option is a usage error (64)", r.returncode == 64, r.stderr)
    r = run(tool, *domains, "--parent", "domain1")
    expect("--parent naming a domain is refused", r.returncode == 2 and "--parent 'domain1' is also a domain" in r.stderr,
           r.stderr)
    r = run(tool, *rbac, "--scope", "org", "--parent", "org")
    expect("--parent naming --scope is refused", r.returncode == 2 and "--parent 'org' is also the scope" in r.stderr,
           r.stderr)
    r = run(tool, *rbac, "--parent", "p" * 257)
    expect("--parent longer than WARD_MAX_ID_LENGTH is refused", r.returncode == 2
           and "--parent: scope id" in r.stderr and "WARD_MAX_ID_LENGTH (256)" in r.stderr, r.stderr)
    r = run(tool, *rbac, "--scope", "s" * 256)
    expect("--scope of 256 bytes is accepted", r.returncode == 0 and '"%s"' % ("s" * 256) in r.stdout, r.stderr)
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

        # Ids as ward receives them: a role in a domain is role@domain, at most WARD_MAX_ID_LENGTH.
        role, dom = "r" * 100, "d" * 200
        d, files = write_case(tmp, "long_role", "rbac_with_domains",
                              "p, %s, %s, data1, read\ng, alice, %s, %s\n" % (role, dom, role, dom))
        r = run(tool, *files)
        expect("a role@domain id longer than 256 bytes is refused", r.returncode == 2
               and "the ward role id" in r.stderr and "is 301 bytes, longer than ward's WARD_MAX_ID_LENGTH (256)" in r.stderr,
               r.stderr)
        d, files = write_case(tmp, "long_role_ok", "rbac_with_domains",
                              "p, %s, %s, data1, read\ng, alice, %s, %s\n" % (role, "d" * 155, role, "d" * 155))
        r = run(tool, *files)
        expect("a role@domain id of 256 bytes is accepted", r.returncode == 0 and "@" + "d" * 155 in r.stdout, r.stderr)
        d, files = write_case(tmp, "long_name", "rbac", "p, %s, data1, read\n" % ("u" * 257))
        r = run(tool, *files)
        expect("a subject longer than 256 bytes is refused", r.returncode == 2
               and "policy.csv:1: field sub" in r.stderr and "WARD_MAX_ID_LENGTH" in r.stderr, r.stderr)

        # A self-link changes nothing in casbin: dropped (noted in a comment), not a role cycle.
        d, files = write_case(tmp, "self_link", "rbac",
                              "p, admin, data1, read\np, bob, data2, read\ng, alice, admin\ng, admin, admin\ng, bob, bob\n")
        r = run(tool, *files)
        casbin = reference.Casbin(d)
        expect("a self-link is dropped, not refused as a cycle", r.returncode == 0
               and "// g, admin, admin; ignored: a self-link" in r.stdout and "// g, bob, bob; ignored" in r.stdout
               and 'b.bind("alice", "casbin", {"admin"});' in r.stdout and 'b.grant("bob", "casbin", "data2:read");' in r.stdout
               and casbin.enforce(("alice", "data1", "read")) and casbin.enforce(("bob", "data2", "read")), r.stdout + r.stderr)
        d, files = write_case(tmp, "self_link_domains", "rbac_with_domains",
                              "p, admin, d1, data1, read\ng, alice, admin, d1\ng, alice, alice, d1\ng, admin, admin, d2\n")
        r = run(tool, *files)
        expect("a self-link in a domain is dropped", r.returncode == 0
               and 'b.bind("alice", "d1", {"admin@d1"});' in r.stdout and "// g, admin, admin, d2; ignored" in r.stdout,
               r.stdout + r.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
