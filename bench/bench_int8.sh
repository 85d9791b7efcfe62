#!/usr/bin/env bash
# int8 vs fp32 speed (issue 11; a benchmark, never a timed test): single thread, batch 1, 224x224, the same model
# (default ShuffleNet v1 1x g=3) compiled by shufflec for the same x86 target in fp32 and in int8 (calibrated on 4
# seeded random inputs), both built with clang -O2 and the flags the target asks for (`shufflec flags`), each checked
# first (fp32 against the PyTorch golden, int8 against the int8 interpreter with tolerance 0), then timed interleaved
# round by round so a noisy shared machine moves both alike. Prints the CPU family/model and the load average.
#   bench/bench_int8.sh [BUILD_DIR] [ROUNDS] [TARGET]     TARGET default: native (AVX-512 VNNI on a CPU that has it)
#   BENCH_MODELS="shufflenet_v1_g3_1.0x mobilenet_v1_1.0" bench/bench_int8.sh
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build} rounds=${2:-7} target=${3:-native} per_round=20
work=$build/bench/int8
mkdir -p "$work"
read -r -a models <<<"$(echo ${BENCH_MODELS:-shufflenet_v1_g3_1.0x})"
shufflec=$build/compiler/shufflec
"$build/samples/shufflec-zoo" "${models[@]}" --out "$work" >/dev/null
/usr/bin/python3 -c "
import numpy as np, sys
np.save(sys.argv[1], np.random.default_rng(0).uniform(-1, 1, (4, 3, 224, 224)).astype(np.float32))" \
  "$work/calibration.npy"
flags=$("$shufflec" flags --target "$target")
declare -A times
for m in "${models[@]}"; do
  json=$work/$m.json input=$work/$m.input.bin
  for kind in fp32 int8; do
    quant=()
    [ "$kind" = int8 ] && quant=(--quantize int8 --calibration "$work/calibration.npy")
    "$shufflec" compile "$json" -o "$work/$kind-$m" --prefix model --target "$target" --emit-test \
      --test-input "$input" "${quant[@]}"
    # shellcheck disable=SC2086
    nice clang -std=c99 -O2 $flags "$work/$kind-$m/model.c" "$work/$kind-$m/model_test.c" -lm -o "$work/$kind-$m/run"
    if [ "$kind" = fp32 ]; then
      "$work/$kind-$m/run" --input "$input" --expect "samples/zoo/golden/$m.output.bin" >/dev/null
    else
      "$work/$kind-$m/run" --tolerance 0 >/dev/null  # the embedded golden is the int8 interpreter's output
    fi
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for ((r = 0; r < rounds; ++r)); do
  for m in "${models[@]}"; do
    for kind in fp32 int8; do
      times[$kind/$m]+="$("$work/$kind-$m/run" --input "$work/$m.input.bin" --repeat $per_round |
                          sed -n 's/.*latency median \([0-9.]*\) ms.*/\1/p') "
    done
  done
done
cpu() { grep -m1 "^$1" /proc/cpuinfo | cut -d: -f2 | xargs; }
echo
echo "single thread, batch 1, 224x224, target $target ($flags), clang -O2; median of $rounds interleaved rounds of $per_round runs"
echo "CPU: $(cpu 'model name') (family $(cpu 'cpu family'), model $(cpu 'model'), stepping $(cpu 'stepping')); load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
printf '%-24s %10s %10s %14s\n' model "fp32 ms" "int8 ms" "int8 speed-up"
for m in "${models[@]}"; do
  f=$(echo "${times[fp32/$m]}" | median) i=$(echo "${times[int8/$m]}" | median)
  printf '%-24s %10s %10s %13sx\n' "$m" "$f" "$i" "$(awk -v f="$f" -v i="$i" 'BEGIN { printf "%.2f", f / i }')"
done
