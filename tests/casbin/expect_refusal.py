#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""expect_refusal.py TOOL CASE.conf: casbin2ward.py must refuse the model CASE.conf with its policy
(CASE.csv beside it, else ../rbac/policy.csv) with exit status 2 and a message on stderr that
contains the text of the model's `# WARD_EXPECT_REFUSAL: <text>` line, and write no header."""

import os
import subprocess
import sys
import tempfile


def main(tool, conf):
    expected = [l.split(":", 1)[1].strip() for l in open(conf, encoding="utf-8") if l.startswith("# WARD_EXPECT_REFUSAL:")]
    if len(expected) != 1:
        print("%s: needs one '# WARD_EXPECT_REFUSAL: <text>' line" % conf)
        return 1
    policy = conf[: -len(".conf")] + ".csv"
    if not os.path.exists(policy):
        policy = os.path.join(os.path.dirname(conf), "..", "rbac", "policy.csv")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.hpp")
        r = subprocess.run([sys.executable, tool, conf, policy, "-o", out], capture_output=True, text=True)
        wrote = os.path.exists(out)
    print("exit %d, stderr: %s" % (r.returncode, r.stderr.strip()))
    if r.returncode != 2:
        print("FAIL: expected exit status 2")
        return 1
    if expected[0] not in r.stderr:
        print("FAIL: expected the message to contain %r" % expected[0])
        return 1
    if wrote:
        print("FAIL: a refused model still wrote a header")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
