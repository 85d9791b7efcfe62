#!/usr/bin/env bash
# Regenerates the committed golden outputs of the sample zoo (docs/zoo.md):
#
#   cmake --build build && tools/golden/regenerate.sh build
#
# Runs BUILD_DIR/samples/shufflec-zoo --all (input size 224, seed 1) into BUILD_DIR/zoo, then the independent
# PyTorch oracle tools/golden/reference.py on every model, and writes
#   samples/zoo/golden/NAME.output.bin   the float32 LE logits [1, 1000]
#   samples/zoo/golden/manifest.tsv      one line per model:
#       NAME <TAB> sha256(NAME.weights) <TAB> sha256(NAME.input.bin) <TAB> sha256(NAME.json)
# The manifest lets tests detect a generator that drifted from the goldens. Fails if a model's logits are not
# finite or their standard deviation leaves [0.05, 100]. Needs python3-torch and python3-numpy (PYTHON overrides
# /usr/bin/python3). Takes about 40 s on two cores.
set -euo pipefail

die() { echo "regenerate.sh: error: $*" >&2; exit 1; }

[ $# -eq 1 ] || { echo "usage: tools/golden/regenerate.sh BUILD_DIR" >&2; exit 2; }
build=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
zoo_bin="$build/samples/shufflec-zoo"
python=${PYTHON:-/usr/bin/python3}
golden="$root/samples/zoo/golden"

[ -x "$zoo_bin" ] || die "$zoo_bin not found (build it first: cmake --build $build --target shufflec-zoo)"
"$python" -c 'import torch, numpy' 2>/dev/null ||
  die "$python cannot import torch and numpy (apt-get install python3-torch python3-numpy)"
command -v sha256sum >/dev/null || die "sha256sum not found"

start=$(date +%s)
models=$("$zoo_bin" --list)
out="$build/zoo"
mkdir -p "$out"
"$zoo_bin" --all --out "$out" --input-size 224 --seed 1

mkdir -p "$golden"
tmp=$(mktemp -d "$golden/.regen.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

sha() { sha256sum "$1" | cut -d' ' -f1; }
for name in $models; do
  stats=$("$python" "$here/reference.py" "$out/$name.json" "$out/$name.input.bin" "$tmp/$name.output.bin")
  echo "$stats"
  std=$(printf '%s\n' "$stats" | sed -n 's/.*\tstd=\([^\t]*\).*/\1/p')
  awk -v s="$std" 'BEGIN { exit !(s + 0 >= 0.05 && s + 0 <= 100) }' ||
    die "$name: logits std '$std' outside [0.05, 100]"
  [ "$(stat -c %s "$tmp/$name.output.bin")" -eq 4000 ] || die "$name: output is not 1000 floats"
  printf '%s\t%s\t%s\t%s\n' "$name" "$(sha "$out/$name.weights")" "$(sha "$out/$name.input.bin")" \
    "$(sha "$out/$name.json")" >> "$tmp/manifest.tsv"
done

# Replace the goldens only once every model succeeded; drop goldens of models no longer in the zoo.
rm -f "$golden"/*.output.bin "$golden/manifest.tsv"
mv "$tmp"/*.output.bin "$tmp/manifest.tsv" "$golden/"
echo "regenerate.sh: wrote $(printf '%s\n' "$models" | wc -l) goldens to $golden in $(( $(date +%s) - start )) s"
