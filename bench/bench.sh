#!/usr/bin/env bash
# The speed benchmark (issues 4 and 13; never a timed test): single thread, batch 1, fp32, 224x224.
# For each model, shufflec's targets built with clang -O2 and the flags each target asks for (`shufflec flags`):
#   avx512    x86-64 AVX-512 intrinsics (where the CPU has AVX-512 F/BW/VL; "-" otherwise, with a message)
#   avx2      x86-64 AVX2+FMA intrinsics
#   portable  the portable C target for the baseline x86-64 ISA (SSE2, no FMA: what `cc -O2` gives)
#   port-avx2 the portable C with -mavx2 -mfma (how well it auto-vectorises; only if BENCH_VARIANTS asks for it)
# against ONNX Runtime (npm onnxruntime-node, 1 intra-op thread) on the same ONNX file, and PyTorch for context.
# The 14 models: the 7 zoo models (JSON graphs compiled by shufflec; ONNX exported from the PyTorch reference with
# the same weights) and 7 torchvision models (ONNX from bench/export_torchvision.py, compiled by shufflec from that
# very file). Before anything is timed, every build's output is compared with ORT's on the same input (max relative
# error printed); a build that disagrees (or does not compile) is flagged and left out of the timing.
# All runners are interleaved round by round, so a noisy shared machine moves every column alike.
#   bench/bench.sh [BUILD_DIR] [ROUNDS]      (needs python3-torch, python3-torchvision, nodejs, npm)
#   BENCH_MODELS="shufflenet_v1_g3_1.0x tv_resnet18" bench/bench.sh   to time a subset
#   BENCH_VARIANTS="avx2 portavx" bench/bench.sh                       to choose the shufflec builds
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build} rounds=${2:-5} per_round=10 tolerance=1e-4
work=$build/bench/speed
mkdir -p "$work"
zoo_models="shufflenet_v1_g1_1.0x shufflenet_v1_g3_1.0x shufflenet_v1_g8_1.0x shufflenet_v1_g3_0.5x
            shufflenet_v1_g3_2.0x mobilenet_v1_1.0 alexnet"
tv_models=$(/usr/bin/python3 bench/export_torchvision.py --list) || exit 1
read -r -a models <<<"$(echo ${BENCH_MODELS:-$zoo_models $tv_models})"
read -r -a variants <<<"$(echo ${BENCH_VARIANTS:-avx512 avx2 portable})"
die() { echo "bench.sh: error: $*" >&2; exit 1; }
if [ ! -d "$work/node/node_modules/onnxruntime-node" ]; then
  echo "== npm install --ignore-scripts onnxruntime-node (into $work/node)"
  (cd "$work" && mkdir -p node && cd node && npm install --silent --ignore-scripts onnxruntime-node >/dev/null) ||
    die "npm install onnxruntime-node failed"
fi
export NODE_PATH=$PWD/$work/node/node_modules
shufflec=$build/compiler/shufflec
is_tv() { [[ " $tv_models " == *[[:space:]]$1[[:space:]]* ]]; }

# Runner -> shufflec --target and extra C flags (the target's own come from `shufflec flags`).
declare -A target=([avx512]=x86_64-linux-gnu+avx512f,avx512bw,avx512vl [avx2]=x86_64-linux-gnu+avx2,fma
                   [portable]=c [portavx]=c)
declare -A extra=([portavx]="-mavx2 -mfma")
runners=()
for t in "${variants[@]}"; do
  [ -n "${target[$t]:-}" ] || die "unknown variant '$t' (avx512 avx2 portable portavx)"
  if [ "$t" = avx512 ] && ! { grep -qw avx512f /proc/cpuinfo && grep -qw avx512bw /proc/cpuinfo &&
                              grep -qw avx512vl /proc/cpuinfo; }; then
    echo "== skipping avx512: this CPU lacks AVX-512 F/BW/VL"
    continue
  fi
  runners+=("$t")
done

# Preparation, outside the timed part: models exported once into $work (a cache), each build checked against ORT.
zoo=()
for m in "${models[@]}"; do is_tv "$m" || zoo+=("$m"); done
if [ ${#zoo[@]} -gt 0 ]; then "$build/samples/shufflec-zoo" "${zoo[@]}" --out "$work" >/dev/null || die "zoo failed"; fi
torch_runs=$((rounds * per_round < 20 ? rounds * per_round : 20))
declare -A times ort torch ok err
for m in "${models[@]}"; do
  input=$work/$m.input.bin onnx=$work/$m.onnx
  if is_tv "$m"; then
    src=$onnx
    torch[$m]=$(/usr/bin/python3 bench/export_torchvision.py "$m" "$onnx" "$input" $torch_runs | sed -n 's/pytorch_ms=//p')
  else
    src=$work/$m.json
    torch[$m]=$(/usr/bin/python3 bench/export_onnx.py "$src" "$onnx" "$input" $torch_runs | sed -n 's/pytorch_ms=//p')
  fi
  [ -f "$onnx" ] || die "$m: no ONNX export"
  node bench/ort_bench.js "$onnx" "$input" 1 "$work/$m.ort.bin" >/dev/null || die "$m: ONNX Runtime failed"
  # A build is reused when the compiler binary is older than it and the model's files are unchanged (the stamp).
  stamp="$(cat "$src" "${src%.json}.weights" 2>/dev/null | cksum)"
  for t in "${runners[@]}"; do
    dir=$work/$t-$m
    flags="$("$shufflec" flags --target "${target[$t]}") ${extra[$t]:-}"
    if [ -x "$dir/run" ] && [ "$dir/run" -nt "$shufflec" ] && [ "$(cat "$dir/stamp" 2>/dev/null)" = "$stamp $flags" ]
    then
      echo "== $m $t: reusing $dir/run"
    else
      rm -rf "$dir"
    fi
    if [ ! -x "$dir/run" ]; then
      # shellcheck disable=SC2086
      if ! "$shufflec" compile "$src" -o "$dir" --prefix model --target "${target[$t]}" --emit-test \
             --test-input "$input" >"$work/$t-$m.log" 2>&1 ||
         ! nice clang -std=c99 -O2 $flags "$dir/model.c" "$dir/model_test.c" -lm -o "$dir/run" >>"$work/$t-$m.log" 2>&1
      then
        err[$t/$m]="build failed"
        echo "!! $m $t: does not build: $(grep -m1 -i 'error' "$work/$t-$m.log")"
        continue
      fi
      echo "$stamp $flags" >"$dir/stamp"
      rm -f "$dir/model.c" "$dir/model_test.c"
    fi
    line=$("$dir/run" --input "$input" --expect "$work/$m.ort.bin" --tolerance $tolerance)
    err[$t/$m]=$(echo "$line" | sed -n 's/.*relative \([^ ]*\) .*/\1/p')
    if [[ "$line" == *PASS ]]; then ok[$t/$m]=1; else echo "!! $m $t: DISAGREES with ORT: $line"; fi
  done
  row="check $m vs ORT (max|err|/max|ref|):"
  for t in "${runners[@]}"; do row+=" $t ${err[$t/$m]}"; done
  echo "$row"
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for ((r = 0; r < rounds; ++r)); do
  for m in "${models[@]}"; do
    for t in "${runners[@]}"; do
      [ -n "${ok[$t/$m]:-}" ] || continue
      times[$t/$m]+="$("$work/$t-$m/run" --input "$work/$m.input.bin" --repeat $per_round |
                       sed -n 's/.*latency median \([0-9.]*\) ms.*/\1/p') "
    done
    ort[$m]+="$(node bench/ort_bench.js "$work/$m.onnx" "$work/$m.input.bin" $per_round | sed -n 's/ort_ms=//p') "
  done
done

cpu() { grep -m1 "^$1" /proc/cpuinfo | cut -d: -f2 | xargs; }
echo
echo "single thread, batch 1, fp32, 224x224; median of $((rounds * per_round)) runs; shufflec with clang -O2"
echo "CPU: $(cpu 'model name') (family $(cpu 'cpu family'), model $(cpu 'model'), stepping $(cpu 'stepping')); load: $(cut -d' ' -f1-3 /proc/loadavg)"
ms() { if [ -n "${times[$1/$2]:-}" ]; then echo "${times[$1/$2]}" | median; elif [ -n "${err[$1/$2]:-}" ]; then echo "FAIL"; else echo "-"; fi; }
ratio() { awk -v a="$1" -v c="$2" 'BEGIN { if (a == "-" || a == "FAIL") print a; else printf "%.2f", a / c }'; }
columns=(avx512 avx2 portable)
[[ " ${runners[*]} " == *" portavx "* ]] && columns+=(portavx)
header=$(printf '%-24s' model)
for t in "${columns[@]}"; do header+=$(printf ' %9s' "$t"); done
header+=$(printf ' %8s %8s |' ORT PyTorch)
for t in "${columns[@]}"; do header+=$(printf ' %11s' "$t/ORT"); done
echo "$header"
declare -A logsum count above
for m in "${models[@]}"; do
  c=$(echo "${ort[$m]}" | median)
  row=$(printf '%-24s' "$m")
  for t in "${columns[@]}"; do row+=$(printf ' %9s' "$(ms $t "$m")"); done
  row+=$(printf ' %8.2f %8.2f |' "$c" "${torch[$m]:-0}")
  for t in "${columns[@]}"; do
    r=$(ratio "$(ms $t "$m")" "$c")
    row+=$(printf ' %11s' "$r")
    if [ "$r" != "-" ] && [ "$r" != FAIL ]; then
      logsum[$t]=$(awk -v s="${logsum[$t]:-0}" -v r="$r" 'BEGIN { print s + log(r) }')
      count[$t]=$((${count[$t]:-0} + 1))
      above[$t]=$((${above[$t]:-0} + $(awk -v r="$r" 'BEGIN { print (r > 1.5) }')))
    fi
  done
  echo "$row"
done
gm=$(printf '%-24s' "geometric mean")  n15=$(printf '%-24s' "models above 1.5x")
for t in "${columns[@]}"; do gm+=$(printf ' %9s' ""); n15+=$(printf ' %9s' ""); done
gm+=$(printf ' %8s %8s |' "" "") n15+=$(printf ' %8s %8s |' "" "")
for t in "${columns[@]}"; do
  gm+=$(printf ' %11s' "$(awk -v s="${logsum[$t]:-}" -v n="${count[$t]:-0}" 'BEGIN { if (n == 0) print "-"; else printf "%.2f", exp(s / n) }')")
  n15+=$(printf ' %11s' "${above[$t]:-0}/${count[$t]:-0}")
done
echo "$gm"
echo "$n15"
if [[ " ${models[*]} " == *" alexnet "* && " ${models[*]} " == *" shufflenet_v1_g3_0.5x "* ]]; then
  best=${runners[0]}
  alex=$(ms "$best" alexnet) small=$(ms "$best" shufflenet_v1_g3_0.5x)
  awk -v a="$alex" -v s="$small" -v t="$best" 'BEGIN { if (a + 0 > 0 && s + 0 > 0) printf "\nTable 8 analogue: latency(AlexNet) / latency(ShuffleNet 0.5x g=3) = %.1fx with shufflec %s (paper: ~13x on ARM)\n", a / s, t }'
fi
