#!/usr/bin/env bash
# soak.sh: boots and exits unikernels under skiff over and over and checks that nothing grows.
#
#   tools/soak.sh            # 30 seconds
#   tools/soak.sh 600        # 600 seconds
#   tools/soak.sh 2000c      # 2000 cycles
#   SKIFF_BUILD=build-asan tools/soak.sh 60
#
# One cycle boots examples/hello to exit status 0 and records skiff's peak RSS (/usr/bin/time %M).
# Before the first and after the last cycle, a probe run boots tests/guest/test_time.elf, which
# yields for 100 ms, and samples skiff's open fds (/proc/PID/fd) and VmHWM while it waits. The
# soak fails if any cycle fails or prints to stderr, if the probe's fd count or VmHWM grew, if the
# mean peak RSS of the last 20 cycles exceeds the first 20 by more than 1 MiB, or if a skiff
# process outlives the soak. Prints cycles per second.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${SKIFF_BUILD:-$root/build}
case $build in /*) ;; *) build=$root/$build ;; esac
skiff=$build/src/skiff
hello=$build/examples/hello/hello.elf
probe_image=$build/tests/guest/test_time.elf
arg=${1:-30}

fail() { echo "soak: FAIL: $*" >&2; exit 1; }
for f in "$skiff" "$hello" "$probe_image" /usr/bin/time; do [[ -e $f ]] || fail "$f is missing (build first)"; done
[[ -r /dev/kvm ]] || { echo "soak: no /dev/kvm, skipped" >&2; exit 77; }
if [[ $arg =~ ^([0-9]+)c$ ]]; then max_cycles=${BASH_REMATCH[1]}; max_seconds=0
elif [[ $arg =~ ^[0-9]+$ ]]; then max_cycles=0; max_seconds=$arg
else fail "usage: tools/soak.sh [SECONDS | CYCLESc]"; fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Prints "FDS HWM_KB" for a skiff that is waiting inside its guest.
probe() {
    "$skiff" --mem=32 "$probe_image" >"$tmp/probe.out" 2>"$tmp/probe.err" &
    local pid=$! fds hwm
    sleep 0.05
    fds=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)
    hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    wait "$pid" || fail "probe run exited with $? ($(cat "$tmp/probe.err"))"
    grep -q SUCCESS "$tmp/probe.out" || fail "probe run did not succeed"
    [[ $fds -gt 0 ]] || fail "probe run ended before it could be sampled"
    echo "$fds $hwm"
}

read -r fds_first hwm_first < <(probe)
avail_first=$(awk '/^MemAvailable/ {print $2}' /proc/meminfo)
rss=()
cycles=0
start=$(date +%s.%N)
while :; do
    if [[ $max_cycles -gt 0 ]]; then [[ $cycles -lt $max_cycles ]] || break
    else (( $(date +%s) - ${start%.*} < max_seconds )) || break; fi
    status=0
    /usr/bin/time -f %M -o "$tmp/rss" "$skiff" --mem=32 "$hello" >/dev/null 2>"$tmp/err" || status=$?
    [[ $status -eq 0 ]] || fail "cycle $cycles: skiff exited with $status ($(cat "$tmp/err"))"
    [[ ! -s $tmp/err ]] || fail "cycle $cycles: skiff wrote to stderr: $(cat "$tmp/err")"
    rss+=("$(tail -n1 "$tmp/rss")")
    cycles=$((cycles + 1))
done
end=$(date +%s.%N)
read -r fds_last hwm_last < <(probe)
avail_last=$(awk '/^MemAvailable/ {print $2}' /proc/meminfo)

n=${#rss[@]}
[[ $n -ge 2 ]] || fail "only $n cycles ran; soak longer"
window=$(( n < 40 ? n / 2 : 20 ))
mean() { local s=0 i; for i in "$@"; do s=$((s + i)); done; echo $((s / $#)); }
rss_first=$(mean "${rss[@]:0:window}")
rss_last=$(mean "${rss[@]:n-window:window}")
rate=$(awk -v c="$cycles" -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", c / (b - a) }')
echo "soak: $cycles cycles in $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s ($rate cycles/s)"
echo "soak: peak RSS (KiB) mean of first $window: $rss_first, last $window: $rss_last"
echo "soak: probe fds $fds_first -> $fds_last, VmHWM (KiB) $hwm_first -> $hwm_last"
echo "soak: host MemAvailable (KiB) $avail_first -> $avail_last"
[[ $fds_last -le $fds_first ]] || fail "open fds grew from $fds_first to $fds_last"
[[ $hwm_last -le $((hwm_first + 1024)) ]] || fail "VmHWM grew from $hwm_first to $hwm_last KiB"
[[ $rss_last -le $((rss_first + 1024)) ]] || fail "peak RSS grew from $rss_first to $rss_last KiB"
if pgrep -P $$ -x skiff >/dev/null; then fail "a skiff started by the soak outlived its run"; fi
echo "soak: OK"
