#!/usr/bin/env bash
# Runs one must-fail case of tests/errors/cases.tsv and checks how shufflec fails:
#   - exit status exactly 1 (not 0, not a crash or a signal, not a hang);
#   - nothing on stdout, and exactly one line on stderr;
#   - the line starts with "shufflec: error: ", then the case's path (and "node 'NAME': " where a node is at
#     fault), and contains the expected text;
#   - the output directory is still empty (no half-written output).
# {FIFO} in the arguments is a FIFO made here ({FIFO}.onnx a link to it) (nothing ever writes to it: reading it would hang). A case named
# *_fifo.json runs from a copy beside a FIFO standing in for its weights file, <stem>.weights.
# usage: run_case.sh SHUFFLEC CASES_DIR MANIFEST CASE
set -u
shufflec=$1 cases=$2 manifest=$3 case=$4

fail() {
  echo "FAIL [$case]: $*"
  echo "  command: shufflec ${words[*]:-}"
  echo "  exit status: ${status:-?}"
  echo "  stdout: $(cat "$work/stdout" 2>/dev/null)"
  echo "  stderr: $(cat "$work/stderr" 2>/dev/null)"
  exit 1
}

line=$(awk -F '\t' -v c="$case" '$1 == c { print; exit }' "$manifest")
[ -n "$line" ] || { echo "case '$case' is not in $manifest"; exit 1; }
IFS=$'\t' read -r _ expected location args <<<"$line"
default_args='compile {CASE} -o {OUT}'
location=${location:-file}
args=${args:-$default_args}

work=$(mktemp -d "${TMPDIR:-/tmp}/shufflec-errors.XXXXXX")
trap 'rm -rf "$work"' EXIT
out="$work/out"
mkdir "$out"
case_path="$cases/$case"
mkfifo "$work/fifo"
ln -s fifo "$work/fifo.onnx"  # {FIFO}.onnx: the same FIFO where the name must say ONNX
if [[ $case == *_fifo.json ]]; then
  cp "$cases/$case" "$work/$case"
  mkfifo "$work/${case%.json}.weights"
  case_path="$work/$case"
fi

read -r -a words <<<"$args"
for i in "${!words[@]}"; do
  w=${words[$i]}
  w=${w//\{CASES\}/$cases}
  w=${w//\{CASE\}/$case_path}
  w=${w//\{OUT\}/$out}
  w=${w//\{FIFO\}/$work/fifo}
  words[$i]=$w
done

timeout 30 "$shufflec" "${words[@]}" >"$work/stdout" 2>"$work/stderr"
status=$?

[ "$status" -ne 124 ] || fail "timed out (a hang)"
[ "$status" -le 128 ] || fail "killed by signal $((status - 128)) (a crash)"
[ "$status" -eq 1 ] || fail "exit status $status, expected 1"
[ ! -s "$work/stdout" ] || fail "stdout is not empty"
[ "$(wc -l <"$work/stderr")" -eq 1 ] && [ "$(tail -c 1 "$work/stderr" | od -An -c | tr -d ' ')" = '\n' ] ||
  fail "stderr is not exactly one line"
message=$(cat "$work/stderr")

prefix="shufflec: error: "
case $location in
  file) prefix+="$case_path: " ;;
  node=*) prefix+="$case_path: node '${location#node=}': " ;;
  none) ;;
  *) echo "bad location '$location' for case '$case' in $manifest"; exit 1 ;;
esac
[[ "$message" == "$prefix"* ]] || fail "the message does not start with: $prefix"
[[ "$message" == *"$expected"* ]] || fail "the message does not contain: $expected"

leftovers=$(find "$out" -mindepth 1 -print)
[ -z "$leftovers" ] || fail "files were left in the output directory: $leftovers"
echo "ok [$case]: $message"
