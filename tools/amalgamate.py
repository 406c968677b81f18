#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Generates single_include/ward/ward.hpp from include/ward/ (standard library only).

Usage: tools/amalgamate.py [--check] [--output PATH]

Headers are inlined in include order starting at include/ward/ward.hpp; each project header
appears once, marked with where it came from. System includes are kept as they are. With --check
nothing is written: the exit status is 1 when the checked-in file differs from a fresh one.

The optional headers ward.hpp does not include (ward/ostream.hpp, ward/std_format.hpp,
ward/fmt.hpp) are not part of the single header: each is written next to it under its own name,
with what it shares with ward.hpp replaced by #include "ward.hpp" and the rest inlined, so a
drop-in user copies the files it needs from single_include/ward/.
"""
import argparse
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
INCLUDE = ROOT / "include"
DEFAULT_OUTPUT = ROOT / "single_include" / "ward" / "ward.hpp"
LOCAL_INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"\s*$')


def version() -> str:
    text = (INCLUDE / "ward" / "version.hpp").read_text(encoding="utf-8")
    parts = [re.search(r"#define WARD_VERSION_%s (\d+)" % p, text).group(1) for p in ("MAJOR", "MINOR", "PATCH")]
    return ".".join(parts)


def inline(path: pathlib.Path, seen: set, out: list, core: frozenset = frozenset()) -> None:
    """Inlines `path` and what it includes; an include of a header in `core` (those ward.hpp
    inlines) becomes one #include "ward.hpp" instead."""
    path = path.resolve()
    if path in seen:
        return
    seen.add(path)
    rel = path.relative_to(INCLUDE).as_posix()
    out.append("// ---- begin %s ----\n" % rel)
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        m = LOCAL_INCLUDE.match(line)
        if m:
            target = (path.parent / m.group(1)).resolve()
            if target in core:
                if "ward.hpp" not in seen:
                    seen.add("ward.hpp")
                    out.append('#include "ward.hpp"\n')
                continue
            inline(target, seen, out, core)
            continue
        if line.startswith("// SPDX-License-Identifier:"):
            continue
        out.append(line)
    if out and not out[-1].endswith("\n"):
        out.append("\n")
    out.append("// ---- end %s ----\n" % rel)


def core_headers() -> frozenset:
    """The headers the single header holds: ward.hpp and everything it includes."""
    seen: set = set()
    inline(INCLUDE / "ward" / "ward.hpp", seen, [])
    return frozenset(seen)


def optional_headers() -> list:
    """include/ward/*.hpp that ward.hpp does not include."""
    core = core_headers()
    return sorted(p for p in (INCLUDE / "ward").glob("*.hpp") if p.resolve() not in core)


def generate_optional(path: pathlib.Path) -> str:
    name = path.name
    out = [
        "// SPDX-License-Identifier: MIT\n",
        "// ward %s: ward/%s for the single header (ward.hpp, next to this file).\n" % (version(), name),
        "// Copyright (c) 2026 The ward authors. MIT License (see LICENSE).\n",
        "//\n",
        "// GENERATED FILE, DO NOT EDIT: made by tools/amalgamate.py from include/ward/.\n",
        "// Edit the headers under include/ward/ and run tools/amalgamate.py.\n",
    ]
    inline(path, set(), out, core_headers())
    return "".join(out)


def generate() -> str:
    out = [
        "// SPDX-License-Identifier: MIT\n",
        "// ward %s: header-only C++17 authorization and permission library.\n" % version(),
        "// Copyright (c) 2026 The ward authors. MIT License (see LICENSE).\n",
        "//\n",
        "// GENERATED FILE, DO NOT EDIT: made by tools/amalgamate.py from include/ward/.\n",
        "// Edit the headers under include/ward/ and run tools/amalgamate.py.\n",
        "#ifndef WARD_SINGLE_INCLUDE_WARD_HPP\n",
        "#define WARD_SINGLE_INCLUDE_WARD_HPP\n",
    ]
    inline(INCLUDE / "ward" / "ward.hpp", set(), out)
    out.append("#endif // WARD_SINGLE_INCLUDE_WARD_HPP\n")
    return "".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="fail if the output file is not up to date")
    ap.add_argument("--output", type=pathlib.Path, default=DEFAULT_OUTPUT)
    args = ap.parse_args()
    files = [(args.output, generate())]
    files += [(args.output.parent / p.name, generate_optional(p)) for p in optional_headers()]
    if args.check:
        stale = [path for path, text in files
                 if (path.read_text(encoding="utf-8") if path.exists() else "") != text]
        for path in stale:
            print("%s is out of date: run tools/amalgamate.py" % path, file=sys.stderr)
        if stale:
            return 1
        print("%s is up to date" % ", ".join(str(path) for path, _ in files))
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    for path, text in files:
        path.write_text(text, encoding="utf-8")
        print("wrote %s" % path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
