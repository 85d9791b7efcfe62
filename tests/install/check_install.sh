#!/usr/bin/env bash
# Installs shufflec from BUILD_DIR into a temporary prefix, then configures, builds and runs tests/install/consumer
# against that prefix only: find_package(shufflec) and shufflec_add_model() as a user's project sees them.
# usage: check_install.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 source=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/shufflec-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
[ -x "$work/prefix/bin/shufflec" ] || { echo "FAIL: no bin/shufflec in the install"; exit 1; }
# The consumer sees the install through CMAKE_PREFIX_PATH only, and the build tree's shufflec is not on PATH.
env -u CMAKE_PREFIX_PATH PATH=/usr/bin:/bin cmake -S "$source/tests/install/consumer" -B "$work/build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DSHUFFLEC_TEST_MODEL="$source/samples/hand/tiny.json" >/dev/null
cmake --build "$work/build"
grep -q "$work/prefix/bin/shufflec" "$work/build/build.ninja" ||
  { echo "FAIL: the consumer does not run the installed shufflec"; exit 1; }
"$work/build/consumer"
