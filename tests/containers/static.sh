#!/usr/bin/env bash
# static.sh SKIFF HELLO_ELF: the statically linked skiff (SKIFF_STATIC=ON's skiff, or skiff-static) is
# one self-contained file (static-pie): no program interpreter, no shared library needed, `ldd` calls it
# statically linked, and it boots hello from an empty directory with an empty environment. Needs a usable /dev/kvm for the boot (exit 77).
set -euo pipefail
skiff=$(readlink -f "${1:?usage: static.sh SKIFF HELLO_ELF}")
hello=$(readlink -f "${2:?usage: static.sh SKIFF HELLO_ELF}")
failures=0
check() {
  local what=$1; shift
  if "$@"; then echo "ok   - $what"; else echo "FAIL - $what"; failures=$((failures + 1)); fi
}
ldd_says=$(LC_ALL=C ldd "$skiff" 2>&1 || true)
echo "  ldd: $ldd_says"
check "ldd: not dynamic" grep -q -E "not a dynamic executable|statically linked" <<<"$ldd_says"
check "no program interpreter" bash -c "! LC_ALL=C readelf -l '$skiff' | grep -q INTERP"
check "no dynamic section" bash -c "! LC_ALL=C readelf -d '$skiff' | grep -q NEEDED"
tmp_stripped=$(mktemp); strip -o "$tmp_stripped" "$skiff"
echo "  size: $(stat -c %s "$skiff") bytes, $(stat -c %s "$tmp_stripped") stripped"; rm -f "$tmp_stripped"
[ "$failures" = 0 ] || exit 1
if ! { [ -c /dev/kvm ] && exec 9<>/dev/kvm; } 2>/dev/null; then
  echo "static: SKIPPED: the binary checks passed, but there is no usable /dev/kvm to boot hello"
  exit 77
fi
exec 9>&-
empty=$(mktemp -d)
trap 'rm -rf "$empty"' EXIT
cp "$skiff" "$empty/skiff"
set +e
out=$(cd "$empty" && env -i ./skiff --mem=32 "$hello" static 2>&1)
rc=$?
set -e
sed 's/^/  hello| /' <<<"$out"
check "hello boots under the static skiff: exit status 0" test "$rc" = 0
check "hello's greeting" grep -q -x "Hello from a skiff unikernel!" <<<"$out"
check "hello's command line" grep -q -x 'command line: "static"' <<<"$out"
[ "$failures" = 0 ] || exit 1
echo "static: all checks passed"
