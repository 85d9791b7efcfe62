#!/usr/bin/env bash
# Builds the fuzz targets in their own build folder (clang 14, -fsanitize=fuzzer,address,undefined, ccache) and runs
# each for a bounded time, side by side, at low priority. The corpus grows in BUILD/fuzz-corpus/TARGET
# (seeded from tests/fuzz/corpus and make_corpus.py), findings land in BUILD/fuzz-artifacts/TARGET, each run's log
# in BUILD/fuzz-logs/TARGET.log. See docs/fuzzing.md.
# usage: tests/fuzz/run.sh [SECONDS_PER_TARGET (default 60)] [TARGET ...]   TARGET: json, onnx, npy (default: all)
# env:   BUILD_DIR (default build-fuzz); FUZZ_FLAGS (more libFuzzer flags, see run_target.sh)
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$src/build-fuzz}
seconds=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then targets=(json onnx npy); fi

export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$src}  # ccache keeps its own default cache folder
if [ ! -f "$build/CMakeCache.txt" ]; then
  launcher=()
  if command -v ccache >/dev/null; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  fi
  cmake -S "$src" -B "$build" -G Ninja -DSHUFFLEC_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_C_COMPILER=clang-14 "${launcher[@]}"
fi
nice cmake --build "$build" --target "${targets[@]/#/fuzz_}"

seeds=$build/fuzz-seeds
if [ ! -d "$seeds" ]; then
  cp -r "$src/tests/fuzz/corpus" "$seeds"
  /usr/bin/python3 "$src/tests/fuzz/make_corpus.py" "$src" "$seeds" --extra || true
fi
mkdir -p "$build/fuzz-logs"
status=0
# The targets run side by side (the machine's cores share them; CI's 2 cores take three short runs in the time of
# one), then each reports.
pids=()
for t in "${targets[@]}"; do
  echo "== fuzz_$t for $seconds s (log: $build/fuzz-logs/$t.log)"
  nice "$src/tests/fuzz/run_target.sh" "$build/tests/fuzz/fuzz_$t" "$seeds/$t" "$seconds" \
    "$build/fuzz-corpus/$t" "$build/fuzz-artifacts/$t" >"$build/fuzz-logs/$t.log" 2>&1 &
  pids+=($!)
done
for i in "${!targets[@]}"; do
  t=${targets[$i]}
  wait "${pids[$i]}" || { status=1; echo "FAIL: fuzz_$t (log: $build/fuzz-logs/$t.log)"; }
  echo "== fuzz_$t"
  { grep -E '^#[0-9]+: cov' "$build/fuzz-logs/$t.log" | tail -1
    grep -E '^#[0-9]+ +DONE|^stat::|^ok:|^FAIL' "$build/fuzz-logs/$t.log"; } || true
  echo "   corpus: $(ls "$build/fuzz-corpus/$t" | wc -l) files, $(du -sh "$build/fuzz-corpus/$t" | cut -f1)"
done
exit $status
