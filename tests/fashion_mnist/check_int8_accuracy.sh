#!/usr/bin/env bash
# int8 accuracy of the trained Fashion-MNIST ShuffleNet (docs/quantization.md):
#   1. the calibration set: the first 512 TRAINING images (never test images), normalised as classify.c does;
#   2. shufflec compile --quantize int8 --calibration; the generated C reproduces the int8 interpreter's output for
#      test image 0 (the embedded golden, tolerance 1e-5: the final softmax runs in float, expf vs exp);
#   3. classify.c + the int8 C on all 10,000 test images: top-1 accuracy must be >= PyTorch's fp32 accuracy (from
#      the committed model/pytorch_predictions.txt) - 0.5 points, and the weights and arena each <= 0.3x fp32's.
# usage: tests/fashion_mnist/check_int8_accuracy.sh BUILD_DIR     (CC defaults to cc)
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
build=$(cd "$1" && pwd)
sample=$(cd "$(dirname "$0")/../../samples/fashion_mnist" && pwd)
shufflec=$build/compiler/shufflec
work=$build/tests/fashion_mnist_int8
data=/usr/share/datasets/fashion-mnist
cc=${CC:-cc}
cflags="-std=c99 -O2 -Wall -Wextra -Werror -pedantic"
python=/usr/bin/python3

for f in t10k-images-idx3-ubyte t10k-labels-idx1-ubyte train-images-idx3-ubyte; do
  [ -f "$data/$f.gz" ] || { echo "FAIL: $data/$f.gz is missing: install the Debian package dataset-fashion-mnist"; exit 1; }
done
rm -rf "$work" && mkdir -p "$work"
for f in t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do gunzip -c "$data/$f.gz" >"$work/$f"; done

echo "== calibration set: the first 512 training images"
"$python" "$sample/make_calibration.py" "$data/train-images-idx3-ubyte.gz" "$work/calibration.npy" 512

echo "== compile fp32 and int8"
"$shufflec" compile "$sample/model/fashion_shufflenet.json" -o "$work/fp32" --prefix fashion
"$shufflec" compile "$sample/model/fashion_shufflenet.json" -o "$work/gen" --prefix fashion --emit-test \
  --test-input "$sample/model/reference_input.bin" --quantize int8 --calibration "$work/calibration.npy"
# shellcheck disable=SC2086
$cc $cflags -I "$work/gen" "$work/gen/fashion.c" "$work/gen/fashion_test.c" -lm -o "$work/fashion_test"
"$work/fashion_test"
# The 10,000 images run on the host's own SIMD target (`native`; the portable C again on a CPU without one): int8 C
# equals the int8 interpreter bit for bit on every target (tests/quant), so the accuracy is the portable build's,
# in 6 CPU s instead of the portable int8 kernels' 43 (AMD Zen 5). The sizes below are the portable build's.
"$shufflec" compile "$sample/model/fashion_shufflenet.json" -o "$work/native" --prefix fashion --target native \
  --quantize int8 --calibration "$work/calibration.npy"
# shellcheck disable=SC2086
$cc $cflags $("$shufflec" flags --target native) -I "$work/native" "$sample/classify.c" "$work/native/fashion.c" -lm \
  -o "$work/classify"

define() { sed -n "s/^#define FASHION_$1 \([0-9]*\)$/\1/p" "$2"; }
w32=$(define WEIGHTS_BYTES "$work/fp32/fashion.h") w8=$(define WEIGHTS_BYTES "$work/gen/fashion.h")
a32=$(define ARENA_BYTES "$work/fp32/fashion.h") a8=$(define ARENA_BYTES "$work/gen/fashion.h")
echo "weights: fp32 $w32 bytes, int8 $w8 bytes; arena: fp32 $a32 bytes, int8 $a8 bytes"

echo "== 10,000 test images"
"$work/classify" --idx "$work/t10k-images-idx3-ubyte" "$work/t10k-labels-idx1-ubyte" --all \
  --predictions "$work/int8_predictions.txt" >"$work/classify.log"
tail -c +9 "$work/t10k-labels-idx1-ubyte" | od -An -v -tu1 -w1 | tr -d ' ' >"$work/labels.txt"
paste "$work/int8_predictions.txt" "$sample/model/pytorch_predictions.txt" "$work/labels.txt" |
  awk -v w32="$w32" -v w8="$w8" -v a32="$a32" -v a8="$a8" '
  { c += ($1 == $3); p += ($2 == $3); n++ }
  END {
    if (n != 10000) { printf "FAIL: %d predictions, expected 10000\n", n; exit 1 }
    printf "int8 C: %.2f%% (%d / 10000), fp32 PyTorch: %.2f%%; weights %.3fx, arena %.3fx of fp32\n",
           c / 100, c, p / 100, w8 / w32, a8 / a32
    if (c < p - 50) { printf "FAIL: int8 accuracy is more than 0.5 points below fp32\n"; exit 1 }
    if (w8 > 0.3 * w32 || a8 > 0.3 * a32) { print "FAIL: weights or arena above 0.3x of fp32"; exit 1 }
    print "OK"
  }'
