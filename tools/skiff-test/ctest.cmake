# ctest entries for the runner itself, added at the end of the top-level directory (after
# enable_testing()). Both exit 77 (skipped) where their backend is not available.
function(skiff_test_add_ctests)
  if(NOT SKIFF_BUILD_TESTS)
    return()
  endif()
  set(selftest ${PROJECT_SOURCE_DIR}/tools/skiff-test/selftest.sh)
  add_test(NAME skiff_test_runner_host COMMAND ${selftest} $<TARGET_FILE:skiff-test> host)
  # One boot of the emulated KVM host (about 7 s here, plus a one-time kernel download).
  add_test(NAME skiff_test_runner_emulated COMMAND ${selftest} $<TARGET_FILE:skiff-test> emulated)
  set_tests_properties(skiff_test_runner_host skiff_test_runner_emulated PROPERTIES SKIP_RETURN_CODE 77)
  set_tests_properties(skiff_test_runner_emulated PROPERTIES TIMEOUT 900 LABELS emulated
    ENVIRONMENT SKIFF_TEST_CACHE=${PROJECT_BINARY_DIR}/emulated-kvm-cache)
endfunction()
cmake_language(DEFER DIRECTORY ${PROJECT_SOURCE_DIR} CALL skiff_test_add_ctests)
