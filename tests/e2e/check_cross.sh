#!/usr/bin/env bash
# One zoo model compiled for a cross target (run by ctest, see tests/e2e/CMakeLists.txt): shufflec emits C for the
# target, the Debian cross compiler builds it with the golden harness (--emit-test), qemu runs it, and the output
# must match the PyTorch golden within max|err| / max|ref| <= 1e-5.
# usage: check_cross.sh SHUFFLEC ZOO_DIR GOLDEN_DIR WORK_DIR MODEL TARGET CC QEMU "CFLAGS"
set -euo pipefail
shufflec=$1 zoo=$2 golden=$3 work=$4 model=$5 target=$6 cc=$7 qemu=$8 cflags=$9
rm -rf "$work" && mkdir -p "$work"
# The harness embeds the PyTorch golden itself (--test-expect), as a user would to check a board.
"$shufflec" compile "$zoo/$model.json" -o "$work" --prefix model --target "$target" --emit-test \
  --test-input "$zoo/$model.input.bin" --test-expect "$golden/$model.output.bin"
target_flags=$(sed -n 's|^/\* Target: [^;]*; compile with \(.*\)\. \*/$|\1|p' "$work/model.h")
# shellcheck disable=SC2086
"$cc" $cflags $target_flags -static "$work/model.c" "$work/model_test.c" -lm -o "$work/test"
"$qemu" "$work/test"
rm -rf "$work"
