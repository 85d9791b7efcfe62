#!/usr/bin/env bash
# One model on an emulated microcontroller (run by ctest, see tests/baremetal/CMakeLists.txt): shufflec emits C for
# the Cortex-M target with the golden harness (--emit-test: the input and the interpreter's output embedded, no
# argv or files needed), arm-none-eabi-gcc builds it with newlib's semihosting library, startup.c and mps2.ld, and
# qemu-system-arm runs it on MACHINE (mps2-an386: Cortex-M4F, mps2-an500: Cortex-M7); the harness's exit status
# comes back through semihosting. Prints the image's flash (text + data) and RAM (data + bss) use.
# usage: check_baremetal.sh SHUFFLEC MODEL INPUT WORK_DIR MACHINE [SHUFFLEC_OPTION...]
set -euo pipefail
shufflec=$1 model=$2 input=$3 work=$4 machine=$5
shift 5
here=$(cd "$(dirname "$0")" && pwd)
target=thumbv7em-none-eabihf
rm -rf "$work" && mkdir -p "$work"
"$shufflec" compile "$model" -o "$work" --prefix model --target $target --emit-test --test-input "$input" "$@"
read -r -a target_flags <<<"$("$shufflec" flags --target $target)"
cflags=(-std=c99 -Wall -Wextra -Werror -pedantic -O2 "${target_flags[@]}")
arm-none-eabi-gcc "${cflags[@]}" -c "$work/model.c" -o "$work/model.o"
# An int8 model's pointwise convs run on the DSP extension's dual multiply-accumulate (docs/targets.md).
if [[ " $* " == *" --quantize "* ]] && [ "$(arm-none-eabi-objdump -d "$work/model.o" | grep -c $'\tsmlad\t')" -eq 0 ]; then
  echo "FAIL: no SMLAD in the int8 model's code"
  exit 1
fi
arm-none-eabi-gcc "${cflags[@]}" --specs=rdimon.specs -T "$here/mps2.ld" "$here/startup.c" "$work/model.o" \
  "$work/model_test.c" -lm -o "$work/test.elf"
# The footprint: the model's object (code + weights: flash), the arena and stack bound its header states (RAM), and
# the whole test image (with newlib, the harness and its embedded input and golden).
arena=$(sed -n 's/^#define MODEL_ARENA_BYTES \([0-9]*\).*/\1/p' "$work/model.h")
stack=$(sed -n 's/^#define MODEL_STACK_BYTES \([0-9]*\).*/\1/p' "$work/model.h")
arm-none-eabi-size "$work/model.o" | awk -v a="$arena" -v s="$stack" 'NR == 2 {
  printf "model: flash %d bytes (code + weights), RAM %d bytes (arena %d + stack bound %d)\n", $1 + $2, a + s, a, s }'
arm-none-eabi-size "$work/test.elf" | awk 'NR == 2 {
  printf "test image: flash %d bytes (text + data), RAM %d bytes (data + bss)\n", $1 + $2, $2 + $3 }'
# A hang (a fault loop, a lost exit) ends at the timeout instead of holding the suite.
timeout 600 qemu-system-arm -M "$machine" -nographic -monitor none -serial none \
  -semihosting-config enable=on,target=native -kernel "$work/test.elf"
rm -rf "$work"
