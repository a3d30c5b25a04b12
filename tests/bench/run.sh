#!/usr/bin/env bash
# tests/bench/run.sh: skiff against the physical limit. Builds nothing; times what BUILD_DIR holds
# (default ./build: src/skiff, examples/hello/hello.elf, tests/bench/bench_*).
#
# usage: tests/bench/run.sh [--reps N] [--smoke] [BUILD_DIR]
#   --reps N   repetitions of every measurement (default 5); min and median are printed
#   --smoke    tiny counts, to check that the script still works (ctest bench_smoke)
#
# Every ratio compares two things measured side by side, interleaved, in this run:
#   boot       exec of `skiff hello.elf` to exit   vs bench_floor (open KVM, VM, vCPU, 512 MiB lazily,
#              long mode, one OUT, HLT); plus skiff's phases from SKIFF_TRACE_SETUP=1
#   hypercall  bench_hypercall.elf: N WALLTIME     vs bench_floor N: N bare PIO exits (per exit)
#   block      bench_block.elf, 4 KiB and 64 KiB, seq/rand, read/write, raw hypercalls on a
#              4096-byte-block disk                vs bench_hostio pread/pwrite, same file, offsets
#   net        bench_net.elf tx/rx, 64 B and 1500 B frames over a tap, with ring I/O (docs/guest-abi.md §6)
#              and with `--skiff:no-ring` (one hypercall per frame)
#                                                  vs bench_hostio writing/reading the same tap
#              (needs root: a tap skbPID is created with `ip tuntap` and deleted afterwards)
#   scale      skiff start-up with 63 vs 1 declared (and bound) block devices; 8 for reference
#   footprint  skiff's VmHWM with 512 MiB of guest memory, binary size, trusted lines of code
# Ratios are "skiff / floor" for times and "skiff / floor" for throughputs, so a time ratio of 1.0x
# and a throughput ratio of 1.0x are both the floor itself. Exit status 77: no usable /dev/kvm.
set -euo pipefail

reps=5
smoke=0
build=./build
while [[ $# -gt 0 ]]; do
    case $1 in
    --reps) reps=$2; shift 2 ;;
    --smoke) smoke=1; shift ;;
    -h | --help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) build=$1; shift ;;
    esac
done
[[ $reps =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --reps needs a positive number" >&2; exit 2; }

src_dir=$(cd "$(dirname "$0")/../.." && pwd)
skiff=$build/src/skiff
bench=$build/tests/bench
hello=$build/examples/hello/hello.elf
for f in "$skiff" "$hello" "$bench"/bench_floor "$bench"/bench_hostio "$bench"/bench_hypercall.elf \
    "$bench"/bench_block.elf "$bench"/bench_net.elf "$bench"/bench_scale_{1,8,63}.elf; do
    [[ -x $f ]] || { echo "run.sh: $f missing: build it first (make -C $build)" >&2; exit 1; }
done
if ! "$bench"/bench_floor 1 >/dev/null 2>&1; then
    echo "run.sh: no usable /dev/kvm; skipped" >&2
    exit 77
fi

if ((smoke)); then
    hc_n=200 blk_count4=20 blk_count64=5 net_count=50 settle_ms=50
else
    hc_n=20000 blk_count4=2000 blk_count64=400 net_count=20000 settle_ms=300
fi

work=$(mktemp -d)
taps=()
cleanup() {
    for t in "${taps[@]}"; do ip link del "$t" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# ---- helpers -------------------------------------------------------------------------------------
now_us() { local t=$EPOCHREALTIME; echo "${t/./}"; }
# Wall time of one command in µs (fork+exec included, the same for skiff and the floor).
time_us() {
    local t0 t1
    t0=$(now_us)
    "$@" >/dev/null 2>&1 || { echo "run.sh: failed: $*" >&2; exit 1; }
    t1=$(now_us)
    echo $((t1 - t0))
}
field() { sed -n "s/.*\b$1=\([0-9.]*\).*/\1/p" | head -1; }  # key=value from a line on stdin
# min and median of the numbers on stdin, as "min median"
stats() { sort -g | awk '{v[NR]=$1} END {m = NR % 2 ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2; print v[1], m}'; }
min_of() { echo "$1" | cut -d' ' -f1; }
med_of() { echo "$1" | cut -d' ' -f2; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2fx", b ? a / b : 0}'; }

rows=()
row() { rows+=("$(printf '%-34s %-22s %-22s %-8s %s' "$@")"); }
fmt() { awk -v s="$1" -v u="$2" 'BEGIN {split(s, v, " "); printf "%.1f / %.1f %s", v[1], v[2], u}'; }

# ---- 1. boot -------------------------------------------------------------------------------------
declare -A phase_vals
boot_s="" boot_f="" own_s="" own_f=""
for ((r = 0; r < reps; r++)); do
    t0=$(now_us)
    "$bench"/bench_floor 1 512 >"$work/floor" || { echo "run.sh: bench_floor failed" >&2; exit 1; }
    t1=$(now_us)
    boot_f+="$((t1 - t0)) "
    own_f+="$(awk -v t=$((t1 - t0)) -v run="$(field run_ns <"$work/floor")" 'BEGIN {print t - run / 1000}') "
    t0=$(now_us)
    SKIFF_TRACE_SETUP=1 "$skiff" "$hello" >/dev/null 2>"$work/trace" || { echo "run.sh: skiff hello failed" >&2; cat "$work/trace" >&2; exit 1; }
    t1=$(now_us)
    boot_s+="$((t1 - t0)) "
    while read -r _ _ name us _; do phase_vals[$name]+="$us "; done <"$work/trace"
    own_s+="$(awk -v t=$((t1 - t0)) '$3 == "guest-run" {print t - $4}' "$work/trace") "
done
bs=$(echo "$boot_s" | tr ' ' '\n' | grep . | stats)
bf=$(echo "$boot_f" | tr ' ' '\n' | grep . | stats)
os=$(echo "$own_s" | tr ' ' '\n' | grep . | stats)
of=$(echo "$own_f" | tr ' ' '\n' | grep . | stats)
over() { awk -v a="$(med_of "$1")" -v b="$(med_of "$2")" 'BEGIN {printf "%+.0f us over the floor (median)", a - b}'; }
row "boot: exec to exit (us)" "$(fmt "$bs" "")" "$(fmt "$bf" "")" "$(ratio "$(med_of "$bs")" "$(med_of "$bf")")" "$(over "$bs" "$bf")"
row "boot: same, less guest run time (us)" "$(fmt "$os" "")" "$(fmt "$of" "")" "$(ratio "$(med_of "$os")" "$(med_of "$of")")" \
    "$(over "$os" "$of"); target <= +1000 us on real KVM"
for name in image+manifest+options devices kvm+vm memory vcpu boot-state sandbox guest-run teardown; do
    [[ -n ${phase_vals[$name]:-} ]] || continue
    row "  skiff phase: $name (us)" "$(fmt "$(echo "${phase_vals[$name]}" | tr ' ' '\n' | grep . | stats)" "")" "" "" ""
done

# Lazy guest memory: peak RSS of skiff and the floor, both with 512 MiB of guest memory.
rss_s=$( { /usr/bin/time -f 'maxrss=%M' "$skiff" --mem=512 "$hello" >/dev/null; } 2>&1 | field maxrss)
rss_f=$("$bench"/bench_floor 1 512 | field vmhwm_kib)

# ---- 2. hypercall round trip -----------------------------------------------------------------------
hs="" hf=""
for ((r = 0; r < reps; r++)); do
    hf+="$("$bench"/bench_floor "$hc_n" 512 | field ns_per_exit) "
    ns=$("$skiff" "$bench"/bench_hypercall.elf "$hc_n" | field ns)
    hs+="$(awk -v ns="$ns" -v n="$hc_n" 'BEGIN {print ns / n}') "
done
hs=$(echo "$hs" | tr ' ' '\n' | grep . | stats)
hf=$(echo "$hf" | tr ' ' '\n' | grep . | stats)
row "hypercall: WALLTIME vs bare PIO (ns)" "$(fmt "$hs" "")" "$(fmt "$hf" "")" "$(ratio "$(med_of "$hs")" "$(med_of "$hf")")" \
    "N=$hc_n per rep; target <= 1.10x"

# ---- 3. block ------------------------------------------------------------------------------------
disk=$work/disk.img
truncate -s 64M "$disk"
"$bench"/bench_hostio block "$disk" write seq 65536 1024 >/dev/null  # allocate every block once
for size in 4096 65536; do
    count=$([[ $size == 4096 ]] && echo "$blk_count4" || echo "$blk_count64")
    for op in read write; do
        for pat in seq rand; do
            gs="" hs_=""
            for ((r = 0; r < reps; r++)); do
                ns=$("$bench"/bench_hostio block "$disk" "$op" "$pat" "$size" "$count" | field ns)
                hs_+="$(awk -v ns="$ns" -v b=$((size * count)) 'BEGIN {print b / ns * 1000}') "
                ns=$("$skiff" --block:disk="$disk" --block-sector-size:disk=4096 "$bench"/bench_block.elf \
                    "$op" "$pat" "$size" "$count" | field ns)
                gs+="$(awk -v ns="$ns" -v b=$((size * count)) 'BEGIN {print b / ns * 1000}') "
            done
            g=$(echo "$gs" | tr ' ' '\n' | grep . | stats)
            h=$(echo "$hs_" | tr ' ' '\n' | grep . | stats)
            row "block: $((size / 1024)) KiB $pat $op (MB/s)" "$(fmt "$g" "")" "$(fmt "$h" "")" \
                "$(ratio "$(med_of "$g")" "$(med_of "$h")")" "$count transfers per rep; target >= 0.90x"
        done
    done
done

# ---- 4. net --------------------------------------------------------------------------------------
make_tap() {
    ip tuntap add "$1" mode tap 2>/dev/null || return 1
    taps+=("$1")
    sysctl -qw "net.ipv6.conf.$1.disable_ipv6=1" 2>/dev/null || true  # no host chatter on the tap
    ip link set "$1" txqueuelen $((net_count + 1000)) up  # room for every injected frame
}
carrier_up() { # wait until someone holds the tap (its carrier comes up)
    for _ in $(seq 200); do
        [[ $(cat "/sys/class/net/$1/carrier" 2>/dev/null) == 1 ]] && return 0
        sleep 0.01
    done
    return 1
}
# Receive: RECEIVER... holds the tap; frames are injected once it is attached; prints its line.
receive() {
    local tap=$1 size=$2
    shift 2
    timeout 60 "$@" >"$work/rx" 2>&1 &
    local pid=$!
    carrier_up "$tap" || { kill "$pid"; echo "run.sh: receiver never attached to $tap" >&2; exit 1; }
    sleep 0.05
    "$bench"/bench_hostio inject "$tap" "$size" "$net_count" >/dev/null
    wait "$pid" || { echo "run.sh: receiver failed: $(cat "$work/rx")" >&2; exit 1; }
    cat "$work/rx"
}
rate() { awk -v f="$1" -v b="$2" -v ns="$3" 'BEGIN {printf "%.0f %.2f\n", f / ns * 1e9, b / ns * 1000}'; }
tap=skb$$  # per-run name, so concurrent runs do not collide
if [[ $(id -u) == 0 ]] && make_tap $tap; then
    for size in 64 1500; do
        for dir in tx rx; do
          for mode in ring no-ring; do
            ring_arg=()
            [[ $mode == no-ring ]] && ring_arg=(--skiff:no-ring)
            gf="" gb="" hf_="" hb=""
            for ((r = 0; r < reps; r++)); do
                if [[ $dir == tx ]]; then
                    ns=$("$bench"/bench_hostio tap-tx $tap "$size" "$net_count" | field ns)
                    read -r f b <<<"$(rate "$net_count" $((size * net_count)) "$ns")"
                    hf_+="$f " hb+="$b "
                    ns=$("$skiff" --net:net=$tap "$bench"/bench_net.elf "${ring_arg[@]}" tx "$size" "$net_count" | field ns)
                    read -r f b <<<"$(rate "$net_count" $((size * net_count)) "$ns")"
                    gf+="$f " gb+="$b "
                else
                    line=$(receive $tap "$size" "$bench"/bench_hostio tap-rx $tap "$net_count" "$settle_ms")
                    read -r f b <<<"$(rate "$(field frames <<<"$line")" "$(field bytes <<<"$line")" "$(field ns <<<"$line")")"
                    hf_+="$f " hb+="$b "
                    line=$(receive $tap "$size" "$skiff" --net:net=$tap "$bench"/bench_net.elf "${ring_arg[@]}" rx "$net_count" "$settle_ms")
                    read -r f b <<<"$(rate "$(field frames <<<"$line")" "$(field bytes <<<"$line")" "$(field ns <<<"$line")")"
                    gf+="$f " gb+="$b "
                fi
            done
            label=$([[ $dir == tx ]] && echo "guest->host" || echo "host->guest")
            g=$(echo "$gf" | tr ' ' '\n' | grep . | stats)
            h=$(echo "$hf_" | tr ' ' '\n' | grep . | stats)
            gbs=$(echo "$gb" | tr ' ' '\n' | grep . | stats)
            row "net: $label ${size} B $mode (kframes/s)" "$(fmt "$(awk '{print $1/1000, $2/1000}' <<<"$g")" "")" \
                "$(fmt "$(awk '{print $1/1000, $2/1000}' <<<"$h")" "")" "$(ratio "$(med_of "$g")" "$(med_of "$h")")" \
                "guest median $(med_of "$gbs") MB/s; $net_count frames"
          done
        done
    done
else
    row "net" "skipped" "(needs root and ip tuntap)" "" ""
fi

# ---- 5. scale ------------------------------------------------------------------------------------
blk=$work/small.img
truncate -s 1M "$blk"
declare -A scale
for ((r = 0; r < reps; r++)); do
    for n in 1 8 63; do
        args=()
        for ((i = 1; i <= n; i++)); do args+=("--block:d$i=$blk"); done
        scale[$n]+="$(time_us "$skiff" "${args[@]}" "$bench/bench_scale_$n.elf") "
    done
done
s1=$(echo "${scale[1]}" | tr ' ' '\n' | grep . | stats)
for n in 8 63; do
    sn=$(echo "${scale[$n]}" | tr ' ' '\n' | grep . | stats)
    row "scale: start-up, $n vs 1 block dev (us)" "$(fmt "$sn" "")" "$(fmt "$s1" "")" "$(ratio "$(med_of "$sn")" "$(med_of "$s1")")" \
        "$([[ $n == 63 ]] && echo "target <= 2.00x")"
done

# ---- 6. footprint --------------------------------------------------------------------------------
trusted_loc=$(find "$src_dir/src" "$src_dir/include" -type f \( -name '*.cpp' -o -name '*.h' \) -print0 |
    xargs -0 awk '
        { line = $0 }
        incomment { if (sub(/.*\*\//, "", line)) incomment = 0; else next }
        { while (match(line, /\/\*.*\*\//)) line = substr(line, 1, RSTART - 1) substr(line, RSTART + RLENGTH) }
        { if (sub(/\/\*.*/, "", line)) incomment = 1 }
        { sub(/\/\/.*/, "", line) }
        line ~ /[^ \t]/ { n++ }
        END { print n }')
bin_size=$(stat -c %s "$skiff")
text_size=$(size -A "$skiff" | awk '$1 == ".text" {print $2}')

# ---- the table -----------------------------------------------------------------------------------
echo "skiff benchmarks: $reps rep(s), values are min / median; $(uname -r), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
printf '%-34s %-22s %-22s %-8s %s\n' "measurement" "skiff" "floor" "ratio" "notes"
printf '%s\n' "${rows[@]}"
echo "footprint: skiff VmHWM ${rss_s} KiB with 512 MiB guest memory (floor: ${rss_f} KiB; lazy memory if far below 524288);" \
    "binary $bin_size bytes (.text $text_size); trusted code $trusted_loc lines (src/ + include/, no blanks or comments)"
if ((rss_s > 131072)); then
    echo "run.sh: skiff's peak RSS ($rss_s KiB) suggests guest memory is pre-faulted" >&2
    exit 1
fi
