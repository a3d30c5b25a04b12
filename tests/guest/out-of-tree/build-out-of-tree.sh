#!/bin/sh
# Usage: build-out-of-tree.sh SKIFF_BUILD_DIR WORK_DIR CMAKE SOURCE_DIR [TOOLCHAIN_FILE HOST_ELFTOOL]
# Installs the skiff build into WORK_DIR/prefix, then builds SOURCE_DIR's hello unikernel with
# pkg-config + make (with cc, and with clang where there is one) and with find_package(skiff), and
# checks each image's manifest and ABI note.
# With TOOLCHAIN_FILE (cmake/aarch64-linux-gnu.cmake) the build is an aarch64 cross build: the
# unikernel is cross-compiled (make: CC=aarch64-linux-gnu-gcc) against that install, and manifests
# come from HOST_ELFTOOL, a skiff-elftool that runs here.
set -eu
build=$1 work=$2 cmake=$3 src=$4 toolchain=${5:-} host_elftool=${6:-}
machine=$(uname -m) cc=cc cross_args=""
if [ -n "$toolchain" ]; then
    machine=aarch64 cc=aarch64-linux-gnu-gcc
    cross_args="-DCMAKE_TOOLCHAIN_FILE=$toolchain -DSKIFF_ELFTOOL=$host_elftool"
fi
rm -rf "$work"
mkdir -p "$work/make" "$work/cmake-build"
prefix=$work/prefix

"$cmake" --install "$build" --prefix "$prefix" >"$work/install.log"
PATH=$prefix/bin:$PATH
[ -n "$host_elftool" ] && PATH=$(dirname "$host_elftool"):$PATH   # the installed one is the target's
for dir in lib lib64 lib/x86_64-linux-gnu lib/aarch64-linux-gnu; do
    [ -d "$prefix/$dir/pkgconfig" ] && PKG_CONFIG_PATH=$prefix/$dir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
done
export PATH PKG_CONFIG_PATH

expected='{"type":"solo5.manifest","version":1,"devices":[{"name":"service","type":"NET_BASIC"},{"name":"storage","type":"BLOCK_BASIC"}]}'
check_image() {
    image=$1
    [ -f "$image" ] || { echo "FAIL: $image was not built"; exit 1; }
    got=$(skiff-elftool query-manifest "$image" | tr -d ' \n')
    [ "$got" = "$expected" ] || { echo "FAIL: $image manifest: $got"; exit 1; }
    abi=$(skiff-elftool query-abi "$image" | tr -d ' \n')
    [ "$abi" = '{"type":"solo5.abi","target":"hvt","version":2,"machine":"'"$machine"'"}' ] ||
        { echo "FAIL: $image ABI note: $abi"; exit 1; }
    if readelf -lW "$image" | grep -q 'LOAD.*RWE'; then
        echo "FAIL: $image has a writable and executable segment"; exit 1
    fi
    echo "ok: $image"
}

cp "$src/hello.c" "$src/manifest.json" "$src/Makefile" "$work/make/"
make -s -C "$work/make" CC="$cc" >"$work/make.log" 2>&1 || { cat "$work/make.log"; exit 1; }
check_image "$work/make/hello.elf"
# Clang gets the same flags from pkg-config, and its link must not warn: a user's -Werror would fail it.
if [ -z "$toolchain" ] && command -v clang >/dev/null; then
    make -s -C "$work/make" clean
    make -s -C "$work/make" CC=clang LDFLAGS=-Werror >"$work/make-clang.log" 2>&1 ||
        { cat "$work/make-clang.log"; exit 1; }
    check_image "$work/make/hello.elf"
elif [ -z "$toolchain" ]; then
    echo "skipped: the clang build (no clang here; tools/install-deps.sh installs it)"
fi

# shellcheck disable=SC2086 # cross_args is a list of words
"$cmake" -S "$src" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" $cross_args >"$work/cmake.log" 2>&1 ||
    { cat "$work/cmake.log"; exit 1; }
"$cmake" --build "$work/cmake-build" >>"$work/cmake.log" 2>&1 || { cat "$work/cmake.log"; exit 1; }
check_image "$work/cmake-build/hello.elf"
