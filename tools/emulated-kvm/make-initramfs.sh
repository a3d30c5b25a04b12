#!/usr/bin/env bash
# make-initramfs.sh base KERNEL_DIR OUT.cpio.gz
#   The cached part: static busybox, the kernel modules that give a /dev/kvm (kvm_amd and what it
#   depends on), /dev/net/tun (tun) and bridges (bridge), and /init.
# make-initramfs.sh payload DIR OUT.cpio.gz
#   The per-run part: DIR's tree becomes the guest's /, plus the shared libraries every dynamically
#   linked executable in DIR needs (from ldd), at the same paths as on this host. Executables lose
#   their debug info on the way in.
# The kernel unpacks both archives when they are concatenated into one initrd.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mode=${1:-}; src=${2:-}; out=${3:-}
[ -n "$out" ] || { echo "usage: make-initramfs.sh base KERNEL_DIR OUT | payload DIR OUT" >&2; exit 2; }
out=$(readlink -f "$out")
stage=$(mktemp -d); trap 'rm -rf "$stage"' EXIT

pack() { (cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) > "$out.tmp" && mv "$out.tmp" "$out"; }

# The module file of NAME (modules may use - or _ in their file names; Debian may compress them).
module_file() {
  find "$kmods/kernel" \( -name "$1.ko*" -o -name "${1//_/-}.ko*" \) -print -quit
}
module_cat() {
  case "$1" in *.xz) xz -dc "$1" ;; *.zst) zstd -dcq "$1" ;; *.gz) gzip -dc "$1" ;; *) cat "$1" ;; esac
}
# Appends NAME and, first, its depends= modules to the load order (no modules.dep in an unpacked package).
load_order=()
add_module() {
  local name=${1//-/_} dep file
  for dep in "${load_order[@]:-}"; do [ "$dep" = "$name" ] && return 0; done
  grep -q "/${name//_/[-_]}\.ko" "$kmods/modules.builtin" 2>/dev/null && return 0
  file=$(module_file "$name")
  [ -n "$file" ] || { echo "make-initramfs: kernel module $name not found under $kmods" >&2; exit 2; }
  for dep in $(module_cat "$file" | tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' '); do add_module "$dep"; done
  module_cat "$file" > "$stage/lib/emulated-kvm/$name.ko"
  load_order+=("$name")
}

case "$mode" in
base)
  kmods=$(readlink -f "$src/modules")
  busybox=$(command -v busybox || true)
  [ -n "$busybox" ] && file -L "$busybox" | grep -q 'statically linked' ||
    { echo "make-initramfs: need a statically linked busybox (Debian package busybox-static)" >&2; exit 2; }
  mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,lib/emulated-kvm}
  cp "$busybox" "$stage/bin/busybox"
  ln -s busybox "$stage/bin/sh"
  for m in kvm_amd tun bridge; do add_module "$m"; done
  echo "${load_order[*]}" > "$stage/lib/emulated-kvm/load-order"
  install -m 755 "$here/init.sh" "$stage/init"
  pack
  ;;
payload)
  cp -a "$src/." "$stage/"
  find "$src" -type f -perm -u+x | while read -r exe; do
    file -L "$exe" | grep -q 'ELF' || continue
    # Debug info only slows the emulated kernel's unpacking down.
    if command -v strip >/dev/null; then strip --strip-debug "$stage/${exe#"$src"/}" 2>/dev/null || true; fi
    file -L "$exe" | grep -q 'dynamically linked' || continue
    ldd "$exe" | grep -o '/[^ ]*' | while read -r lib; do
      [ -e "$stage$lib" ] || { mkdir -p "$stage$(dirname "$lib")"; cp -L "$lib" "$stage$lib"; }
    done
  done
  pack
  ;;
*) echo "make-initramfs: unknown mode '$mode' (base or payload)" >&2; exit 2 ;;
esac
