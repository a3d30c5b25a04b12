#!/usr/bin/env bash
# selftest.sh SKIFF_TEST [host|emulated|emulated-arm64 AARCH64_SKIFF_TEST]
# Checks skiff-test's behaviour end to end with a stand-in tender (a shell script that runs the
# "image" as a shell script, or execs it when it is ELF), so the runner is tested without any guest
# image: exit statuses, progress and summary lines, timeouts, fixtures (disk files, taps, bridges,
# host command), JUnit output, usage errors, and the "no backend" skip (77). With `emulated` the same
# suite runs inside the emulated KVM host (one boot per run). `emulated-arm64` does the same in the
# aarch64 emulated host, with AARCH64_SKIFF_TEST (a static cross-built skiff-test) as the runner in
# there, and also runs kvmprobe_arm64.c (built here with aarch64-linux-gnu-gcc) as an image: the
# architecture chosen from its ELF header, a real guest under the /dev/kvm in there.
# Exit 77 when the backend asked for, or what it needs, is not available.
set -uo pipefail
runner=$(readlink -f "${1:?usage: selftest.sh SKIFF_TEST [host|emulated|emulated-arm64 AARCH64_SKIFF_TEST]}")
mode=${2:-host}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
extra=()  # options every run takes
if [ "$mode" = emulated-arm64 ]; then
  inner=${3:-}
  skip() { echo "skipped: $*"; exit 77; }
  [ -n "$inner" ] && [ -x "$inner" ] ||
    skip "no aarch64 skiff-test to run inside the arm64 host: cross-build one with -DSKIFF_STATIC=ON and configure this tree with -DSKIFF_TEST_AARCH64_RUNNER=<that build>/tools/skiff-test/skiff-test"
  command -v qemu-system-aarch64 >/dev/null || skip "no qemu-system-aarch64 (Debian package qemu-system-arm)"
  command -v aarch64-linux-gnu-gcc >/dev/null || skip "no aarch64-linux-gnu-gcc (Debian package gcc-aarch64-linux-gnu)"
  inner=$(readlink -f "$inner")
  mode=emulated
  arm64=1
  extra=(--arch aarch64 --runner "$inner")
fi
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work"
failures=0
check() {  # check DESCRIPTION CONDITION...
  local what=$1; shift
  if "$@"; then echo "ok   - $what"; else echo "FAIL - $what"; failures=$((failures + 1)); fi
}

cat > stub-skiff <<'EOS'
#!/bin/sh
opts=""
while [ $# -gt 0 ]; do case "$1" in --*) opts="$opts $1"; shift ;; *) break ;; esac; done
image=$1; shift
case "$(head -c 4 "$image")" in *ELF) exec "$image" "$@" ;; esac
SKIFF_OPTS="$opts" exec sh "$image" "$@"
EOS
chmod +x stub-skiff
echo 'echo "Hello $1"; echo "options:$SKIFF_OPTS"' > hello.sh
echo 'echo "about to fail" >&2; exit 3' > fail.sh
# A sleep this run alone makes (its pid in the duration), so the leftover check below looks for its
# own processes only, never another run's.
stray="sleep 61.$$"
echo "$stray & $stray" > hang.sh
cat > fixtures.sh <<'EOS'
for o in $SKIFF_OPTS; do
  case $o in
    --block:*) f=${o#*=}; echo "disk ${o%%=*} $(wc -c < "$f") bytes" ;;
    --net:*) t=${o#*=}; echo "tap ${o%%=*} $t mtu $(cat /sys/class/net/$t/mtu) master $(basename "$(readlink /sys/class/net/$t/master)")" ;;
    *) echo "option $o" ;;
  esac
done
sleep 1
EOS
cat > suite.json <<'EOS'
{
  "version": 1,
  "tests": [
    {"name": "hello", "image": "hello.sh", "skiff_args": ["--mem=32"], "guest_args": ["skiff"], "exit_code": 0,
     "output": ["Hello skiff", "options: --mem=32"], "no_output": ["panic"]},
    {"name": "wrong-exit", "image": "fail.sh", "exit_code": 0, "output": ["never printed"]},
    {"name": "hangs", "image": "hang.sh", "exit_code": 0, "timeout_s": 1},
    {"name": "disks", "image": "fixtures.sh", "exit_code": 0,
     "disks": [{"name": "storage", "size": 65536, "sector_size": 4096}],
     "output": ["disk --block:storage 65536 bytes", "option --block-sector-size:storage=4096"]},
    {"name": "taps", "image": "fixtures.sh", "exit_code": 0, "requires": ["net"],
     "nics": [{"name": "service0", "host_ip": "10.66.0.1/24", "mtu": 1400}],
     "host_command": "ping -c 1 -W 2 10.66.0.1",
     "output": ["tap --net:service0 skt[0-9]+t[0-9]+ mtu 1400"]},
    {"name": "bridged", "image": "fixtures.sh", "exit_code": 0, "requires": ["net", "bridge"], "bridge_nics": true,
     "nics": [{"name": "a"}, {"name": "b"}], "output": ["tap --net:a skt[0-9]+t[0-9]+ mtu 1500 master sktbr", "tap --net:b"]},
    {"name": "host-command-fails", "image": "hello.sh", "exit_code": 0, "host_command": "echo nope; exit 4"}
  ]
}
EOS

run() {  # run NAME ARGS...: skiff-test's stdout+stderr to NAME.out, its status to NAME.rc
  local name=$1; shift
  "$runner" "${extra[@]}" "$@" > "$name.out" 2>&1; echo $? > "$name.rc"
}
has() { grep -q -E -- "$2" "$1.out"; }
rc_is() { [ "$(cat "$1.rc")" = "$2" ]; }

run suite --kvm="$mode" --skiff ./stub-skiff -v --junit junit.xml suite.json
if rc_is suite 77; then echo "skipped: $(grep -m1 'backend:' suite.out)"; exit 77; fi
cat suite.out
check "backend line says which and why" has suite "^skiff-test: backend: $([ "$mode" = host ] && echo 'host KVM \(/dev/kvm works\)' || echo 'emulated KVM \(QEMU TCG')"
check "exit status 1 when a test fails" rc_is suite 1
check "passing test" has suite '^\[ OK \] hello \([0-9]+\.[0-9]{2} s\)$'
check "exit code diff" has suite '^\[FAIL\] wrong-exit: exit code 3, expected 0; output did not match /never printed/$'
check "unmatched regex named" has suite '^    output: expected a match for /never printed/, found none$'
check "output tail shown" has suite '^    \| about to fail$'
check "timeout" has suite '^\[FAIL\] hangs: timed out after 1 s$'
check "disk files and sector size" has suite '^\[ OK \] disks '
if [ "$(id -u)" = 0 ]; then
  check "tap with address, mtu and host command" has suite '^\[ OK \] taps '
  check "taps on a bridge" has suite '^\[ OK \] bridged '
else
  check "net tests skipped without root" has suite '^\[SKIP\] taps: requires net: cannot create tap devices'
fi
check "host command failure" has suite '^\[FAIL\] host-command-fails: host command failed \(exit status 4\)$'
check "summary line" has suite "^$([ "$(id -u)" = 0 ] && echo '4 passed, 3 failed, 0 skipped' || echo '2 passed, 3 failed, 2 skipped')$"
# Only this run's own taps and bridges (other tests, ctest -j, may hold theirs right now); in the
# emulated backend they lived inside the emulated host, which is gone.
if [ "$mode" = host ] && [ "$(id -u)" = 0 ]; then
  own=$(grep -o -E '(skt[0-9]+t[0-9]+|sktbr[0-9]+)' suite.out | sort -u | tr '\n' ' ')
  check "this run created taps and bridges" test -n "$own"
  check "no tap or bridge left behind" bash -c 'for i in $0; do [ ! -e /sys/class/net/$i ] || exit 1; done' "$own"
fi
check "no stray process left behind" bash -c '! pgrep -f "^$0\$" >/dev/null' "$stray"
if command -v python3 >/dev/null; then
  check "JUnit XML parses and counts" python3 -c '
import sys, xml.etree.ElementTree as et
s = et.parse("junit.xml").getroot().find("testsuite")
sys.exit(0 if s.get("tests") == "7" and s.get("failures") == "3" else 1)'
fi

run filtered --kvm="$mode" --skiff ./stub-skiff --filter '^hel' suite.json
check "--filter selects by name" has filtered '^1 passed, 0 failed, 0 skipped$'
check "exit 0 when nothing fails" rc_is filtered 0

echo '{"version": 1, "tests": [{"name": "x", "image": "x", "exit_code": 0, "outptu": []}]}' > typo.json
run typo --skiff ./stub-skiff typo.json
check "unknown key: one line with a guess, exit 2" has typo '^skiff-test: typo.json: .tests\[0\].outptu: unknown key, did you mean "output"\? \(test "x"\)$'
check "unknown key exit status" rc_is typo 2
run nomatch --kvm="$mode" --skiff ./stub-skiff --filter '^helo' suite.json
check "--filter matching nothing: one line naming it and the tests" has nomatch '^skiff-test: --filter "\^helo" matches no test name; the tests are: hello, wrong-exit, hangs, disks, taps, \.\.\. \(7 in all\)$'
check "--filter matching nothing: exit 2" rc_is nomatch 2
"$runner" --help > help.out 2>&1; echo $? > help.rc
check "--help: exit statuses and environment" bash -c 'grep -q "^Exit status:" help.out && grep -q "^  77 " help.out && grep -q "SKIFF_TEST_TAP_<nic>" help.out && grep -q "SKIFF_TEST_CACHE" help.out'
if [ "$mode" = host ]; then
  # A tender that cannot run the calibration guest says nothing about speed: host KVM stays.
  run auto --kvm=auto --skiff ./stub-skiff --filter '^hel' suite.json
  check "--kvm=auto: one backend line with the reason" has auto '^skiff-test: backend: host KVM \(/dev/kvm works(; --kvm=auto: the calibration guest failed under host KVM \(skiff ended with status [0-9]+.*\); using host KVM \(force with --kvm=emulated\))?\)$'
  check "--kvm=auto: the tests ran" has auto '^1 passed, 0 failed, 0 skipped$'
fi
if [ "$mode" = host ] && [ "$(id -u)" = 0 ] && grep -q . /sys/class/net/lo/operstate 2>/dev/null; then
  # 127.0.0.0/8 is lo's: the tap could never be reached, so nothing runs.
  sed 's|10.66.0.1/24|127.0.0.9/24|' suite.json > collides.json
  run collides --kvm=host --skiff ./stub-skiff collides.json
  check "host_ip subnet in use on this host: refused up front" has collides '^skiff-test: test "taps": nic "service0": host_ip 127.0.0.9/24 \(subnet 127.0.0.0/24\) collides with 127.0.0.0/8 on this host.s interface lo \(127.0.0.1/8\); choose another host_ip$'
  check "host_ip subnet in use: no test ran, exit 2" bash -c '! grep -q "^\[" collides.out && [ "$(cat collides.rc)" = 2 ]'
fi
run usage --kvm=sometimes --skiff ./stub-skiff suite.json
check "bad --kvm value: exit 2" rc_is usage 2

SKIFF_TEST_HARNESS=/nonexistent run nobackend --kvm=emulated --skiff ./stub-skiff --filter '^hel' suite.json
check "no backend: every test skipped with the reason" has nobackend '^\[SKIP\] hello: no KVM backend \(forced with --kvm=emulated; emulated KVM unavailable: missing the emulated-kvm scripts'
check "no backend: exit 77" rc_is nobackend 77

SKIFF_TEST_HARNESS=/nonexistent run strict --kvm=emulated --skiff ./stub-skiff --filter '^hel' --fail-on-skip suite.json
check "--fail-on-skip: a skip fails the run" rc_is strict 1
check "--fail-on-skip: says which test and why" has strict '^skiff-test: hello was skipped \(no KVM backend .*\), and --fail-on-skip allows no skip but none$'
printf '# reviewed\nskiff-test:host disks some reason\nctest hello not for skiff-test\n' > allowed.txt
run allowed --kvm="$mode" --skiff ./stub-skiff --filter '^(disks|hello)$' --fail-on-skip --allowed-skips allowed.txt suite.json
check "--allowed-skips: nothing skipped, nothing refused" rc_is allowed 0

# Stopped mid-run by SIGTERM (a cancelled CI job), skiff-test leaves nothing behind: its children
# and their groups, its taps, the emulated host and every scratch file are gone, and it exits 143.
mkdir sigtmp
nic=''
[ "$(id -u)" = 0 ] && nic=', "nics": [{"name": "n"}]'
cat > interrupt.json <<EOS
{"version": 1, "tests": [{"name": "waits", "image": "hang.sh", "exit_code": 0, "timeout_s": 120,
  "disks": [{"name": "d", "size": 4096}]$nic}]}
EOS
TMPDIR=$PWD/sigtmp "$runner" "${extra[@]}" --kvm="$mode" --skiff ./stub-skiff -v interrupt.json > interrupt.out 2>&1 &
runner_pid=$!
for _ in $(seq 600); do  # until the guest runs: the stray sleep here, or the emulated host is up
  if [ "$mode" = host ]; then pgrep -f "^$stray\$" >/dev/null && break; else grep -q "emulated host ready" interrupt.out && break; fi
  sleep 0.2
done
sleep 0.5
kill -TERM "$runner_pid"
wait "$runner_pid"; echo $? > interrupt.rc
cat interrupt.out
check "SIGTERM: exit 143" rc_is interrupt 143
check "SIGTERM: one line says so" has interrupt '^skiff-test: interrupted by SIGTERM; its guests, taps and scratch files are gone$'
check "SIGTERM: no guest process left" bash -c '! pgrep -f "^$0\$" >/dev/null' "$stray"
check "SIGTERM: no emulated host left" bash -c '! pgrep -f "^qemu-system.*$0" >/dev/null' "$PWD/sigtmp"
check "SIGTERM: no scratch file left" bash -c '[ -z "$(ls -A "$0")" ]' "$PWD/sigtmp"
check "SIGTERM: no tap left" bash -c '! ls /sys/class/net | grep -q "^skt$0t"' "$runner_pid"

if [ -n "${arm64:-}" ]; then
  # A real aarch64 KVM guest in the arm64 host; no --arch: the image's ELF header chooses.
  aarch64-linux-gnu-gcc -std=c11 -O2 -static -o kvmprobe "$here/kvmprobe_arm64.c"
  cat > probe.json <<'EOS'
{"version": 1, "tests": [{"name": "kvm-probe", "image": "kvmprobe", "exit_code": 0,
  "output": ["KVM_EXIT_MMIO: write of 1 to 0x10000000", "1000 MMIO exits", "PSCI SYSTEM_OFF", "kvmprobe: ok"]}]}
EOS
  "$runner" --kvm=emulated --runner "$inner" --skiff ./stub-skiff -v probe.json > probe.out 2>&1; echo $? > probe.rc
  cat probe.out
  check "arm64: the image's ELF header picks the aarch64 host" has probe '^skiff-test: backend: emulated KVM \(QEMU TCG aarch64 \+ KVM at EL2; forced with --kvm=emulated; aarch64 host \(aarch64 images\)\)$'
  check "arm64: a KVM guest runs in there (MMIO exits, PSCI off)" has probe '^\[ OK \] kvm-probe '
  check "arm64: exit 0" rc_is probe 0
  # Refused before anything boots: no runner for aarch64, and images of two architectures.
  if [ "$(uname -m)" != aarch64 ]; then
    "$runner" --kvm=emulated --skiff ./stub-skiff probe.json > norunner.out 2>&1; echo $? > norunner.rc
    check "arm64: no aarch64 runner: one line naming --runner, exit 2" bash -c 'grep -q -- "give one with --runner PATH" norunner.out && [ "$(cat norunner.rc)" = 2 ]'
  fi
  cp "$(readlink -f /bin/true)" x86-image
  echo '{"version": 1, "tests": [{"name": "x", "image": "x86-image", "exit_code": 0}, {"name": "a", "image": "kvmprobe", "exit_code": 0}]}' > mixed.json
  "$runner" --kvm=emulated --runner "$inner" --skiff ./stub-skiff mixed.json > mixed.out 2>&1; echo $? > mixed.rc
  check "arm64: images of two architectures: one line, exit 2" bash -c 'grep -q "^skiff-test: the tests. images are of two architectures (.x. is x86_64, .a. is aarch64)" mixed.out && [ "$(cat mixed.rc)" = 2 ]'
fi

echo "$failures failed checks"
[ "$failures" = 0 ]
