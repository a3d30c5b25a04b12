#!/usr/bin/env bash
# boot.sh [--cache DIR] WORK_DIR
# Boots the emulated KVM host once: a Debian kernel under QEMU TCG with an emulated AMD SVM CPU
# (-cpu max), whose kvm_amd module offers a real /dev/kvm inside. WORK_DIR/payload becomes the
# guest's / (its executables' shared libraries are added), /run.sh in it is run as root by busybox sh.
# The serial console is this script's stdout; see init.sh for the markers it carries.
# Kernel, modules and the base initramfs are cached in the cache dir (SKIFF_TEST_CACHE, default
# ~/.cache/skiff-test). Exit status: QEMU's (0 after the guest powered off); 2 = preparation failed.
# env: EMULATED_KVM_CPU (max)  EMULATED_KVM_MEM MiB (1024)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${SKIFF_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/skiff-test}
if [ "${1:-}" = "--cache" ]; then cache=$2; shift 2; fi
work=${1:?usage: boot.sh [--cache DIR] WORK_DIR}
[ -d "$work/payload" ] || { echo "boot.sh: $work/payload is not a directory" >&2; exit 2; }
command -v qemu-system-x86_64 >/dev/null ||
  { echo "boot.sh: qemu-system-x86_64 not found (Debian package qemu-system-x86)" >&2; exit 2; }

# Several runs may share the cache (ctest -j): one at a time prepares it.
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
kdir=$("$here/fetch-kernel.sh" "$cache")
base=$cache/base.cpio.gz
# Rebuild the cached base when the kernel or this harness changed since it was built.
if [ ! -f "$base" ] || [ "$kdir/ready" -nt "$base" ] || [ "$here/init.sh" -nt "$base" ] ||
   [ "$here/make-initramfs.sh" -nt "$base" ]; then
  "$here/make-initramfs.sh" base "$kdir" "$base"
fi
flock -u 9
exec 9>&-
"$here/make-initramfs.sh" payload "$work/payload" "$work/payload.cpio.gz"
cat "$base" "$work/payload.cpio.gz" > "$work/initrd.gz"

# quiet + loglevel=1 keep kernel messages from splitting the marker lines on the console.
exec qemu-system-x86_64 -accel tcg -cpu "${EMULATED_KVM_CPU:-max}" -m "${EMULATED_KVM_MEM:-1024}" -smp 1 \
  -nographic -no-reboot -nic none -monitor none -serial stdio \
  -kernel "$kdir/vmlinuz" -initrd "$work/initrd.gz" \
  -append "console=ttyS0 quiet loglevel=1 panic=-1"
