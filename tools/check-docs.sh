#!/usr/bin/env bash
# check-docs.sh [BUILD_DIR] [FILE.md...]: the shell recipes of README.md and docs/*.md run as written.
#
# Every ```sh block of a file runs, in file order, in one `bash -euo pipefail` session started at the
# repository root, with BUILD_DIR (default ./build, already built) seen as build/. Markers on a line
# of their own before a fence (blank lines may come between):
#   <!-- doc-test: skip (REASON) -->   the next ```sh block is not run (REASON is printed)
#   <!-- doc-test: output -->          the next ```text block is exactly what the ```sh block before
#                                      it printed (stdout and stderr)
# Any other opening fence must name a language (```text, ```json, ```c ...); ```bash, ```shell and
# ```console are refused, so a shell recipe is never silently left out.
#
# Each file's session runs in fresh namespaces (mount, network, PID) and sees the checkout, BUILD_DIR,
# /opt and /usr/local through copy-on-write overlays, with HOME an empty scratch directory: whatever
# its blocks create (files, installs, taps, background processes) is gone when it ends, whether it
# passed, failed or timed out, and nothing outside is touched. A file also fails if, after its last
# block, a process it started is still running, a network interface it made still exists, or a file
# it made is left in the checkout outside build/.
#
# Needs root and a usable /dev/kvm (the recipes boot unikernels); without them it exits 77.
# SKIFF_DOCS_TIMEOUT: seconds per file (default 300); SKIFF_DOCS_VERBOSE=1 prints every block and its
# output. Exit status: 0 all ran, 1 a failure, 77 skipped.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
[ $# -gt 0 ] && shift
limit=${SKIFF_DOCS_TIMEOUT:-300}

if [ "$(id -u)" -ne 0 ]; then
  echo "check-docs: SKIPPED: the recipes run as root (taps, installs); this is uid $(id -u)"
  exit 77
fi
if ! [ -c /dev/kvm ] || ! exec 9<>/dev/kvm; then
  echo "check-docs: SKIPPED: no usable /dev/kvm, and the recipes boot unikernels"
  exit 77
fi
exec 9>&-
[ -f "$build/CMakeCache.txt" ] || { echo "check-docs: $build is not a build directory" >&2; exit 1; }
build=$(cd "$build" && pwd -P)

if [ $# -gt 0 ]; then
  files=("$@")
else
  files=(README.md)
  for f in "$root"/docs/*.md; do files+=("docs/${f##*/}"); done
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/skiff-check-docs.XXXXXX")
runner=
# A session still running is stopped first: timeout passes the signal on to unshare, whose death
# kills the namespaces' first process and with it everything inside.
cleanup() {
  if [ -n "$runner" ]; then
    kill "$runner" 2>/dev/null || true
    wait "$runner" 2>/dev/null || true
  fi
  rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
case "$scratch/" in
  "$root"/* | "$build"/* | /opt/* | /usr/local/*)
    echo "check-docs: the scratch directory $scratch lies inside an overlaid tree; set TMPDIR" >&2
    exit 1
    ;;
esac

# extract FILE DIR: writes DIR/N.sh (block N's text), DIR/N.line (its first line number),
# DIR/N.skip (the reason, if skipped), DIR/N.expect (the output it must print, if given).
extract() {
  awk -v dir="$2" -v file="$1" '
    function fail(msg) { printf "check-docs: %s:%d: %s\n", file, NR, msg > "/dev/stderr"; bad = 1; exit 1 }
    BEGIN { n = 0; mode = ""; marker = ""; after = "" }
    mode == "" && /^[ \t]*```/ {
      info = $0; sub(/^[ \t]*```[ \t]*/, "", info); sub(/[ \t]+$/, "", info)
      if (info == "") fail("a code block without a language: ```sh for commands, ```text for anything else")
      if (info == "bash" || info == "shell" || info == "console")
        fail("```" info ": write shell recipes as ```sh (run by tools/check-docs.sh), output as ```text")
      if (info == "sh") {
        if ($0 !~ /^```/) fail("an indented ```sh block: keep recipes at the left margin")
        if (marker == "output") fail("doc-test: output must precede a ```text block")
        n++; mode = "sh"; out = dir "/" n ".sh"; printf "" > out
        print NR + 1 > (dir "/" n ".line"); close(dir "/" n ".line")
        skipped = (marker == "skip")
        if (skipped) { print reason > (dir "/" n ".skip"); close(dir "/" n ".skip") }
      } else if (marker == "output") {
        if (info != "text") fail("doc-test: output must precede a ```text block")
        if (after != "sh") fail("doc-test: output follows no ```sh block")
        if (skipped) fail("doc-test: output of a block that is not run")
        mode = "expect"; out = dir "/" n ".expect"; printf "" > out
      } else {
        if (marker == "skip") fail("doc-test: skip must precede a ```sh block")
        mode = "other"
      }
      marker = ""; next
    }
    mode != "" && /^[ \t]*```[ \t]*$/ { if (out != "") close(out); after = mode; mode = ""; out = ""; next }
    mode != "" { if (mode != "other") print > out; next }
    /^<!-- doc-test: skip \(.+\) -->[ \t]*$/ {
      marker = "skip"; reason = $0
      sub(/^<!-- doc-test: skip \(/, "", reason); sub(/\) -->[ \t]*$/, "", reason); next
    }
    /^<!-- doc-test: output -->[ \t]*$/ { marker = "output"; next }
    /^<!-- *doc-test/ { fail("not a doc-test marker: <!-- doc-test: skip (REASON) --> or <!-- doc-test: output -->") }
    /^[ \t]*$/ { next }
    { if (marker != "") fail("doc-test: " marker " must be right before a fence") }
    END { if (bad) exit 1; if (mode != "") fail("a code block that is never closed") }
  ' "$root/$1"
}

# The session one file's blocks run in, block after block, each block's output to its own log.
write_session() {
  local dir=$1 n=1
  {
    echo "cd $(printf '%q' "$root")"
    echo "__doc_block() { printf '%s\n' \"\$1\" >$(printf '%q' "$dir")/current; echo \"\$1 \$SECONDS\" >>$(printf '%q' "$dir")/times; exec >$(printf '%q' "$dir")/\"\$1\".log 2>&1; }"
    while [ -f "$dir/$n.sh" ]; do
      if [ ! -f "$dir/$n.skip" ]; then
        echo "__doc_block $n"
        cat "$dir/$n.sh"
      fi
      n=$((n + 1))
    done
    echo "printf 'done\n' >$(printf '%q' "$dir")/current; echo \"done \$SECONDS\" >>$(printf '%q' "$dir")/times"
  } >"$dir/session.sh"
}

# What runs as PID 1 of the file's namespaces: the overlays, loopback, the session, the leftovers check.
cat >"$scratch/init.sh" <<'INIT'
set -euo pipefail
dir=$1 root=$2 build=$3
overlay() {
  local path=$1 tag=$2
  [ -d "$path" ] || return 0
  mkdir -p "$dir/ovl/$tag/upper" "$dir/ovl/$tag/work"
  mount -t overlay "skiff-docs-$tag" -o "lowerdir=$path,upperdir=$dir/ovl/$tag/upper,workdir=$dir/ovl/$tag/work" "$path"
}
overlay "$root" checkout
case "$build/" in "$root"/*) ;; *) overlay "$build" build ;; esac
overlay /opt opt
overlay /usr/local usrlocal
if [ "$build" != "$root/build" ]; then
  mkdir -p "$root/build"
  mount --bind "$build" "$root/build"
fi
ip link set lo up
links() { ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort; }
links >"$dir/links.before"
mkdir -p "$dir/home"
set +e
HOME=$dir/home bash -euo pipefail "$dir/session.sh" </dev/null
echo $? >"$dir/status"
set -e
: >"$dir/leftovers"
pids=()
for p in /proc/[0-9]*; do [ "${p#/proc/}" = 1 ] || pids+=("${p#/proc/}"); done
for pid in "${pids[@]}"; do
  args=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || continue
  if [ -n "$args" ]; then echo "a process still runs: $args" >>"$dir/leftovers"; fi
done
links | comm -13 "$dir/links.before" - | sed 's/^/a network interface is left: /' >>"$dir/leftovers"
rel=${build#"$root"/}
(cd "$dir/ovl/checkout/upper" && find . \( -type f -o -type l \) ! -path './build/*' ! -path "./$rel/*") |
  sed 's|^\./|a file is left (or changed) in the checkout: |' >>"$dir/leftovers"
INIT

show_block() {
  local dir=$1 n=$2 file=$3
  echo "---- $file, block $n (line $(cat "$dir/$n.line")):"
  sed 's/^/    /' "$dir/$n.sh"
  echo "---- its output:"
  [ -f "$dir/$n.log" ] && sed 's/^/    /' "$dir/$n.log"
  echo "----"
}

failed=0
start_all=$SECONDS
for file in "${files[@]}"; do
  [ -f "$root/$file" ] || { echo "check-docs: no $file" >&2; failed=1; continue; }
  dir="$scratch/$(printf '%s' "$file" | tr '/' '_')"
  mkdir -p "$dir"
  if ! extract "$file" "$dir"; then failed=1; continue; fi
  blocks=$(find "$dir" -name '*.sh' | wc -l)
  ran=0
  for ((n = 1; n <= blocks; n++)); do
    if [ -f "$dir/$n.skip" ]; then
      echo "check-docs: $file block $n (line $(cat "$dir/$n.line")) not run: $(cat "$dir/$n.skip")"
    else
      ran=$((ran + 1))
    fi
  done
  [ "$ran" -gt 0 ] || { echo "check-docs: $file: no shell block to run"; continue; }
  write_session "$dir"
  start=$SECONDS
  # In the background, so that a stop signal is handled at once (bash runs traps between commands).
  timeout -k 10 "$limit" unshare --mount --propagation private --net --pid --fork --mount-proc --kill-child \
    bash "$scratch/init.sh" "$dir" "$root" "$build" >"$dir/init.log" 2>&1 &
  runner=$!
  set +e
  wait "$runner"
  rc=$?
  set -e
  runner=
  took=$((SECONDS - start))
  current=$(cat "$dir/current" 2>/dev/null || echo 0)
  status=$(cat "$dir/status" 2>/dev/null || echo none)
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    echo "check-docs: FAIL $file: timed out after $limit s in block $current"
    [ "$current" != 0 ] && [ "$current" != done ] && show_block "$dir" "$current" "$file"
    failed=1
    continue
  fi
  if [ "$status" = none ]; then
    echo "check-docs: FAIL $file: the session could not be set up (exit status $rc):"
    sed 's/^/    /' "$dir/init.log"
    failed=1
    continue
  fi
  if [ "$status" != 0 ] || [ "$current" != done ]; then
    echo "check-docs: FAIL $file: block $current failed with exit status $status"
    [ "$current" != 0 ] && [ "$current" != done ] && show_block "$dir" "$current" "$file"
    failed=1
    continue
  fi
  bad=0
  for ((n = 1; n <= blocks; n++)); do
    [ -f "$dir/$n.expect" ] || continue
    if ! diff -u --label "$file block $n: the document says" --label "it printed" "$dir/$n.expect" "$dir/$n.log" \
      >"$dir/$n.diff"; then
      echo "check-docs: FAIL $file: block $n (line $(cat "$dir/$n.line")) printed other than the text after it:"
      sed 's/^/    /' "$dir/$n.diff"
      bad=1
    fi
  done
  if [ -s "$dir/leftovers" ]; then
    echo "check-docs: FAIL $file: its recipes leave things behind (say how to remove them):"
    sed 's/^/    /' "$dir/leftovers"
    bad=1
  fi
  if [ "${SKIFF_DOCS_VERBOSE:-0}" = 1 ]; then
    for ((n = 1; n <= blocks; n++)); do [ -f "$dir/$n.skip" ] || show_block "$dir" "$n" "$file"; done
  fi
  if [ "$bad" = 0 ]; then
    slowest=$(awk 'NR > 1 { t = $2 - s; if (t > max) { max = t; b = n } } { n = $1; s = $2 }
                   END { if (b != "") printf "; slowest: block %s, %d s", b, max }' "$dir/times")
    echo "check-docs: ok   $file: $ran block(s) in ${took} s$slowest"
  else
    failed=1
  fi
done
echo "check-docs: $((SECONDS - start_all)) s in all"
[ "$failed" = 0 ] || { echo "check-docs: some recipes do not run as written"; exit 1; }
echo "check-docs: every recipe ran as written"
