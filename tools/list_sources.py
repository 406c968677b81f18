#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Prints the .cpp files directly inside each given directory, one absolute path a line, sorted.

meson has no glob, so meson.build runs this to list the sources of each test suite (every .cpp of
the suite's directory, as tests/suites.cmake does for CMake). A missing directory lists nothing.
Standard library only.

Usage: list_sources.py DIR [DIR ...]
"""
import os
import sys


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    for directory in argv[1:]:
        if not os.path.isdir(directory):
            continue
        for name in sorted(os.listdir(directory)):
            path = os.path.join(directory, name)
            if name.endswith(".cpp") and os.path.isfile(path):
                print(os.path.abspath(path))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
