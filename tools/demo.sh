#!/usr/bin/env bash
# demo.sh [BUILD_DIR]: installs what skiff needs, builds it (default ./build), and boots the demo
# unikernels through skiff-test: hello, blockcopy (two disks) and echo (answers ping over a tap).
# On a machine without a usable /dev/kvm, skiff-test runs them inside the emulated KVM host
# (QEMU TCG + nested kvm_amd) and says so; -v shows what each guest printed.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
cd "$root"
tools/install-deps.sh
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target skiff skiff-test hello blockcopy echo
exec "$build/tools/skiff-test/skiff-test" --kvm=auto --skiff "$build/src/skiff" -v "$root/tools/demo.json" \
  --image-dir "$build/examples"
