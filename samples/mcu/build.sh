#!/usr/bin/env bash
# Builds the int8 Fashion-MNIST model for a Cortex-M4F part with 256 KiB of flash and 64 KiB of RAM
# (part_256k_64k.ld): shufflec compiles the model with RAM and flash budgets, arm-none-eabi-gcc links it with the
# minimal harness (main.c, startup.c, newlib-nano's libm) into OUT_DIR/fashion_mcu.elf, which runs on QEMU:
#   qemu-system-arm -M mps2-an386 -nographic -semihosting-config enable=on,target=native -kernel OUT_DIR/fashion_mcu.elf
# CALIBRATION: Fashion-MNIST training images as .npy (samples/fashion_mnist/make_calibration.py makes one).
# usage: build.sh SHUFFLEC CALIBRATION.npy OUT_DIR
set -euo pipefail
shufflec=$1 calibration=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
model=$here/../fashion_mnist/model
target=thumbv7em-none-eabihf
mkdir -p "$out"
# The arena must leave the linker script's 4 KiB stack in the 64 KiB; the model's code and weights must leave 16 KiB
# of the 256 KiB for the harness, startup and libm (the linker checks the whole image against both sizes too).
"$shufflec" compile "$model/fashion_shufflenet.json" -o "$out" --prefix fashion --target $target \
  --quantize int8 --calibration "$calibration" --ram-budget 60K --flash-budget 240K
"$shufflec" run "$model/fashion_shufflenet.json" --quantize int8 --calibration "$calibration" \
  --input "$model/reference_input.bin" --output "$out/expected.bin"
cp "$model/reference_input.bin" "$out/input.bin"
read -r -a target_flags <<<"$("$shufflec" flags --target $target)"
cflags=(-std=c99 -Wall -Wextra -Werror -pedantic -O2 -ffunction-sections -fdata-sections "${target_flags[@]}")
arm-none-eabi-gcc "${cflags[@]}" -I "$out" -I "$here" -c "$out/fashion.c" -o "$out/fashion.o"
arm-none-eabi-gcc "${target_flags[@]}" -I "$out" -c "$here/data.S" -o "$out/data.o"
arm-none-eabi-gcc "${cflags[@]}" -I "$out" -I "$here" -nostartfiles --specs=nano.specs --specs=nosys.specs \
  -Wl,--gc-sections -T "$here/part_256k_64k.ld" "$here/startup.c" "$here/main.c" "$out/fashion.o" "$out/data.o" \
  -lm -o "$out/fashion_mcu.elf"
arm-none-eabi-size "$out/fashion_mcu.elf"
