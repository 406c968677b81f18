#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Runs ward's libFuzzer harnesses (tests/fuzz) for longer than the test command does: builds them
# with clang++ into build/fuzz, then runs each for the given time, one after the other, starting
# from the committed seed corpus (tests/fuzz/corpus/<harness>) plus what earlier runs of this
# script found (build/fuzz/corpus/<harness>), and prints each harness's executions and coverage.
#
# Usage:
#   tools/fuzz.sh [seconds-per-harness] [harness...]     default: 60 seconds, every harness
#   WARD_FUZZ_JOBS=N tools/fuzz.sh ...                    build with N jobs (default 2)
# Harnesses: names integer subject authenticate builder. A failing input is written to
# build/fuzz/artifacts/<harness>/ and the script exits 1; reproduce it with
#   build/fuzz/tests/fuzz/ward_fuzz_<harness> <input>
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

seconds="${1:-60}"
shift || true
harnesses=("$@")
[[ ${#harnesses[@]} -eq 0 ]] && harnesses=(names integer subject authenticate builder)
jobs="${WARD_FUZZ_JOBS:-2}"
build="$root/build/fuzz"

if ! command -v clang++ >/dev/null 2>&1; then
    echo "tools/fuzz.sh needs clang++ with its fuzzer runtime (Debian: apt-get install clang libclang-rt-14-dev)" >&2
    exit 1
fi
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DWARD_BUILD_TESTS=ON \
    -DWARD_BUILD_EXAMPLES=OFF -DWARD_TEST_VARIANTS=cxx17 -DWARD_TEST_TSAN=OFF -DWARD_TEST_CONSUMERS=OFF >/dev/null
targets=()
for h in "${harnesses[@]}"; do targets+=("ward_fuzz_$h"); done
ninja -C "$build" -j"$jobs" "${targets[@]}"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
summary=()
status=0
for h in "${harnesses[@]}"; do
    bin="$build/tests/fuzz/ward_fuzz_$h"
    corpus="$build/corpus/$h"
    artifacts="$build/artifacts/$h"
    log="$build/logs/$h.log"
    mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
    printf '\n==== %s: %ss ====\n' "$h" "$seconds"
    rc=0
    "$bin" -max_total_time="$seconds" -print_final_stats=1 -dict="$root/tests/fuzz/ward.dict" \
        -artifact_prefix="$artifacts/" "$corpus" "$root/tests/fuzz/corpus/$h" >"$log" 2>&1 || rc=$?
    grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|ward fuzz:|ERROR|SUMMARY|Test unit written' "$log" || true
    execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")"
    speed="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")"
    line="$(grep -E '^#[0-9]+[[:space:]]+(DONE|NEW|REDUCE|pulse|INITED)' "$log" | tail -n 1 || true)"
    cov="$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$line")"
    ft="$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$line")"
    corp="$(sed -n 's/.* corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p' <<<"$line")"
    result=ok
    if [[ $rc -ne 0 ]]; then
        result="FAILED (exit $rc, input in $artifacts)"
        status=1
    fi
    summary+=("$(printf '%-13s %12s execs %8s exec/s  cov %5s  ft %6s  corpus %-12s %s' \
        "$h" "${execs:-?}" "${speed:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$result")")
done

printf '\n==== summary (%ss per harness; logs in %s/logs) ====\n' "$seconds" "$build"
printf '%s\n' "${summary[@]}"
exit $status
