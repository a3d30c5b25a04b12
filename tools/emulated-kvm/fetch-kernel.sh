#!/usr/bin/env bash
# fetch-kernel.sh [--arch x86_64|arm64] CACHE_DIR
# Makes sure CACHE_DIR/kernel holds an unpacked Debian kernel for that architecture (vmlinuz + its
# modules) and prints that directory. The package linux-image-amd64 (or linux-image-arm64:arm64)
# currently depends on is downloaded with `apt-get download` and unpacked with `dpkg -x`: nothing is
# installed on this machine. For arm64 busybox-static:arm64 is unpacked into the same tree
# (bin/busybox): this machine's busybox cannot run in there. The tree's `arch` file names the
# architecture. The caller picks an architecture's own CACHE_DIR (boot.sh: CACHE/arm64 for arm64).
set -euo pipefail
arch=x86_64
if [ "${1:-}" = "--arch" ]; then arch=$2; shift 2; fi
cache=${1:?usage: fetch-kernel.sh [--arch x86_64|arm64] CACHE_DIR}
case "$arch" in
  x86_64) meta=linux-image-amd64; extra=() ;;
  arm64) meta=linux-image-arm64:arm64; extra=(busybox-static:arm64) ;;
  *) echo "fetch-kernel: unknown architecture '$arch' (x86_64 or arm64)" >&2; exit 2 ;;
esac
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
kdir=$cache/kernel
if [ -f "$kdir/ready" ]; then echo "$kdir"; exit 0; fi

for tool in apt-cache apt-get dpkg; do
  command -v "$tool" >/dev/null || { echo "fetch-kernel: $tool not found (need a Debian-like host to fetch the kernel)" >&2; exit 2; }
done
pkg=$(apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
if [ -z "$pkg" ]; then
  hint="run apt-get update"
  [ "$arch" = arm64 ] && hint="dpkg --add-architecture arm64 && apt-get update; tools/install-deps.sh does both"
  echo "fetch-kernel: cannot resolve the package behind $meta ($hint)" >&2; exit 2
fi

dl=$cache/download
mkdir -p "$dl"
# The .deb of PACKAGE[:ARCH] in the download dir (file names carry no :ARCH).
deb_of() { ls "$dl/${1%%:*}"_*.deb 2>/dev/null | head -1; }
for p in "$pkg" "${extra[@]}"; do
  [ -n "$(deb_of "$p")" ] && continue
  # apt drops privileges to _apt where it can; a root-owned cache dir then needs no chmod dance.
  (cd "$dl" && apt-get download "$p" >/dev/null 2>"$dl/apt.log") ||
    { echo "fetch-kernel: apt-get download $p failed: $(tail -1 "$dl/apt.log")" >&2; exit 2; }
done
rm -rf "$kdir.tmp"
for p in "$pkg" "${extra[@]}"; do dpkg -x "$(deb_of "$p")" "$kdir.tmp"; done
kver=$(ls "$kdir.tmp/lib/modules" | head -1)
ln -s "boot/vmlinuz-$kver" "$kdir.tmp/vmlinuz"
ln -s "lib/modules/$kver" "$kdir.tmp/modules"
echo "$pkg" > "$kdir.tmp/package"
echo "$arch" > "$kdir.tmp/arch"
touch "$kdir.tmp/ready"
rm -rf "$kdir"; mv "$kdir.tmp" "$kdir"
for p in "$pkg" "${extra[@]}"; do rm -f "$(deb_of "$p")"; done   # the unpacked tree is all we use
echo "$kdir"
