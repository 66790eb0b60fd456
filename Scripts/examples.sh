#!/usr/bin/env bash
# Builds, tests and runs every example under Examples/.
#
#   Scripts/examples.sh [NAME...]     (default: all; NAME is an Examples/ folder)
#
# Examples/Embedding and Examples/CustomProjection are executables of their own packages;
# Examples/LedgerServer (storyledger-server) has tests against a real PostgreSQL server and
# real server processes on 127.0.0.1: the event store conformance suite, the access table,
# share scopes, two instances with one killed mid-run, and the database restarted under a
# running server. This script installs Debian's `postgresql` when `initdb` is missing,
# creates a throwaway cluster in a temporary directory, starts it on 127.0.0.1 on a free
# port, and stops and removes it on exit. Set STORYLEDGER_PG_URL to use a server of your own
# instead (the restart test is then skipped).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
if [ -d /opt/swift/usr/bin ]; then export PATH="/opt/swift/usr/bin:$PATH"; fi
start=$(date +%s)
step() { printf '\n==> %s (%ss)\n' "$1" "$(( $(date +%s) - start ))"; }

examples=("$@")
if [ ${#examples[@]} -eq 0 ]; then
  examples=(Embedding CustomProjection LedgerServer)
fi

pg_dir=""
pg_bin=""
stop_postgres() {
  if [ -n "$pg_dir" ] && [ -f "$pg_dir/data/postmaster.pid" ]; then
    as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null || true
  fi
  if [ -n "$pg_dir" ]; then rm -rf "$pg_dir"; fi
}
trap stop_postgres EXIT

# PostgreSQL refuses to run as root: run its tools as the `postgres` user then.
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
    step "install PostgreSQL (Debian's postgresql package)"
    if [ "$(id -u)" -ne 0 ]; then
      echo "PostgreSQL is not installed and this script is not root: install the postgresql package" >&2
      exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  fi
  step "start PostgreSQL ($("$pg_bin/postgres" --version))"
  pg_dir=$(mktemp -d /tmp/storyledger-pg.XXXXXX)
  chmod 755 "$pg_dir"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$pg_dir"; fi
  local user port
  user=$(as_postgres id -un)
  # A free port: ask the kernel for one, then give it to the server.
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  as_postgres "$pg_bin/initdb" -D "$pg_dir/data" -U "$user" --auth=trust -E UTF8 >"$pg_dir/initdb.log" 2>&1 \
    || { cat "$pg_dir/initdb.log" >&2; exit 1; }
  as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $pg_dir -c fsync=on -c max_connections=300" start >/dev/null \
    || { cat "$pg_dir/server.log" >&2; exit 1; }
  # For the test that stops and starts the database under a running server.
  local ctl="$pg_bin/pg_ctl -D $pg_dir/data"
  local runner=""
  if [ "$(id -u)" -eq 0 ]; then runner="runuser -u postgres --"; fi
  export STORYLEDGER_PG_STOP="$runner $ctl -m fast -w stop >/dev/null"
  export STORYLEDGER_PG_START="$runner $ctl -l $pg_dir/server.log -w -t 30 -o '-c listen_addresses=127.0.0.1 -p $port -k $pg_dir -c fsync=on -c max_connections=300' start >/dev/null"
  as_postgres "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U "$user" storyledger
  export STORYLEDGER_PG_URL="postgres://$user@127.0.0.1:$port/storyledger"
  echo "PostgreSQL on 127.0.0.1:$port, STORYLEDGER_PG_URL=$STORYLEDGER_PG_URL"
}

for name in "${examples[@]}"; do
  dir="$root/Examples/$name"
  [ -f "$dir/Package.swift" ] || { echo "no example $name" >&2; exit 64; }
  case "$name" in
    Embedding | CustomProjection)
      step "$name: build and run"
      (cd "$dir" && swift build && swift run --skip-build "$(swift package describe --type json \
        | python3 -c 'import json,sys; print([p["name"] for p in json.load(sys.stdin)["products"] if "executable" in p["type"]][0])')")
      ;;
    LedgerServer)
      if [ -z "${STORYLEDGER_PG_URL:-}" ]; then start_postgres; fi
      step "$name: build and test (PostgreSQL and server processes on loopback)"
      # The restart test takes the database away from everything else: it runs on its own.
      (cd "$dir" && swift build --build-tests \
        && STORYLEDGER_REQUIRE_POSTGRES=1 swift test --skip-build --skip DatabaseRestartTests \
        && STORYLEDGER_REQUIRE_POSTGRES=1 swift test --skip-build --filter DatabaseRestartTests)
      ;;
    *)
      step "$name: build"
      (cd "$dir" && swift build)
      ;;
  esac
done

step "examples done"
