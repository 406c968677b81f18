#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# ward's test command: builds every test suite and example in every configuration and runs them
# all, ending with one CTest summary. Works from a clean clone on Debian 12.
#
# Usage:
#   tools/test.sh                     everything (see the stages below)
#   WARD_TEST_QUICK=1 tools/test.sh   developer loop: only build/gcc, only the cxx17 variant
#   WARD_TEST_JOBS=N tools/test.sh    build and test with N jobs instead of 2
#
# Stages:
#   dependencies  g++, clang++ (with its sanitizer runtime), cmake, ninja, meson, pkg-config,
#                 python3, Catch2 (2 or 3), Google Benchmark, and for the reference service
#                 (examples/service) cpp-httplib, nlohmann/json, OpenSSL, SQLite, libpq and the
#                 PostgreSQL server (its scaleout tests start one with tools/pg_server.sh). As root,
#                 missing ones are installed with apt-get; otherwise the script prints the apt-get
#                 line to run and exits 1 (tools/deps.sh, shared with tools/demo.sh).
#   build/gcc     g++, variants cxx17 cxx20 cxx23 asan noexc, plus tsan for the concurrency suites
#   build/clang   clang++, variants cxx17 cxx20 cxx23
#   build/single  g++, cxx17, every suite built against the generated single header
#   build/meson   the meson build with g++, C++17, one configuration
#   ctest         one CTest run over all three (build/all), the meson suite being one CTest test
#
# Build directories are reused; configuring again is cheap and picks up new test files.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

quick="${WARD_TEST_QUICK:-0}"
jobs="${WARD_TEST_JOBS:-2}"
script_start=$SECONDS
stage_start=$SECONDS
stage_name=""

stage() {
    stage_name="$1"
    stage_start=$SECONDS
    printf '\n==== %s ====\n' "$stage_name"
}

stage_done() {
    printf -- '---- %s: done in %ds\n' "$stage_name" $((SECONDS - stage_start))
}

# ---- dependencies ------------------------------------------------------------------------------
# shellcheck source=tools/deps.sh
source "$root/tools/deps.sh"

stage "dependencies"
needs=(g++ cmake ninja-build catch2 pkg-config curl # curl: the tour test runs the printed curl lines
    libcpp-httplib-dev nlohmann-json3-dev libssl-dev libsqlite3-dev
    libpq-dev postgresql) # the service's scaleout tests: libpq and a server they start themselves
if [[ "$quick" != 1 ]]; then
    needs+=(clang clang-format meson python3 libbenchmark-dev libfmt-dev) # libfmt-dev: ward/fmt.hpp's tests
fi
require_packages "${needs[@]}"
echo "g++ $(g++ -dumpfullversion), cmake $(cmake --version | head -n1 | awk '{print $3}'), ninja $(ninja --version)"
if [[ "$quick" != 1 ]]; then
    echo "clang++ $(clang++ -dumpversion), meson $(meson --version), python3 $(python3 -c 'import platform; print(platform.python_version())')"
fi
stage_done

# ---- CMake builds --------------------------------------------------------------------------------
# cmake_build <dir> <compiler> <variants> <tsan> [extra cmake args...]
cmake_build() {
    local dir="$1" cxx="$2" variants="$3" tsan="$4"
    shift 4
    # A build directory made by another generator cannot be reused; start it afresh.
    if [[ -f "$dir/CMakeCache.txt" ]] && ! grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' "$dir/CMakeCache.txt"; then
        rm -rf "$dir/CMakeCache.txt" "$dir/CMakeFiles"
    fi
    cmake -S "$root" -B "$dir" -G Ninja \
        -DCMAKE_CXX_COMPILER="$cxx" \
        -DWARD_BUILD_TESTS=ON -DWARD_BUILD_EXAMPLES=ON \
        -DWARD_TEST_VARIANTS="$variants" -DWARD_TEST_TSAN="$tsan" \
        -DWARD_REQUIRE_SERVICE=ON "$@"
    ninja -C "$dir" -j"$jobs"
}

if [[ "$quick" == 1 ]]; then
    stage "build/gcc (quick: g++, cxx17)"
    cmake_build "$root/build/gcc" g++ "cxx17" OFF -DWARD_BUILD_BENCHMARKS=OFF
    stage_done

    stage "ctest build/gcc"
    ctest --test-dir "$root/build/gcc" -j"$jobs" --output-on-failure
    stage_done
    printf '\nquick tests passed in %ds (run tools/test.sh without WARD_TEST_QUICK for everything)\n' \
        $((SECONDS - script_start))
    exit 0
fi

# The benchmarks are compiled (not run) once another part of the tree provides them.
benchmarks=OFF
[[ -f "$root/benchmarks/CMakeLists.txt" ]] && benchmarks=ON

stage "build/gcc (g++: cxx17 cxx20 cxx23 asan noexc + tsan)"
cmake_build "$root/build/gcc" g++ "cxx17;cxx20;cxx23;asan;noexc" ON -DWARD_BUILD_BENCHMARKS="$benchmarks"
stage_done

stage "build/clang (clang++: cxx17 cxx20 cxx23)"
# Tests that do not depend on the compiler (consumers of the installed package) run in build/gcc only.
cmake_build "$root/build/clang" clang++ "cxx17;cxx20;cxx23" OFF -DWARD_BUILD_BENCHMARKS=OFF \
    -DWARD_TEST_CONSUMERS=OFF
stage_done

stage "build/single (g++ cxx17, every suite against single_include/ward/ward.hpp)"
# The generated header must stand in for include/ everywhere: the same suites, built against it.
cmake_build "$root/build/single" g++ "cxx17" OFF -DWARD_BUILD_BENCHMARKS=OFF -DWARD_BUILD_EXAMPLES=OFF \
    -DWARD_TEST_CONSUMERS=OFF -DWARD_TEST_SINGLE_HEADER=ON
stage_done

# ---- meson ---------------------------------------------------------------------------------------
stage "build/meson (g++, C++17)"
if [[ -f "$root/build/meson/meson-private/coredata.dat" ]]; then
    # Reconfiguring lists the test sources again, so new test files are picked up.
    meson setup --reconfigure "$root/build/meson" "$root" -Dtests=enabled
else
    rm -rf "$root/build/meson"
    CXX=g++ meson setup "$root/build/meson" "$root" -Dtests=enabled
fi
ninja -C "$root/build/meson" -j"$jobs"
stage_done

# ---- one CTest run over everything ---------------------------------------------------------------
printf '\nall builds done in %ds; running every test\n' $((SECONDS - script_start))
stage "ctest (build/gcc + build/clang + build/single + build/meson)"
mkdir -p "$root/build/all"
cat >"$root/build/all/CTestTestfile.cmake" <<EOF
# Generated by tools/test.sh: one CTest run over every build.
subdirs("$root/build/gcc")
subdirs("$root/build/clang")
subdirs("$root/build/single")
add_test(meson_suite "$(command -v meson)" "test" "-C" "$root/build/meson" "--print-errorlogs")
set_tests_properties(meson_suite PROPERTIES LABELS "meson")
EOF
if ! ctest --test-dir "$root/build/all" -j"$jobs" --output-on-failure | tee "$root/build/all/ctest-output.txt"; then
    # gcc and clang tests share names; show which build each failure came from.
    echo
    echo "failed tests and their builds:"
    ctest --test-dir "$root/build/all" -N -V --rerun-failed 2>/dev/null |
        grep -E '^[0-9]+: (Test command|Working Directory):' | sed 's/^/  /' || true
    printf '\nFAILED after %ds\n' $((SECONDS - script_start))
    exit 1
fi
# The reference service's [load] figures: CTest shows a passing test's output only in its log.
log="$root/build/all/Testing/Temporary/LastTest.log"
if [[ -f "$log" ]] && grep -q 'ward-service \[load\]' "$log"; then
    echo
    echo "ward-service under load (the [load] tests' report; Server-Timing authz = ward's share):"
    # (Not the sanitized build's: its times measure the sanitizers.)
    awk '/^Command: .*ward_service_tests.*\[load\]/ { n = split($2, p, "/"); build = p[n - 3]; sanitized = p[n] ~ /_asan/ }
         !sanitized && /^ward-service \[load\]|^  (authz|handler|client|kept|one conn|reads|writes)/ { print "  [" build "] " $0 }' "$log"
fi
# CTest's summary line closes the output.
echo
grep -E '^[0-9]+% tests passed' "$root/build/all/ctest-output.txt" | tail -n 1
