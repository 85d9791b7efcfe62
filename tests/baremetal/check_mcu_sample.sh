#!/usr/bin/env bash
# The samples/mcu configuration (a Cortex-M4F part with 256 KiB of flash and 64 KiB of RAM): builds the int8
# Fashion-MNIST model with its harness (samples/mcu/build.sh), checks the linked image against the part's sizes
# (flash = text + data <= 256 KiB, the arena <= 64 KiB and .data + .bss + the 4 KiB stack <= 64 KiB) and runs it on
# QEMU's mps2-an386, where the harness compares the output with the int8 interpreter's.
# (QEMU prints the semihosting console on its stderr.)
# usage: check_mcu_sample.sh SHUFFLEC CALIBRATION.npy WORK_DIR
set -euo pipefail
shufflec=$1 calibration=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
fail() { echo "FAIL: $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work"
"$here/../../samples/mcu/build.sh" "$shufflec" "$calibration" "$work"
read -r text data bss _ < <(arm-none-eabi-size "$work/fashion_mcu.elf" | awk 'NR == 2')
arena=$(sed -n 's/^#define FASHION_ARENA_BYTES \([0-9]*\).*/\1/p' "$work/fashion.h")
stack=$(sed -n 's/^#define FASHION_STACK_BYTES \([0-9]*\).*/\1/p' "$work/fashion.h")
echo "image: flash $((text + data)) bytes (text + data), RAM $((data + bss)) bytes (data + bss) + 4096 stack;" \
  "model arena $arena, stack bound $stack"
[ $((text + data)) -le $((256 * 1024)) ] || fail "flash $((text + data)) > 256 KiB"
[ "$arena" -le $((64 * 1024)) ] || fail "arena $arena > 64 KiB"
[ $((data + bss + 4096)) -le $((64 * 1024)) ] || fail "RAM $((data + bss)) + 4 KiB stack > 64 KiB"
[ "$stack" -le 4096 ] || fail "the model's stack bound $stack exceeds the linker script's 4 KiB stack"
# The footprint shufflec reported (measured with arm-none-eabi-gcc) is the model's share of that image.
grep -q '"measured": true' "$work/fashion.memplan.json" || fail "fashion.memplan.json: flash not measured"
timeout 300 qemu-system-arm -M mps2-an386 -nographic -monitor none -serial none \
  -semihosting-config enable=on,target=native -kernel "$work/fashion_mcu.elf" 2>&1 | tee "$work/run.log"
grep -q "^class: " "$work/run.log" || fail "no class printed"
rm -rf "$work"
echo ok
