#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# A throwaway PostgreSQL server for tests: a fresh cluster in a directory of its own, listening on
# 127.0.0.1 only, on a free port, with trust authentication and durability turned off for speed.
# The reference service's scaleout tests (examples/service) start one through CTest; it can also
# be run by hand.
#
# Usage:
#   tools/pg_server.sh start DIR     initdb a cluster into DIR/data (DIR must not exist or be empty),
#                                    start it, create the database, print its URI
#                                    (postgresql://ward@127.0.0.1:PORT/ward) and write it to DIR/uri
#   tools/pg_server.sh status DIR    print the URI and exit 0 when the server answers, 1 otherwise
#   tools/pg_server.sh restart DIR   restart the server (pg_ctl restart -m fast), same port and data
#   tools/pg_server.sh stop DIR      stop the server (pg_ctl stop -m fast) and remove DIR; a DIR that
#                                    does not exist is already stopped
#
# The server runs as an unprivileged user: the invoking user, or when run as root the system user
# `postgres` (Debian's package creates it; `nobody` otherwise, or WARD_PG_OS_USER), DIR being
# chowned to it. Every directory above DIR must be searchable by that user. Its log is DIR/log;
# its unix socket (reachable by that user and root only) is in DIR.
#
# Needs the PostgreSQL server binaries under /usr/lib/postgresql/<version>/bin (Debian 12: apt-get
# install postgresql; version 15 is preferred). Without them it prints so and exits 77, which the
# tests report as skipped.
set -euo pipefail

readonly db_user=ward
readonly db_name=ward
readonly marker=.ward-pg-server
readonly not_installed=77

usage() {
    sed -n '/^# Usage:/,/^# The server runs/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}

die() {
    echo "pg_server.sh: $*" >&2
    exit 1
}

# The bin directory of the preferred installed PostgreSQL (15, else the newest), or nothing.
find_bindir() {
    local d best=""
    if [[ -x /usr/lib/postgresql/15/bin/postgres && -x /usr/lib/postgresql/15/bin/initdb ]]; then
        echo /usr/lib/postgresql/15/bin
        return
    fi
    for d in /usr/lib/postgresql/*/bin; do
        [[ -x "$d/postgres" && -x "$d/initdb" && -x "$d/pg_ctl" ]] || continue
        if [[ -z "$best" ]] || (($(basename "$(dirname "$d")" | tr -cd 0-9) > $(basename "$(dirname "$best")" | tr -cd 0-9))); then
            best="$d"
        fi
    done
    echo "$best"
}

# The OS user the server runs as.
server_user() {
    if [[ "$(id -u)" -ne 0 ]]; then
        id -un
    elif [[ -n "${WARD_PG_OS_USER:-}" ]]; then
        echo "$WARD_PG_OS_USER"
    elif id -u postgres >/dev/null 2>&1; then
        echo postgres
    else
        echo nobody
    fi
}

# as_server <command>...: runs the command as the server's user, in DIR.
as_server() {
    if [[ "$(id -u)" -ne 0 ]]; then
        (cd "$dir" && "$@")
    elif command -v runuser >/dev/null 2>&1; then
        (cd "$dir" && runuser -u "$os_user" -- "$@")
    else
        (cd "$dir" && setpriv --reuid="$os_user" --regid="$(id -g "$os_user")" --init-groups -- "$@")
    fi
}

# A TCP port on 127.0.0.1 nothing listens on now (the start retries when another takes it first),
# below the kernel's ephemeral range when there is room (a client's port there blocks a bind).
pick_port() {
    local port tries low=20000 high=60000 eph_low eph_high
    if read -r eph_low eph_high </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null; then
        if ((eph_low > 11024)); then
            low=10000 high=$((eph_low - 1))
        elif ((eph_high < 64511)); then
            low=$((eph_high + 1)) high=65535
        fi
    fi
    for tries in $(seq 1 50); do
        port=$((low + (RANDOM * 32768 + RANDOM) % (high - low + 1)))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
    die "no free port found on 127.0.0.1 after $tries tries"
}

pg_pid() {
    [[ -f "$dir/data/postmaster.pid" ]] && head -n 1 "$dir/data/postmaster.pid"
}

server_running() {
    local pid
    pid="$(pg_pid)" || return 1
    # A stale postmaster.pid may name a process that is no server of ours by now.
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == postgres ]]
}

# Stops the server however it can: fast, then immediate, then SIGKILL.
stop_server() {
    server_running || return 0
    as_server "$bindir/pg_ctl" stop -D "$dir/data" -m fast -w -t 30 >/dev/null 2>&1 ||
        as_server "$bindir/pg_ctl" stop -D "$dir/data" -m immediate -w -t 10 >/dev/null 2>&1 || true
    local pid
    if server_running; then
        pid="$(pg_pid)"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 1
    fi
}

show_log() {
    if [[ -f "$dir/log" ]]; then
        echo "---- the server's log ($dir/log), last lines:" >&2
        tail -n 30 "$dir/log" >&2
    fi
}

cmd_start() {
    if [[ -e "$dir" ]]; then
        [[ -d "$dir" ]] || die "$dir exists and is not a directory"
        [[ -z "$(ls -A "$dir")" ]] || die "$dir is not empty (stop the server there first, or pick a fresh directory)"
    fi
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    : >"$dir/$marker"
    chmod 0700 "$dir"
    if [[ "$(id -u)" -eq 0 ]]; then
        id -u "$os_user" >/dev/null 2>&1 || die "no user $os_user to run the server as"
        chown -R "$os_user:$(id -g "$os_user")" "$dir"
        as_server test -w "$dir" ||
            die "$os_user cannot reach $dir: every directory above it must be searchable (chmod o+x) by $os_user"
    fi

    # The socket's path must fit in sun_path (107 bytes); a longer DIR means TCP only.
    local socket_dir="$dir"
    ((${#dir} + 20 < 107)) || socket_dir=""

    if ! as_server "$bindir/initdb" -D "$dir/data" -U "$db_user" -A trust -E UTF8 --locale=C --no-sync \
        --no-instructions >"$dir/initdb.log" 2>&1; then
        cat "$dir/initdb.log" >&2
        die "initdb failed"
    fi
    # Only the owner's socket and 127.0.0.1; nothing else is accepted.
    cat >"$dir/data/pg_hba.conf" <<EOF
# Written by tools/pg_server.sh: a test server, trusting local connections only.
local all all trust
host  all all 127.0.0.1/32 trust
EOF
    cat >>"$dir/data/postgresql.conf" <<EOF

# ---- tools/pg_server.sh: a throwaway test server ----
listen_addresses = '127.0.0.1'
unix_socket_directories = '$socket_dir'
unix_socket_permissions = 0700
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = minimal
max_wal_senders = 0
max_connections = 100
shared_buffers = 32MB
checkpoint_timeout = 1h
max_wal_size = 1GB
log_min_messages = warning
log_min_error_statement = panic
log_line_prefix = '%m [%p] '
include 'port.conf'
EOF
    if [[ "$(id -u)" -eq 0 ]]; then chown "$os_user:$(id -g "$os_user")" "$dir/data/pg_hba.conf"; fi

    local port attempt started=0
    for attempt in 1 2 3 4 5; do
        port="$(pick_port)"
        echo "port = $port" >"$dir/data/port.conf"
        if [[ "$(id -u)" -eq 0 ]]; then chown "$os_user:$(id -g "$os_user")" "$dir/data/port.conf"; fi
        if as_server "$bindir/pg_ctl" start -D "$dir/data" -l "$dir/log" -w -t 60 >/dev/null 2>&1; then
            started=1
            break
        fi
        stop_server
        # Another process took the port between the check and the start: try another one.
        grep -q 'could not bind\|could not create any TCP/IP sockets' "$dir/log" 2>/dev/null || break
        echo "pg_server.sh: port $port was taken (attempt $attempt), trying another" >&2
    done
    if [[ "$started" -ne 1 ]]; then
        show_log
        stop_server
        rm -rf "$dir"
        die "the server did not start"
    fi

    if ! as_server "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U "$db_user" -d postgres \
        -c "CREATE DATABASE $db_name" >/dev/null 2>"$dir/createdb.log"; then
        cat "$dir/createdb.log" >&2
        stop_server
        rm -rf "$dir"
        die "creating the database failed"
    fi
    local uri="postgresql://$db_user@127.0.0.1:$port/$db_name"
    echo "$uri" >"$dir/uri"
    chmod 0644 "$dir/uri"
    echo "$uri"
}

cmd_status() {
    [[ -f "$dir/$marker" ]] || die "no server of pg_server.sh in $dir"
    if server_running && [[ -f "$dir/uri" ]]; then
        local uri port
        uri="$(cat "$dir/uri")"
        port="${uri##*:}"
        port="${port%%/*}"
        if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -U "$db_user" -d "$db_name"; then
            echo "$uri"
            return 0
        fi
    fi
    echo "pg_server.sh: the server in $dir is not running" >&2
    return 1
}

cmd_restart() {
    [[ -f "$dir/$marker" ]] || die "no server of pg_server.sh in $dir"
    if ! as_server "$bindir/pg_ctl" restart -D "$dir/data" -l "$dir/log" -m fast -w -t 60 >/dev/null 2>&1; then
        show_log
        die "the restart failed"
    fi
    cat "$dir/uri"
}

cmd_stop() {
    [[ -e "$dir" ]] || return 0
    # Removes only what start made: a directory holding its marker.
    [[ -f "$dir/$marker" ]] || die "$dir was not made by pg_server.sh start; not removing it"
    stop_server
    if server_running; then
        show_log
        die "the server in $dir did not stop"
    fi
    rm -rf "$dir"
}

if [[ $# -ne 2 ]]; then
    usage >&2
    exit 2
fi
command="$1"
dir="$2"
case "$command" in
    start | status | restart | stop) ;;
    -h | --help)
        usage
        exit 0
        ;;
    *)
        usage >&2
        exit 2
        ;;
esac
[[ -n "$dir" ]] || die "DIR is empty"
# Every command below runs in DIR (the server's user may not be able to enter the current one).
if [[ -d "$dir" ]]; then dir="$(cd "$dir" && pwd)"; fi

bindir="$(find_bindir)"
if [[ -z "$bindir" ]]; then
    if [[ "$command" == stop && ! -e "$dir" ]]; then exit 0; fi
    echo "pg_server.sh: PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/postgres);" \
        "on Debian 12: apt-get install postgresql" >&2
    exit "$not_installed"
fi
os_user="$(server_user)"

"cmd_$command"
