#!/usr/bin/env bash
# tidy.sh [BUILD_DIR]: clang-tidy with the project's check set (.clang-tidy) on the host C++ of the
# tender and its tools (src/, tools/), from BUILD_DIR's compile_commands.json (default ./build).
# Any finding fails. Run by tools/test.sh.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
cd "$root"
mapfile -t files < <(git ls-files 'src/*.cpp' 'tools/*.cpp')
# The compile commands may be GCC's: clang-tidy ignores the warning flags it does not know.
run-clang-tidy -quiet -p "$build" -j "$(nproc)" -extra-arg=-Wno-unknown-warning-option "${files[@]/#/$root/}" \
  >"$build/clang-tidy.log" 2>&1 || { grep -E 'warning:|error:' "$build/clang-tidy.log" | sort -u; exit 1; }
echo "tidy: ${#files[@]} files, no finding"
