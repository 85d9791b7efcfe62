#!/usr/bin/env bash
# --emit=obj|lib: one command from a model to an object / static library for each target triple, via clang.
# usage: check_emit_lib.sh SHUFFLEC MODEL WORK_DIR
set -euo pipefail
shufflec=$1 model=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
check() {  # TARGET EMIT FILE MACHINE-PATTERN
  "$shufflec" compile "$model" --target "$1" --emit="$2" -o "$work/$1" --prefix net
  [ -f "$work/$1/$3" ] || { echo "FAIL: --target $1 --emit=$2 did not produce $3"; exit 1; }
  if [ "$2" = lib ]; then
    (cd "$work/$1" && ar x "$3" && readelf -h net.o | grep -q "Machine: *$4") || { echo "FAIL: $3 is not $4"; exit 1; }
    nm "$work/$1/$3" | grep -q " T net_run" || { echo "FAIL: $3 does not define net_run"; exit 1; }
  else
    readelf -h "$work/$1/$3" | grep -q "Machine: *$4" || { echo "FAIL: $3 is not $4"; exit 1; }
  fi
  echo "ok: --target $1 --emit=$2 -> $3 ($4)"
}
check aarch64-linux-gnu lib libnet.a "AArch64"
check armv7a-linux-gnueabihf+neon obj net.o "ARM"
check x86_64-linux-gnu+avx2,fma lib libnet.a "Advanced Micro Devices X86-64"
check x86_64-linux-gnu+avx512f,avx512bw,avx512vl obj net.o "Advanced Micro Devices X86-64"
check c obj net.o ""
# Bare metal (Cortex-M4F/M7) against newlib's headers, where the Debian package is installed (tools/setup.sh does).
if [ -d /usr/lib/arm-none-eabi/include ]; then
  check thumbv7em-none-eabihf lib libnet.a "ARM"
  readelf -A "$work/thumbv7em-none-eabihf/net.o" | grep -q "Tag_CPU_arch: v7E-M" ||
    { echo "FAIL: the thumbv7em object is not built for ARMv7E-M"; exit 1; }
  readelf -A "$work/thumbv7em-none-eabihf/net.o" | grep -q "Tag_ABI_VFP_args: VFP registers" ||
    { echo "FAIL: the thumbv7em object does not use the hard-float ABI"; exit 1; }
fi
