#!/usr/bin/env bash
# One zoo model quantized to int8 (docs/quantization.md), run by ctest (tests/e2e/CMakeLists.txt): calibrated on 4
# seeded random inputs, compiled with the int8 interpreter's output as the harness golden, built with each C
# compiler (or a cross compiler, run under qemu) and run with tolerance 0: the generated C must equal the int8
# interpreter bit for bit. Its output must also stay within 20 dB SQNR of the PyTorch fp32 golden. TARGET (default c)
# is the --target the C is generated for; the flags it needs (`shufflec flags`) are added to CFLAGS.
# usage: check_int8.sh SHUFFLEC ZOO_DIR GOLDEN_DIR WORK_DIR MODEL "CC..." "CFLAGS" [QEMU [TARGET]]
set -euo pipefail
shufflec=$1 zoo=$2 golden=$3 work=$4 model=$5 compilers=$6 cflags=$7 qemu=${8:-} target=${9:-c}
cflags="$cflags $("$shufflec" flags --target "$target")"
python=/usr/bin/python3
rm -rf "$work" && mkdir -p "$work"
"$python" -c "
import numpy as np, sys
np.save(sys.argv[1], np.random.default_rng(0).uniform(-1, 1, (4, 3, 224, 224)).astype(np.float32))" \
  "$work/calibration.npy"
"$shufflec" compile "$zoo/$model.json" -o "$work" --prefix model --emit-test --test-input "$zoo/$model.input.bin" \
  --quantize int8 --calibration "$work/calibration.npy" --target "$target"
for cc in $compilers; do
  static=""
  [ -z "$qemu" ] || static="-static"
  # shellcheck disable=SC2086
  "$cc" $cflags $static "$work/model.c" "$work/model_test.c" -lm -o "$work/test"
  $qemu "$work/test" --tolerance 0 --output "$work/out.bin"
  "$python" -c "
import numpy as np, sys
out, ref = (np.fromfile(p, dtype=np.float32).astype(np.float64) for p in sys.argv[1:3])
db = 10 * np.log10((ref ** 2).sum() / max(((out - ref) ** 2).sum(), 1e-30))
print(f'{sys.argv[3]}: int8 vs PyTorch fp32: SQNR {db:.1f} dB')
sys.exit(0 if db >= 20 else 1)" "$work/out.bin" "$golden/$model.output.bin" "$cc"
done
rm -rf "$work"
