#!/usr/bin/env bash
# Benchmark for `shufflec profile` (issue 14): do the per-layer times of a tapped run add up to the latency of an
# untapped run of the same build? The profile harness times RUNS tapped runs (per layer: between successive tap
# calls) interleaved with RUNS untapped runs; the sum of the per-layer medians must be within 10% of the untapped
# median. The profile's last line also compares the fastest whole runs with and without taps (the taps' own cost).
# usage: bench/bench_profile.sh [BUILD_DIR] [MODEL] [RUNS] [TARGET]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build} model=${2:-shufflenet_v1_g3_0.5x} runs=${3:-30} target=${4:-native}
work=$build/bench/profile
mkdir -p "$work"
"$build/samples/shufflec-zoo" "$model" --out "$work" >/dev/null
out=$("$build/compiler/shufflec" profile "$work/$model.json" --target "$target" --runs "$runs")
echo "$out" | tail -n 5
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores (a busy machine spreads whole runs more than layers)"
total=$(echo "$out" | awk '$1 == "total" { print $2 }')
untapped=$(echo "$out" | sed -n 's/^untapped run: median \([0-9.]*\) us.*/\1/p')
awk -v t="$total" -v u="$untapped" -v m="$model" -v tg="$target" 'BEGIN {
  d = 100 * (t - u) / u
  printf "%s, target %s: layers sum to %.1f us, untapped run %.1f us: %+.1f%% (%s)\n", m, tg, t, u, d,
         (d <= 10 && d >= -10) ? "within 10%" : "OUTSIDE 10%"
  exit (d <= 10 && d >= -10) ? 0 : 1 }'
