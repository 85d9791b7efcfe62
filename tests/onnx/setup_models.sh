#!/usr/bin/env bash
# Fixture of the ONNX tests (tests/onnx/CMakeLists.txt, docs/onnx.md): installs ONNX Runtime for Node
# (npm onnxruntime-node, its CPU library ships inside the package) into NODE_DIR, and generates the test models into
# MODELS_DIR, a cache kept in the build tree: models are regenerated only when a generator script, the PyTorch
# reference or the torch/onnx versions change. A cold run exports ~1.1 GB (AlexNet is 3 x 244 MB) in about a minute.
# usage: setup_models.sh SOURCE_DIR NODE_DIR MODELS_DIR MANIFEST
set -euo pipefail
src=$1 node_dir=$2 models=$3 manifest=$4
ort_version=1.30.0

for tool in node npm /usr/bin/python3; do
  command -v "$tool" >/dev/null \
    || { echo "FAIL: $tool not found (tools/setup.sh installs nodejs, python3-torch, python3-onnx)"; exit 1; }
done

# ONNX Runtime for Node. --ignore-scripts: the package's install script only fetches optional GPU providers.
installed=$(node -p "try { require('$node_dir/node_modules/onnxruntime-node/package.json').version } catch (e) { '' }")
if [ "$installed" != "$ort_version" ]; then
  echo "== npm install onnxruntime-node@$ort_version into $node_dir"
  mkdir -p "$node_dir"
  npm install --prefix "$node_dir" --ignore-scripts --no-audit --no-fund --no-save --loglevel=error \
    "onnxruntime-node@$ort_version"
fi
NODE_PATH="$node_dir/node_modules" node -e "require('onnxruntime-node')" \
  || { echo "FAIL: onnxruntime-node does not load from $node_dir"; exit 1; }

# The model cache, keyed by the generators and the library versions.
versions=$(/usr/bin/python3 -c 'import torch, onnx, numpy
print(torch.__version__, onnx.__version__, numpy.__version__)')
stamp=$( { cat "$src/tools/onnx/export_models.py" "$src/tools/onnx/make_op_models.py" "$src/tools/golden/reference.py"
           echo "$versions"; } | sha256sum | cut -d' ' -f1)
if [ "$(cat "$models/.stamp" 2>/dev/null || true)" != "$stamp" ]; then
  echo "== generators changed (or first run): clearing $models"
  rm -rf "$models"
fi
mkdir -p "$models"
mapfile -t torch_models < <(awk -F'\t' '!/^#/ && $2 == "torch" {print $1}' "$manifest")
mapfile -t op_models < <(awk -F'\t' '!/^#/ && $2 == "ops" {print $1}' "$manifest")
start=$(date +%s)
/usr/bin/python3 "$src/tools/onnx/make_op_models.py" "$models" "${op_models[@]}"
# Two exporters in parallel (the machine has 2 cores); each skips the models already in the cache.
half=$(( (${#torch_models[@]} + 1) / 2 ))
/usr/bin/python3 -W ignore "$src/tools/onnx/export_models.py" "$models" "${torch_models[@]:0:$half}" &
first=$!
/usr/bin/python3 -W ignore "$src/tools/onnx/export_models.py" "$models" "${torch_models[@]:$half}" \
  || { wait $first; exit 1; }
wait $first
echo "$stamp" > "$models/.stamp"
echo "== models ready in $models ($(du -sh "$models" | cut -f1), $(( $(date +%s) - start )) s)"
