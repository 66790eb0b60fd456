#!/usr/bin/env bash
# StoryLedger benchmark: the product's measured operations on a generated corpus, whole-process
# wall time and peak resident memory, median of several runs, against the targets.
#
#   Scripts/bench.sh [ROWS] [RUNS]      # defaults: 1000000 rows, 3 runs
#
# Also times `import --format narrafirma` of a NarraFirma-shaped export of NARRAFIRMA_STORIES
# stories (default 100000; `storyledger demo --csv FILE --format narrafirma`, cached in the work
# dir). BENCH_ONLY=narrafirma times only that.
#
# Builds in release, writes the corpus with `storyledger demo --rows ROWS --csv`, then times each
# operation with /usr/bin/time. Work files go to ${BENCH_DIR:-.build/bench}.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -d /opt/swift/usr/bin ]; then export PATH="/opt/swift/usr/bin:$PATH"; fi
rows=${1:-1000000}
runs=${2:-3}
work=${BENCH_DIR:-.build/bench}
mkdir -p "$work"
work=$(cd "$work" && pwd)

echo "building (release)..." >&2
swift build -c release --product storyledger >&2
tool=$(swift build -c release --show-bin-path)/storyledger

results=()
# measure is defined below; the NarraFirma import is timed at the end (or alone).
nf_stories=${NARRAFIRMA_STORIES:-100000}
bench_narrafirma() {
  local nf_corpus="$work/narrafirma-$nf_stories.csv" nf_ledger="$work/ledger-narrafirma"
  if [ ! -f "$nf_corpus" ]; then
    echo "writing a NarraFirma-shaped export of $nf_stories stories..." >&2
    "$tool" demo --rows "$nf_stories" --csv "$nf_corpus" --format narrafirma >&2
  fi
  printf '{ "node": { "question": "Region" } }\n' > "$work/narrafirma-mapping.json"
  measure "import --format narrafirma ($nf_stories stories)" 10 1024 \
    "rm -rf '$nf_ledger'; '$tool' --ledger '$nf_ledger' init --levels national,region,organisation,team --currency GBP 2>/dev/null" \
    "$tool" --ledger "$nf_ledger" import --format narrafirma "$nf_corpus" --node nhs \
    --mapping "$work/narrafirma-mapping.json"
}

corpus="$work/corpus-$rows.csv"
if [ "${BENCH_ONLY:-}" != narrafirma ] && [ ! -f "$corpus" ]; then
  echo "writing a corpus of $rows rows..." >&2
  "$tool" demo --rows "$rows" --csv "$corpus" >&2
fi

# measure NAME TARGET_SECONDS TARGET_MIB SETUP COMMAND...: runs SETUP (untimed) then COMMAND, $runs times.
measure() {
  local name=$1 target_s=$2 target_mib=$3 setup=$4
  shift 4
  local walls=() mems=()
  for _ in $(seq "$runs"); do
    eval "$setup"
    /usr/bin/time -f '%e %M' -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" || {
      echo "failed: $*" >&2; cat "$work/stderr.txt" >&2; exit 1; }
    read -r wall kib < "$work/time.txt"
    walls+=("$wall"); mems+=("$kib")
  done
  local wall mib
  wall=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  mib=$(printf '%s\n' "${mems[@]}" | sort -g | awk '{a[NR]=$1} END {printf "%.0f", a[int((NR+1)/2)]/1024}')
  local verdict="ok"
  awk -v w="$wall" -v t="$target_s" 'BEGIN {exit !(w > t)}' && verdict="MISSED"
  if [ "$target_mib" != "-" ] && [ "$mib" -gt "$target_mib" ]; then verdict="MISSED"; fi
  results+=("$(printf '%-44s %8ss %8s MiB   target %5ss %6s MiB   %s' "$name" "$wall" "$mib" "$target_s" "$target_mib" "$verdict")")
}

if [ "${BENCH_ONLY:-}" = narrafirma ]; then
  bench_narrafirma
  echo
  echo "StoryLedger benchmark, $(date -u +%Y-%m-%d), $(nproc) cores, NarraFirma import only, median of $runs runs"
  printf '%s\n' "${results[@]}"
  exit 0
fi
bytes=$(stat -c %s "$corpus")
ledger="$work/ledger"
measure "import ($rows rows, $((bytes / 1000000)) MB), durable" 3 1024 \
  "rm -rf '$ledger'; '$tool' --ledger '$ledger' init --levels national,region,organisation,team --currency GBP 2>/dev/null" \
  "$tool" --ledger "$ledger" import "$corpus"
measure "export timeseries --period month --level organisation" 0.5 512 ":" \
  "$tool" --ledger "$ledger" export timeseries --period month --level organisation --output "$work/series.csv"
measure "verify" 2 - ":" "$tool" --ledger "$ledger" verify
measure "summary nhs" 0.05 - ":" "$tool" --ledger "$ledger" summary nhs

# Replay of the whole log into every projection: rebuild reports its own rate.
rates=()
for _ in $(seq "$runs"); do
  rates+=("$("$tool" --ledger "$ledger" rebuild --json | sed -E 's/.*"events_per_second":([0-9]+).*/\1/')")
done
rate=$(printf '%s\n' "${rates[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
verdict="ok"; [ "$rate" -lt 1000000 ] && verdict="MISSED"
results+=("$(printf '%-44s %9s ev/s %12s   target ≥ 1000000 ev/s        %s' "replay (rebuild) of the whole log" "$rate" "" "$verdict")")

# One recording command: `item add` to an existing story, median of 20; then the facilitator's
# reading commands on the same ledger.
story=$(sed -n 2p "$corpus" | cut -d, -f1)
walls=()
for i in $(seq 20); do
  /usr/bin/time -f '%e' -o "$work/time.txt" "$tool" --ledger "$ledger" item add "$story" \
    --dimension calculating --visibility invisible --description "an item added by the benchmark" \
    >/dev/null 2>&1 || { echo "failed: item add $story" >&2; exit 1; }
  walls+=("$(cat "$work/time.txt")")
done
wall=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END {print (a[10]+a[11])/2}')
verdict="ok"; awk -v w="$wall" 'BEGIN {exit !(w > 0.05)}' && verdict="MISSED"
results+=("$(printf '%-44s %8ss %12s   target  0.05s  (median of 20)  %s' "one recording command (item add)" "$wall" "" "$verdict")")
measure "story show (a story's history)" 0.05 - ":" "$tool" --ledger "$ledger" story show "$story"
measure "cascade up nhs --period 2026-Q1" 0.5 - ":" "$tool" --ledger "$ledger" cascade up nhs --period 2026-Q1
measure "summary nhs --trend (12-month sparklines)" 0.5 - ":" "$tool" --ledger "$ledger" summary nhs --trend
measure "report nhs (HTML page)" 2 - ":" "$tool" --ledger "$ledger" report nhs --output "$work/report.html"
measure "summary nhs (after recording)" 0.05 - ":" "$tool" --ledger "$ledger" summary nhs

bench_narrafirma

events=$("$tool" --ledger "$ledger" verify --json | sed -E 's/.*"events":([0-9]+).*/\1/')
echo
echo "StoryLedger benchmark, $(date -u +%Y-%m-%d), $(nproc) cores, $rows rows, $events events, median of $runs runs"
printf '%-44s %9s %12s   %s\n' "operation" "wall" "peak RSS" "target"
printf '%s\n' "${results[@]}"
