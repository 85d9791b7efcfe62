#!/usr/bin/env bash
# The speed benchmark (issues 4 and 13; never a timed test): single thread, batch 1, fp32, 224x224.
# For each model, shufflec's targets built with clang -O2 and the flags each target asks for (`shufflec flags`):
#   avx512    x86-64 AVX-512 intrinsics (where the CPU has AVX-512 F/BW/VL; "-" otherwise)
#   avx2      x86-64 AVX2+FMA intrinsics
#   portable  the portable C target for the baseline x86-64 ISA (SSE2, no FMA: what `cc -O2` gives)
#   port-avx2 the portable C with -mavx2 -mfma (how well it auto-vectorises)
# against ONNX Runtime (npm onnxruntime-node, 1 intra-op thread) on the same model exported to ONNX from the PyTorch
# reference, and PyTorch itself for context. All runners are interleaved round by round, so a noisy shared machine
# moves every column alike; the CPU's family and model are printed with the table (ratios differ between CPUs).
#   bench/bench.sh [BUILD_DIR] [ROUNDS]      (needs python3-torch, nodejs, npm; installs onnxruntime-node)
#   BENCH_MODELS="shufflenet_v1_g3_1.0x ..." bench/bench.sh   to time a subset
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build} rounds=${2:-5} per_round=10
work=$build/bench/speed
mkdir -p "$work"
default_models="shufflenet_v1_g1_1.0x shufflenet_v1_g3_1.0x shufflenet_v1_g8_1.0x shufflenet_v1_g3_0.5x
                shufflenet_v1_g3_2.0x mobilenet_v1_1.0 alexnet"
read -r -a models <<<"$(echo ${BENCH_MODELS:-$default_models})"
if [ ! -d "$work/node/node_modules/onnxruntime-node" ]; then
  echo "== npm install --ignore-scripts onnxruntime-node (into $work/node)"
  (cd "$work" && mkdir -p node && cd node && npm install --silent --ignore-scripts onnxruntime-node >/dev/null)
fi
export NODE_PATH=$PWD/$work/node/node_modules
"$build/samples/shufflec-zoo" "${models[@]}" --out "$work" >/dev/null

# Runner -> shufflec --target and extra C flags (the target's own come from `shufflec flags`).
declare -A target=([avx512]=x86_64-linux-gnu+avx512f,avx512bw,avx512vl [avx2]=x86_64-linux-gnu+avx2,fma
                   [portable]=c [portavx]=c)
declare -A extra=([portavx]="-mavx2 -mfma")
runners=(avx2 portable portavx)
if grep -qw avx512f /proc/cpuinfo && grep -qw avx512bw /proc/cpuinfo && grep -qw avx512vl /proc/cpuinfo; then
  runners=(avx512 "${runners[@]}")
fi
declare -A times ort torch
for m in "${models[@]}"; do
  json=$work/$m.json input=$work/$m.input.bin
  for t in "${runners[@]}"; do
    flags="$("$build/compiler/shufflec" flags --target "${target[$t]}") ${extra[$t]:-}"
    "$build/compiler/shufflec" compile "$json" -o "$work/$t-$m" --prefix model --target "${target[$t]}" --emit-test \
      --test-input "$input"
    # shellcheck disable=SC2086
    clang -std=c99 -O2 $flags "$work/$t-$m/model.c" "$work/$t-$m/model_test.c" -lm -o "$work/$t-$m/run"
    "$work/$t-$m/run" --input "$input" --expect "samples/zoo/golden/$m.output.bin" >/dev/null  # correct first
    rm -f "$work/$t-$m/model.c" "$work/$t-$m/model_test.c"
  done
  torch[$m]=$(/usr/bin/python3 bench/export_onnx.py "$json" "$work/$m.onnx" "$input" $((rounds * per_round)) |
              sed -n 's/pytorch_ms=//p')
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for ((r = 0; r < rounds; ++r)); do
  for m in "${models[@]}"; do
    for t in "${runners[@]}"; do
      times[$t/$m]+="$("$work/$t-$m/run" --input "$work/$m.input.bin" --repeat $per_round |
                       sed -n 's/.*latency median \([0-9.]*\) ms.*/\1/p') "
    done
    ort[$m]+="$(node bench/ort_bench.js "$work/$m.onnx" "$work/$m.input.bin" $per_round | sed -n 's/ort_ms=//p') "
  done
done

cpu() { grep -m1 "^$1" /proc/cpuinfo | cut -d: -f2 | xargs; }
echo
echo "single thread, batch 1, fp32, 224x224; median of $((rounds * per_round)) runs"
echo "CPU: $(cpu 'model name') (family $(cpu 'cpu family'), model $(cpu 'model'), stepping $(cpu 'stepping')); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
ms() { if [ -n "${times[$1/$2]:-}" ]; then echo "${times[$1/$2]}" | median; else echo "-"; fi; }
ratio() { awk -v a="$1" -v c="$2" 'BEGIN { if (a == "-") print "-"; else printf "%.2f", a / c }'; }
printf '%-24s %8s %8s %8s %9s %8s %8s | %10s %8s %8s\n' model avx512 avx2 portable port-avx2 ORT PyTorch \
  avx512/ORT avx2/ORT port/ORT
declare -A logsum
for m in "${models[@]}"; do
  c=$(echo "${ort[$m]}" | median)
  row=$(printf '%-24s' "$m")
  for t in avx512 avx2 portable portavx; do row+=$(printf ' %8s' "$(ms $t "$m")"); done
  row+=$(printf ' %8.2f %8.2f |' "$c" "${torch[$m]}")
  for t in avx512 avx2 portable; do
    r=$(ratio "$(ms $t "$m")" "$c")
    row+=$(printf ' %10s' "$r")
    if [ "$r" != "-" ]; then logsum[$t]=$(awk -v s="${logsum[$t]:-0}" -v r="$r" 'BEGIN { print s + log(r) }'); fi
  done
  echo "$row"
done
row=$(printf '%-24s %8s %8s %8s %9s %8s %8s |' "geometric mean" "" "" "" "" "" "")
for t in avx512 avx2 portable; do
  row+=$(printf ' %10s' "$(awk -v s="${logsum[$t]:-}" -v n=${#models[@]} 'BEGIN { if (s == "") print "-"; else printf "%.2f", exp(s / n) }')")
done
echo "$row"
if [[ " ${models[*]} " == *" alexnet "* && " ${models[*]} " == *" shufflenet_v1_g3_0.5x "* ]]; then
  best=${runners[0]}
  alex=$(ms "$best" alexnet) small=$(ms "$best" shufflenet_v1_g3_0.5x)
  awk -v a="$alex" -v s="$small" -v t="$best" 'BEGIN { printf "\nTable 8 analogue: latency(AlexNet) / latency(ShuffleNet 0.5x g=3) = %.1fx with shufflec %s (paper: ~13x on ARM)\n", a / s, t }'
fi
