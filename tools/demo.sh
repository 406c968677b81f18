#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# ward's demo command: builds ward-service, the reference HTTP service of examples/service/
# (Release, tests off, into build/demo), starts it on 127.0.0.1 with a fresh seeded database,
# plays the scripted tour against it (each request with its status and ward's reason), prints
# curl lines with real tokens to try next, and leaves the service running until Ctrl-C.
#
# Usage:
#   tools/demo.sh              build, start, tour, then keep the service running (Ctrl-C stops it)
#   tools/demo.sh --exit       build, start, tour, stop; exits with the tour's status
#   tools/demo.sh --examples   also run the example programs examples/*.cpp first
#   WARD_DEMO_PORT=9090 tools/demo.sh   listen on another port (default 8080; a free port is
#                                       picked when it is taken)
#   WARD_DEMO_JOBS=N tools/demo.sh      build with N jobs instead of 2
#
# Needs g++, cmake, ninja, pkg-config, curl and the service's libraries (cpp-httplib,
# nlohmann/json, OpenSSL, SQLite). As root, missing ones are installed with apt-get; otherwise the
# script prints the apt-get line to run and exits 1.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
start=$SECONDS

usage() {
    sed -n '/^# Usage:/,/^# Needs/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}

exit_after_tour=0
run_examples=0
for arg in "$@"; do
    case "$arg" in
        --exit) exit_after_tour=1 ;;
        --examples) run_examples=1 ;;
        -h | --help)
            usage
            exit 0
            ;;
        *)
            echo "unknown option: $arg" >&2
            usage >&2
            exit 2
            ;;
    esac
done

# ---- dependencies ------------------------------------------------------------------------------
# shellcheck source=tools/deps.sh
source "$root/tools/deps.sh"
require_packages g++ cmake ninja-build pkg-config curl \
    libcpp-httplib-dev nlohmann-json3-dev libssl-dev libsqlite3-dev

# ---- build ---------------------------------------------------------------------------------------
dir="$root/build/demo"
if [[ -f "$dir/CMakeCache.txt" ]] && ! grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' "$dir/CMakeCache.txt"; then
    rm -rf "$dir/CMakeCache.txt" "$dir/CMakeFiles"
fi
echo "==== building ward-service and the examples (build/demo, Release) ===="
cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_CXX_COMPILER=g++ -DCMAKE_BUILD_TYPE=Release \
    -DWARD_BUILD_TESTS=OFF -DWARD_BUILD_EXAMPLES=ON -DWARD_REQUIRE_SERVICE=ON \
    -DWARD_BUILD_BENCHMARKS=OFF -DWARD_INSTALL=OFF >/dev/null
ninja -C "$dir" -j"${WARD_DEMO_JOBS:-2}"
bin="$dir/examples/service/ward-service"
if [[ ! -x "$bin" ]]; then
    echo "the build did not produce $bin" >&2
    exit 1
fi

# ---- the example programs (--examples) --------------------------------------------------------------
if [[ "$run_examples" -eq 1 ]]; then
    shopt -s nullglob
    sources=("$root"/examples/*.cpp)
    for src in "${sources[@]}"; do
        name="$(basename "$src" .cpp)"
        printf '\n==== examples/%s.cpp ====\n' "$name"
        "$dir/examples/$name"
    done
    printf '\n(ran %d example program(s))\n' "${#sources[@]}"
fi

# ---- the service ---------------------------------------------------------------------------------
db="$dir/ward-service.db"
log="$dir/ward-service.log"
rm -f "$db" "$db-wal" "$db-shm" "$db-journal"
service_pid=""

stop_service() {
    if [[ -n "$service_pid" ]] && kill -0 "$service_pid" 2>/dev/null; then
        kill -TERM "$service_pid" 2>/dev/null || true
        wait "$service_pid" 2>/dev/null || true
    fi
    service_pid=""
}
trap stop_service EXIT
trap 'echo; echo "stopping ward-service"; exit 130' INT
trap 'exit 143' TERM

port_taken() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Starts `ward-service serve` on port $1 and waits for its "listening" line; sets $service_pid and
# $url. Returns 1 if the service exited first (its output is in $log).
start_service() {
    : >"$log" # empty before the start, so no line of an earlier run is read as this one's
    "$bin" serve --db "$db" --host 127.0.0.1 --port "$1" --explain >"$log" 2>&1 &
    service_pid=$!
    local line="" waited=0
    while :; do
        line="$(head -n 1 "$log" 2>/dev/null || true)"
        if [[ "$line" == "ward-service listening on "* ]]; then
            break
        fi
        if ! kill -0 "$service_pid" 2>/dev/null; then
            wait "$service_pid" 2>/dev/null || true
            service_pid=""
            return 1
        fi
        if [[ "$waited" -ge 1200 ]]; then
            echo "ward-service printed no \"listening\" line within 120 s; its output:" >&2
            cat "$log" >&2
            exit 1
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    # "ward-service listening on http://HOST:PORT (db FILE)"
    url="${line#ward-service listening on }"
    url="${url%% *}"
}

port="${WARD_DEMO_PORT:-8080}"
echo
echo "==== starting ward-service (database $db) ===="
if port_taken "$port"; then
    echo "port $port is taken; asking for a free one"
    port=0
fi
url=""
if ! start_service "$port"; then
    if [[ "$port" != 0 ]]; then
        echo "ward-service could not start on port $port; asking for a free one"
        start_service 0 || {
            echo "ward-service did not start; its output:" >&2
            cat "$log" >&2
            exit 1
        }
    else
        echo "ward-service did not start; its output:" >&2
        cat "$log" >&2
        exit 1
    fi
fi
head -n 1 "$log"

# ---- the tour --------------------------------------------------------------------------------------
echo
echo "==== the tour ===="
tour_args=(tour --url "$url" --db "$db")
if [[ "$exit_after_tour" -eq 1 ]]; then
    tour_args+=(--quiet-next-steps)
fi
tour_status=0
"$bin" "${tour_args[@]}" || tour_status=$?

if [[ "$exit_after_tour" -eq 1 ]]; then
    stop_service
    printf '\n(demo built, started, toured and stopped ward-service in %ds; tour status %d)\n' \
        $((SECONDS - start)) "$tour_status"
    exit "$tour_status"
fi

echo
if [[ "$tour_status" -ne 0 ]]; then
    echo "The tour found unexpected answers (marked with !); the service keeps running to look into it."
fi
echo "ward-service is running at $url (pid $service_pid; its output goes to ${log#"$root"/})."
echo "Stop it with Ctrl-C here, or from another terminal: kill $service_pid"
service_status=0
wait "$service_pid" || service_status=$?
service_pid=""
echo "ward-service stopped (exit status $service_status)"
exit "$service_status"
