#!/usr/bin/env bash
# boot.sh [--arch x86_64|arm64] [--cache DIR] WORK_DIR
# Boots the emulated KVM host once under QEMU TCG: a Debian kernel that offers a real /dev/kvm inside.
#   x86_64 (default): an emulated AMD SVM CPU (-cpu max) and the kernel's kvm_amd module.
#   arm64 (or aarch64): QEMU's virt board with EL2 (virtualization=on), KVM built into the kernel.
# WORK_DIR/payload becomes the guest's / (see make-initramfs.sh payload: native executables get
# their shared libraries, foreign ones must be static), /run.sh in it is run as root by busybox sh.
# The serial console is this script's stdout; see init.sh for the markers it carries.
# Kernel, modules and the base initramfs are cached in the cache dir (SKIFF_TEST_CACHE, default
# ~/.cache/skiff-test; arm64 in its arm64/ subdirectory). Exit status: QEMU's (0 after the guest
# powered off, whatever happened inside: read the markers); 2 = preparation failed.
# env: EMULATED_KVM_CPU (x86_64: max; arm64: max,pauth=off)  EMULATED_KVM_MEM MiB (1024)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${SKIFF_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/skiff-test}
arch=x86_64
while [ $# -gt 0 ]; do
  case "$1" in
    --cache) cache=$2; shift 2 ;;
    --arch) arch=$2; shift 2 ;;
    *) break ;;
  esac
done
work=${1:?usage: boot.sh [--arch x86_64|arm64] [--cache DIR] WORK_DIR}
[ -d "$work/payload" ] || { echo "boot.sh: $work/payload is not a directory" >&2; exit 2; }
case "$arch" in
  x86_64) qemu=qemu-system-x86_64; qemu_pkg=qemu-system-x86 ;;
  arm64 | aarch64) arch=arm64; qemu=qemu-system-aarch64; qemu_pkg=qemu-system-arm; cache=$cache/arm64 ;;
  *) echo "boot.sh: unknown architecture '$arch' (x86_64 or arm64)" >&2; exit 2 ;;
esac
command -v "$qemu" >/dev/null || { echo "boot.sh: $qemu not found (Debian package $qemu_pkg)" >&2; exit 2; }

# Several runs may share the cache (ctest -j): one at a time prepares it.
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
kdir=$("$here/fetch-kernel.sh" --arch "$arch" "$cache")
base=$cache/base.cpio.gz
# Rebuild the cached base when the kernel or this harness changed since it was built.
if [ ! -f "$base" ] || [ "$kdir/ready" -nt "$base" ] || [ "$here/init.sh" -nt "$base" ] ||
   [ "$here/make-initramfs.sh" -nt "$base" ]; then
  "$here/make-initramfs.sh" base "$kdir" "$base"
fi
flock -u 9
exec 9>&-
"$here/make-initramfs.sh" payload "$work/payload" "$work/payload.cpio.gz" "$arch"
cat "$base" "$work/payload.cpio.gz" > "$work/initrd.gz"

mem=${EMULATED_KVM_MEM:-1024}
common=(-smp 1 -m "$mem" -nographic -no-reboot -nic none -monitor none -serial stdio
        -kernel "$kdir/vmlinuz" -initrd "$work/initrd.gz")
# quiet + loglevel=1 keep kernel messages from splitting the marker lines on the console.
if [ "$arch" = x86_64 ]; then
  exec "$qemu" -accel tcg -cpu "${EMULATED_KVM_CPU:-max}" "${common[@]}" \
    -append "console=ttyS0 quiet loglevel=1 panic=-1"
fi
# virtualization=on: the kernel starts at EL2, or it says "HYP mode not available" and has no KVM.
# pauth=off: emulating pointer authentication in software makes everything 4-5 times slower.
exec "$qemu" -M virt,virtualization=on,gic-version=3 -cpu "${EMULATED_KVM_CPU:-max,pauth=off}" "${common[@]}" \
  -append "console=ttyAMA0 quiet loglevel=1 panic=-1"
