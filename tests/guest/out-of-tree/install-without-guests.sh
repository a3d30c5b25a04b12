#!/bin/sh
# Usage: install-without-guests.sh SOURCE_DIR WORK_DIR CMAKE
# SKIFF_BUILD_GUESTS=OFF leaves out the example and test images only: the bindings library, its
# header, linker script, pkg-config file and CMake package are still built and installed, since
# unikernels are built against an installed skiff. Configures such a tree, builds the library and
# checks the install scripts name each of those files.
set -eu
src=$1 work=$2 cmake=$3
rm -rf "$work"
"$cmake" -S "$src" -B "$work" -DSKIFF_BUILD_GUESTS=OFF -DSKIFF_BUILD_TESTS=OFF >"$work.log" 2>&1 ||
    { cat "$work.log"; exit 1; }
"$cmake" --build "$work" --target skiff-bindings >>"$work.log" 2>&1 || { cat "$work.log"; exit 1; }
[ -f "$work/bindings/libskiff-bindings.a" ] || { echo "FAIL: libskiff-bindings.a was not built"; exit 1; }
scripts=$(find "$work" -name cmake_install.cmake)
for file in libskiff-bindings.a skiff.lds skiff-bindings.pc skiffConfig.cmake skiffConfigVersion.cmake \
    skiffTargets.cmake SkiffUnikernel.cmake include/skiff; do
    # shellcheck disable=SC2086
    grep -q -F "$file" $scripts || { echo "FAIL: nothing installs $file with SKIFF_BUILD_GUESTS=OFF"; exit 1; }
    echo "ok: $file installed"
done
[ ! -d "$work/examples" ] || { echo "FAIL: the examples are built with SKIFF_BUILD_GUESTS=OFF"; exit 1; }
rm -rf "$work" "$work.log"
