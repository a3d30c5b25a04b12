#!/usr/bin/env bash
# contract.sh BUILD_DIR CONFINE: skiff started exactly the way orchestrators start solo5-hvt.
#   urunc      finds `solo5-hvt` on PATH, runs it as uid 65534 under its own seccomp filter (TRAP,
#              no-new-privs, TSYNC; tests/orchestration/urunc-syscalls.txt) with /dev/kvm and
#              /dev/net/tun open to everyone, in both argv forms; taps owned by that uid, with the
#              vnet-header flag set; also a tap passed as an open fd (--net:NAME=@FD)
#   Albatross  finds `solo5-hvt.2`, checks `--version` for the line "ABI version 2", runs
#              `taskset -c CPU TENDER --mem=.. --net:.. --net-mac:.. --block:.. --block-sector-size:..
#              -- IMAGE ARGS`, and stops it with SIGTERM
# Each must run the guest, keep its data and stop cleanly: no SIGSYS, the documented statuses, one
# line of notes where skiff does without something the filter forbids. Needs root (taps, a private
# mount namespace for /dev/kvm) and a usable /dev/kvm; exit 77 otherwise.
set -uo pipefail
build=$(readlink -f "${1:?usage: contract.sh BUILD_DIR CONFINE}")
confine=$(readlink -f "${2:?usage: contract.sh BUILD_DIR CONFINE}")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
syscalls=$here/urunc-syscalls.txt

if [ "$(id -u)" != 0 ] || [ ! -c /dev/kvm ]; then echo "contract: skipped: needs root and /dev/kvm" >&2; exit 77; fi
# /dev/kvm open to everyone, as urunc makes it in the container, only in a mount namespace of our own.
if [ -z "${SKIFF_CONTRACT_NS:-}" ]; then
  exec env SKIFF_CONTRACT_NS=1 unshare --mount --propagation private "$0" "$@"
fi
work=$(mktemp -d)
taps=()
cleanup() { for t in "${taps[@]}"; do ip link del "$t" 2>/dev/null; done; rm -rf "$work"; }
trap cleanup EXIT
open_to_everyone() {  # open_to_everyone DEVICE NAME: a world-rw node for DEVICE, bound over it
  mknod "$work/$2" c $((16#$(stat -c '%t' "$1"))) $((16#$(stat -c '%T' "$1"))) && chmod 666 "$work/$2" &&
    mount --bind "$work/$2" "$1"
}
open_to_everyone /dev/kvm kvm
open_to_everyone /dev/net/tun tun
chmod 711 "$work"

# Installed as the drop-in, looked up on PATH as the orchestrators do.
cmake --install "$build" --prefix "$work/prefix" >/dev/null
export PATH=$work/prefix/libexec/skiff/solo5-hvt:$PATH
images=$build/tests/guest
failures=0
check() {  # check DESCRIPTION CONDITION...
  local what=$1; shift
  if "$@"; then echo "ok   - $what"; else echo "FAIL - $what"; failures=$((failures + 1)); fi
}
run() {  # run NAME COMMAND...: stdout to NAME.out, stderr to NAME.err, status to NAME.rc
  local name=$1; shift
  "$@" >"$work/$name.out" 2>"$work/$name.err"; echo $? >"$work/$name.rc"
  sed "s/^/  $name| /" "$work/$name.out" "$work/$name.err"
}
rc_is() { [ "$(cat "$work/$1.rc")" = "$2" ]; }
out_has() { grep -q -E -- "$2" "$work/$1.out"; }
err_is() { [ "$(cat "$work/$1.err")" = "$2" ]; }
as_urunc() { "$confine" --syscalls "$syscalls" --uid 65534 -- "$@"; }
urunc=("$confine" --syscalls "$syscalls" --uid 65534 --)  # in the background: $! is then skiff itself
no_sigsys() { ! grep -q -i -e 'SIGSYS' -e 'sandbox violation' "$work/$1.err" && [ "$(cat "$work/$1.rc")" != 159 ]; }
tap() {  # tap NAME ADDR [ip tuntap options]: a tap owned by uid 65534, up, with ADDR
  local name=$1 addr=$2; shift 2
  ip tuntap add "$name" mode tap user 65534 "$@" && taps+=("$name") && ip addr add "$addr" dev "$name" &&
    ip link set "$name" up
}
pattern_on_disk() {  # the durability guest's pattern (tag 1) in block 0 of FILE
  local byte
  byte=$(od -An -tu1 -j0 -N1 "$1" | tr -d ' ')
  [ "$byte" = $(((1 * 31 + 0 * 7 + 0 + 0x5A) % 256)) ]
}
forbids_own_filter="skiff: note: the seccomp filter skiff was started under forbids adding its own: the guest runs under that filter only"
write_through="skiff: note: the seccomp filter skiff runs under forbids fdatasync: block devices are opened O_DSYNC, every write durable when it returns"
no_lock="skiff: note: the seccomp filter skiff runs under forbids flock: block devices are not locked"
no_ring_prefix="skiff: note: no net ring (cannot create its kick eventfd: Function not implemented): the guest uses the hypercalls"
no_block_ring="skiff: note: no block ring (cannot create its kick eventfd: Function not implemented): the guest uses the hypercalls"

# --- urunc ---------------------------------------------------------------------------------------
run urunc_hello as_urunc solo5-hvt --mem=64 -- "$images/test_hello.elf" Hello_skiff
check "urunc: hello runs under urunc's filter as uid 65534" rc_is urunc_hello 0
check "urunc: hello's output" out_has urunc_hello '^SUCCESS$'
check "urunc: one note, no SIGSYS" err_is urunc_hello "$forbids_own_filter"

# Older urunc: KERNEL "" "" WORDS...; as with Solo5, the guest's command line is "  WORDS".
run urunc_old_argv as_urunc solo5-hvt --mem=64 "$build/examples/hello/hello.elf" "" "" Hello skiff
check "urunc, older argv form: runs" rc_is urunc_old_argv 0
check "urunc, older argv form: the words reach the guest" out_has urunc_old_argv '^command line: "Hello skiff"$'
check "urunc, older argv form: no SIGSYS" no_sigsys urunc_old_argv

truncate -s 64K "$work/disk.img" && chown 65534:65534 "$work/disk.img"
run urunc_block as_urunc solo5-hvt --mem=64 --block:storage="$work/disk.img" -- "$images/durability_halt.elf" tag=1
check "urunc: block guest runs" rc_is urunc_block 0
check "urunc: its data is on disk" pattern_on_disk "$work/disk.img"
check "urunc: notes what it does without" err_is urunc_block "$write_through
$no_lock
$no_block_ring
$forbids_own_filter"

# An allow-list with room for the block ring (threads, eventfds) but no io_uring: skiff does not try
# io_uring under someone else's filter (it may kill); the ring serves with pread/pwrite, unnoted.
ring_syscalls=$work/ring-syscalls.txt
{ cat "$syscalls"; echo "eventfd2 clone clone3 set_robust_list rseq madvise rt_sigprocmask fallocate fdatasync flock"; } \
  >"$ring_syscalls"
truncate -s 0 "$work/disk.img" && truncate -s 128K "$work/disk.img"
run ring_filter "$confine" --syscalls "$ring_syscalls" --uid 65534 -- "$work/prefix/bin/skiff" --mem=64 \
  --block:storage="$work/disk.img" "$images/test_blk_ring.elf" mode=integrity
check "a filter with room for the block ring: the guest uses it" out_has ring_filter '^path: ring$'
check "a filter with room for the block ring: integrity" out_has ring_filter '^SUCCESS$'
check "a filter with room for the block ring: io_uring not tried, no SIGSYS" \
  bash -c "! grep -q io_uring '$work/ring_filter.err' && ! grep -q -i -e SIGSYS -e violation '$work/ring_filter.err'"

truncate -s 0 "$work/disk.img" && truncate -s 64K "$work/disk.img"
( "${urunc[@]}" solo5-hvt --mem=64 --block:storage="$work/disk.img" -- "$images/durability_halt.elf" tag=1 then=wait \
    >"$work/urunc_term.out" 2>"$work/urunc_term.err" & pid=$!
  for _ in $(seq 100); do grep -q waiting "$work/urunc_term.out" && break; sleep 0.1; done
  kill -TERM $pid; wait $pid; echo $? >"$work/urunc_term.rc" )
check "urunc: SIGTERM is a clean stop (143)" rc_is urunc_term 143
check "urunc: SIGTERM: the data is on disk" pattern_on_disk "$work/disk.img"
check "urunc: SIGTERM: the last line says so" bash -c '[ "$(tail -n1 "$0")" = "skiff: stopped by SIGTERM" ]' "$work/urunc_term.err"

tap "skc$$u0" 10.88.0.1/24 vnet_hdr
( "${urunc[@]}" solo5-hvt --mem=64 --net:service0="skc$$u0" --net-mac:service0=02:00:00:88:00:02 -- \
    "$images/test_net.elf" ip=10.88.0.2 limit=3 timeout=20 >"$work/urunc_net.out" 2>"$work/urunc_net.err" & pid=$!
  sleep 0.5; ping -c 3 -i 0.2 -W 2 10.88.0.2 >"$work/urunc_ping.out"; echo $? >"$work/urunc_ping.rc"
  wait $pid; echo $? >"$work/urunc_net.rc" )
check "urunc: pings over a tap like urunc's (uid 65534, vnet-header flag) are answered" rc_is urunc_ping 0
check "urunc: the echo guest ends well" rc_is urunc_net 0
check "urunc: notes no ring, no SIGSYS" bash -c "grep -qF '$no_ring_prefix' '$work/urunc_net.err' && ! grep -q SIGSYS '$work/urunc_net.err'"

tap "skc$$f0" 10.89.0.1/24
( "$confine" --syscalls "$syscalls" --tap "skc$$f0:3" --uid 65534 -- solo5-hvt --mem=64 --net:service0=@3 -- \
    "$images/test_net.elf" ip=10.89.0.2 limit=2 timeout=20 >"$work/fd_net.out" 2>"$work/fd_net.err" & pid=$!
  sleep 0.5; ping -c 2 -i 0.2 -W 2 10.89.0.2 >/dev/null; echo $? >"$work/fd_ping.rc"
  wait $pid; echo $? >"$work/fd_net.rc" )
check "--net:NAME=@FD: a tap the parent opened answers pings" rc_is fd_ping 0
check "--net:NAME=@FD: the guest ends well" rc_is fd_net 0
run bad_fd solo5-hvt --net:service0=@9 "$images/test_net.elf"
check "--net:NAME=@FD: a closed fd is one line, exit 1" err_is bad_fd "skiff: net device 'service0': fd 9 is not open (--net:service0=@9)"
check "--net:NAME=@FD: exit 1" rc_is bad_fd 1

# --- Albatross -----------------------------------------------------------------------------------
run version solo5-hvt.2 --version
check "Albatross: --version has the line 'ABI version 2'" bash -c "grep -qx 'ABI version 2' '$work/version.out'"
check "Albatross: and skiff's own" out_has version '^skiff [0-9.]+ \(guest ABI: Solo5 hvt version 2\), installed as solo5-hvt.2$'

tap "skc$$a0" 10.90.0.1/24
( taskset -c 0 solo5-hvt.2 --mem=64 --net:service0="skc$$a0" --net-mac:service0=02:00:00:90:00:02 -- \
    "$images/test_net.elf" ip=10.90.0.2 limit=2 timeout=20 >"$work/albatross_net.out" 2>"$work/albatross_net.err" & pid=$!
  sleep 0.5; ping -c 2 -i 0.2 -W 2 10.90.0.2 >/dev/null; echo $? >"$work/albatross_ping.rc"
  wait $pid; echo $? >"$work/albatross_net.rc" )
check "Albatross: argv form with a NIC and its MAC, pinned by taskset: pings answered" rc_is albatross_ping 0
check "Albatross: the guest ends well" rc_is albatross_net 0
check "Albatross: the MAC reaches the guest" out_has albatross_net 'mac 02:00:00:90:00:02'

truncate -s 0 "$work/disk.img" && truncate -s 64K "$work/disk.img"
( taskset -c 0 solo5-hvt.2 --mem=64 --block:storage="$work/disk.img" --block-sector-size:storage=512 -- \
    "$images/durability_halt.elf" tag=1 then=wait >"$work/albatross.out" 2>"$work/albatross.err" & pid=$!
  for _ in $(seq 100); do grep -q waiting "$work/albatross.out" && break; sleep 0.1; done
  kill -TERM $pid; wait $pid; echo $? >"$work/albatross.rc" )
check "Albatross: argv form with a disk; SIGTERM stops it cleanly (143)" rc_is albatross 143
check "Albatross: the data is on disk" pattern_on_disk "$work/disk.img"
check "Albatross: one line on stderr" err_is albatross "skiff: stopped by SIGTERM"

echo "$failures failed checks"
[ "$failures" = 0 ]
