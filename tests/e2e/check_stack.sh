#!/usr/bin/env bash
# The header's <PREFIX>_STACK_BYTES bounds the stack a run uses (run by ctest, see tests/e2e/CMakeLists.txt): each
# model's C is compiled with -fstack-usage at each optimisation level by each compiler, and the deepest call chain,
# the run function's frame plus the largest frame below it (layers call nothing of the module's), must fit the bound.
# usage: check_stack.sh SHUFFLEC ZOO_DIR WORK_DIR "CC..." "-O0 -O2 ..." TARGET MODEL...
#   TARGET: a --target for shufflec (c: the portable C); its flags (shufflec flags) are added to every compile.
set -euo pipefail
shufflec=$1 zoo=$2 work=$3 compilers=$4 levels=$5 target=$6
shift 6
cflags="-std=c99 -Wall -Wextra -Werror -pedantic"
target_flags=$("$shufflec" flags --target "$target")

rm -rf "$work" && mkdir -p "$work"
checked=0
for model in "$@"; do
  "$shufflec" compile "$zoo/$model.json" -o "$work/$model" --prefix model --target "$target"
  bound=$(sed -n 's/^#define MODEL_STACK_BYTES \([0-9]*\)$/\1/p' "$work/$model/model.h")
  [ -n "$bound" ] || { echo "FAIL: $model: model.h states no MODEL_STACK_BYTES"; exit 1; }
  for cc in $compilers; do
    for level in $levels; do
      dir="$work/$model/$cc$level"
      mkdir -p "$dir"
      # shellcheck disable=SC2086
      (cd "$dir" && $cc $cflags $target_flags $level -fstack-usage -c ../model.c -o model.o)
      # model.su: FILE:LINE[:COL]:FUNCTION <tab> BYTES <tab> static|dynamic[,bounded]
      result=$(awk -F'\t' -v bound="$bound" '
        { n = split($1, parts, ":"); fn = parts[n]; sub(/\..*/, "", fn) }
        $3 != "static" { print "FAIL: " fn " has a " $3 " frame"; bad = 1 }
        fn !~ /^(model_run|layer[0-9]+_[A-Za-z0-9_]*|sc_[a-z_]*)$/ { print "FAIL: unexpected function " $1; bad = 1 }
        fn == "model_run" { run = $2; next }
        $2 > deepest { deepest = $2; deepest_fn = fn }
        END {
          if (run == "") { print "FAIL: no frame for model_run"; exit 1 }
          if (bad) exit 1
          used = run + deepest
          printf "%s %d bytes (model_run %d + %s %d), bound %d\n", used <= bound ? "ok" : "FAIL:", used, run,
                 deepest_fn, deepest, bound
          exit used <= bound ? 0 : 1
        }' "$dir/model.su") || { echo "$model $cc $level: $result"; exit 1; }
      echo "$model $cc $level: $result"
      checked=$((checked + 1))
    done
  done
done
[ $checked -gt 0 ] || { echo "FAIL: nothing checked"; exit 1; }
rm -rf "$work"
