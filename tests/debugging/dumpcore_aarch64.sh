#!/bin/bash
# An aarch64 core file, as a unikernel developer reads it: the aarch64 skiff runs an aborting guest
# with --dumpcore inside the emulated arm64 KVM host, the core comes back over the console, and
# gdb-multiarch must find the registers and walk the stack from the HALT to the guest's main.
# Usage: dumpcore_aarch64.sh AARCH64_BUILD_DIR   (the native build's build/aarch64)
set -euo pipefail
a64=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
skip() { echo "SKIPPED: $*"; exit 77; }
command -v gdb-multiarch >/dev/null || skip "gdb-multiarch is not installed (tools/install-deps.sh installs it)"
[ -x "$a64/src/skiff" ] || skip "no aarch64 build in $a64"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; for f in "$work"/*.txt; do echo "--- $f"; cat "$f"; done; exit 1; }

mkdir -p "$work/payload"
cp "$a64/src/skiff" "$a64/tests/guest/test_abort.elf" "$work/payload/"
cat >"$work/payload/run.sh" <<'RUN'
cd /tmp
/skiff --mem=32 --dumpcore=/tmp /test_abort.elf
echo "@@status=$?"
echo "@@core-begin"; base64 /tmp/core.skiff.*; echo "@@core-end"
RUN
"$here/../../tools/emulated-kvm/boot.sh" --arch arm64 "$work" 2>&1 | tr -d '\r' >"$work/console.txt" || true
grep -q '@@emulated-kvm: ready' "$work/console.txt" || skip "the emulated arm64 host did not come up"
grep -q '^@@status=255$' "$work/console.txt" || fail "skiff did not end with the guest's 255"
grep -q 'core dumped to /tmp/core\.skiff\.' "$work/console.txt" || fail "skiff did not say it dumped a core"
sed -n '/^@@core-begin$/,/^@@core-end$/p' "$work/console.txt" | sed '1d;$d' | base64 -d >"$work/core" ||
  fail "the core did not come back"

gdb-multiarch -q -batch -nx -ex "info registers pc sp cpsr" -ex bt "$a64/tests/guest/test_abort.elf" "$work/core" \
  >"$work/gdb.txt" 2>&1 || fail "gdb-multiarch failed"
grep -q 'warning: Couldn' "$work/gdb.txt" && fail "gdb did not find the registers"
for frame in 'halt (status=status@entry=255)' 'skiff_abort ()' 'skiff_app_main'; do
  grep -qF -- "$frame" "$work/gdb.txt" || fail "no '$frame' in the backtrace"
done
echo "ok: gdb-multiarch walks the aarch64 core from the HALT to skiff_app_main"
