# skiff_tender: everything of the tender except main(), so unit tests can drive each layer.
set(SKIFF_KNOWN_MODULES net block)
set(tender_sources
  memory/guest_memory.cpp memory/page_tables.cpp memory/boot_setup.cpp
  kvm/vcpu.cpp kvm/kvm.cpp
  hypercall/hypercall_table.cpp hypercall/run_loop.cpp
  modules/registry.cpp modules/device_bindings.cpp modules/console.cpp modules/poll.cpp modules/net_ring.cpp modules/tap_io.cpp
  sandbox/sandbox.cpp
  cli/options.cpp)
set(module_defines)
foreach(module ${SKIFF_MODULES})
  if(NOT module IN_LIST SKIFF_KNOWN_MODULES)
    message(FATAL_ERROR "SKIFF_MODULES: unknown module '${module}' (known: ${SKIFF_KNOWN_MODULES})")
  endif()
  list(APPEND tender_sources modules/${module}.cpp)
  string(TOUPPER ${module} upper)
  list(APPEND module_defines SKIFF_MODULE_${upper})
endforeach()

add_library(skiff_tender STATIC ${tender_sources})
target_link_libraries(skiff_tender PUBLIC skiff_image CLI11::CLI11 PkgConfig::LIBSECCOMP)
target_compile_definitions(skiff_tender PUBLIC ${module_defines} SKIFF_VERSION="${PROJECT_VERSION}")
target_compile_options(skiff_tender PRIVATE ${SKIFF_HOST_WARNINGS})

add_executable(skiff main.cpp)
target_link_libraries(skiff PRIVATE skiff_tender)
target_compile_options(skiff PRIVATE ${SKIFF_HOST_WARNINGS})
# The C++ runtime linked in: fewer shared objects to map and relocate at every start (about 0.5 ms
# of a ~4.9 ms start-up on the benchmark machine, tests/bench/RESULTS.md).
target_link_options(skiff PRIVATE -static-libstdc++ -static-libgcc)
install(TARGETS skiff RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
