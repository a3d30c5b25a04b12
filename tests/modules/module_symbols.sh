#!/usr/bin/env bash
# module_symbols.sh SOURCE_DIR WORK_DIR FULL_BUILD_DIR BLOCK_IMAGE NET_IMAGE
# SKIFF_MODULES really leaves modules out. Builds a tender with no optional module at all and checks,
# for every module of the full build: none of the symbols its object files define is in the reduced
# binary (while the full binary has them all, so the check can fail), --help offers none of its
# options, and an image declaring its device type is refused with one clear line.
set -euo pipefail
src=$1 work=$2 full=$3 block_image=$4 net_image=$5
fail() { echo "module_symbols: $*" >&2; exit 1; }

cmake -S "$src" -B "$work" -DSKIFF_MODULES= -DSKIFF_BUILD_TESTS=OFF -DSKIFF_BUILD_GUESTS=OFF >/dev/null
cmake --build "$work" --target skiff -j2 >/dev/null
reduced=$work/src/skiff

# The code a module's object files define: functions and data, named (no compiler-local labels),
# not shared template code that other translation units instantiate too.
module_symbols() {
  nm --defined-only -C "$full"/src/CMakeFiles/skiff_tender.dir/modules/"$1"/*.o |
    awk '$2 ~ /^[TtDdBbRr]$/ { $1 = ""; $2 = ""; sub(/^  /, ""); print }' |
    grep -v -e '^\.L' -e '^std::' -e '^__gnu_cxx::' -e 'GCC_except_table' -e '^_GLOBAL__' | sort -u
}
nm -C "$full/src/skiff" | cut -c20- | sort -u >"$work/full.syms"
nm -C "$reduced" | cut -c20- | sort -u >"$work/reduced.syms"

modules=$(sed -n 's/^Modules compiled in: //p' <("$full/src/skiff" --help))
[ -n "$modules" ] || fail "the full build lists no modules in --help"
for module in $modules; do
  module_symbols "$module" >"$work/$module.syms"
  count=$(wc -l <"$work/$module.syms")
  [ "$count" -ge 5 ] || fail "$module: only $count symbols found in its object files"
  missing=$(comm -23 "$work/$module.syms" "$work/full.syms" | wc -l)
  [ "$missing" = 0 ] || fail "$module: $missing of its symbols are not in the full binary (is the check blind?)"
  leaked=$(comm -12 "$work/$module.syms" "$work/reduced.syms")
  [ -z "$leaked" ] || fail "$module left out, but its code is in the binary: $(head -3 <<<"$leaked")"
  echo "module_symbols: $module: none of its $count symbols in a build without it"
done

help=$("$reduced" --help)
grep -qx "Modules compiled in: (none)" <<<"$help" || fail "--help of the reduced build lists modules"
offered=$(grep -c -e '--net' -e '--block' <<<"$help" || true)
[ "$offered" = 0 ] || fail "--help of the reduced build still offers $offered module options"

expect_refusal() {  # expect_refusal IMAGE EXPECTED_LINE ARGS...
  local image=$1 expected=$2 err rc
  shift 2
  set +e
  err=$("$reduced" "$@" "$image" 2>&1 >/dev/null)
  rc=$?
  set -e
  [ "$rc" = 1 ] && [ "$err" = "$expected" ] || fail "got exit $rc: $err (expected: $expected)"
}
expect_refusal "$net_image" "skiff: unknown option --net:service (see --help)" --net:service=tap0
expect_refusal "$net_image" \
  "skiff: $net_image declares net device 'service' but this skiff was built without the net module"
expect_refusal "$block_image" \
  "skiff: $block_image declares block device 'source' but this skiff was built without the block module"
echo "module_symbols: OK"
