#!/usr/bin/env bash
# StoryLedger server load test: two `storyledger-server` instances on one throwaway PostgreSQL,
# measured from the client's side against the issue's targets.
#
#   Scripts/load.sh [SECONDS] [CLIENTS] [ROWS] [SUMMARIES]
#       defaults: 30 seconds, 100 clients, 1000000 rows, 200 summaries
#
# Builds Examples/LedgerServer in release (storyledger-server and storyledger-load), starts
# PostgreSQL in a temporary directory on 127.0.0.1 (as the `postgres` user when run as root),
# creates two ledgers and their tokens, starts two server instances on free ports, then:
#
#   (a) CLIENTS concurrent recording clients, spread over both instances, each telling stories
#       one request at a time (a `story.told` and its telling, as `storyledger story tell`
#       sends) into the ledger `load` for SECONDS seconds: acknowledged (201) appends per
#       second, and p50/p99 latency of an acknowledged request;
#   (b) the demo corpus of ROWS rows (`storyledger demo --rows ROWS --csv`, as Scripts/bench.sh
#       makes it, cached in ${LOAD_DIR:-.build/load}) imported into the ledger `demo` through
#       the server's streamed import route (`storyledger import` on the ledger's URL, as a
#       keeper); then SUMMARIES requests of `GET summary?node=nhs`, one at a time: p50/p99;
#   (c) a third instance started on the same database: the time from its start to its first
#       successful summary of `demo` (it reads and folds the whole log from PostgreSQL).
#
# All traffic is on 127.0.0.1. Every step is bounded (requests, seconds, a `timeout`), and the
# servers and the cluster are stopped and removed on exit, whatever happens. Exits non-zero when
# a step fails; a missed target is printed as MISSED, not a failure. The load client is
# Examples/LedgerServer's `storyledger-load` (AsyncHTTPClient; `storyledger-load cli` is the
# `storyledger` command line linked in).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
if [ -d /opt/swift/usr/bin ]; then export PATH="/opt/swift/usr/bin:$PATH"; fi
seconds=${1:-30}
clients=${2:-100}
rows=${3:-1000000}
summaries=${4:-200}
number() { [[ "$2" =~ ^[0-9]+$ ]] && [ "$2" -ge "$3" ] && [ "$2" -le "$4" ] \
  || { echo "load.sh: $1 must be a whole number from $3 to $4 (got '$2')" >&2; exit 64; }; }
number SECONDS "$seconds" 1 600
number CLIENTS "$clients" 1 1000
number ROWS "$rows" 1 2000000
number SUMMARIES "$summaries" 1 10000
started=$(date +%s)
step() { printf '\n==> %s (%ss)\n' "$1" "$(( $(date +%s) - started ))" >&2; }

cache=${LOAD_DIR:-.build/load}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
work=$(mktemp -d /tmp/storyledger-load.XXXXXX)
chmod 755 "$work"
pg_bin=""
servers=()

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cleanup() {
  local status=$?
  for pid in "${servers[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${servers[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [ -n "$pg_bin" ] && [ -f "$work/pg/data/postmaster.pid" ]; then
    as_postgres "$pg_bin/pg_ctl" -D "$work/pg/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "build Examples/LedgerServer (release)"
(cd Examples/LedgerServer && swift build -c release --product storyledger-server >&2 \
  && swift build -c release --product storyledger-load >&2)
bin=$(cd Examples/LedgerServer && swift build -c release --show-bin-path)
server_tool="$bin/storyledger-server"
load="$bin/storyledger-load"

step "start PostgreSQL on 127.0.0.1"
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  echo "load.sh: PostgreSQL is not installed (Scripts/examples.sh installs Debian's postgresql)" >&2
  exit 69
fi
mkdir -p "$work/pg"
if [ "$(id -u)" -eq 0 ]; then chown postgres: "$work/pg"; fi
pg_user=$(as_postgres id -un)
pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
as_postgres "$pg_bin/initdb" -D "$work/pg/data" -U "$pg_user" --auth=trust -E UTF8 >"$work/pg/initdb.log" 2>&1 \
  || { cat "$work/pg/initdb.log" >&2; exit 1; }
as_postgres "$pg_bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/server.log" -w -t 30 \
  -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $work/pg -c fsync=on -c max_connections=300 -c shared_buffers=256MB" \
  start >/dev/null || { cat "$work/pg/server.log" >&2; exit 1; }
as_postgres "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U "$pg_user" storyledger
export STORYLEDGER_PG_URL="postgres://$pg_user@127.0.0.1:$pg_port/storyledger"

step "create the ledgers load and demo, and their tokens"
levels=national,region,organisation,team
"$server_tool" ledger create load --levels "$levels" --currency GBP
"$server_tool" ledger create demo --levels "$levels" --currency GBP
(umask 077
  "$server_tool" token create --ledger load --role keeper --node / --name "load keeper" >"$work/load-keeper.token"
  "$server_tool" token create --ledger load --role recorder --node nhs/load --name "load recorder" >"$work/recorder.token"
  "$server_tool" token create --ledger demo --role keeper --node / --name "demo keeper" >"$work/demo-keeper.token")

# start_server NAME: starts an instance on a free port, waits (at most 120 s) until it
# listens, and sets $port.
start_server() {
  local log="$work/$1.log"
  : >"$log"
  "$server_tool" serve --port 0 2>"$log" >/dev/null &
  servers+=("$!")
  for _ in $(seq 1200); do
    port=$(sed -n 's/.*listening on port \([0-9][0-9]*\).*/\1/p' "$log" | head -1)
    if [ -n "$port" ]; then return 0; fi
    kill -0 "${servers[-1]}" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  echo "load.sh: $1 did not start listening" >&2
  cat "$log" >&2
  exit 1
}
step "start two server instances"
start_server first
first="http://127.0.0.1:$port"
start_server second
second="http://127.0.0.1:$port"
echo "instances at $first and $second" >&2

step "(a) $clients recording clients over both instances for $seconds s"
timeout 120 "$load" cli --ledger "$first/ledgers/load" --token-file "$work/load-keeper.token" \
  node add nhs/load --parents >/dev/null
recording=$(timeout $((seconds + 120)) "$load" record --server "$first" --server "$second" \
  --ledger load --token-file "$work/recorder.token" --node nhs/load --clients "$clients" \
  --seconds "$seconds")
echo "$recording" >&2

step "(b) the demo corpus of $rows rows, imported through the server"
corpus="$cache/corpus-$rows.csv"
if [ ! -f "$corpus" ]; then
  timeout 1200 "$load" cli demo --rows "$rows" --csv "$corpus.part" >&2
  mv "$corpus.part" "$corpus"
fi
import_started=$(date +%s%N)
# One request holds the whole import: let it wait for the server's answer up to an hour.
STORYLEDGER_TIMEOUT=3600 timeout 3600 "$load" cli --ledger "$first/ledgers/demo" \
  --token-file "$work/demo-keeper.token" import "$corpus" >&2
import_seconds=$(awk -v a="$import_started" -v b="$(date +%s%N)" 'BEGIN {printf "%.1f", (b - a) / 1e9}')
events=$(STORYLEDGER_TIMEOUT=600 timeout 600 "$load" cli --ledger "$first/ledgers/demo" --token-file "$work/demo-keeper.token" \
  verify --json | sed -E 's/.*"events":([0-9]+).*/\1/')
echo "imported $events events in $import_seconds s" >&2
summary=$(timeout 1800 "$load" summary --server "$first" --ledger demo \
  --token-file "$work/demo-keeper.token" --node nhs --requests "$summaries")
echo "$summary" >&2

step "(c) a third instance: from its start to its first summary of demo"
loading_since=$(date +%s%N)
start_server third
third="http://127.0.0.1:$port"
loading=$(timeout 1200 "$load" first-summary --server "$third" --ledger demo \
  --token-file "$work/demo-keeper.token" --node nhs --since "$loading_since" --timeout 900)
echo "$loading" >&2
# The instance logs `events=N ledger=demo seconds=S seconds [LedgerServer] opened ledger`.
opened=$(sed -n 's/.*ledger=demo seconds=\([0-9.]*\).*opened ledger.*/\1/p' "$work/third.log" | head -1)
opened=$(awk -v s="${opened:-0}" 'BEGIN {printf "%.2f", s}')

# field LINE KEY: the value of KEY=VALUE in LINE.
field() { sed -n "s/.*\\b$2=\\([^ ]*\\).*/\\1/p" <<<"$1"; }
verdict() { awk -v v="$1" -v t="$3" -v op="$2" 'BEGIN {ok = (op == ">=") ? v >= t : v <= t; print ok ? "ok" : "MISSED"}'; }
rate=$(field "$recording" appends_per_second)
record_p50=$(field "$recording" p50_ms)
record_p99=$(field "$recording" p99_ms)
summary_p50=$(field "$summary" p50_ms)
summary_p99=$(field "$summary" p99_ms)
load_seconds=$(field "$loading" seconds)

echo
echo "StoryLedger server load, $(date -u +%Y-%m-%d), $(nproc) cores, two instances on one PostgreSQL ($("$pg_bin/postgres" --version | awk '{print $3}'))"
echo "Scripts/load.sh $seconds $clients $rows $summaries"
printf '%-58s %16s   %-12s %s\n' "measure" "measured" "target" ""
printf '%-58s %16s   %-12s %s\n' "(a) acknowledged appends/s, $clients clients, ${seconds} s" "$rate" "≥ 500" "$(verdict "$rate" ">=" 500)"
printf '%-58s %13s ms   %-12s %s\n' "(a) recording request p50" "$record_p50" "" ""
printf '%-58s %13s ms   %-12s %s\n' "(a) recording request p99" "$record_p99" "≤ 100 ms" "$(verdict "$record_p99" "<=" 100)"
printf '%-58s %14s s   %-12s %s\n' "(b) import of $rows rows ($events events) via the server" "$import_seconds" "" ""
printf '%-58s %13s ms   %-12s %s\n' "(b) GET summary?node=nhs p50, $summaries requests" "$summary_p50" "" ""
printf '%-58s %13s ms   %-12s %s\n' "(b) GET summary?node=nhs p99" "$summary_p99" "≤ 20 ms" "$(verdict "$summary_p99" "<=" 20)"
printf '%-58s %14s s   %-12s %s\n' "(c) new instance: start to first summary of demo" "$load_seconds" "" ""
printf '%-58s %14s s   %-12s %s\n' "(c) of which the instance's opening of demo (its log)" "$opened" "" ""
echo "recording: $recording"
echo "summary:   $summary"
