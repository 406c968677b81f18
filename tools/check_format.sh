#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Checks that every C++ file of the repository (but the generated single header) is laid out as
# .clang-format says. Usage: tools/check_format.sh [--fix]
#
# Layout differs between clang-format releases, so the check runs with the release the layout was
# written with (14, Debian 12's); with another one, or none, it says so and exits 77 (CTest: skipped).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

formatter="${CLANG_FORMAT:-}"
if [[ -z "$formatter" ]]; then
    for candidate in clang-format-14 clang-format; do
        if command -v "$candidate" > /dev/null; then formatter="$candidate"; break; fi
    done
fi
if [[ -z "$formatter" ]]; then
    echo "check_format: clang-format not found (Debian: apt-get install clang-format); not checked"
    exit 77
fi
version="$("$formatter" --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p')"
if [[ "$version" != 14 ]]; then
    echo "check_format: $formatter is release $version; the layout is checked with release 14; not checked"
    exit 77
fi

if [[ -d .git ]] && command -v git > /dev/null; then
    mapfile -t files < <(git ls-files '*.hpp' '*.cpp' | grep -v '^single_include/')
else
    mapfile -t files < <(find include tests examples benchmarks -name '*.hpp' -o -name '*.cpp' | sort)
fi

if [[ "${1:-}" == --fix ]]; then
    "$formatter" -i "${files[@]}"
    echo "check_format: ${#files[@]} files laid out"
    exit 0
fi
if ! "$formatter" --dry-run --Werror "${files[@]}"; then
    echo "check_format: the files above differ from .clang-format's layout; tools/check_format.sh --fix lays them out"
    exit 1
fi
echo "check_format: ${#files[@]} files follow .clang-format"
