#!/usr/bin/env bash
# fetch-kernel.sh CACHE_DIR
# Makes sure CACHE_DIR/kernel holds an unpacked Debian kernel (vmlinuz + its modules) and prints
# that directory. The package linux-image-amd64 currently depends on is downloaded with
# `apt-get download` and unpacked with `dpkg -x`: nothing is installed on this machine.
set -euo pipefail
cache=${1:?usage: fetch-kernel.sh CACHE_DIR}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
kdir=$cache/kernel
if [ -f "$kdir/ready" ]; then echo "$kdir"; exit 0; fi

for tool in apt-cache apt-get dpkg; do
  command -v "$tool" >/dev/null || { echo "fetch-kernel: $tool not found (need a Debian-like host to fetch the kernel)" >&2; exit 2; }
done
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
[ -n "$pkg" ] || { echo "fetch-kernel: cannot resolve the package behind linux-image-amd64 (run apt-get update)" >&2; exit 2; }

dl=$cache/download
mkdir -p "$dl"
if ! ls "$dl/${pkg}"_*.deb >/dev/null 2>&1; then
  # apt drops privileges to _apt where it can; a root-owned cache dir then needs no chmod dance.
  (cd "$dl" && apt-get download "$pkg" >/dev/null 2>"$dl/apt.log") ||
    { echo "fetch-kernel: apt-get download $pkg failed: $(tail -1 "$dl/apt.log")" >&2; exit 2; }
fi
rm -rf "$kdir.tmp"
dpkg -x "$dl/${pkg}"_*.deb "$kdir.tmp"
kver=$(ls "$kdir.tmp/lib/modules" | head -1)
ln -s "boot/vmlinuz-$kver" "$kdir.tmp/vmlinuz"
ln -s "lib/modules/$kver" "$kdir.tmp/modules"
echo "$pkg" > "$kdir.tmp/package"
touch "$kdir.tmp/ready"
rm -rf "$kdir"; mv "$kdir.tmp" "$kdir"
rm -f "$dl/${pkg}"_*.deb   # the unpacked tree is all we use
echo "$kdir"
