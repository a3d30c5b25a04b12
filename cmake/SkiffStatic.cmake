# Static linking of host executables: one file with libelf, zlib, libseccomp and the C and C++
# runtimes inside, which runs in a `FROM scratch` container image and on any x86_64 Linux.
#
#   SKIFF_STATIC_AVAILABLE   TRUE where every static archive needed was found (Debian ships them in
#                            libelf-dev, zlib1g-dev, libseccomp-dev and libc6-dev)
#   skiff_link_static(TARGET) links TARGET with -static-pie, against those archives in place of the
#                            shared libraries that PkgConfig::LIBELF and PkgConfig::LIBSECCOMP name
#   skiff_link_archives(TARGET) links TARGET against those archives, the C library still shared
#
# The imported pkg-config targets name the shared objects by full path, which a -static link refuses.
# Their link interface is therefore made conditional on the consuming executable's SKIFF_LINK_STATIC
# property: the archives for a target that skiff_link_static() marked, the shared objects otherwise.
include_guard(GLOBAL)

set(SKIFF_STATIC_AVAILABLE TRUE)
set(skiff_static_archives)
foreach(lib elf z seccomp)
  string(TOUPPER "${lib}" upper)
  find_library(SKIFF_STATIC_LIB_${upper} NAMES lib${lib}.a)
  if(SKIFF_STATIC_LIB_${upper})
    list(APPEND skiff_static_archives "${SKIFF_STATIC_LIB_${upper}}")
  else()
    set(SKIFF_STATIC_AVAILABLE FALSE)
  endif()
endforeach()
# The C runtime's archive (libc6-dev) and libstdc++'s (the compiler's own) are found by the driver.
execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=libc.a OUTPUT_VARIABLE skiff_libc_a
  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=libstdc++.a OUTPUT_VARIABLE skiff_libstdcxx_a
  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT IS_ABSOLUTE "${skiff_libc_a}" OR NOT IS_ABSOLUTE "${skiff_libstdcxx_a}")
  set(SKIFF_STATIC_AVAILABLE FALSE)
endif()
# The sanitizers' runtimes do not link statically (the asan preset, tools/sanitize.sh).
if(CMAKE_CXX_FLAGS MATCHES "-fsanitize" OR CMAKE_EXE_LINKER_FLAGS MATCHES "-fsanitize")
  set(SKIFF_STATIC_AVAILABLE FALSE)
endif()
if(NOT SKIFF_STATIC_AVAILABLE)
  message(STATUS "skiff: no static link here (archives missing, or sanitizers on): no skiff-static")
endif()

if(SKIFF_STATIC_AVAILABLE)
  list(GET skiff_static_archives 0 skiff_elf_a)
  list(GET skiff_static_archives 1 skiff_z_a)
  list(GET skiff_static_archives 2 skiff_seccomp_a)
  set(skiff_static_when "$<BOOL:$<TARGET_PROPERTY:SKIFF_LINK_STATIC>>")
  # One generator expression per item: no list inside a $<...>.
  foreach(pair "LIBELF|${skiff_elf_a}|${skiff_z_a}" "LIBSECCOMP|${skiff_seccomp_a}")
    string(REPLACE "|" ";" pair "${pair}")
    list(POP_FRONT pair name)
    get_target_property(shared PkgConfig::${name} INTERFACE_LINK_LIBRARIES)
    set(items)
    foreach(item IN LISTS shared)
      list(APPEND items "$<$<NOT:${skiff_static_when}>:${item}>")
    endforeach()
    foreach(item IN LISTS pair)
      list(APPEND items "$<${skiff_static_when}:${item}>")
    endforeach()
    set_target_properties(PkgConfig::${name} PROPERTIES INTERFACE_LINK_LIBRARIES "${items}")
  endforeach()
endif()

function(skiff_link_static target)
  if(NOT SKIFF_STATIC_AVAILABLE)
    message(FATAL_ERROR "skiff_link_static(${target}): static archives missing: need libelf.a, libz.a, "
                        "libseccomp.a (libelf-dev, zlib1g-dev, libseccomp-dev) and libc.a (libc6-dev)")
  endif()
  set_target_properties(${target} PROPERTIES SKIFF_LINK_STATIC ON)
  # Position-independent (the compilers' default here): the address space stays randomised, and it
  # starts faster than a -static executable (tests/bench/RESULTS.md, "Start-up").
  target_link_options(${target} PRIVATE -static-pie)
endfunction()

# The dynamic skiff: libelf, zlib and libseccomp from their archives where they exist, so that only
# the C library is loaded at start-up (three shared objects fewer to map and relocate on every
# launch); glibc stays shared, as the urunc drop-in needs (docs/orchestration.md).
function(skiff_link_archives target)
  if(SKIFF_STATIC_AVAILABLE)
    set_target_properties(${target} PROPERTIES SKIFF_LINK_STATIC ON)
  endif()
endfunction()
