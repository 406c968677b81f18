# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Sourced by tools/test.sh and tools/demo.sh: finds which Debian packages a script needs are
# missing and, as root, installs them with apt-get; otherwise prints the apt-get line to run and
# exits 1.
#
#   require_packages <package>...
#
# Each word is a Debian package name, checked by what it provides (a command or a header), in the
# order given. `clang` also stands for its sanitizer runtime: when clang++ is installed but has no
# sanitizer runtime, only libclang-rt-<its major version>-dev is missing; when clang++ is not
# installed, clang and libclang-rt-14-dev are. `postgresql` is checked by a server binary
# (/usr/lib/postgresql/<version>/bin/postgres, where tools/pg_server.sh looks for it), `libpq-dev`
# by libpq-fe.h (Debian puts it in /usr/include/postgresql/).

have_header() {
    [[ -f "/usr/include/$1" || -f "/usr/local/include/$1" ]]
}

have_command() {
    command -v "$1" >/dev/null 2>&1
}

have_postgresql_server() {
    compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null
}

have_libpq() {
    have_header postgresql/libpq-fe.h || have_header libpq-fe.h
}

have_catch2() {
    have_header catch2/catch.hpp || have_header catch2/catch_all.hpp
}

clang_rt_package() {
    local v
    v="$(clang++ -dumpversion 2>/dev/null | cut -d. -f1)"
    echo "libclang-rt-${v:-14}-dev"
}

have_clang_sanitizers() {
    local dir
    dir="$(clang++ -print-resource-dir 2>/dev/null)" || return 1
    compgen -G "$dir/lib/linux/libclang_rt.asan*.a" >/dev/null ||
        compgen -G "$dir/lib/*/libclang_rt.asan*.a" >/dev/null
}

# missing_packages <package>...: prints the missing ones on one line, separated by spaces.
missing_packages() {
    local -a m=()
    local p
    for p in "$@"; do
        case "$p" in
            g++ | cmake | pkg-config | curl | meson | python3 | clang-format) have_command "$p" || m+=("$p") ;;
            ninja-build) have_command ninja || m+=(ninja-build) ;;
            catch2) have_catch2 || m+=(catch2) ;;
            libcpp-httplib-dev) have_header httplib.h || m+=(libcpp-httplib-dev) ;;
            nlohmann-json3-dev) have_header nlohmann/json.hpp || m+=(nlohmann-json3-dev) ;;
            libssl-dev) have_header openssl/evp.h || m+=(libssl-dev) ;;
            libsqlite3-dev) have_header sqlite3.h || m+=(libsqlite3-dev) ;;
            libbenchmark-dev) have_header benchmark/benchmark.h || m+=(libbenchmark-dev) ;;
            libfmt-dev) have_header fmt/format.h || m+=(libfmt-dev) ;;
            postgresql) have_postgresql_server || m+=(postgresql) ;;
            libpq-dev) have_libpq || m+=(libpq-dev) ;;
            clang)
                if have_command clang++; then
                    have_clang_sanitizers || m+=("$(clang_rt_package)")
                else
                    m+=(clang libclang-rt-14-dev)
                fi
                ;;
            *)
                echo "tools/deps.sh: no check for the package $p" >&2
                return 2
                ;;
        esac
    done
    echo "${m[*]}"
}

# require_packages <package>...: returns when all are present; installs the missing ones when run
# as root with apt-get available; otherwise prints the apt-get line and exits 1.
require_packages() {
    local missing
    missing="$(missing_packages "$@")" || exit 2
    [[ -z "$missing" ]] && return 0
    echo "missing: $missing"
    if [[ "$(id -u)" -eq 0 ]] && have_command apt-get; then
        apt-get update
        # shellcheck disable=SC2086 # one word per package
        DEBIAN_FRONTEND=noninteractive apt-get install -y $missing
        missing="$(missing_packages "$@")" || exit 2
        if [[ -n "$missing" ]]; then
            echo "still missing after apt-get install: $missing" >&2
            exit 1
        fi
    else
        echo "Install them first, then run this again:" >&2
        echo "  sudo apt-get install -y $missing" >&2
        exit 1
    fi
}
