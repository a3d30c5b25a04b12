#!/bin/bash
# gdb itself against skiff, as a unikernel developer uses it (docs/debugging.md): a live session
# with a breakpoint, a backtrace and the guest run to its end; and a core file of a faulting guest.
# Usage: gdb_cli.sh SKIFF GUEST_DIR (the built tests/guest images, with their symbols)
set -euo pipefail
skiff=$1
guests=$2
skip() { echo "SKIPPED: $*"; exit 77; }
command -v gdb >/dev/null || skip "gdb is not installed (tools/install-deps installs it)"
[ -r /dev/kvm ] && [ -w /dev/kvm ] || skip "no usable /dev/kvm"
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; for f in "$work"/*.txt; do echo "--- $f"; cat "$f"; done; exit 1; }
expect() { grep -qF -- "$2" "$1" || fail "expected '$2' in $1"; }

# A live session: skiff waits for gdb, which breaks in the console write and finds the caller.
"$skiff" --gdb --gdb-port=0 "$guests/test_hello.elf" Hello_skiff >"$work/guest.txt" 2>"$work/skiff.txt" &
pid=$!
for _ in $(seq 100); do
  port=$(sed -n 's/.*waiting for a debugger on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/skiff.txt")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || fail "skiff never waited for a debugger"
timeout 60 gdb -q -batch -nx -ex "target remote 127.0.0.1:$port" -ex "break skiff_console_write" \
  -ex continue -ex bt -ex "print size" -ex "delete" -ex continue "$guests/test_hello.elf" >"$work/gdb.txt" 2>&1 ||
  fail "gdb failed"
status=0
wait "$pid" || status=$?
pid=
[ "$status" = 0 ] || fail "skiff exited $status"
expect "$work/gdb.txt" "Breakpoint 1, skiff_console_write"
expect "$work/gdb.txt" "skiff_app_main (si="
expect "$work/gdb.txt" '$1 = 19'
expect "$work/gdb.txt" "[Inferior 1 (Remote target) exited normally]"
expect "$work/guest.txt" "SUCCESS"

# A core file: the guest reads address 0 and dies; gdb shows where.
status=0
"$skiff" --dumpcore="$work" "$guests/test_fault.elf" fault=null >"$work/guest.txt" 2>"$work/skiff.txt" || status=$?
[ "$status" = 253 ] || fail "the faulting guest exited $status"
core=$(ls "$work"/core.skiff.*)
expect "$work/skiff.txt" "; core dumped to $core"
gdb -q -batch -nx -ex bt -ex "info registers rip" "$guests/test_fault.elf" "$core" >"$work/gdb.txt" 2>&1 ||
  fail "gdb could not read the core"
expect "$work/gdb.txt" "skiff_app_main"
expect "$work/gdb.txt" "start_app"
echo "gdb session and core file: ok"
