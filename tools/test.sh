#!/usr/bin/env bash
# test.sh: installs what skiff needs, builds it, and runs every test: the C++ formatting, unit and
# hostile suites, the guest suites (real KVM where /dev/kvm works, and inside the emulated KVM host),
# orchestrator contracts, the out-of-tree build of a guest, a bounded fuzzing slice, clang-tidy, and
# the Release builds users make (GCC and Clang). Warnings are errors here; a skipped test fails the
# run unless tests/allowed-skips.txt names it. Usage: tools/test.sh [BUILD_DIR]
#   SKIFF_FUZZ_SECONDS=30   fuzzing per target
#   SKIFF_CI_FULL=1         the nightly run: also the sanitizers on the whole suite (tools/sanitize.sh),
#                           a soak of boot/exit cycles (tools/soak.sh) and ten minutes of fuzzing per target
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
full=${SKIFF_CI_FULL:-0}
cd "$root"
tools/install-deps.sh
tools/check-format.sh
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSKIFF_WERROR=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
(cd "$build" && ctest --output-on-failure -j"$(nproc)") | tee "$build/ctest.log"
tools/check-skips.sh "$build/ctest.log"
tools/tidy.sh "$build"
fuzz_seconds=${SKIFF_FUZZ_SECONDS:-30}
[ "$full" = 1 ] && fuzz_seconds=${SKIFF_FUZZ_SECONDS:-600}
SKIFF_FUZZ_BUILD="$build-fuzz" tools/fuzz.sh "$fuzz_seconds"
tools/build-matrix.sh "$build-matrix"
if [ "$full" = 1 ]; then
  tools/sanitize.sh
  SKIFF_BUILD="$build" tools/soak.sh 120
fi
