#!/usr/bin/env bash
# make-initramfs.sh base KERNEL_DIR OUT.cpio.gz
#   The cached part, for the architecture KERNEL_DIR/arch names (fetch-kernel.sh; x86_64 when
#   absent): static busybox (this host's for x86_64, KERNEL_DIR/bin/busybox for arm64), the kernel
#   modules that give a /dev/kvm (x86_64: kvm_amd and what it depends on; arm64 has KVM built in),
#   /dev/net/tun (tun) and bridges (bridge) unless built in, and /init. On arm64 also /dev/console,
#   without which the kernel gives /init no console and nothing is ever printed.
# make-initramfs.sh payload DIR OUT.cpio.gz [ARCH]
#   The per-run part for an ARCH (x86_64 or arm64, default x86_64) host: DIR's tree becomes the
#   guest's /. Executables lose their debug info on the way in. Those built for this machine get the
#   shared libraries they need (from ldd) at the same paths as here; one built for another machine
#   must be static (no ldd can list its libraries), and one built for a machine other than ARCH is
#   refused: it could never run in there.
# The kernel unpacks both archives when they are concatenated into one initrd.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mode=${1:-}; src=${2:-}; out=${3:-}
[ -n "$out" ] || { echo "usage: make-initramfs.sh base KERNEL_DIR OUT | payload DIR OUT [ARCH]" >&2; exit 2; }
out=$(readlink -f "$out")
stage=$(mktemp -d); trap 'rm -rf "$stage"' EXIT

# pack [COMMAND]: archives the stage, COMMAND (sh) run in it first. A device node needs root to
# create: not root, fakeroot (where installed) records COMMAND's mknod and hands cpio the node it
# "made", in the same session; no real node ever appears.
pack() {
  local wrap=()
  [ "$(id -u)" = 0 ] || ! command -v fakeroot >/dev/null || wrap=(fakeroot --)
  (cd "$stage" && "${wrap[@]}" sh -c "${1:-true} && find . | cpio -o -H newc --quiet" | gzip -1) > "$out.tmp" &&
    mv "$out.tmp" "$out"
}

# ELF e_machine of the two architectures; elf_machine prints a file's (nothing when not ELF).
declare -A machine_of=([x86_64]=62 [arm64]=183)
elf_machine() {
  [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ] || return 0
  od -An -tu2 -j 18 -N 2 "$1" | tr -d ' '
}
native_arch() { case "$(uname -m)" in aarch64) echo arm64 ;; *) uname -m ;; esac; }

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
  arch=$(cat "$src/arch" 2>/dev/null || echo x86_64)
  if [ "$arch" = x86_64 ]; then
    busybox=$(command -v busybox || true); modules=(kvm_amd tun bridge); from="Debian package busybox-static"
  else
    busybox=$src/bin/busybox; modules=(tun bridge); from="busybox-static:arm64, which fetch-kernel.sh unpacks there"
  fi
  [ -f "$busybox" ] && file -L "$busybox" | grep -q 'statically linked' ||
    { echo "make-initramfs: need a statically linked $arch busybox at ${busybox:-none} ($from)" >&2; exit 2; }
  mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,lib/emulated-kvm}
  cp "$busybox" "$stage/bin/busybox"
  ln -s busybox "$stage/bin/sh"
  for m in "${modules[@]}"; do add_module "$m"; done
  echo "${load_order[*]}" > "$stage/lib/emulated-kvm/load-order"
  install -m 755 "$here/init.sh" "$stage/init"
  if [ "$arch" = arm64 ]; then
    [ "$(id -u)" = 0 ] || command -v fakeroot >/dev/null ||
      { echo "make-initramfs: the arm64 initramfs needs a /dev/console node: run as root, or install fakeroot" >&2; exit 2; }
    pack "mknod -m 600 dev/console c 5 1"
  else
    pack
  fi
  ;;
payload)
  arch=${4:-x86_64}
  [ -n "${machine_of[$arch]:-}" ] || { echo "make-initramfs: unknown architecture '$arch' (x86_64 or arm64)" >&2; exit 2; }
  native=$(native_arch)
  cp -a "$src/." "$stage/"
  # Process substitution, not a pipe: an exit here must end the script.
  while read -r exe; do
    machine=$(elf_machine "$exe")
    [ -n "$machine" ] || continue
    rel=${exe#"$src"/}
    [ "$machine" = "${machine_of[$arch]}" ] ||
      { echo "make-initramfs: $rel is not an $arch executable (ELF machine $machine): it cannot run in the $arch host" >&2; exit 2; }
    # Debug info only slows the emulated kernel's unpacking down; binutils' strip knows this
    # machine's ELF only.
    strip=strip; [ "$arch" = "$native" ] || strip=aarch64-linux-gnu-strip
    if command -v "$strip" >/dev/null; then "$strip" --strip-debug "$stage/$rel" 2>/dev/null || true; fi
    file -L "$exe" | grep -q 'dynamically linked' || continue
    [ "$arch" = "$native" ] ||
      { echo "make-initramfs: $rel is a dynamically linked $arch executable: link it statically (ldd cannot list a foreign executable's libraries)" >&2; exit 2; }
    ldd "$exe" | grep -o '/[^ ]*' | while read -r lib; do
      [ -e "$stage$lib" ] || { mkdir -p "$stage$(dirname "$lib")"; cp -L "$lib" "$stage$lib"; }
    done
  done < <(find "$src" -type f -perm -u+x)
  pack
  ;;
*) echo "make-initramfs: unknown mode '$mode' (base or payload)" >&2; exit 2 ;;
esac
