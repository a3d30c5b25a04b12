#!/usr/bin/env bash
# emulated.sh [--reps N] [--only SECTIONS] [--arch x86_64|arm64] BUILD_DIR
# Runs skiff-bench inside the emulated KVM host (tools/emulated-kvm: QEMU TCG, nested kvm_amd, or an
# arm64 one with KVM at EL2), where every page the tender touches costs far more than here: the
# start-up figures there (default sections: boot and scale) are the ones the 1.5x target of
# RESULTS.md is about. For arm64, BUILD_DIR is an aarch64 build made with -DSKIFF_STATIC=ON (the
# native build's build/aarch64). Prints the table.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
reps=5 only=boot,scale arch=x86_64
while [ $# -gt 1 ]; do
  case $1 in
    --reps) reps=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --arch) arch=$2; shift 2 ;;
    *) break ;;
  esac
done
build=$(cd "${1:?usage: emulated.sh [--reps N] [--only SECTIONS] [--arch x86_64|arm64] BUILD_DIR}" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The payload mirrors the build directory's layout, which is what skiff-bench reads.
b=$work/payload/b
mkdir -p "$b/src" "$b/examples/hello" "$b/tests/bench"
cp "$build/src/skiff" "$b/src/"
cp "$build/examples/hello/hello.elf" "$b/examples/hello/"
cp "$build"/tests/bench/bench_* "$build/tests/bench/skiff-bench" "$b/tests/bench/"
rm -f "$b"/tests/bench/*.c
echo "exec /b/tests/bench/skiff-bench --reps $reps --only $only /b" > "$work/payload/run.sh"
log=$work/console.log
"$here/../../tools/emulated-kvm/boot.sh" --arch "$arch" "$work" > "$log" 2>&1 || true
if grep -q '@@emulated-kvm: no-kvm' "$log" || ! grep -q '@@emulated-kvm: ready' "$log"; then
  echo "emulated.sh: skipped: the emulated KVM host did not come up:" >&2
  tail -5 "$log" >&2
  exit 77
fi
sed -n '/@@emulated-kvm: ready/,/@@emulated-kvm: rc=/p' "$log" | sed '1d;$d' | tr -d '\r'
grep -q '@@emulated-kvm: rc=0' "$log"
