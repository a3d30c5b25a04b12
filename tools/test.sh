#!/usr/bin/env bash
# test.sh: installs what skiff needs, builds it, and runs every test: unit tests, the guest suite
# (real KVM where /dev/kvm works, else inside the emulated KVM host), the out-of-tree build of a
# guest, a bounded fuzzing slice, and the Release builds users make (GCC and Clang), after checking
# the C++ formatting. Warnings are errors here. Usage: tools/test.sh [BUILD_DIR]
# (env: SKIFF_FUZZ_SECONDS=30)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
cd "$root"
tools/install-deps.sh
tools/check-format.sh
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSKIFF_WERROR=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
(cd "$build" && ctest --output-on-failure -j"$(nproc)") | tee "$build/ctest.log"
tools/check-skips.sh "$build/ctest.log"
SKIFF_FUZZ_BUILD="$build-fuzz" tools/fuzz.sh "${SKIFF_FUZZ_SECONDS:-30}"
tools/build-matrix.sh "$build-matrix"
