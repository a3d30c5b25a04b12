# Links every tests/unit/skiff_test_*_test.cpp binary (target skiff_skiff_test_<x>_test) with
# skiff_test_core. Deferred to the end of the top-level directory, when tests/unit exists.
function(skiff_test_link_unit_tests)
  file(GLOB sources ${PROJECT_SOURCE_DIR}/tests/unit/skiff_test_*_test.cpp)
  foreach(source ${sources})
    get_filename_component(name ${source} NAME_WE)
    if(TARGET skiff_${name})
      target_link_libraries(skiff_${name} PRIVATE skiff_test_core)
    endif()
  endforeach()
endfunction()
cmake_language(DEFER DIRECTORY ${PROJECT_SOURCE_DIR} CALL skiff_test_link_unit_tests)
