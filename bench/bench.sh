#!/usr/bin/env bash
# The speed benchmark (issue 4; never a timed test): single thread, batch 1, fp32, 224x224.
# For each model: shufflec's x86-64 target (AVX2+FMA intrinsics, clang -O2 -mavx2 -mfma) and its portable C target
# built twice with clang -O2: for the baseline x86-64 ISA (SSE2, no FMA: what `cc -O2` gives) and with -mavx2 -mfma
# (the same ISA as the intrinsics, so the column shows how well the portable C auto-vectorises), against ONNX Runtime (npm onnxruntime-node, 1 intra-op thread) on the same model exported to ONNX from the
# PyTorch reference, and PyTorch itself for context. The three runners are interleaved round by round.
#   bench/bench.sh [BUILD_DIR] [ROUNDS]      (needs python3-torch, nodejs, npm; installs onnxruntime-node)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build} rounds=${2:-5} per_round=10
work=$build/bench/speed
mkdir -p "$work"
models=(shufflenet_v1_g1_1.0x shufflenet_v1_g3_1.0x shufflenet_v1_g8_1.0x shufflenet_v1_g3_0.5x shufflenet_v1_g3_2.0x
        mobilenet_v1_1.0 alexnet)
if [ ! -d "$work/node/node_modules/onnxruntime-node" ]; then
  echo "== npm install --ignore-scripts onnxruntime-node (into $work/node)"
  (cd "$work" && mkdir -p node && cd node && npm install --silent --ignore-scripts onnxruntime-node >/dev/null)
fi
export NODE_PATH=$PWD/$work/node/node_modules
"$build/samples/shufflec-zoo" "${models[@]}" --out "$work" >/dev/null

declare -A x86 portable portavx ort torch
for m in "${models[@]}"; do
  json=$work/$m.json input=$work/$m.input.bin
  for t in x86 portable portavx; do
    target=c flags=""
    [ $t = x86 ] && target=x86_64-linux-gnu+avx2,fma flags="-mavx2 -mfma"
    [ $t = portavx ] && flags="-mavx2 -mfma"
    "$build/compiler/shufflec" compile "$json" -o "$work/$t-$m" --prefix model --target $target --emit-test \
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
    for t in x86 portable portavx; do
      ms=$("$work/$t-$m/run" --input "$work/$m.input.bin" --repeat $per_round | sed -n 's/.*latency median \([0-9.]*\) ms.*/\1/p')
      case $t in x86) x86[$m]+="$ms " ;; portable) portable[$m]+="$ms " ;; portavx) portavx[$m]+="$ms " ;; esac
    done
    ort[$m]+="$(node bench/ort_bench.js "$work/$m.onnx" "$work/$m.input.bin" $per_round | sed -n 's/ort_ms=//p') "
  done
done

echo
echo "single thread, batch 1, fp32, 224x224; median of $((rounds * per_round)) runs; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
printf '%-24s %10s %10s %10s %10s %10s %8s %8s %8s\n' model shufflec-x86 portable port-avx2 ORT PyTorch \
  x86/ORT port/ORT pavx/ORT
for m in "${models[@]}"; do
  a=$(echo "${x86[$m]}" | median) b=$(echo "${portable[$m]}" | median) v=$(echo "${portavx[$m]}" | median)
  c=$(echo "${ort[$m]}" | median)
  printf '%-24s %10.2f %10.2f %10.2f %10.2f %10.2f %8.2f %8.2f %8.2f\n' "$m" "$a" "$b" "$v" "$c" "${torch[$m]}" \
    "$(awk -v a="$a" -v c="$c" 'BEGIN{print a/c}')" "$(awk -v b="$b" -v c="$c" 'BEGIN{print b/c}')" \
    "$(awk -v b="$v" -v c="$c" 'BEGIN{print b/c}')"
done
alex=$(echo "${x86[alexnet]}" | median) small=$(echo "${x86[shufflenet_v1_g3_0.5x]}" | median)
awk -v a="$alex" -v s="$small" 'BEGIN { printf "\nTable 8 analogue: latency(AlexNet) / latency(ShuffleNet 0.5x g=3) = %.1fx with shufflec-x86 (paper: ~13x on ARM)\n", a / s }'
