#!/usr/bin/env bash
# The main job: build shufflec, compile the trained ShuffleNet (Fashion-MNIST, samples/fashion_mnist) to C, build
# the small classify.c demo against it and classify real images: the bundled ones, then the whole 10,000-image test
# set (accuracy and confusion matrix). Then the same for the ImageNet-sized ShuffleNet v1 1x g=3 sample: its
# agreement with the PyTorch golden and its latency, portable C and the native SIMD target.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
samples/fashion_mnist/run_demo.sh build

model=shufflenet_v1_g3_1.0x
out=build/demo
mkdir -p "$out"
echo
echo "== ShuffleNet v1 1x g=3 at 224x224 ($model: seeded weights, docs/zoo.md)"
build/samples/shufflec-zoo "$model" --out "$out" >/dev/null
build/compiler/shufflec info "$out/$model.json" | tail -4
for target in c native; do
  build/compiler/shufflec compile "$out/$model.json" -o "$out/$target" --prefix shufflenet --target $target \
    --emit-test --test-input "$out/$model.input.bin"
  flags=$(sed -n 's|^/\* Target: [^;]*; compile with \(.*\)\. \*/$|\1|p' "$out/$target/shufflenet.h")
  echo "== target $target: cc -O2 $flags shufflenet.c shufflenet_test.c"
  # shellcheck disable=SC2086
  cc -std=c99 -O2 -Wall -Wextra -Werror -pedantic $flags "$out/$target/shufflenet.c" "$out/$target/shufflenet_test.c" \
    -lm -o "$out/$target/shufflenet_test"
  "$out/$target/shufflenet_test" --input "$out/$model.input.bin" --expect "samples/zoo/golden/$model.output.bin" \
    --repeat 20
done
