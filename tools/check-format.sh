#!/usr/bin/env bash
# check-format.sh [--fix]: the host C++ follows .clang-format (run by tools/test.sh). Guest C code
# (bindings, examples, guest images) keeps its own freestanding style and is not checked.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mapfile -t files < <(git ls-files 'src/*.cpp' 'src/*.h' 'tools/*.cpp' 'tools/*.h' 'tests/*.cpp' 'tests/*.h' \
  ':!tests/guest/*' ':!tests/abi/*' ':!tests/bench/bench_*.h')
if [ "${1:-}" = --fix ]; then clang-format -i "${files[@]}"; exit 0; fi
clang-format --dry-run --Werror "${files[@]}"
echo "check-format: ${#files[@]} files formatted as .clang-format says"
