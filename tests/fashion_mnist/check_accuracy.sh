#!/usr/bin/env bash
# Accuracy check of the trained Fashion-MNIST ShuffleNet (samples/fashion_mnist) compiled to C by shufflec:
#   1. the generated C, built with strict C99 flags, reproduces PyTorch's probabilities for one test image
#      (model/reference_input.bin -> model/reference_probs.bin) within max|err| / max|ref| <= 1e-5;
#   2. classify.c + the generated C, run on all 10,000 test images, has top-1 accuracy >= 90% and within 0.05
#      percentage points (5 images) of PyTorch's, computed from the committed model/pytorch_predictions.txt;
#   3. it prints how many per-image predictions differ from PyTorch's.
# usage: tests/fashion_mnist/check_accuracy.sh BUILD_DIR     (BUILD_DIR holds compiler/shufflec; CC defaults to cc)
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
build=$(cd "$1" && pwd)
sample=$(cd "$(dirname "$0")/../../samples/fashion_mnist" && pwd)
shufflec=$build/compiler/shufflec
work=$build/tests/fashion_mnist_check
data=/usr/share/datasets/fashion-mnist
cc=${CC:-cc}
cflags="-std=c99 -O2 -Wall -Wextra -Werror -pedantic"

for f in t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  if [ ! -f "$data/$f.gz" ]; then
    echo "FAIL: $data/$f.gz is missing: install the Debian package dataset-fashion-mnist"
    exit 1
  fi
done
[ -x "$shufflec" ] || { echo "FAIL: $shufflec not found"; exit 1; }

rm -rf "$work" && mkdir -p "$work"
for f in t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do gunzip -c "$data/$f.gz" >"$work/$f"; done

echo "== compile"
"$shufflec" compile "$sample/model/fashion_shufflenet.json" -o "$work/gen" --prefix fashion --emit-test \
  --test-input "$sample/model/reference_input.bin"
# shellcheck disable=SC2086
$cc $cflags -I "$work/gen" "$work/gen/fashion.c" "$work/gen/fashion_test.c" -lm -o "$work/fashion_test"
# shellcheck disable=SC2086
$cc $cflags -I "$work/gen" "$sample/classify.c" "$work/gen/fashion.c" -lm -o "$work/classify"

echo "== generated C vs PyTorch probabilities (test image 0)"
"$work/fashion_test"
"$work/fashion_test" --input "$sample/model/reference_input.bin" --expect "$sample/model/reference_probs.bin" \
  --tolerance 1e-5

echo "== 10,000 test images"
"$work/classify" --idx "$work/t10k-images-idx3-ubyte" "$work/t10k-labels-idx1-ubyte" --all \
  --predictions "$work/c_predictions.txt" | tee "$work/classify.log"

# One label per line, in test-set order (skip the 8-byte idx1 header).
tail -c +9 "$work/t10k-labels-idx1-ubyte" | od -An -v -tu1 -w1 | tr -d ' ' >"$work/labels.txt"
ref=$sample/model/pytorch_predictions.txt
for f in "$work/c_predictions.txt" "$ref" "$work/labels.txt"; do
  n=$(wc -l <"$f")
  [ "$n" -eq 10000 ] || { echo "FAIL: $f has $n lines, expected 10000"; exit 1; }
done
paste "$work/c_predictions.txt" "$ref" "$work/labels.txt" | awk '
  { c += ($1 == $3); p += ($2 == $3); d += ($1 != $2) }
  END {
    printf "compiled C: %.2f%% (%d / 10000), PyTorch: %.2f%% (%d / 10000), per-image predictions that differ: %d\n",
           c / 100, c, p / 100, p, d
    diff = c - p; if (diff < 0) diff = -diff
    if (diff > 5) { printf "FAIL: accuracies differ by %.2f percentage points (limit 0.05)\n", diff / 100; exit 1 }
    if (c < 9000) { printf "FAIL: accuracy %.2f%% is below 90%%\n", c / 100; exit 1 }
    print "OK"
  }'
