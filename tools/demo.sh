#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# ward's demo command: builds the example programs in examples/ (Release, tests off) into
# build/demo and runs each one. Needs g++, cmake and ninja; as root, missing ones are installed
# with apt-get, otherwise the script prints the apt-get line to run and exits 1.
#
# Usage: tools/demo.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
start=$SECONDS

missing_packages() {
    local -a m=()
    command -v g++ >/dev/null 2>&1 || m+=(g++)
    command -v cmake >/dev/null 2>&1 || m+=(cmake)
    command -v ninja >/dev/null 2>&1 || m+=(ninja-build)
    echo "${m[*]}"
}

missing="$(missing_packages)"
if [[ -n "$missing" ]]; then
    echo "missing: $missing"
    if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        apt-get update
        # shellcheck disable=SC2086 # one word per package
        DEBIAN_FRONTEND=noninteractive apt-get install -y $missing
        missing="$(missing_packages)"
        if [[ -n "$missing" ]]; then
            echo "still missing after apt-get install: $missing" >&2
            exit 1
        fi
    else
        echo "Install them first, then run this again:" >&2
        echo "  sudo apt-get install -y $missing" >&2
        exit 1
    fi
fi

dir="$root/build/demo"
if [[ -f "$dir/CMakeCache.txt" ]] && ! grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' "$dir/CMakeCache.txt"; then
    rm -rf "$dir/CMakeCache.txt" "$dir/CMakeFiles"
fi
echo "==== building the examples (build/demo, Release) ===="
cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_CXX_COMPILER=g++ -DCMAKE_BUILD_TYPE=Release \
    -DWARD_BUILD_TESTS=OFF -DWARD_BUILD_EXAMPLES=ON -DWARD_BUILD_BENCHMARKS=OFF -DWARD_INSTALL=OFF >/dev/null
ninja -C "$dir" -j"${WARD_DEMO_JOBS:-2}"

shopt -s nullglob
sources=("$root"/examples/*.cpp)
if [[ ${#sources[@]} -eq 0 ]]; then
    echo "no examples in examples/" >&2
    exit 1
fi
for src in "${sources[@]}"; do
    name="$(basename "$src" .cpp)"
    printf '\n==== examples/%s.cpp ====\n' "$name"
    "$dir/examples/$name"
done
printf '\n(demo built and ran %d example(s) in %ds)\n' "${#sources[@]}" $((SECONDS - start))
