#!/usr/bin/env bash
# The whole test suite (what CI runs), every test once:
#   - the normal build runs what needs an optimised compiler and -O2 C: the zoo end to end, cross targets under
#     qemu, bare metal, ONNX models, Fashion-MNIST accuracy, the installed package;
#   - the ASan + UBSan build runs the tests of the compiler itself and of every kernel path (labels unit and errors:
#     unit, pass, kernel and int8 tests, the must-fail corpus), sanitizing both the compiler and the generated C,
#     and a representative set of zoo models and CLI checks (e2e-small; the other zoo models, at -O2 in the normal
#     build, and the kernel tests' optimised builds cover the same kernels optimised);
#   - then a short run of each fuzz target.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
# The normal build leaves out the Catch2 executables (a quarter of its compile time): the sanitizer build runs them.
# (A later tools/setup.sh keeps that setting; -DSHUFFLEC_UNIT_TESTS=ON brings them back.)
tools/setup.sh -DSHUFFLEC_UNIT_TESTS=OFF
echo "== normal build: end-to-end, cross, bare-metal, ONNX and accuracy tests"
ctest --test-dir build --output-on-failure -j"$(nproc)" -LE "^(unit|errors|e2e-small)$"
normal_done=$(date +%s)

echo "== sanitizer build (ASan + UBSan over the compiler and the generated C)"
# One clang build serves the sanitizer tests and the fuzz targets (libFuzzer's coverage instrumentation costs the
# tests little; a third build of everything cost CI minutes). An older build-asan made with gcc is made anew.
if [ -f build-asan/CMakeCache.txt ] && ! grep -q '^CMAKE_CXX_COMPILER:.*clang' build-asan/CMakeCache.txt; then
  rm -rf build-asan
fi
CC=clang-14 CXX=clang++-14 BUILD_DIR=build-asan tools/setup.sh -DSHUFFLEC_SANITIZE=ON -DSHUFFLEC_FUZZ=ON \
  -DSHUFFLEC_TEST_COMPILERS=clang
sanitizer_start=$(date +%s)
ASAN_OPTIONS=detect_leaks=1 ctest --test-dir build-asan --output-on-failure -j"$(nproc)" -L "^(unit|errors|e2e-small)$"
sanitizer_done=$(date +%s)
echo "== fuzzing: each libFuzzer target (JSON + weights, ONNX, .npy) for 20 s from its seed corpus (docs/fuzzing.md)"
BUILD_DIR=build-asan tests/fuzz/run.sh 20
end=$(date +%s)
echo "== suite time: $(( end - start )) s (normal build and tests $(( normal_done - start )) s, sanitizer build" \
     "$(( sanitizer_start - normal_done )) s, its tests $(( sanitizer_done - sanitizer_start )) s, fuzzing" \
     "$(( end - sanitizer_done )) s)"
