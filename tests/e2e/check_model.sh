#!/usr/bin/env bash
# End-to-end check of one zoo model (run by ctest, see tests/e2e/CMakeLists.txt):
#   1. the zoo generator still produces the exact weights/input the committed PyTorch golden was computed from;
#   2. the reference interpreter matches the PyTorch golden;
#   3. the generated C, built with strict flags, matches the interpreter (embedded golden) and the PyTorch golden,
#      all within max|err| / max|ref| <= 1e-5: the portable target built by the first compiler and, where the CPU
#      has AVX2+FMA, the x86-64 target built by the last; every compiler takes the C it does not build warning-free.
# usage: check_model.sh SHUFFLEC ZOO_DIR GOLDEN_DIR WORK_DIR MODEL "CC..." "CFLAGS" ["portable simd"]
#   The last argument picks the host targets (default both). "simd" alone builds only the SIMD target, or only the
#   portable C where the CPU has no AVX2+FMA; "portable" alone only the portable C (tests/e2e/CMakeLists.txt says
#   which models get one target, and why).
set -euo pipefail
shufflec=$1 zoo=$2 golden=$3 work=$4 model=$5 compilers=$6 cflags=$7 host_targets=${8:-portable simd}
has_simd=0
if grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then has_simd=1; fi
if [ "$host_targets" = simd ] && [ $has_simd = 0 ]; then host_targets=portable; fi
tolerance=1e-5

manifest_line=$(awk -F'\t' -v m="$model" '$1 == m' "$golden/manifest.tsv")
[ -n "$manifest_line" ] || { echo "FAIL: $model has no line in $golden/manifest.tsv"; exit 1; }
IFS=$'\t' read -r _ want_weights want_input want_json <<<"$manifest_line"
for pair in "weights:$want_weights" "input.bin:$want_input" "json:$want_json"; do
  ext=${pair%%:*} want=${pair#*:}
  got=$(sha256sum "$zoo/$model.$ext" | cut -d' ' -f1)
  if [ "$got" != "$want" ]; then
    echo "FAIL: $zoo/$model.$ext differs from the file the golden was computed from (sha256 $got, manifest $want)."
    echo "      The zoo generator changed: regenerate the goldens with tools/golden/regenerate.sh (needs python3-torch)."
    exit 1
  fi
done

rm -rf "$work" && mkdir -p "$work"
echo "== interpreter vs PyTorch"
"$shufflec" run "$zoo/$model.json" --input "$zoo/$model.input.bin" --output "$work/interp.bin"
"$shufflec" compare "$work/interp.bin" "$golden/$model.output.bin" --tolerance $tolerance

if [[ " $host_targets " == *" portable "* ]]; then
  echo "== compile to C"
  # The embedded golden is the interpreter's output from above (--test-expect: not computed a second time).
  "$shufflec" compile "$zoo/$model.json" -o "$work/c" --prefix model --emit-test --test-input "$zoo/$model.input.bin" \
    --test-expect "$work/interp.bin"
  # The first compiler builds and runs the portable C; the others must take it warning-free (their warnings come from
  # the front end, so -fsyntax-only checks them without a second optimising build). The last compiler also builds and
  # runs the x86-64 target below.
  first=1
  for cc in $compilers; do
    if [ $first = 1 ]; then
      echo "== $cc $cflags"
      # shellcheck disable=SC2086
      $cc $cflags "$work/c/model.c" "$work/c/model_test.c" -lm -o "$work/test_$cc"
      "$work/test_$cc"                                           # vs the interpreter (embedded golden)
      "$work/test_$cc" --input "$zoo/$model.input.bin" --expect "$golden/$model.output.bin" --tolerance $tolerance
      first=0
    else
      echo "== $cc $cflags -fsyntax-only"
      # shellcheck disable=SC2086
      $cc $cflags -fsyntax-only "$work/c/model.c" "$work/c/model_test.c"
    fi
  done
fi

# The x86-64 AVX2+FMA target, where this machine can run it (built with the last compiler listed).
if [[ " $host_targets " != *" simd "* ]]; then
  echo "== (the x86-64 target is not asked for)"
elif [ $has_simd = 1 ]; then
  cc=${compilers##* }
  echo "== target x86_64-linux-gnu+avx2,fma with $cc"
  "$shufflec" compile "$zoo/$model.json" -o "$work/x86" --prefix model --target x86_64-linux-gnu+avx2,fma \
    --emit-test --test-input "$zoo/$model.input.bin" --test-expect "$golden/$model.output.bin"
  # shellcheck disable=SC2086
  $cc $cflags -mavx2 -mfma "$work/x86/model.c" "$work/x86/model_test.c" -lm -o "$work/test_x86"
  "$work/test_x86" --tolerance $tolerance  # vs the embedded PyTorch golden
  if [[ " $host_targets " != *" portable "* ]]; then
    for other in ${compilers% *}; do
      [ "$other" != "$cc" ] || continue
      echo "== $other $cflags -mavx2 -mfma -fsyntax-only"
      # shellcheck disable=SC2086
      $other $cflags -mavx2 -mfma -fsyntax-only "$work/x86/model.c" "$work/x86/model_test.c"
    done
  fi
else
  echo "== (this CPU has no AVX2+FMA: the x86-64 target is not run here)"
fi
rm -rf "$work"  # generated C for the big models runs to hundreds of MB; keep it only when a check failed
