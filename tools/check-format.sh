#!/usr/bin/env bash
# check-format.sh [--fix]: the host C++ follows .clang-format (run by tools/test.sh). Guest C code
# (bindings, examples, guest images) keeps its own freestanding style and is not checked.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mapfile -t files < <(git ls-files 'src/*.cpp' 'src/*.h' 'tools/*.cpp' 'tools/*.h' 'tests/unit/*.cpp' 'tests/unit/*.h' \
  'tests/hostile/*.h' 'tests/fuzz/*.cpp' 'tests/fuzz/*.h')
if [ "${1:-}" = --fix ]; then clang-format -i "${files[@]}"; exit 0; fi
clang-format --dry-run --Werror "${files[@]}"
echo "check-format: ${#files[@]} files formatted as .clang-format says"
