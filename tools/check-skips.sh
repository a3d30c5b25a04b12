#!/usr/bin/env bash
# check-skips.sh CTEST_LOG [ALLOWED]: a skip is never a pass. Fails when the ctest output in CTEST_LOG
# shows a skipped test that ALLOWED (default tests/allowed-skips.txt) does not name as `ctest NAME
# REASON`. ctest itself exits 0 with skipped tests; tools/test.sh runs this after it.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log=${1:?usage: check-skips.sh CTEST_LOG [ALLOWED]}
allowed=${2:-$root/tests/allowed-skips.txt}
skipped=$(sed -n 's/^ *[0-9]*\/[0-9]* Test *#[0-9]*: \([^ ]*\) .*\*\*\*Skipped.*/\1/p' "$log" | sort -u)
bad=0
while IFS= read -r name; do
  [ -n "$name" ] || continue
  if awk -v n="$name" '$1 == "ctest" && $2 == n { found = 1 } END { exit !found }' "$allowed"; then
    echo "check-skips: $name skipped, as $allowed allows"
  else
    echo "check-skips: $name was skipped, and $allowed does not allow it (a skip is never a pass)" >&2
    bad=$((bad + 1))
  fi
done <<<"$skipped"
[ "$bad" = 0 ] || exit 1
echo "check-skips: no skip beyond the allowed ones"
