#!/usr/bin/env bash
# The memory plan's user-facing side: `info --memory`, DIR/NAME.memplan.json, and --ram-budget / --flash-budget
# failing the compile with a one-line error naming the peak layer (exit 1, nothing written).
# usage: check_memory.sh SHUFFLEC MODEL WORK_DIR
set -euo pipefail
shufflec=$1 model=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }

table=$("$shufflec" info --memory "$model")
echo "$table" | tail -8
echo "$table" | grep -q "^arena: [0-9]* bytes; liveness lower bound: [0-9]* bytes" || fail "info --memory: no arena line"
echo "$table" | grep -q "^peak at step [0-9]* ('.*'), live: " || fail "info --memory: no peak line"
echo "$table" | grep -q "in place: channel slice of" || fail "info --memory: no in-place concat slice reported"

"$shufflec" compile "$model" -o "$work/ok" --prefix net
arena=$(sed -n 's/.*"arena_bytes": \([0-9]*\).*/\1/p' "$work/ok/net.memplan.json" | head -1)
bound=$(sed -n 's/.*"lower_bound_bytes": \([0-9]*\).*/\1/p' "$work/ok/net.memplan.json")
peak=$(sed -n 's/.*"peak_layer": "\(.*\)".*/\1/p' "$work/ok/net.memplan.json")
[ -n "$arena" ] && [ -n "$bound" ] && [ -n "$peak" ] || fail "memplan.json lacks arena_bytes/lower_bound_bytes/peak_layer"
grep -q "#define NET_ARENA_BYTES $arena\$" "$work/ok/net.h" || fail "header arena differs from memplan.json"
awk -v a="$arena" -v b="$bound" 'BEGIN { exit !(a <= 1.05 * b) }' || fail "arena $arena > 1.05 x lower bound $bound"

# A budget one byte too small fails, naming the peak layer; exactly the arena passes.
set +e
err=$("$shufflec" compile "$model" -o "$work/small" --prefix net --ram-budget=$((arena - 1)) 2>&1 >/dev/null)
status=$?
set -e
echo "$err"
[ $status -eq 1 ] || fail "--ram-budget too small: exit $status, expected 1"
[ "$(echo "$err" | wc -l)" -eq 1 ] || fail "--ram-budget error is not one line"
echo "$err" | grep -q "^shufflec: error: .*node '$peak': the activation arena needs $arena bytes, over the --ram-budget" ||
  fail "--ram-budget error does not name the peak layer '$peak'"
[ -z "$(ls -A "$work/small" 2>/dev/null)" ] || fail "--ram-budget failure left files behind"
"$shufflec" compile "$model" -o "$work/exact" --prefix net --ram-budget=$arena
"$shufflec" compile "$model" -o "$work/kilo" --prefix net --ram-budget=$(((arena + 1023) / 1024))K

# The footprint: info --memory measures with the host compiler; a plain compile estimates, and says so.
echo "$table" | grep -q "^flash: [0-9]* bytes = code [0-9]* + weights [0-9]* + " || fail "info --memory: no flash line"
echo "$table" | grep -q "^RAM: [0-9]* bytes = arena $arena + stack bound " || fail "info --memory: no RAM line"
grep -q '"measured": false' "$work/ok/net.memplan.json" && grep -q '"method": "estimated' "$work/ok/net.memplan.json" ||
  fail "memplan.json: an unmeasured flash figure is not labelled estimated"

set +e
err=$("$shufflec" compile "$model" -o "$work/flash" --prefix net --flash-budget=1000 2>&1 >/dev/null)
status=$?
set -e
echo "$err"
[ $status -eq 1 ] && echo "$err" | grep -q "over the --flash-budget of 1000 bytes" || fail "--flash-budget not enforced"
echo "ok"
