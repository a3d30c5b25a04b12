#!/usr/bin/env bash
# Builds a tender with SKIFF_MODULES=block and checks that net is gone entirely: not in --help,
# no net code in the binary, and a unikernel declaring a NIC is refused with one clear line.
# usage: without_net.sh SOURCE_DIR WORK_DIR NET_IMAGE
set -euo pipefail
src=$1 work=$2 image=$3
cmake -S "$src" -B "$work" -DSKIFF_MODULES=block -DSKIFF_BUILD_TESTS=OFF -DSKIFF_BUILD_GUESTS=OFF >/dev/null
cmake --build "$work" --target skiff -j2 >/dev/null
skiff=$work/src/skiff
fail() { echo "without_net: $*" >&2; exit 1; }

help=$("$skiff" --help)
grep -q "Modules compiled in: block$" <<<"$help" || fail "--help does not list exactly the block module"
! grep -q -- "--net" <<<"$help" || fail "--help still offers --net"
! nm -C "$skiff" | grep -q "make_net_module" || fail "net module code is still in the binary"

set +e
err=$("$skiff" --net:service=tap0 "$image" 2>&1 >/dev/null); rc=$?
set -e
[ "$rc" = 1 ] || fail "--net: gave exit $rc, expected 1"
[ "$err" = "skiff: unknown option --net:service (see --help)" ] || fail "unexpected message: $err"

set +e
err=$("$skiff" "$image" 2>&1 >/dev/null); rc=$?
set -e
expected="skiff: $image declares net device 'service' but this skiff was built without the net module"
[ "$rc" = 1 ] && [ "$err" = "$expected" ] || fail "got exit $rc: $err"
echo "without_net: OK"
