#!/usr/bin/env bash
# Installs every Debian package skiff needs to build, test and run guest tests. Idempotent.
# Usage: tools/install-deps.sh   (as root, or with sudo available)
set -euo pipefail
packages=(
  build-essential cmake pkg-config clang clang-format clang-tidy libfuzzer-14-dev
  libelf-dev libcli11-dev libgtest-dev libgmock-dev nlohmann-json3-dev libseccomp-dev libbenchmark-dev
  liburing-dev
  qemu-system-x86 busybox-static cpio xz-utils iproute2 iputils-ping file
  strace util-linux procps gdb help2man man-db
  containerd runc umoci skopeo python3-yaml
)
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# The emulated KVM host downloads (never installs) the kernel package behind linux-image-amd64,
# so the package lists must know it.
lists_stale=0
apt-cache show linux-image-amd64 >/dev/null 2>&1 || lists_stale=1
if [ ${#missing[@]} -gt 0 ] || [ $lists_stale = 1 ]; then
  "${sudo_cmd[@]}" apt-get update -qq
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
