#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# ward's benchmark suite: builds ward_bench in Release (-O2) in build/bench (reused), runs every
# benchmark with 5 repetitions (medians are reported), then the compile-time benchmark, and writes
#   build/bench/results/bench.json       Google Benchmark JSON (every repetition and aggregate)
#   build/bench/results/bench.txt        the console output (aggregates)
#   build/bench/results/service.json/.txt  ward-service's write path (ward_service_bench; built when
#                                        the service's dependencies are installed)
#   build/bench/results/compile_time.json / .md
#   build/bench/results/report.md        medians, ratios against the baselines, targets
#   build/bench/results/figures/*.svg    decision cost against policy size, publishing a change
#                                        (benchmarks/plot.py; needs python3-matplotlib)
# About 8-9 minutes on a loaded 2-core machine (the compile-time part: best of 3 runs). Extra arguments go to ward_bench (e.g. --benchmark_filter=scale).
#
#   WARD_BENCH_JOBS=N        build with N jobs (default 2)
#   WARD_BENCH_REPS=N        repetitions per benchmark (default 5)
#   WARD_BENCH_MIN_TIME=S    minimum seconds per repetition (default 0.1; Google Benchmark 1.7.1
#                            takes a plain number of seconds)
#   WARD_BENCH_SKIP_COMPILE=1  skip the compile-time benchmark
set -euo pipefail

# shellcheck source=benchmarks/configure.sh
source "$(dirname "${BASH_SOURCE[0]}")/configure.sh"
reps="${WARD_BENCH_REPS:-5}"
min_time="${WARD_BENCH_MIN_TIME:-0.1}"
cmake --build "$build" --target ward_bench -j "$jobs"
service_bench=0 # ward-service's write path, when the service's dependencies are installed
if cmake --build "$build" --target help | grep -q ward_service_bench; then
  service_bench=1
  cmake --build "$build" --target ward_service_bench -j "$jobs"
fi

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(${CXX:-g++} --version | head -1)"
start=$SECONDS
"$build/benchmarks/ward_bench" \
  --benchmark_min_time="$min_time" \
  --benchmark_repetitions="$reps" \
  --benchmark_display_aggregates_only=true \
  --benchmark_out="$out/bench.json" --benchmark_out_format=json \
  "$@" | tee "$out/bench.txt"
echo "== benchmarks took $((SECONDS - start)) s"
if [ "$service_bench" = 1 ]; then
  start=$SECONDS
  "$build/benchmarks/ward_service_bench" \
    --benchmark_min_time="$min_time" \
    --benchmark_repetitions="$reps" \
    --benchmark_display_aggregates_only=true \
    --benchmark_out="$out/service.json" --benchmark_out_format=json | tee "$out/service.txt"
  echo "== ward-service benchmarks took $((SECONDS - start)) s"
else
  rm -f "$out/service.json"
  echo "== ward-service benchmarks skipped: the service is not built (its dependencies: tools/deps.sh)"
fi

if [ "${WARD_BENCH_SKIP_COMPILE:-0}" != 1 ]; then
  start=$SECONDS
  python3 "$root/benchmarks/compile_time.py" --runs 3 --json "$out/compile_time.json" --markdown "$out/compile_time.md"
  echo "== compile-time benchmark took $((SECONDS - start)) s"
fi

python3 "$root/benchmarks/report.py" "$out/bench.json" "$out/compile_time.json" "$out/service.json" > "$out/report.md"
echo "== report: $out/report.md"
plot_python=python3 # Debian's matplotlib is for Debian's python3, which another python3 on PATH may hide
if [ -x /usr/bin/python3 ]; then plot_python=/usr/bin/python3; fi
if "$plot_python" -c "import matplotlib" 2>/dev/null; then
  "$plot_python" "$root/benchmarks/plot.py" "$out/bench.json" "$out/figures"
  echo "== figures: $out/figures (docs/figures holds the run docs/performance.md quotes)"
else
  echo "== figures skipped: matplotlib is missing (Debian: apt-get install python3-matplotlib)"
fi
