# Cross-building skiff for aarch64 Linux on a Debian x86_64 host:
#   dpkg --add-architecture arm64 && apt-get update
#   apt-get install g++-aarch64-linux-gnu libelf-dev:arm64 libseccomp-dev:arm64 zlib1g-dev:arm64
#   cmake -S . -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake \
#         -DSKIFF_ELFTOOL=build/tools/elftool/skiff-elftool
# (tools/install-deps.sh installs all of it.) Guest images need a skiff-elftool that runs here: the
# one of a native build, or an installed one (SKIFF_ELFTOOL); see docs/aarch64.md.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(SKIFF_CROSS_TRIPLE aarch64-linux-gnu)

set(CMAKE_C_COMPILER ${SKIFF_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${SKIFF_CROSS_TRIPLE}-g++)

# Debian multiarch: the target's libraries in /usr/lib/aarch64-linux-gnu, headers shared in /usr/include.
set(CMAKE_LIBRARY_ARCHITECTURE ${SKIFF_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
# pkg-config must describe the target's libraries, never the host's.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/${SKIFF_CROSS_TRIPLE}/pkgconfig:/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")
