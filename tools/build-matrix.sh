#!/usr/bin/env bash
# build-matrix.sh [BUILD_ROOT]: the builds users make. Release with GCC and with Clang, warnings as
# errors, each running the unit and hostile-input tests (the guest suites run once, in the main
# build of tools/test.sh). The GCC one also cross-builds the aarch64 skiff and guests in Release
# (cmake/SkiffCrossAarch64.cmake); the aarch64 cross compiler is GCC's. BUILD_ROOT defaults to
# ./build-matrix.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-$root/build-matrix}
for compiler in gcc clang; do
  case $compiler in gcc) cc=gcc cxx=g++ cross=ON ;; clang) cc=clang cxx=clang++ cross=OFF ;; esac
  dir=$out/release-$compiler
  echo "build-matrix: Release, $compiler"
  CC=$cc CXX=$cxx cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=Release -DSKIFF_WERROR=ON \
    -DSKIFF_CROSS_AARCH64=$cross >/dev/null
  cmake --build "$dir" -j"$(nproc)" >/dev/null
  (cd "$dir" && ctest -L unit -j"$(nproc)" --output-on-failure | tail -n 3)
done
