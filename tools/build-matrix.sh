#!/usr/bin/env bash
# build-matrix.sh [BUILD_ROOT]: the builds users make. Release with GCC and with Clang, warnings as
# errors, each running the unit and hostile-input tests (the guest suites run once, in the main
# build of tools/test.sh). BUILD_ROOT defaults to ./build-matrix.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-$root/build-matrix}
for compiler in gcc clang; do
  case $compiler in gcc) cc=gcc cxx=g++ ;; clang) cc=clang cxx=clang++ ;; esac
  dir=$out/release-$compiler
  echo "build-matrix: Release, $compiler"
  CC=$cc CXX=$cxx cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=Release -DSKIFF_WERROR=ON >/dev/null
  cmake --build "$dir" -j"$(nproc)" >/dev/null
  (cd "$dir" && ctest -L unit -j"$(nproc)" --output-on-failure | tail -n 3)
done
