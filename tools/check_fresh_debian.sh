#!/usr/bin/env bash
# Runs the README's two commands in a clean Debian 12 root, as a new user would: a minbase debootstrap with only git,
# ca-certificates and sudo added, a clone of this repository's HEAD, then tools/demo.sh and tools/test.sh.
# A machine where packages were installed by hand hides a missing install step; this does not.
# Usage (as root): tools/check_fresh_debian.sh [ROOT_DIR]   (default /var/tmp/shufflec-fresh; reused if present)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
root=${1:-/var/tmp/shufflec-fresh}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

if [ ! -x "$root/usr/bin/apt-get" ]; then
  command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }
  debootstrap --variant=minbase bookworm "$root" "$mirror"
fi
cp /etc/resolv.conf "$root/etc/resolv.conf"
mounted=()
cleanup() { for m in "${mounted[@]}"; do umount -l "$m" || true; done; }
trap cleanup EXIT
for m in proc sys dev dev/pts; do
  mountpoint -q "$root/$m" || { mount --bind "/$m" "$root/$m"; mounted+=("$root/$m"); }
done
chroot "$root" /bin/bash -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq git ca-certificates sudo >/dev/null'
# The machine's own extra certificate authorities (e.g. a TLS-inspecting egress proxy's) are part of its network, not
# of the project: carry them over, as a fresh machine on the same network would have them.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  chroot "$root" update-ca-certificates >/dev/null
fi
rm -rf "$root/root/shufflec"
git clone -q "$repo" "$root/root/shufflec"
run() { chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
          NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt CI=true /bin/bash -c "cd /root/shufflec && $1"; }
if [ -n "${FRESH_ONLY:-}" ]; then  # e.g. FRESH_ONLY='tools/setup.sh && ctest --test-dir build -L onnx'
  run "$FRESH_ONLY"
  exit
fi
echo "== fresh root: tools/demo.sh"
run tools/demo.sh
echo "== fresh root: tools/test.sh"
run tools/test.sh
echo "== fresh root: both README commands passed"
