#!/usr/bin/env bash
# Benchmark for the graph passes (issue 3): ShuffleNet v1 1x g=3 at 224x224, portable C, single thread.
# Prints the node count before/after the pipeline, the arena vs the liveness lower bound, and the latency of the
# generated C without and with the passes (median of N runs each, the two binaries interleaved in one run).
# usage: bench/bench_passes.sh [BUILD_DIR] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build} rounds=${2:-5}
model=shufflenet_v1_g3_1.0x
work=$build/bench/passes
mkdir -p "$work"
"$build/samples/shufflec-zoo" "$model" --out "$work" >/dev/null
json=$work/$model.json
nodes_before=$(grep -c '"op"' "$json")
nodes_after=$("$build/compiler/shufflec" compile "$json" -o "$work/all" --dump-after=schedule_convs | grep -c '^  %')
"$build/compiler/shufflec" compile "$json" -o "$work/none" --prefix model --passes= --emit-test --test-input "$work/$model.input.bin"
"$build/compiler/shufflec" compile "$json" -o "$work/all" --prefix model --emit-test --test-input "$work/$model.input.bin"
for v in none all; do
  cc -std=c99 -O2 -march=x86-64 "$work/$v/model.c" "$work/$v/model_test.c" -lm -o "$work/$v/bench"
  "$work/$v/bench" >/dev/null  # correctness first: exits non-zero on mismatch with the interpreter
done
declare -A samples=([none]="" [all]="")
for ((r = 0; r < rounds; ++r)); do
  for v in none all; do
    ms=$("$work/$v/bench" --repeat 5 | sed -n 's/.*latency median \([0-9.]*\) ms.*/\1/p')
    samples[$v]+="$ms "
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
arena_none=$(sed -n 's/.*"arena_bytes": \([0-9]*\).*/\1/p' "$work/none/model.memplan.json")
arena_all=$(sed -n 's/.*"arena_bytes": \([0-9]*\).*/\1/p' "$work/all/model.memplan.json")
bound_all=$(sed -n 's/.*"lower_bound_bytes": \([0-9]*\).*/\1/p' "$work/all/model.memplan.json")
med_none=$(echo "${samples[none]}" | median) med_all=$(echo "${samples[all]}" | median)
echo "ShuffleNet v1 1x g=3, 224x224, portable C (cc -O2), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
printf '%-28s %12s %12s\n' "" "no passes" "all passes"
printf '%-28s %12s %12s\n' "nodes" "$nodes_before" "$nodes_after"
printf '%-28s %12s %12s\n' "arena bytes" "$arena_none" "$arena_all"
printf '%-28s %12s %12s\n' "liveness lower bound bytes" "" "$bound_all"
printf '%-28s %12s %12s\n' "latency median (ms, $((rounds * 5)) runs)" "$med_none" "$med_all"
awk -v a="$med_none" -v b="$med_all" 'BEGIN { printf "speedup from the passes: %.2fx\n", a / b }'
