#!/usr/bin/env bash
# Runs one fuzz target for a bounded time from a seed corpus (the ctest tests fuzz.*, and tests/fuzz/run.sh).
# The seeds are copied, so the committed corpus is never changed; new inputs go to CORPUS_OUT when given. A crash,
# a timeout (-timeout, seconds per input) or an out-of-memory (-rss_limit_mb, also the per-allocation limit) fails
# the run, and the input that caused it is kept in ARTIFACTS (default: a temporary folder, printed).
# usage: run_target.sh FUZZER SEED_DIR SECONDS [CORPUS_OUT [ARTIFACTS]]
# env:   FUZZ_FLAGS: more libFuzzer flags, e.g. the campaign's "-fork=1 -ignore_crashes=1 -ignore_timeouts=1
#        -ignore_ooms=1" (one worker process that goes on after a finding, so one run collects several)
set -euo pipefail
fuzzer=$1 seeds=$2 seconds=$3 corpus=${4:-} artifacts=${5:-}
here=$(cd "$(dirname "$0")" && pwd)
name=$(basename "$fuzzer")

work=$(mktemp -d "${TMPDIR:-/tmp}/shufflec-fuzz-run.XXXXXX")
trap 'rm -rf "$work"' EXIT
if [ -z "$corpus" ]; then corpus=$work/corpus; fi
if [ -z "$artifacts" ]; then artifacts=$(mktemp -d "${TMPDIR:-/tmp}/shufflec-fuzz-artifacts.XXXXXX"); fi
mkdir -p "$corpus" "$artifacts"
known_artifacts=$(ls -A "$artifacts" | wc -l)
cp -n "$seeds"/* "$corpus"/ 2>/dev/null || true

dict=()
if [ -f "$here/${name#fuzz_}.dict" ]; then dict=(-dict="$here/${name#fuzz_}.dict"); fi
status=0
# -max_len: the seeds include a 450 KB model; mutating inputs that large is slow, and the readers' paths are
# reached with far smaller ones (the large seeds are still run whole once).
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
  -artifact_prefix="$artifacts/" "${dict[@]}" ${FUZZ_FLAGS:-} "$corpus" || status=$?
# With -fork=1 -ignore_crashes=1 the exit status stays 0 after a finding: the artifacts tell.
if [ "$status" -eq 0 ] && [ "$(ls -A "$artifacts" | wc -l)" -gt "$known_artifacts" ]; then status=1; fi
if [ "$status" -ne 0 ]; then
  echo "FAIL: $name found an input that crashes, hangs or runs out of memory (exit status $status):"
  ls -l "$artifacts"
  echo "Reproduce with: $fuzzer $artifacts/<file>"
  exit 1
fi
if [ -z "$(ls -A "$artifacts")" ]; then rmdir "$artifacts" 2>/dev/null || true; fi
echo "ok: $name ran $seconds s without a finding"
