# skiff_tender: everything of the tender except main(), so unit tests can drive each layer.
# The aarch64 code that is plain C++ (page tables, hypercall decoding) builds on any host: the unit
# tests check it on x86_64 too.
set(SKIFF_AARCH64_LOGIC_SOURCES arch/aarch64/page_tables.cpp arch/aarch64/mmio.cpp arch/aarch64/vectors.cpp)
set(SKIFF_AARCH64_LOGIC_SOURCES ${SKIFF_AARCH64_LOGIC_SOURCES} PARENT_SCOPE)
# Optional modules (SKIFF_MODULES) are one directory each under modules/; a module left out is not
# compiled, and compiled_modules() (modules/registry.cpp) lists exactly the ones compiled in.
set(SKIFF_KNOWN_MODULES net block gdb dumpcore)
set(module_sources_net modules/net/net.cpp modules/net/tap.cpp modules/net/ring.cpp modules/ring/ring_server.cpp)
set(module_sources_block modules/block/block.cpp modules/block/disk.cpp modules/block/block_ring.cpp
                         modules/ring/ring_server.cpp)
set(module_sources_gdb modules/gdb/gdb.cpp modules/gdb/stub.cpp modules/gdb/protocol.cpp)
set(module_sources_dumpcore modules/dumpcore/dumpcore.cpp modules/dumpcore/core_file.cpp)

if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  set(SKIFF_ARCH x86_64)
  set(arch_sources arch/x86_64/arch.cpp arch/x86_64/page_tables.cpp arch/x86_64/debug.cpp
                   arch/x86_64/cpu_template.cpp)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64|ARM64)$")
  set(SKIFF_ARCH aarch64)
  set(arch_sources arch/aarch64/arch.cpp arch/aarch64/core.cpp ${SKIFF_AARCH64_LOGIC_SOURCES})
  if("gdb" IN_LIST SKIFF_MODULES)
    message(FATAL_ERROR "SKIFF_MODULES: the gdb module is x86_64 only for now (on aarch64: net, block, dumpcore)")
  endif()
else()
  message(FATAL_ERROR "skiff: no support for ${CMAKE_SYSTEM_PROCESSOR} (x86_64 and aarch64 only)")
endif()
list(APPEND arch_sources arch/page_map.cpp arch/core_note.cpp)
set(SKIFF_ARCH ${SKIFF_ARCH} PARENT_SCOPE)

set(tender_sources
  ${arch_sources}
  kvm/kvm.cpp
  vcpu/kvm_vcpu.cpp vcpu/run_control.cpp
  memory/guest_memory.cpp memory/layout.cpp memory/loader.cpp memory/boot_info.cpp
  hypercall/table.cpp hypercall/run_loop.cpp hypercall/console.cpp hypercall/clock.cpp hypercall/poll.cpp
  modules/registry.cpp modules/device_bindings.cpp modules/module_set.cpp
  sandbox/sandbox.cpp sandbox/sigsys.cpp
  cli/options.cpp)
set(module_defines)
set(module_list "")
foreach(module ${SKIFF_MODULES})
  if(NOT module IN_LIST SKIFF_KNOWN_MODULES)
    message(FATAL_ERROR "SKIFF_MODULES: unknown module '${module}' (known: ${SKIFF_KNOWN_MODULES})")
  endif()
  list(APPEND tender_sources ${module_sources_${module}})
  list(REMOVE_DUPLICATES tender_sources)  # modules may share a source (modules/ring/)
  string(TOUPPER ${module} upper)
  list(APPEND module_defines SKIFF_MODULE_${upper})
  string(APPEND module_list " X(${module})")
endforeach()
file(CONFIGURE OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/generated/skiff_modules.h
  CONTENT "// Generated from SKIFF_MODULES: the modules compiled into this skiff.\n#pragma once\n#define SKIFF_MODULE_LIST(X)${module_list}\n")

# The block ring's I/O goes through io_uring where liburing is found (Debian: liburing-dev);
# without it, or with SKIFF_IO_URING=OFF, the ring thread uses pread/pwrite as before.
option(SKIFF_IO_URING "Serve the block ring through io_uring when liburing is found" ON)
set(SKIFF_HAVE_LIBURING OFF)
if(SKIFF_IO_URING AND "block" IN_LIST SKIFF_MODULES)
  pkg_check_modules(LIBURING IMPORTED_TARGET liburing)
  if(LIBURING_FOUND)
    set(SKIFF_HAVE_LIBURING ON)
    list(APPEND tender_sources modules/block/uring_io.cpp)
  else()
    message(STATUS "liburing not found: the block ring uses pread/pwrite, not io_uring")
  endif()
endif()
set(SKIFF_HAVE_LIBURING ${SKIFF_HAVE_LIBURING} PARENT_SCOPE)

add_library(skiff_tender STATIC ${tender_sources})
if(SKIFF_HAVE_LIBURING)
  # The archive where there is one: a skiff needs no liburing on the hosts it is copied to, and
  # maps one shared object less at every start.
  find_library(SKIFF_LIBURING_ARCHIVE NAMES liburing.a HINTS ${LIBURING_LIBRARY_DIRS})
  target_include_directories(skiff_tender PUBLIC ${LIBURING_INCLUDE_DIRS})
  if(SKIFF_LIBURING_ARCHIVE)
    target_link_libraries(skiff_tender PUBLIC ${SKIFF_LIBURING_ARCHIVE})
  else()
    target_link_libraries(skiff_tender PUBLIC PkgConfig::LIBURING)
  endif()
  target_compile_definitions(skiff_tender PUBLIC SKIFF_HAVE_LIBURING)
endif()
target_include_directories(skiff_tender PUBLIC ${CMAKE_CURRENT_BINARY_DIR}/generated)
target_link_libraries(skiff_tender PUBLIC skiff_image CLI11::CLI11 PkgConfig::LIBSECCOMP)
target_compile_definitions(skiff_tender PUBLIC ${module_defines} SKIFF_VERSION="${PROJECT_VERSION}")
target_compile_options(skiff_tender PRIVATE ${SKIFF_HOST_WARNINGS})

# main.cpp compiled once, for skiff and for its static copy.
add_library(skiff_main OBJECT main.cpp)
target_link_libraries(skiff_main PUBLIC skiff_tender)
target_compile_options(skiff_main PRIVATE ${SKIFF_HOST_WARNINGS})

add_executable(skiff $<TARGET_OBJECTS:skiff_main>)
target_link_libraries(skiff PRIVATE skiff_tender)
if(SKIFF_STATIC)
  skiff_link_static(skiff)  # cmake/SkiffStatic.cmake
else()
  # The C++ runtime, libelf and libseccomp linked in: fewer shared objects to map and relocate at
  # every start (tests/bench/RESULTS.md, "Start-up").
  target_link_options(skiff PRIVATE -static-libstdc++ -static-libgcc)
  skiff_link_archives(skiff)  # cmake/SkiffStatic.cmake
endif()
install(TARGETS skiff RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# skiff-static: the same tender linked statically, for container images (docs/containers.md) where
# skiff itself is dynamic. Installed in libexec/skiff/, where skiff-oci-image looks for it.
if(SKIFF_STATIC_AVAILABLE AND NOT SKIFF_STATIC)
  add_executable(skiff-static $<TARGET_OBJECTS:skiff_main>)
  target_link_libraries(skiff-static PRIVATE skiff_tender)
  skiff_link_static(skiff-static)
  install(TARGETS skiff-static RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/skiff)
endif()

# The drop-in for Solo5's tender: orchestrators look up `solo5-hvt.2` (Albatross) or `solo5-hvt`
# (urunc, Albatross) on PATH. Always installed in libexec/skiff/solo5-hvt/ (add that to their PATH);
# with SKIFF_INSTALL_AS_SOLO5_HVT=ON also in bin/, next to skiff. See docs/orchestration.md.
option(SKIFF_INSTALL_AS_SOLO5_HVT "Also install solo5-hvt and solo5-hvt.2 (links to skiff) in bin/" OFF)
set(dropin_dirs ${CMAKE_INSTALL_LIBEXECDIR}/skiff/solo5-hvt)
if(SKIFF_INSTALL_AS_SOLO5_HVT)
  list(APPEND dropin_dirs ${CMAKE_INSTALL_BINDIR})
endif()
foreach(dir ${dropin_dirs})
  file(RELATIVE_PATH to_skiff /prefix/${dir} /prefix/${CMAKE_INSTALL_BINDIR}/skiff)
  install(CODE "
    set(dir \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${dir}\")
    file(MAKE_DIRECTORY \"\${dir}\")
    foreach(name solo5-hvt solo5-hvt.2)
      execute_process(COMMAND \${CMAKE_COMMAND} -E create_symlink ${to_skiff} \"\${dir}/\${name}\")
    endforeach()")
endforeach()
