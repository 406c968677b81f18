# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Sourced by benchmarks/run.sh and benchmarks/replicas.sh: sets root, build (build/bench), out
# (build/bench/results, made) and jobs (WARD_BENCH_JOBS, default 2), and configures the Release
# (-O2) build of the benchmarks and the examples there (reused between runs).

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build/bench"
out="$build/results"
# shellcheck disable=SC2034 # jobs: for the scripts that source this one
jobs="${WARD_BENCH_JOBS:-2}"
mkdir -p "$out"

generator=()
if command -v ninja >/dev/null 2>&1 && [ ! -f "$build/Makefile" ]; then generator=(-G Ninja); fi
cmake -S "$root" -B "$build" "${generator[@]}" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
  -DWARD_BUILD_BENCHMARKS=ON -DWARD_BUILD_TESTS=OFF -DWARD_BUILD_EXAMPLES=ON -DWARD_INSTALL=OFF >/dev/null
