#!/usr/bin/env bash
# Fashion-MNIST demo: compile the trained ShuffleNet with shufflec, build classify.c against the generated C,
# classify the bundled images and, if the Debian package dataset-fashion-mnist is installed, the whole test set.
# usage: samples/fashion_mnist/run_demo.sh BUILD_DIR        (BUILD_DIR holds compiler/shufflec)
# Everything it writes goes to BUILD_DIR/fashion_mnist_demo/. CC (default cc) and CFLAGS (default -O2) apply.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
shufflec=$build/compiler/shufflec
work=$build/fashion_mnist_demo
data=/usr/share/datasets/fashion-mnist
cc=${CC:-cc}
cflags=${CFLAGS:--O2}
[ -x "$shufflec" ] || { echo "error: $shufflec not found (build it: cmake --build $1 --target shufflec)" >&2; exit 1; }

mkdir -p "$work"
echo "== shufflec compile model/fashion_shufflenet.json"
"$shufflec" compile "$here/model/fashion_shufflenet.json" -o "$work/gen" --prefix fashion
echo "== $cc $cflags classify.c fashion.c"
# shellcheck disable=SC2086
"$cc" $cflags -I "$work/gen" "$here/classify.c" "$work/gen/fashion.c" -lm -o "$work/classify"

echo "== the bundled images (file name = test-set index and true class)"
"$work/classify" "$here"/images/*.pgm

if [ -f "$data/t10k-images-idx3-ubyte.gz" ] && [ -f "$data/t10k-labels-idx1-ubyte.gz" ]; then
  for f in t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    [ -f "$work/$f" ] || gunzip -c "$data/$f.gz" >"$work/$f"
  done
  echo "== the 10,000 test images"
  "$work/classify" --idx "$work/t10k-images-idx3-ubyte" "$work/t10k-labels-idx1-ubyte" --all \
    --predictions "$work/c_predictions.txt"
  echo "($(grep -o 'PyTorch test accuracy: [0-9.]*%' "$here/README.md" | head -1 || true), see README.md)"
else
  echo "== skipping the test set: install the Debian package dataset-fashion-mnist"
fi
