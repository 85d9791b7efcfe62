#!/usr/bin/env bash
# One zoo model compiled for a SIMD target of this host's ISA (run by ctest, see tests/e2e/CMakeLists.txt): the C
# built with the target's flags (`shufflec flags`) and strict warnings must match the PyTorch golden within
# max|err| / max|ref| <= 1e-5. Exits 77 (ctest: skipped) when the CPU lacks one of CPU_FLAGS.
# usage: check_host_target.sh SHUFFLEC ZOO_DIR GOLDEN_DIR WORK_DIR MODEL TARGET "CPU_FLAGS" CC "CFLAGS"
set -euo pipefail
shufflec=$1 zoo=$2 golden=$3 work=$4 model=$5 target=$6 cpu_flags=$7 cc=$8 cflags=$9
for f in $cpu_flags; do
  if ! grep -qw "$f" /proc/cpuinfo; then
    echo "SKIPPED: this CPU has no $f, so target $target cannot run here"
    exit 77
  fi
done
rm -rf "$work" && mkdir -p "$work"
"$shufflec" compile "$zoo/$model.json" -o "$work" --prefix model --target "$target" --emit-test \
  --test-input "$zoo/$model.input.bin" --test-expect "$golden/$model.output.bin"
target_flags=$("$shufflec" flags --target "$target")
echo "== $model for $target: $cc $cflags $target_flags"
# shellcheck disable=SC2086
"$cc" $cflags $target_flags "$work/model.c" "$work/model_test.c" -lm -o "$work/test"
"$work/test" --tolerance 1e-5  # vs the embedded PyTorch golden
rm -rf "$work"
