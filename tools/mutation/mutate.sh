#!/usr/bin/env bash
# mutate.sh [--check] [--only REGEX] [BUILD_DIR]: the mutation check. Plants each mutation of
# mutations.txt (a small bug in security- or correctness-critical code) in turn, rebuilds, runs the
# tests the mutation names, and restores the file; prints which mutations the tests killed and the
# kill rate. The goal is every mutation killed. Slow (a rebuild and a test run each): not in CI,
# which runs only `--check` (every mutation still applies to the code as it is).
#   --check       verify that each mutation's text occurs exactly once in its file, and exit
#   --only REGEX  plant only the mutations whose name matches
#   BUILD_DIR     default ./build-mutate; a new one is configured here (RelWithDebInfo, no aarch64
#                 cross build), an existing one keeps its settings
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
list=$root/tools/mutation/mutations.txt
check_only=0 only='' build=$root/build-mutate
while [ $# -gt 0 ]; do
  case $1 in
    --check) check_only=1; shift ;;
    --only) only=$2; shift 2 ;;
    *) build=$1; shift ;;
  esac
done
# Absolute: the tests run from inside it, and their log must not land elsewhere (or nowhere: a
# failed redirection would count as a killed mutant).
mkdir -p "$build"
build=$(cd "$build" && pwd)

# Mutations as NAME|FILE|FROM|TO|TESTS lines; \| stands for a | inside a field.
mutations() { grep -v -e '^#' -e '^$' "$list" | sed 's/\\|/\x01/g'; }
field() { cut -d'|' -f"$1" <<<"$2" | tr '\001' '|'; }
# The rest of the line from field 5 on is the test regex (it may hold | itself).
tests_of() { cut -d'|' -f5- <<<"$1" | tr '\001' '|'; }
count_in() { F="$2" perl -0777 -ne 'my $n = () = /\Q$ENV{F}\E/g; print $n' "$1"; }

bad=0
while IFS= read -r line; do
  name=$(field 1 "$line") file=$(field 2 "$line") from=$(field 3 "$line")
  n=$(count_in "$root/$file" "$from")
  if [ "$n" != 1 ]; then echo "mutate: $name: its text occurs $n times in $file (want once)" >&2; bad=1; fi
done < <(mutations)
[ "$bad" = 0 ] || exit 1
if [ "$check_only" = 1 ]; then echo "mutate: $(mutations | wc -l) mutations apply to the code as it is"; exit 0; fi

# The mutants are host code: a new build directory gets no aarch64 cross build; an existing one (the
# developer's own build/) is used as configured, not reconfigured behind its owner's back.
[ -f "$build/CMakeCache.txt" ] ||
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSKIFF_CROSS_AARCH64=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
killed=0 total=0 survivors=()
while IFS= read -r line; do
  name=$(field 1 "$line") file=$(field 2 "$line") from=$(field 3 "$line") to=$(field 4 "$line") tests=$(tests_of "$line")
  [[ -z $only || $name =~ $only ]] || continue
  total=$((total + 1))
  cp "$root/$file" "$build/mutant.orig"
  F="$from" T="$to" perl -0777 -pi -e 's/\Q$ENV{F}\E/$ENV{T}/' "$root/$file"
  verdict=survived
  if ! cmake --build "$build" -j"$(nproc)" >"$build/mutant.log" 2>&1; then
    verdict="killed (does not build)"
  elif ! (cd "$build" && ctest -R "$tests" -j"$(nproc)" >>"$build/mutant.log" 2>&1); then
    verdict=killed
  fi
  cp "$build/mutant.orig" "$root/$file"
  touch "$root/$file"
  if [ "$verdict" = survived ]; then survivors+=("$name"); else killed=$((killed + 1)); fi
  printf 'mutate: %-32s %s (tests: %s)\n' "$name" "$verdict" "$tests"
done < <(mutations)
cmake --build "$build" -j"$(nproc)" >/dev/null
echo "mutate: killed $killed of $total mutations$([ ${#survivors[@]} = 0 ] || echo "; survived: ${survivors[*]}")"
[ ${#survivors[@]} = 0 ]
