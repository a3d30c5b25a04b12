#!/usr/bin/env bash
# sanitize.sh: configures build-asan (CMakePresets.json preset "asan": ASan + UBSan for host code
# only), builds it, and runs every ctest there (unit tests, hostile suites, guest suite) with the
# sanitizers set to fail on the first report. Usage: tools/sanitize.sh [CTEST ARGS...]
#   tools/sanitize.sh                 # everything
#   tools/sanitize.sh -R Hostile      # one family of tests
# Exit status: ctest's (non-zero if any test failed or any sanitizer reported).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
jobs=${SKIFF_JOBS:-2}
cmake --preset asan >/dev/null
cmake --build --preset asan -j"$jobs"
# Sanitizer reports go to stderr of the process that found them; the suites that run skiff show
# a report as an unexpected stderr line or exit status, so they fail on it too.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# The ASan runtime makes system calls of its own (pipe2, to probe memory) that skiff's seccomp
# sandbox rightly kills, so tests that run a sandboxed skiff cannot pass here: the sandbox death
# tests, the durability tests, the guest suite and the benchmark smoke test. They are left out unless SKIFF_SANITIZE_ALL=1;
# everything else (unit tests, hostile image and operator suites, fake-vCPU hostile guest) runs.
cd build-asan
if [[ ${SKIFF_SANITIZE_ALL:-0} == 1 ]]; then
    exec ctest --output-on-failure -j"$jobs" "$@"
fi
exec ctest --output-on-failure -j"$jobs" -E 'SandboxDeathTest|Durability|guest_suite|emulated|bench_smoke' "$@"
