#!/usr/bin/env bash
# Installs the Debian packages shufflec needs (only those missing) and builds it into build/ (or $BUILD_DIR).
# Sourced by tools/demo.sh and tools/test.sh; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake ninja-build g++ gcc clang llvm-14-dev libfmt-dev nlohmann-json3-dev catch2 libclang-rt-14-dev
          gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf qemu-user libc6-dev-arm64-cross libc6-dev-armhf-cross dataset-fashion-mnist
          libprotobuf-dev libonnx-dev python3-onnx python3-torch python3-numpy nodejs npm
          gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm ca-certificates)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Debian ships npm apart from nodejs; a nodejs from elsewhere (e.g. NodeSource's, which bundles npm) conflicts with
# Debian's npm package, so only ask for the package when the command is missing.
if command -v npm >/dev/null; then missing=("${missing[@]/#npm/}"); fi
missing=(${missing[@]})
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  # Without the packages' recommendations (python3-torch's bring libtorch-dev and a C++ toolchain for extensions,
  # qemu-system-arm's a GUI): 854 packages and 708 MB instead of 1,191 and 1.2 GB on a minbase Debian 12 root; with
  # cmake, g++, clang and nodejs already there, 187 s to install the rest instead of 334 s. ca-certificates, which
  # npm needs for its registry and nodejs only recommends, is in the list above.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

build=${BUILD_DIR:-build}
# -g1 (line tables: enough for sanitizer reports and profiles); full -g made the largest file compile 27% slower.
# SHUFFLEC_WERROR=ON in the environment turns the compiler's warnings into errors (.ci/run does).
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" -DSHUFFLEC_WERROR="${SHUFFLEC_WERROR:-OFF}" "$@" >/dev/null
cmake --build "$build" -j"$(nproc)"
