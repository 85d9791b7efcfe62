#!/usr/bin/env bash
# The footprint contract for the Cortex-M target (docs/generated-c.md, "Footprint"): `info --memory --target` and
# NAME.memplan.json report flash measured with arm-none-eabi-gcc, equal to what arm-none-eabi-size says of the
# object built the same way, and RAM = arena + stack bound; --flash-budget one byte short fails naming the layer
# that takes the most flash (exit 1, nothing written), the exact figure passes; budgets take K suffixes.
# usage: check_footprint.sh SHUFFLEC MODEL WORK_DIR [SHUFFLEC_OPTION...]
set -euo pipefail
shufflec=$1 model=$2 work=$3
shift 3
target=thumbv7em-none-eabihf
fail() { echo "FAIL: $*"; exit 1; }
json() { sed -n "s/.*\"$1\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}\$/\1/p" "$2" | head -1; }
rm -rf "$work" && mkdir -p "$work"

table=$("$shufflec" info --memory "$model" --target $target "$@")
echo "$table" | tail -5
echo "$table" | grep -q "^footprint for target cortex-m (measured: arm-none-eabi-gcc -std=c99 -O2 " ||
  fail "info --memory --target: flash not measured with arm-none-eabi-gcc"
info_flash=$(echo "$table" | sed -n 's/^flash: \([0-9]*\) bytes = .*/\1/p')

"$shufflec" compile "$model" -o "$work/ok" --prefix net --target $target "$@"
plan=$work/ok/net.memplan.json
flash=$(json flash_bytes "$plan") ram=$(json ram_bytes "$plan") measured=$(json measured "$plan")
arena=$(sed -n 's/^#define NET_ARENA_BYTES \([0-9]*\).*/\1/p' "$work/ok/net.h")
stack=$(sed -n 's/^#define NET_STACK_BYTES \([0-9]*\).*/\1/p' "$work/ok/net.h")
[ "$measured" = true ] || fail "memplan.json: flash not measured for a bare-metal target"
[ "$flash" = "$info_flash" ] || fail "memplan.json flash $flash differs from info --memory's $info_flash"
[ "$ram" -eq $((arena + stack)) ] || fail "RAM $ram is not arena $arena + stack bound $stack"

# The same object measured by binutils: text (code + read-only data) + data.
read -r -a flags <<<"$("$shufflec" flags --target $target)"
arm-none-eabi-gcc -std=c99 -O2 "${flags[@]}" -c "$work/ok/net.c" -o "$work/net.o"
size=$(arm-none-eabi-size "$work/net.o" | awk 'NR == 2 { print $1 + $2 }')
echo "flash: shufflec $flash bytes, arm-none-eabi-size $size bytes; RAM $ram bytes (arena $arena + stack $stack)"
[ "$flash" -eq "$size" ] || fail "shufflec's flash $flash differs from arm-none-eabi-size's $size"

# The largest contributor by the memplan's per-layer list (weights + code).
largest=$(/usr/bin/python3 -c "import json, sys; f = json.load(open(sys.argv[1]))['footprint']['flash_by_layer']; \
print(max(f, key=lambda l: l['weights_bytes'] + l['code_bytes'])['layer'])" "$plan")
set +e
err=$("$shufflec" compile "$model" -o "$work/small" --prefix net --target $target "$@" --flash-budget=$((flash - 1)) \
  2>&1 >/dev/null)
status=$?
set -e
echo "$err"
[ $status -eq 1 ] || fail "--flash-budget too small: exit $status, expected 1"
[ "$(echo "$err" | wc -l)" -eq 1 ] || fail "--flash-budget error is not one line"
echo "$err" | grep -q "node '$largest': flash needs $flash bytes (code .*), over the --flash-budget of $((flash - 1)) bytes (largest contributor: this layer" ||
  fail "--flash-budget error does not name the largest contributor '$largest'"
[ -z "$(ls -A "$work/small" 2>/dev/null)" ] || fail "--flash-budget failure left files behind"
"$shufflec" compile "$model" -o "$work/exact" --prefix net --target $target "$@" --flash-budget=$flash \
  --ram-budget=$(((arena + 1023) / 1024))K
rm -rf "$work"
echo ok
