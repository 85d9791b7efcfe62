#!/usr/bin/env bash
# `shufflec diff` and `shufflec profile` from the command line, with a reference written by numpy.savez itself:
# the interpreter's output of samples/hand/tiny.json as the 'prob' array passes (exit 0, other names listed), the
# same array perturbed in one element is named as the first diverging node (exit 1); the int8 build against the
# fp32 interpreter passes at the default minimum SQNR and names its first layer at an unreachable one; profile
# prints its totals.
# usage: check_diff.sh SHUFFLEC SOURCE_DIR WORK_DIR
set -euo pipefail
shufflec=$1 source=$2 work=$3
python=/usr/bin/python3
rm -rf "$work" && mkdir -p "$work"
model=$source/samples/hand/tiny.json
"$python" -c "import numpy as np; np.save('$work/x.npy', np.linspace(-1, 1, 192, dtype=np.float32).reshape(1, 3, 8, 8))"
"$shufflec" run "$model" --input "$work/x.npy" --output "$work/prob.npy"
"$python" - "$work" <<'PY'
import sys, numpy as np
work = sys.argv[1]
prob = np.load(f"{work}/prob.npy")
np.savez(f"{work}/ok.npz", prob=prob, unknown_layer=np.zeros(3, np.float32))
bad = prob.astype(np.float64)  # float64 is read too
bad.flat[1] += 0.25
np.savez(f"{work}/bad.npz", prob=bad)
PY
"$shufflec" diff "$model" --input "$work/x.npy" --reference "$work/ok.npz" > "$work/ok.txt"
grep -q '^first diverging node: none$' "$work/ok.txt"
grep -q 'in the reference but no node of the model (1): unknown_layer' "$work/ok.txt"
status=0
"$shufflec" diff "$model" --input "$work/x.npy" --reference "$work/bad.npz" > "$work/bad.txt" || status=$?
[ "$status" -eq 1 ] || { echo "diff against a perturbed reference exited $status, expected 1"; exit 1; }
grep -q '^first diverging node: prob$' "$work/bad.txt"
# int8: the build against the fp32 interpreter by SQNR, calibrated on 16 inputs like x (healthy: exit 0); a minimum
# no int8 layer reaches names the first layer in graph order.
"$python" -c "import numpy as np; np.save('$work/cal.npy', np.random.default_rng(5).uniform(-1, 1, (16, 3, 8, 8)).astype(np.float32))"
"$shufflec" diff "$model" --input "$work/x.npy" --quantize int8 --calibration "$work/cal.npy" > "$work/int8.txt"
grep -q 'SQNR dB' "$work/int8.txt"
grep -Eq '^int8 interpreter: ([0-9]+) of \1 int8 taps equal bit for bit$' "$work/int8.txt"
grep -q '^first diverging node: none$' "$work/int8.txt"
status=0
"$shufflec" diff "$model" --input "$work/x.npy" --quantize int8 --calibration "$work/cal.npy" --min-sqnr 90 \
  > "$work/int8_strict.txt" || status=$?
[ "$status" -eq 1 ] || { echo "int8 diff with --min-sqnr 90 exited $status, expected 1"; exit 1; }
grep -q '^first diverging node: relu1$' "$work/int8_strict.txt"
"$shufflec" profile "$model" --runs 3 > "$work/profile.txt"
grep -q '^total ' "$work/profile.txt"
grep -q '^untapped run: median' "$work/profile.txt"
grep -Eq '^peak: [0-9.]+ GMAC/s, measured this run' "$work/profile.txt"
grep -q '% peak' "$work/profile.txt"
rm -rf "$work"
