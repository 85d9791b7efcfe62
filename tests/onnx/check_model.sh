#!/usr/bin/env bash
# One ONNX model end to end (tests/onnx/CMakeLists.txt): ONNX Runtime (the ground truth) vs
#   1. the reference interpreter on the ONNX-loaded graph,
#   2. `shufflec convert` to JSON, run again: bit-identical to 1,
#   3. the generated C (`shufflec compile --emit-test`, built with strict C99 flags): against the embedded
#      interpreter golden and against ONNX Runtime's output,
# each within max|err| / max|ref| <= 1e-5.
# usage: check_model.sh SHUFFLEC SOURCE_DIR NODE_DIR MODELS_DIR WORK_DIR MODEL INPUT_SHAPE|- CC "CFLAGS"
set -euo pipefail
shufflec=$1 src=$2 node_dir=$3 models=$4 work=$5 name=$6 input_shape=$7 cc=$8 cflags=$9
tolerance=1e-5
model=$models/$name.onnx input=$models/$name.input.bin
if [ ! -f "$model" ] || [ ! -f "$input" ]; then
  echo "FAIL: $model or its input is missing (the onnx.setup fixture makes them)"
  exit 1
fi
shape_args=() ort_shape=()
if [ "$input_shape" != "-" ]; then shape_args=(--input-shape "$input_shape"); ort_shape=("${input_shape#*=}"); fi

rm -rf "$work" && mkdir -p "$work"
echo "== ONNX Runtime"
NODE_PATH="$node_dir/node_modules" node "$src/tools/onnx/ort_run.js" "$model" "$input" "$work/ort.bin" "${ort_shape[@]}"

echo "== interpreter vs ONNX Runtime"
"$shufflec" run "$model" "${shape_args[@]}" --input "$input" --output "$work/interp.bin"
"$shufflec" compare "$work/interp.bin" "$work/ort.bin" --tolerance $tolerance

echo "== shufflec convert: the JSON graph runs bit-identically"
"$shufflec" convert "$model" "${shape_args[@]}" -o "$work/json/$name.json"
"$shufflec" run "$work/json/$name.json" --input "$input" --output "$work/json.bin"
"$shufflec" compare "$work/json.bin" "$work/interp.bin" --tolerance 0

echo "== compile to C, $cc $cflags"
"$shufflec" compile "$model" "${shape_args[@]}" -o "$work/c" --prefix model --emit-test --test-input "$input"
# shellcheck disable=SC2086
$cc $cflags "$work/c/model.c" "$work/c/model_test.c" -lm -o "$work/test"
"$work/test"                                                   # vs the interpreter (embedded golden)
"$work/test" --input "$input" --expect "$work/ort.bin" --tolerance $tolerance   # vs ONNX Runtime
rm -rf "$work"  # AlexNet's C runs to 700 MB; keep the work only when a check failed
