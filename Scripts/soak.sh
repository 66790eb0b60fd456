#!/usr/bin/env bash
# StoryLedger reliability soak: the tests that try to break the ledger, run longer than the
# normal `swift test` allows.
#
#   Scripts/soak.sh [CRASH_TRIALS] [FUZZ_ITERATIONS]   # defaults: 200 trials, 50000 iterations
#
# Runs (debug build) the SIGKILL crash harness with CRASH_TRIALS trials, the fuzz loops over the
# CSV reader, the log readers and the record decoder with FUZZ_ITERATIONS mutated inputs each
# (and FUZZ_ITERATIONS / 100 mutations of state.snapshot and events.head),
# and the corruption, concurrency and bad-environment suites once, then prints a summary of
# trials, faults injected and events checked. Exits non-zero if any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -d /opt/swift/usr/bin ]; then export PATH="/opt/swift/usr/bin:$PATH"; fi
trials=${1:-200}
iterations=${2:-50000}
log=$(mktemp -t storyledger-soak.XXXXXX)
trap 'rm -f "$log"' EXIT

echo "building..." >&2
swift build --build-tests >&2
started=$(date +%s)
status=0
STORYLEDGER_CRASH_TRIALS=$trials STORYLEDGER_FUZZ_ITERATIONS=$iterations \
  swift test --skip-build \
  --filter 'CrashHarnessTests|FuzzTests|CorruptionTests|ConcurrentWriterTests|BadEnvironmentTests|RecoverCommandTests|SecurityTests' \
  2>&1 | tee "$log" >&2 || status=$?
elapsed=$(( $(date +%s) - started ))

echo
echo "soak summary ($elapsed s)"
grep -h '^crash harness:' "$log" || echo "crash harness: no figures (did it run?)"
echo "fuzz: $iterations mutated inputs each through the CSV reader/planner, the log readers and the record decoder"
grep -h '^snapshot fuzz:' "$log" || echo "snapshot fuzz: no figures (did it run?)"
passed=$(grep -c '✔ Test ' "$log" || true)
failed=$(grep -c '✘ Test ' "$log" || true)
echo "tests: $passed passed, $failed failed"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ]; then
  echo "SOAK FAILED" >&2
  exit 1
fi
echo "nothing lost"
