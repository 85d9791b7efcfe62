#!/usr/bin/env bash
# One hostile ONNX file of the must-fail corpus (tests/onnx/hostile, written by tools/onnx/make_hostile.py): each of
# `compile`, `convert`, `info` and `run` must exit with status 1 and print exactly one line, starting
# "shufflec: error: " and containing every expected text, print nothing on stdout and leave no output file behind.
# usage: check_hostile.sh SHUFFLEC HOSTILE_DIR WORK_DIR FILE
set -uo pipefail
shufflec=$1 dir=$2 work=$3 file=$4
line=$(awk -F'\t' -v f="$file" '$1 == f' "$dir/cases.tsv")
[ -n "$line" ] || { echo "FAIL: $file has no line in $dir/cases.tsv"; exit 1; }
IFS=$'\t' read -r -a fields <<<"$line"
args=${fields[-1]#args:}
expected=("${fields[@]:1:${#fields[@]}-2}")
fail=0
rm -rf "$work" && mkdir -p "$work"
printf '0 0 0 0' > "$work/input.bin"
for cmd in compile convert info run; do
  case $cmd in
    compile) argv=(compile "$dir/$file" -o "$work/out") ;;
    convert) argv=(convert "$dir/$file" -o "$work/out.json") ;;
    info) argv=(info "$dir/$file") ;;
    run) argv=(run "$dir/$file" --input "$work/input.bin" --output "$work/out.bin") ;;
  esac
  # shellcheck disable=SC2086
  "$shufflec" "${argv[@]}" $args >"$work/stdout" 2>"$work/stderr"
  status=$?
  err=$(cat "$work/stderr")
  lines=$(wc -l <"$work/stderr")
  if [ $status -ne 1 ]; then echo "FAIL: $cmd exited with status $status (expected 1): $err"; fail=1; fi
  if [ "$lines" -ne 1 ] || [[ $err != "shufflec: error: "* ]]; then
    echo "FAIL: $cmd: expected one line starting 'shufflec: error: ', got $lines lines: ${err:0:600}"; fail=1
  fi
  for e in "${expected[@]}"; do
    [[ $err == *"$e"* ]] || { echo "FAIL: $cmd: the error does not contain '$e': ${err:0:600}"; fail=1; }
  done
  if [ -s "$work/stdout" ]; then echo "FAIL: $cmd printed to stdout: $(head -c 300 "$work/stdout")"; fail=1; fi
  left=$(find "$work" -mindepth 1 ! -name stdout ! -name stderr ! -name input.bin)
  if [ -n "$left" ]; then echo "FAIL: $cmd left files behind: $left"; fail=1; fi
done
echo "${err:0:400}"
[ $fail -eq 0 ] && rm -rf "$work"
exit $fail
