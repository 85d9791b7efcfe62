#!/usr/bin/env bash
# The main job: build shufflec, compile the bundled ShuffleNet v1 1x g=3 model to C, build that C with the system
# compiler and run it: it prints its agreement with the PyTorch golden and its latency.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
model=shufflenet_v1_g3_1.0x
out=build/demo
mkdir -p "$out"
echo "== generating the sample model ($model, seeded weights; docs/zoo.md)"
build/samples/shufflec-zoo "$model" --out "$out"
build/compiler/shufflec info "$out/$model.json" | tail -3
echo "== shufflec compile $out/$model.json -o $out/c"
build/compiler/shufflec compile "$out/$model.json" -o "$out/c" --prefix shufflenet --emit-test \
  --test-input "$out/$model.input.bin"
echo "== cc -O2 shufflenet.c shufflenet_test.c"
cc -std=c99 -O2 -Wall -Wextra -Werror -pedantic "$out/c/shufflenet.c" "$out/c/shufflenet_test.c" -lm \
  -o "$out/shufflenet_test"
"$out/shufflenet_test" --input "$out/$model.input.bin" --expect samples/zoo/golden/$model.output.bin --repeat 20
