#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# ward-service replicas on one PostgreSQL database: builds ward_replicas_bench and ward-service in
# Release in build/bench (reused), starts a throwaway PostgreSQL server (tools/pg_server.sh), runs
# three replicas on a fresh database of it (benchmarks/bench_replicas.cpp: write-to-visible-
# everywhere latency over 500 writes, read throughput of three replicas against one), stops the
# server (also on failure) and writes build/bench/results/replicas.json and replicas.txt.
# About a minute on 2 cores. Needs what tools/test.sh needs (PostgreSQL 15 and libpq included).
#
#   WARD_BENCH_JOBS=N  build with N jobs (default 2); extra arguments go to ward_replicas_bench
#                      (--writes 500 --seconds 5 --clients 4)
set -euo pipefail

# shellcheck source=benchmarks/configure.sh
source "$(dirname "${BASH_SOURCE[0]}")/configure.sh"
cmake --build "$build" --target ward_replicas_bench -j "$jobs"

server="$(mktemp -d /tmp/ward-replicas-bench-XXXXXX)"
rmdir "$server" # pg_server.sh makes it
trap 'bash "$root/tools/pg_server.sh" stop "$server" >/dev/null 2>&1 || true' EXIT
uri="$(bash "$root/tools/pg_server.sh" start "$server")"
"$build/benchmarks/ward_replicas_bench" --uri "$uri" --json "$out/replicas.json" "$@" | tee "$out/replicas.txt"
