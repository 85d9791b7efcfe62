#!/usr/bin/env bash
# The whole test suite (what CI runs): the normal build with every test, then the ASan + UBSan build running the
# unit tests, the must-fail corpus and a representative set of zoo models (compiler and generated C sanitized); then
# a short run of each fuzz target.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
tools/setup.sh
ctest --test-dir build --output-on-failure -j"$(nproc)"

echo "== sanitizer build (ASan + UBSan over the compiler and the generated C)"
# One clang build serves the sanitizer tests and the fuzz targets (libFuzzer's coverage instrumentation costs the
# tests little; a third build of everything cost CI minutes). An older build-asan made with gcc is made anew.
if [ -f build-asan/CMakeCache.txt ] && ! grep -q '^CMAKE_CXX_COMPILER:.*clang' build-asan/CMakeCache.txt; then
  rm -rf build-asan
fi
CC=clang-14 CXX=clang++-14 BUILD_DIR=build-asan tools/setup.sh -DSHUFFLEC_SANITIZE=ON -DSHUFFLEC_FUZZ=ON \
  -DSHUFFLEC_TEST_COMPILERS=clang
ASAN_OPTIONS=detect_leaks=1 ctest --test-dir build-asan --output-on-failure -j"$(nproc)" -L "unit|errors|e2e-small"
echo "== fuzzing: each libFuzzer target (JSON + weights, ONNX, .npy) for 20 s from its seed corpus (docs/fuzzing.md)"
BUILD_DIR=build-asan tests/fuzz/run.sh 20
echo "== suite time: $(( $(date +%s) - start )) s"
