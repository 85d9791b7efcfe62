#!/usr/bin/env bash
# `shufflec profile` and `shufflec diff` on the bare-metal Cortex-M target (docs/debugging.md): the model with taps
# under qemu-system-arm -icount shift=0 on the Cortex-M4F. The profile's per-layer instruction counts must add up to
# its total row and to within 10% of the untapped run's count, and a SysTick tick must be the whole number of
# instructions the board's clock gives (25 MHz under a 1 GHz virtual clock: 40); the diff's taps, read back
# through semihosting, must match the interpreter.
# usage: check_profile.sh SHUFFLEC MODEL INPUT WORK_DIR
set -euo pipefail
shufflec=$1 model=$2 input=$3 work=$4
target=thumbv7em-none-eabihf
rm -rf "$work" && mkdir -p "$work"
"$shufflec" profile "$model" --target $target > "$work/profile.txt"
cat "$work/profile.txt"
awk '
  /^layer / { in_table = 1; next }
  in_table && /^total / { total = $2; in_table = 0; next }
  in_table { sum += $(NF - 4) }  # instructions, MMAC, MAC/instr, arena bytes, reports (no spaces)
  /^untapped run: / { untapped = $3 }
  /^clock: / { per_tick = $2 }
  END {
    if (total == "" || untapped == "" || per_tick == "") { print "FAIL: profile output incomplete"; exit 1 }
    if (sum != total) { printf "FAIL: layers sum to %d instructions, the total row says %d\n", sum, total; exit 1 }
    off = (total - untapped) / untapped
    if (off > 0.10 || off < -0.10) { printf "FAIL: layers %d vs untapped %d instructions (%+.1f%%)\n", total, untapped, 100 * off; exit 1 }
    if (per_tick != "40.00") { printf "FAIL: %s instructions per SysTick tick, expected 40.00\n", per_tick; exit 1 }
    printf "ok: layers %d, untapped %d instructions (%+.2f%%), %s per tick\n", total, untapped, 100 * off, per_tick
  }' "$work/profile.txt"
"$shufflec" diff "$model" --input "$input" --target $target --tolerance 1e-5 > "$work/diff.txt"
grep -q '^first diverging node: none$' "$work/diff.txt"
grep -q 'target cortex-m$' "$work/diff.txt"
rm -rf "$work"
