#!/usr/bin/env bash
# `shufflec info` on ShuffleNet v1 1x at 224x224 must total within 1% of the paper's MFLOPs (Table 1: g=1 143,
# g=2 140, g=3 137, g=4 133, g=8 137), counted as the paper does: mult-adds of the convolutions (its Table 1 leaves
# out the final FC layer; with it the totals are 0.6-1.5 MFLOPs higher).
# usage: check_info.sh SHUFFLEC ZOO_DIR
set -euo pipefail
shufflec=$1 zoo=$2
status=0
for pair in 1:143 2:140 3:137 4:133 8:137; do
  g=${pair%%:*} paper=${pair#*:}
  got=$("$shufflec" info "$zoo/shufflenet_v1_g${g}_1.0x.json" | sed -n 's/^convolutions alone: \([0-9.]*\) MFLOPs.*/\1/p')
  verdict=$(awk -v a="$got" -v p="$paper" 'BEGIN { d = (a - p) / p; if (d < 0) d = -d; printf "%.2f%% %s", 100 * d, d <= 0.01 ? "ok" : "FAIL" }')
  echo "g=$g: shufflec $got MFLOPs, paper $paper: off by $verdict"
  [[ $verdict == *ok ]] || status=1
done
exit $status
