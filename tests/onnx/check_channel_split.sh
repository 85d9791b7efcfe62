#!/usr/bin/env bash
# ShuffleNet v2's channel split (docs/onnx.md): each ONNX Split of channels becomes channel_slice nodes, and no
# channel_shuffle + one-hot grouped 1x1 conv selection is left, neither in the graph as loaded nor in the compiled
# graph (the last IR --dump-after=all prints); with batch 1 every slice is a view in the compiled memory plan (no code
# runs for it). onnx.<model> checks the numbers against ONNX Runtime.
# usage: check_channel_split.sh SHUFFLEC MODELS_DIR WORK_DIR MODEL EXPECTED_SLICES
set -euo pipefail
shufflec=$1 models=$2 work=$3 name=$4 expected=$5
model=$models/$name.onnx
[ -f "$model" ] || { echo "FAIL: $model is missing (the onnx.setup fixture makes it)"; exit 1; }
rm -rf "$work" && mkdir -p "$work"
"$shufflec" convert "$model" -o "$work/$name.json"
"$shufflec" compile "$model" -o "$work/c" --dump-after=all >"$work/dump.txt"
"$shufflec" info "$model" --memory >"$work/memory.txt"
/usr/bin/python3 - "$work/$name.json" "$work/dump.txt" "$work/memory.txt" "$expected" <<'EOF'
import json, re, sys
graph = json.load(open(sys.argv[1]))
dump, memory, expected = open(sys.argv[2]).read(), open(sys.argv[3]).read().splitlines(), int(sys.argv[4])
shapes = {c["name"]: c["shape"] for c in graph["constants"]}
failures = []

def is_selection(weight_shape, groups):
    # A grouped 1x1 conv whose groups read more than one channel each: the old one-hot channel selection.
    return groups > 1 and weight_shape[1] > 1 and weight_shape[2:] == [1, 1]

slices = [n["name"] for n in graph["nodes"] if n["op"] == "channel_slice"]
if len(slices) != expected:
    failures.append(f"loaded graph: {len(slices)} channel_slice nodes, expected {expected}")
loaded_convs = [n for n in graph["nodes"] if n["op"] == "conv2d"]
for n in loaded_convs:
    if is_selection(shapes[n["inputs"][1]], n.get("attrs", {}).get("groups", 1)):
        failures.append(f"loaded graph: conv '{n['name']}' is a grouped 1x1 selection conv")

# The compiled graph: the last IR printed by --dump-after=all.
final = dump.rsplit("// after ", 1)[-1]
compiled_convs = 0
for line in final.splitlines():
    m = re.match(r"\s*%(\S+) \[.*\] = conv2d\(([^)]*)\)(.*)", line)
    if not m:
        continue
    compiled_convs += 1
    weight = m.group(2).split(",")[1].strip().lstrip("%@")
    groups = re.search(r"groups=(\d+)", m.group(3))
    if weight in shapes and is_selection(shapes[weight], int(groups.group(1)) if groups else 1):
        failures.append(f"compiled graph: conv '{m.group(1)}' is a grouped 1x1 selection conv")
if compiled_convs != len(loaded_convs):
    failures.append(f"compiled graph has {compiled_convs} convs, the loaded one {len(loaded_convs)}")
if final.count("= channel_slice(") != expected:
    failures.append(f"compiled graph: {final.count('= channel_slice(')} channel_slice nodes, expected {expected}")

# Every slice is a view in the compiled memory plan.
rows = {line.split()[0]: line for line in memory if line.strip()}
for s in slices:
    if s not in rows or "in place" not in rows[s]:
        failures.append(f"memory plan: channel_slice '{s}' is not a view: {rows.get(s, '(no row)')}")

for f in failures[:20]:
    print("FAIL:", f)
if failures:
    sys.exit(1)
print(f"PASS: {len(slices)} channel_slice views, {len(loaded_convs)} convs and no selection conv")
EOF
