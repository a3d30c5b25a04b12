# The aarch64 skiff beside the native x86_64 one. Where Debian's aarch64 cross compiler and the
# :arm64 archives are installed (tools/install-deps.sh), the build also cross-builds skiff,
# skiff-test, the bindings and the guest images for aarch64, statically, in <build>/aarch64 (an
# ExternalProject configured with cmake/aarch64-linux-gnu.cmake and this build's skiff-elftool),
# and ctest runs that guest suite inside the emulated arm64 KVM host (guest_suite_aarch64_emulated).
# Without them the aarch64 tests say "skipped" and why.
include_guard(GLOBAL)
option(SKIFF_CROSS_AARCH64 "Also cross-build skiff and its guests for aarch64 and test them in the emulated arm64 host" ON)

set(SKIFF_AARCH64_BUILD "")
set(SKIFF_AARCH64_MISSING "")
if(SKIFF_CROSS_AARCH64 AND SKIFF_BUILD_TESTS AND SKIFF_BUILD_GUESTS AND SKIFF_ARCH STREQUAL "x86_64"
   AND NOT CMAKE_CROSSCOMPILING)
  find_program(SKIFF_AARCH64_CXX aarch64-linux-gnu-g++)
  foreach(archive libelf.a libseccomp.a libz.a)
    if(NOT EXISTS /usr/lib/aarch64-linux-gnu/${archive})
      string(APPEND SKIFF_AARCH64_MISSING " /usr/lib/aarch64-linux-gnu/${archive}")
    endif()
  endforeach()
  if(NOT SKIFF_AARCH64_CXX)
    string(PREPEND SKIFF_AARCH64_MISSING " aarch64-linux-gnu-g++")
  endif()
  if(SKIFF_AARCH64_MISSING STREQUAL "")
    set(SKIFF_AARCH64_BUILD ${PROJECT_BINARY_DIR}/aarch64)
    # The runner self-test in the arm64 host (tools/skiff-test/tests) uses this build's skiff-test.
    set(SKIFF_TEST_AARCH64_RUNNER ${SKIFF_AARCH64_BUILD}/tools/skiff-test/skiff-test)
  else()
    message(STATUS "skiff: no aarch64 cross build (missing:${SKIFF_AARCH64_MISSING}); tools/install-deps.sh installs it")
  endif()
endif()

# After the native targets exist: the cross build and its guest suite.
function(skiff_add_aarch64_cross_build)
  if(NOT SKIFF_BUILD_TESTS OR NOT TARGET skiff-test)
    return()
  endif()
  if(SKIFF_AARCH64_BUILD STREQUAL "")
    set(why "no aarch64 cross build")
    if(NOT SKIFF_AARCH64_MISSING STREQUAL "")
      set(why "${why} (missing:${SKIFF_AARCH64_MISSING}; tools/install-deps.sh installs it)")
    endif()
    add_test(NAME guest_suite_aarch64_emulated COMMAND sh -c "echo 'skipped: ${why}'; exit 77")
    set_tests_properties(guest_suite_aarch64_emulated PROPERTIES SKIP_RETURN_CODE 77)
    return()
  endif()
  include(ExternalProject)
  ExternalProject_Add(skiff_aarch64
    SOURCE_DIR ${PROJECT_SOURCE_DIR}
    BINARY_DIR ${SKIFF_AARCH64_BUILD}
    CMAKE_ARGS -DCMAKE_TOOLCHAIN_FILE=${PROJECT_SOURCE_DIR}/cmake/aarch64-linux-gnu.cmake
               -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE}
               -DSKIFF_BUILD_TESTS=OFF -DSKIFF_BUILD_GUESTS=ON -DSKIFF_STATIC=ON -DSKIFF_CROSS_AARCH64=OFF
               -DSKIFF_WERROR=${SKIFF_WERROR} -DSKIFF_ELFTOOL=$<TARGET_FILE:skiff-elftool>
    BUILD_ALWAYS ON
    INSTALL_COMMAND ""
    DEPENDS skiff-elftool)

  set(a64 ${SKIFF_AARCH64_BUILD})
  add_test(NAME guest_suite_aarch64_emulated
    COMMAND $<TARGET_FILE:skiff-test> --kvm=emulated --skiff ${a64}/src/skiff
            --runner ${a64}/tools/skiff-test/skiff-test
            --fail-on-skip --allowed-skips ${PROJECT_SOURCE_DIR}/tests/allowed-skips.txt
            --junit guest-junit-aarch64.xml ${a64}/tests/guest/guests.json)
  set_tests_properties(guest_suite_aarch64_emulated PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 900 LABELS emulated
    WORKING_DIRECTORY ${PROJECT_BINARY_DIR}/tests/guest
    ENVIRONMENT SKIFF_TEST_CACHE=${PROJECT_BINARY_DIR}/emulated-kvm-cache)
  # An aarch64 core file read by gdb-multiarch (the core made inside the emulated arm64 host).
  add_test(NAME dumpcore_aarch64 COMMAND ${PROJECT_SOURCE_DIR}/tests/debugging/dumpcore_aarch64.sh ${a64})
  set_tests_properties(dumpcore_aarch64 PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300 LABELS "emulated;debugging"
    ENVIRONMENT SKIFF_TEST_CACHE=${PROJECT_BINARY_DIR}/emulated-kvm-cache)
  # The installed aarch64 bindings, pkg-config file and CMake package build a unikernel out of tree.
  add_test(NAME bindings_out_of_tree_aarch64
    COMMAND ${PROJECT_SOURCE_DIR}/tests/guest/out-of-tree/build-out-of-tree.sh ${a64}
            ${PROJECT_BINARY_DIR}/tests/guest/out-of-tree-aarch64 ${CMAKE_COMMAND}
            ${PROJECT_SOURCE_DIR}/tests/guest/out-of-tree ${PROJECT_SOURCE_DIR}/cmake/aarch64-linux-gnu.cmake
            $<TARGET_FILE:skiff-elftool>)
  set_tests_properties(bindings_out_of_tree_aarch64 PROPERTIES TIMEOUT 300)
endfunction()
