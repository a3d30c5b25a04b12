#!/bin/bash
# check-man.sh MAN_DIR TOOL...: each TOOL's man page (MAN_DIR/NAME.1) renders without warnings and
# names every long option the tool's --help lists.
set -euo pipefail
dir=$1
shift
status=0
for tool in "$@"; do
  name=$(basename "$tool")
  page=$dir/$name.1
  [ -f "$page" ] || { echo "check-man: $page missing"; status=1; continue; }
  rendered=$(MANWIDTH=200 man --warnings -l -P cat "$page" 2>"$dir/$name.warnings")
  if [ -s "$dir/$name.warnings" ]; then echo "check-man: $page: $(cat "$dir/$name.warnings")"; status=1; fi
  for option in $("$tool" --help 2>&1 | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u); do
    grep -qF -- "$option" <<<"$rendered" || { echo "check-man: $name.1 lacks $option"; status=1; }
  done
  echo "check-man: $name.1: $(grep -c . <<<"$rendered") lines, every option of --help"
done
exit $status
