#!/usr/bin/env bash
# Compile time against graph size: generates chains of 100 to 20,000 nodes (conv -> batch_norm -> relu ->
# channel_shuffle, repeated) and ShuffleNet-like graphs of 10 to 2,000 units (10 nodes each: a residual around
# gconv-bn-relu-shuffle-dwconv-bn-gconv-bn), compiles each with `shufflec compile` and prints the wall time and the
# time per node. Linear growth shows as a flat last column.
# usage: bench/compile_time.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
shufflec=${1:-build}/compiler/shufflec
[ -x "$shufflec" ] || { echo "no $shufflec: build first (tools/setup.sh)"; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/shufflec-compile-time.XXXXXX")
trap 'rm -rf "$work"' EXIT

# gen KIND N OUT: a graph with 12 channels at 4x4, so the time is the compiler's, not the weights'.
gen() {
  python3 - "$@" <<'PY'
import json, sys
kind, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
C = 12
consts = [{"name": "w_pw", "shape": [C, C // 3, 1, 1], "values": [((i * 7) % 11 - 5) / 20 for i in range(C * C // 3)]},
          {"name": "w_dw", "shape": [C, 1, 3, 3], "values": [((i * 5) % 9 - 4) / 10 for i in range(C * 9)]},
          {"name": "b", "shape": [C], "values": [0.01 * i for i in range(C)]}]
bn = ["bn_scale", "bn_shift", "bn_mean", "bn_var"]
for name in bn:
    consts.append({"name": name, "shape": [C], "values": [1.0 if name in ("bn_scale", "bn_var") else 0.0] * C})
nodes = []
def node(name, op, inputs, attrs=None):
    nodes.append({"name": name, "op": op, "inputs": inputs, **({"attrs": attrs} if attrs else {})})
    return name
x = "input"
if kind == "chain":
    for i in range(n):
        x = [lambda: node(f"c{i}", "conv2d", [x, "w_pw", "b"], {"groups": 3}),
             lambda: node(f"n{i}", "batch_norm", [x] + bn),
             lambda: node(f"r{i}", "relu", [x]),
             lambda: node(f"s{i}", "channel_shuffle", [x], {"groups": 3})][i % 4]()
else:
    for u in range(n):
        y = node(f"u{u}.c1", "conv2d", [x, "w_pw", "b"], {"groups": 3})
        y = node(f"u{u}.n1", "batch_norm", [y] + bn)
        y = node(f"u{u}.r1", "relu", [y])
        y = node(f"u{u}.s", "channel_shuffle", [y], {"groups": 3})
        y = node(f"u{u}.dw", "conv2d", [y, "w_dw", "b"], {"groups": C, "pads": 1})
        y = node(f"u{u}.n2", "batch_norm", [y] + bn)
        y = node(f"u{u}.c2", "conv2d", [y, "w_pw", "b"], {"groups": 3})
        y = node(f"u{u}.n3", "batch_norm", [y] + bn)
        y = node(f"u{u}.add", "add", [x, y])
        x = node(f"u{u}.r2", "relu", [y])
json.dump({"format": "shufflec-graph", "version": 1, "name": f"{kind}{n}",
           "inputs": [{"name": "input", "shape": [1, C, 4, 4]}], "outputs": [x], "constants": consts,
           "nodes": nodes}, open(out, "w"))
PY
}

# run KIND N NODES: prints one row.
run() {
  gen "$1" "$2" "$work/model.json"
  local start end
  start=$(date +%s.%N)
  "$shufflec" compile "$work/model.json" -o "$work/out" --prefix net
  end=$(date +%s.%N)
  awk -v k="$1" -v n="$3" -v s="$start" -v e="$end" \
    'BEGIN { printf "%-6s %7d nodes  %7.2f s  %6.1f us/node\n", k, n, e - s, (e - s) * 1e6 / n }'
}

for n in 100 200 500 1000 2000 5000 10000 20000; do run chain "$n" "$n"; done
for u in 10 20 50 100 200 500 1000 2000; do run units "$u" "$((u * 10))"; done
