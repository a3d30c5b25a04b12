#!/usr/bin/env bash
# Installs every Debian package skiff needs to build, test and run guest tests. Idempotent.
# Usage: tools/install-deps.sh   (as root, or with sudo available)
set -euo pipefail
packages=(
  build-essential cmake pkg-config clang clang-format clang-tidy libfuzzer-14-dev
  libelf-dev libcli11-dev libgtest-dev libgmock-dev nlohmann-json3-dev libseccomp-dev libbenchmark-dev
  liburing-dev
  qemu-system-x86 busybox-static cpio xz-utils iproute2 iputils-ping file
  strace util-linux procps gdb gdb-multiarch help2man man-db
  containerd runc umoci skopeo python3-yaml
  # aarch64: the cross compiler, the emulated arm64 KVM host (tools/emulated-kvm/boot.sh --arch
  # arm64; fakeroot lets a non-root user put /dev/console into its initramfs), and the target's
  # static archives for a -DSKIFF_STATIC=ON cross build (libzstd: libelf.a needs it).
  qemu-system-arm gcc-aarch64-linux-gnu g++-aarch64-linux-gnu libc6-dev-arm64-cross fakeroot
  libelf-dev:arm64 libseccomp-dev:arm64 zlib1g-dev:arm64 liburing-dev:arm64 libzstd-dev:arm64
)
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
lists_stale=0
# The :arm64 packages need dpkg to know that architecture (and package lists that include it).
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  "${sudo_cmd[@]}" dpkg --add-architecture arm64
  lists_stale=1
fi
missing=()
for p in "${packages[@]}"; do
  # dpkg-query takes NAME:ARCH as it is; a native package is found by its bare name.
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# The emulated KVM hosts download (never install) the kernel package behind linux-image-amd64 and
# linux-image-arm64:arm64, and busybox-static:arm64, so the package lists must know them.
for p in linux-image-amd64 linux-image-arm64:arm64 busybox-static:arm64; do
  apt-cache show "$p" >/dev/null 2>&1 || lists_stale=1
done
if [ ${#missing[@]} -gt 0 ] || [ $lists_stale = 1 ]; then
  "${sudo_cmd[@]}" apt-get update -qq
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
