#!/usr/bin/env bash
# demo.sh [BUILD_DIR]: runs the hello and blockcopy examples from an existing build (default ./build)
# through skiff-test. On a machine without a usable /dev/kvm, skiff-test runs them inside the
# emulated KVM host (QEMU TCG + nested kvm_amd) and says so; -v shows what each guest printed.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-build}
runner=$build/tools/skiff-test/skiff-test
for needed in "$runner" "$build/src/skiff" "$build/examples/hello/hello.elf" "$build/examples/blockcopy/blockcopy.elf"; do
  [ -e "$needed" ] || { echo "demo.sh: $needed is missing: build first (cmake -S . -B $build && make -C $build)" >&2; exit 2; }
done
exec "$runner" --kvm=auto --skiff "$build/src/skiff" -v "$root/tools/demo.json" --image-dir "$build/examples"
