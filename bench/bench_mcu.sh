#!/usr/bin/env bash
# A deterministic speed figure for the Cortex-M target: guest instructions per inference under
# `qemu-system-arm -icount shift=0` (virtual time = 1 ns per instruction), read from the SysTick timer in the
# harness bench/mcu/bench_main.c, on the Cortex-M4F (mps2-an386) and the Cortex-M7 (mps2-an500). Models: the trained
# Fashion-MNIST ShuffleNet in fp32 and int8, and an int8 ShuffleNet v1 0.25x g=3 at 96x96 (random weights). Each
# output is checked against the interpreter's before the count is printed; each count is taken twice and must not
# change. Needs gcc-arm-none-eabi, libnewlib-arm-none-eabi, qemu-system-arm, python3-numpy and the Fashion-MNIST
# data set (tools/setup.sh installs them). See bench/README.md.
# usage: bench/bench_mcu.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(cd "${1:-build}" && pwd)
shufflec=$build/compiler/shufflec
zoo_tool=$(find "$build" -name shufflec-zoo -type f -perm -u+x | head -1)
work=$build/bench_mcu
target=thumbv7em-none-eabihf
rm -rf "$work" && mkdir -p "$work"

fashion=samples/fashion_mnist/model
/usr/bin/python3 samples/fashion_mnist/make_calibration.py /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz \
  "$work/fashion_calibration.npy" 64 >/dev/null
"$zoo_tool" shufflenet_v1_g3_0.25x --input-size 96 --out "$work/zoo96" >/dev/null
/usr/bin/python3 -c "import numpy as n, sys; n.save(sys.argv[2], n.fromfile(sys.argv[1], '<f4').reshape(1, 3, 96, 96))" \
  "$work/zoo96/shufflenet_v1_g3_0.25x.input.bin" "$work/zoo96/calibration.npy"

# name | model | input | shufflec options
models=(
  "fashion_mnist_fp32|$fashion/fashion_shufflenet.json|$fashion/reference_input.bin|"
  "fashion_mnist_int8|$fashion/fashion_shufflenet.json|$fashion/reference_input.bin|--quantize int8 --calibration $work/fashion_calibration.npy"
  "shufflenet_v1_g3_0.25x_96_int8|$work/zoo96/shufflenet_v1_g3_0.25x.json|$work/zoo96/shufflenet_v1_g3_0.25x.input.bin|--quantize int8 --calibration $work/zoo96/calibration.npy"
)
read -r -a target_flags <<<"$("$shufflec" flags --target $target)"
cflags=(-std=c99 -Wall -Wextra -Werror -pedantic -O2 "${target_flags[@]}")

count() {  # ELF MACHINE -> instructions per inference
  timeout 1200 qemu-system-arm -M "$2" -icount shift=0 -nographic -monitor none -serial none \
    -semihosting-config enable=on,target=native -kernel "$1" >"$1.$2.log"
  sed -n 's/^run: [0-9]* ticks = \([0-9]*\) instructions$/\1/p' "$1.$2.log"
}

printf '%-32s %-24s %16s %16s\n' model flash+RAM "M4F (an386)" "M7 (an500)"
for entry in "${models[@]}"; do
  IFS='|' read -r name model input options <<<"$entry"
  read -r -a opts <<<"$options"
  dir=$work/$name
  mkdir -p "$dir"
  "$shufflec" compile "$model" -o "$dir" --prefix model --target $target "${opts[@]}"
  "$shufflec" run "$model" "${opts[@]}" --input "$input" --output "$dir/expected.bin"
  cp "$input" "$dir/input.bin"
  arm-none-eabi-gcc "${cflags[@]}" -c "$dir/model.c" -o "$dir/model.o"
  arm-none-eabi-gcc "${target_flags[@]}" -I "$dir" -c bench/mcu/data.S -o "$dir/data.o"
  arm-none-eabi-gcc "${cflags[@]}" -I "$dir" --specs=rdimon.specs -T tests/baremetal/mps2.ld \
    tests/baremetal/startup.c bench/mcu/bench_main.c "$dir/model.o" "$dir/data.o" -lm -o "$dir/bench.elf"
  flash=$(sed -n 's/.*"flash_bytes": \([0-9]*\).*/\1/p' "$dir/model.memplan.json")
  ram=$(sed -n 's/.*"ram_bytes": \([0-9]*\).*/\1/p' "$dir/model.memplan.json")
  row=()
  for machine in mps2-an386 mps2-an500; do
    first=$(count "$dir/bench.elf" $machine)
    again=$(count "$dir/bench.elf" $machine)
    [ -n "$first" ] || { echo "no count from $name on $machine:"; cat "$dir/bench.elf.$machine.log"; exit 1; }
    [ "$first" = "$again" ] || { echo "$name on $machine: $first, then $again instructions: not deterministic"; exit 1; }
    row+=("$first")
  done
  printf '%-32s %-24s %16s %16s\n' "$name" "${flash} + ${ram} B" "${row[0]}" "${row[1]}"
done
echo "(instructions per inference; flash = code + weights, RAM = arena + stack bound, from model.memplan.json)"
