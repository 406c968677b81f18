#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks that the README's code blocks taken from examples/ are what examples/ holds.

Usage: tools/check_readme.py [README] [--root DIR]

A fenced code block is checked when the paragraph right before it (blank lines may stand between
them; a heading or another block in between means no paragraph) links to an example; the last such
link of the paragraph decides:

  [..](examples/NAME.cpp)            the block equals examples/NAME.cpp without its leading comment
                                     lines (the SPDX line and the description under it: every line
                                     before the first one that does not start with "//")
  [..](examples/expected/NAME.txt)   the block equals examples/expected/NAME.txt, byte for byte

An example whose source is shown and that has an expected output must have that output shown too,
and every link to a heading of the README (#anchor) must name one.
Links resolve against DIR (default: the repository holding this script), so a copy of the README
elsewhere is checked against the real examples. Exits 1 on any difference or when no block was
checked, printing what it checked.
"""

import argparse
import difflib
import os
import re
import sys

LINK = re.compile(r"\]\((examples/(?:expected/)?[A-Za-z0-9_\-]+\.(?:cpp|txt))\)")
SOURCE = re.compile(r"^examples/([A-Za-z0-9_\-]+)\.cpp$")
OUTPUT = re.compile(r"^examples/expected/([A-Za-z0-9_\-]+)\.txt$")
HEADING = re.compile(r"^(#{1,6}) (.+)$", re.M)
ANCHOR_LINK = re.compile(r"\]\(#([^)\s]+)\)")


def strip_blocks(text):
    """The text without its fenced code blocks."""
    return re.sub(r"^```.*?^```[^\n]*$", "", text, flags=re.M | re.S)


def blocks(text):
    """Yields (line number of the opening fence, paragraph before it, block content)."""
    lines = text.split("\n")
    paragraph = []
    ended = False  # a blank line closed the paragraph; the next text line starts another
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            start = i
            i += 1
            body = []
            while i < len(lines) and not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            if i == len(lines):
                raise ValueError("line %d: a code block is not closed" % (start + 1))
            yield start + 1, paragraph, "".join(b + "\n" for b in body)
            paragraph = []
        elif line.startswith("#"):
            paragraph = []
        elif not line.strip():
            ended = True
        else:
            if ended:
                paragraph = []
                ended = False
            paragraph.append(line)
        i += 1


def without_leading_comments(source):
    lines = source.split("\n")
    k = 0
    while k < len(lines) and lines[k].startswith("//"):
        k += 1
    return "\n".join(lines[k:])


def difference(expected, actual, expected_name, actual_name):
    return "".join(
        difflib.unified_diff(
            expected.splitlines(True), actual.splitlines(True), expected_name, actual_name, n=1
        )
    )


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("readme", nargs="?", default=os.path.join(here, "..", "README.md"))
    parser.add_argument("--root", default=os.path.join(here, ".."))
    args = parser.parse_args()
    root = os.path.normpath(args.root)

    with open(args.readme, encoding="utf-8", newline="") as f:
        text = f.read()
    readme = os.path.relpath(args.readme)
    if readme.startswith(".."):
        readme = args.readme

    failures = []
    sources_shown = {}  # example name -> line of its source block
    outputs_shown = set()
    checked = 0
    try:
        found = list(blocks(text))
    except ValueError as e:
        print("%s: %s" % (readme, e))
        return 1
    for line, paragraph, content in found:
        links = LINK.findall("\n".join(paragraph))
        if not links:
            continue
        target = links[-1]
        path = os.path.join(root, target)
        where = "%s:%d" % (readme, line)
        if not os.path.isfile(path):
            failures.append("%s: the block's link %s names no file" % (where, target))
            continue
        with open(path, encoding="utf-8", newline="") as f:
            expected = f.read()
        source = SOURCE.match(target)
        if source:
            expected = without_leading_comments(expected)
            sources_shown[source.group(1)] = line
            what = "%s without its leading comment lines" % target
        else:
            outputs_shown.add(OUTPUT.match(target).group(1))
            what = target
        checked += 1
        if content == expected:
            print("ok    %s  equals %s" % (where, what))
        else:
            failures.append(
                "%s: the block differs from %s\n%s" % (where, what, difference(expected, content, target, where))
            )

    for name, line in sorted(sources_shown.items()):
        expected_output = "examples/expected/%s.txt" % name
        if os.path.isfile(os.path.join(root, expected_output)) and name not in outputs_shown:
            failures.append(
                "%s:%d: examples/%s.cpp is shown but not its output: add a block introduced by a link to %s"
                % (readme, line, name, expected_output)
            )

    # Links within the README name a heading (GitHub's anchors: lower case, punctuation dropped,
    # spaces as hyphens).
    anchors = set()
    for _, heading in HEADING.findall(strip_blocks(text)):
        anchors.add(re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-"))
    links = sorted(set(ANCHOR_LINK.findall(text)))
    for anchor in links:
        if anchor not in anchors:
            failures.append("%s: the link #%s names no heading" % (readme, anchor))

    for failure in failures:
        print("FAIL  " + failure)
    if checked == 0:
        print("FAIL  %s: no code block is introduced by a link to examples/*.cpp or examples/expected/*.txt" % readme)
        return 1
    print("%d block(s) and %d link(s) to headings checked, %d failure(s)" % (checked, len(links), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
