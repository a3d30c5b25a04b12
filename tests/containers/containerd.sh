#!/usr/bin/env bash
# containerd.sh BUILD_DIR: unikernels as OCI images, run by a real containerd (docs/containers.md).
#   images   skiff-oci-image builds the hello, blockcopy and echo images with the static skiff; the
#            same inputs (copied elsewhere, other dates) give the same manifest digest, twice and as
#            the CMake-built image (skiff_add_oci_image) gives it
#   run      a containerd of this test's own (own root, state, socket and config in a scratch
#            directory; never the system's) imports the archives with `ctr images import` and runs
#            them with `ctr run --device /dev/kvm`:
#            hello      its output and exit status come back through ctr (the image's Cmd, then a
#                       full command line given to ctr); it also runs under containerd's default
#                       seccomp profile with no capabilities and a read-only root; without
#                       /dev/kvm it is skiff's operator error, 1
#            blockcopy  writes host files bound in with --mount; the data is there afterwards; and
#                       stopped mid-run by `ctr task kill` it exits 143 with its writes in the file
#            echo       answers pings over a tap in a network namespace this test makes, and
#                       `ctr task kill` (SIGTERM) stops it with skiff's documented status, 143
# Needs root, a usable /dev/kvm, containerd, ctr, runc, umoci and skopeo; says "skipped" and exits 77
# without them. Everything it starts is stopped, and everything it made removed, on every exit path.
set -euo pipefail
build=$(readlink -f "${1:?usage: containerd.sh BUILD_DIR}")
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tool=$root/tools/oci-image/skiff-oci-image
skip() { echo "containerd: SKIPPED: $*"; exit 77; }

[ "$(id -u)" = 0 ] || skip "needs root (its own containerd, taps, a network namespace)"
{ [ -c /dev/kvm ] && exec 9<>/dev/kvm; } 2>/dev/null || skip "no usable /dev/kvm"
exec 9>&-
for t in containerd ctr runc umoci skopeo; do
  command -v "$t" >/dev/null || skip "no $t (tools/install-deps.sh installs containerd, runc, umoci, skopeo)"
done
skiff=$build/src/skiff-static
[ -x "$skiff" ] || skiff=$build/src/skiff
hello=$build/examples/hello/hello.elf
blockcopy=$build/examples/blockcopy/blockcopy.elf
echo_elf=$build/examples/echo/echo.elf
for f in "$skiff" "$hello" "$blockcopy" "$echo_elf"; do [ -f "$f" ] || { echo "containerd: no $f (build first)"; exit 1; }; done
# A mount namespace of our own, with a fresh /run: the shims' sockets and the fifos go under
# /run/containerd whatever the configuration says; there they vanish with the namespace.
if [ -z "${SKIFF_CONTAINERD_NS:-}" ]; then
  exec env SKIFF_CONTAINERD_NS=1 unshare --mount --propagation private "$0" "$@"
fi
mount -t tmpfs -o mode=755 skiff-test-run /run

work=$(mktemp -d "${TMPDIR:-/tmp}/skiff-containerd.XXXXXX")
sock=$work/containerd.sock
ns="skiff-test"
netns=skiff-oci-$$
containerd_pid=
background=()
ctr() { command ctr --address "$sock" --namespace "$ns" "$@"; }
cleanup() {
  set +e
  for pid in "${background[@]}"; do kill "$pid" 2>/dev/null; done
  if [ -n "$containerd_pid" ]; then
    for task in $(ctr tasks ls -q 2>/dev/null); do
      ctr tasks kill -s SIGKILL "$task" >/dev/null 2>&1
      for _ in 1 2 3 4 5 6 7 8 9 10; do ctr tasks rm -f "$task" >/dev/null 2>&1 && break; sleep 0.2; done
    done
    for c in $(ctr containers ls -q 2>/dev/null); do ctr containers rm "$c" >/dev/null 2>&1; done
    kill "$containerd_pid" 2>/dev/null
    wait "$containerd_pid" 2>/dev/null
  fi
  for pid in "${background[@]}"; do wait "$pid" 2>/dev/null; done
  ip netns del "$netns" 2>/dev/null
  # Whatever containerd left mounted under the scratch directory (snapshots, rootfs), innermost first.
  awk -v w="$work" '$2 == w || index($2, w "/") == 1 { print $2 }' /proc/mounts | sort -r |
    while read -r m; do umount -l "$m"; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

failures=0
check() {  # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then echo "ok   - $what"; else echo "FAIL - $what"; failures=$((failures + 1)); fi
}
run() {  # run NAME COMMAND...: stdout+stderr to NAME.out (and shown), status to NAME.rc
  local name=$1; shift
  set +e
  "$@" >"$work/$name.out" 2>&1
  echo $? >"$work/$name.rc"
  set -e
  sed "s/^/  $name| /" "$work/$name.out"
}
rc_is() { [ "$(cat "$work/$1.rc")" = "$2" ]; }
out_has() { grep -q -F -x -- "$2" "$work/$1.out"; }

# --- images --------------------------------------------------------------------------------------
check "the skiff put in the images is statically linked" \
  bash -c "! LC_ALL=C readelf -l '$skiff' | grep -q INTERP"
image() {  # image NAME UNIKERNEL [skiff-oci-image options] [-- guest args]: NAME.oci, NAME.tar
  local name=$1 unikernel=$2 options=()
  shift 2
  while [ $# -gt 0 ] && [ "$1" != -- ]; do options+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  "$tool" --output "$work/$name.oci" --archive "$work/$name.tar" --skiff "$skiff" "${options[@]}" \
    "$unikernel" -- "$@" >"$work/$name.digest"
}
image hello "$hello" --skiff-option --mem=32 -- Hello OCI
image blockcopy "$blockcopy" --skiff-option --mem=32 --device block:source=/disk/source.img \
  --device block:dest=/disk/dest.img -- fill
image echo "$echo_elf" --skiff-option --mem=32 --device net:service=tap0 -- ip=10.77.0.2
# The same inputs from elsewhere, with other dates: the same digest.
mkdir -p "$work/again"
cp "$hello" "$skiff" "$work/again/"
touch -d '2001-02-03 04:05:06' "$work/again/"*
TMPDIR=$work/again "$tool" -o "$work/again/hello.oci" --skiff "$work/again/${skiff##*/}" --skiff-option --mem=32 \
  "$work/again/hello.elf" Hello OCI >"$work/again.digest"
check "hello image: same inputs, same digest ($(cat "$work/hello.digest"))" \
  cmp -s "$work/hello.digest" "$work/again.digest"
check "the image layout lists that digest" grep -q "$(cat "$work/hello.digest")" "$work/hello.oci/index.json"
cmake_built=$build/tests/containers/hello.oci
if [ -f "$cmake_built/index.json" ]; then
  check "the image skiff_add_oci_image built has that digest too" \
    grep -q "$(cat "$work/hello.digest")" "$cmake_built/index.json"
else
  echo "FAIL - no $cmake_built: skiff_add_oci_image(oci_hello ...) is built with the tests"
  failures=$((failures + 1))
fi
echo "  hello image: $(du -k "$work/hello.tar" | cut -f1) KiB as an archive (skiff $(du -k "$skiff" | cut -f1) KiB before stripping)"

# --- containerd of our own -----------------------------------------------------------------------
cat >"$work/config.toml" <<TOML
version = 2
root = "$work/root"
state = "$work/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$sock"
[ttrpc]
  address = "$sock.ttrpc"
[debug]
  address = "$work/debug.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$work/opt"
TOML
containerd --config "$work/config.toml" >"$work/containerd.log" 2>&1 &
containerd_pid=$!
for _ in $(seq 50); do
  ctr version >/dev/null 2>&1 && break
  kill -0 "$containerd_pid" 2>/dev/null || break
  sleep 0.2
done
if ! ctr version >/dev/null 2>&1; then
  echo "containerd: FAIL: our containerd did not start:"
  sed 's/^/  containerd| /' "$work/containerd.log"
  exit 1
fi
for name in hello blockcopy echo; do
  ctr images import --base-name "skiff.test/$name" "$work/$name.tar" >/dev/null
done
check "ctr imported the hello image by its digest" \
  bash -c "command ctr --address '$sock' --namespace '$ns' images ls | grep -q '$(cat "$work/hello.digest")'"

# hello: the image's Cmd, then a whole command line (ctr run's arguments replace Entrypoint and Cmd).
run hello ctr run --rm --device /dev/kvm skiff.test/hello:latest hello
check "hello in a container: exit status 0" rc_is hello 0
check "hello in a container: its greeting" out_has hello "Hello from a skiff unikernel!"
check "hello in a container: the image's Cmd is its command line" out_has hello 'command line: "Hello OCI"'
run hello_exit ctr run --rm --device /dev/kvm skiff.test/hello:latest hello-exit /skiff /hello.elf -- exit=7
check "hello in a container: the guest's exit status (7) comes back through ctr" rc_is hello_exit 7
# Confined as docs/containers.md's Kubernetes manifests confine it: containerd's default seccomp
# profile (RuntimeDefault), no capabilities at all, a read-only root. skiff adds its own filter on top.
# (ctr 1.6 takes no `ALL`: containerd's default set, one by one.)
drop=()
for cap in CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID SETUID SETFCAP SETPCAP NET_BIND_SERVICE \
  SYS_CHROOT KILL AUDIT_WRITE; do drop+=(--cap-drop "CAP_$cap"); done
run hello_confined ctr run --rm --read-only --seccomp "${drop[@]}" --device /dev/kvm skiff.test/hello:latest hello-confined
check "hello under the default seccomp profile, no capabilities, read-only root: exit status 0" rc_is hello_confined 0
check "hello under the default seccomp profile, no capabilities: its greeting" \
  out_has hello_confined "Hello from a skiff unikernel!"
run no_kvm ctr run --rm skiff.test/hello:latest no-kvm
check "without --device /dev/kvm: skiff's operator error, 1" rc_is no_kvm 1

# blockcopy: host files bound in at the image's device paths.
truncate -s 128K "$work/source.img" "$work/dest.img"
run blockcopy ctr run --rm --device /dev/kvm \
  --mount "type=bind,src=$work/source.img,dst=/disk/source.img,options=rbind:rw" \
  --mount "type=bind,src=$work/dest.img,dst=/disk/dest.img,options=rbind:rw" \
  skiff.test/blockcopy:latest blockcopy
check "blockcopy in a container: exit status 0" rc_is blockcopy 0
byte_at() { od -An -tu1 -j "$2" -N1 "$1" | tr -d ' '; }
# Byte i of block b is (b * 7 + i) & 0xff: block 3, byte 5 is 26.
check "blockcopy in a container: the pattern is in the host's source file" \
  test "$(byte_at "$work/source.img" $((3 * 512 + 5)))" = 26
check "blockcopy in a container: the host's dest file holds the copy" cmp -s "$work/source.img" "$work/dest.img"

# blockcopy stopped mid-run: SIGTERM is a clean stop (143) with what the guest wrote on the host's file.
truncate -s 4M "$work/big-source.img" "$work/big-dest.img"
ctr run --rm --device /dev/kvm \
  --mount "type=bind,src=$work/big-source.img,dst=/disk/source.img,options=rbind:rw" \
  --mount "type=bind,src=$work/big-dest.img,dst=/disk/dest.img,options=rbind:rw" \
  skiff.test/blockcopy:latest blockcopy-stopped >"$work/blockcopy_stopped.out" 2>&1 &
stopped_pid=$!
background+=("$stopped_pid")
for _ in $(seq 100); do
  grep -q "filling source" "$work/blockcopy_stopped.out" && break
  kill -0 "$stopped_pid" 2>/dev/null || break
  sleep 0.1
done
ctr tasks kill blockcopy-stopped >/dev/null 2>&1 || true
set +e
timeout 20 tail --pid="$stopped_pid" -f /dev/null
wait "$stopped_pid"
echo $? >"$work/blockcopy_stopped.rc"
set -e
background=()
sed "s/^/  blockcopy_stopped| /" "$work/blockcopy_stopped.out"
check "blockcopy stopped mid-fill by ctr task kill: exit status 143" rc_is blockcopy_stopped 143
check "blockcopy stopped mid-fill: skiff says so" out_has blockcopy_stopped "skiff: stopped by SIGTERM"
check "blockcopy stopped mid-fill: what it wrote is in the host's file (block 3, byte 5 is 26)" \
  test "$(byte_at "$work/big-source.img" $((3 * 512 + 5)))" = 26

# echo: a tap in a network namespace of the test's, owned by root so that the container's root opens
# it without CAP_NET_ADMIN; pings from that namespace; then ctr task kill.
ip netns add "$netns"
ip -n "$netns" link set lo up
ip -n "$netns" tuntap add tap0 mode tap user 0
ip -n "$netns" addr add 10.77.0.1/24 dev tap0
ip -n "$netns" link set tap0 up
ctr run --rm --device /dev/kvm --device /dev/net/tun --with-ns "network:/var/run/netns/$netns" \
  skiff.test/echo:latest echo >"$work/echo.out" 2>&1 &
echo_pid=$!
background+=("$echo_pid")
answered=0
for _ in $(seq 20); do
  if ip netns exec "$netns" ping -c 1 -W 1 10.77.0.2 >/dev/null 2>&1; then answered=1; break; fi
  kill -0 "$echo_pid" 2>/dev/null || break
done
check "echo in a container answers pings over a tap in a network namespace" test "$answered" = 1
pings() { ip netns exec "$netns" ping -c "$1" -i 0.2 -W 2 10.77.0.2 >/dev/null 2>&1; }
check "echo in a container answers three more" pings 3
ctr tasks kill echo >/dev/null
set +e
timeout 20 tail --pid="$echo_pid" -f /dev/null
wait "$echo_pid"
echo $? >"$work/echo.rc"
set -e
background=()
sed "s/^/  echo| /" "$work/echo.out"
check "ctr task kill (SIGTERM) stops echo with exit status 143" rc_is echo 143

if [ "$failures" -gt 0 ]; then
  echo "containerd: $failures check(s) failed; containerd's log:"
  tail -n 30 "$work/containerd.log" | sed 's/^/  containerd| /'
  exit 1
fi
echo "containerd: all checks passed"
