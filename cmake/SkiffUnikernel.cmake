# skiff_add_unikernel(NAME SOURCES src... MANIFEST manifest.json [OUTPUT_DIRECTORY dir])
#
# Builds the unikernel NAME.elf (target NAME): generates the manifest note source with
# `skiff-elftool gen-manifest`, compiles SOURCES and it with the guest flags, and links them with
# the skiff bindings and linker script. Works in the skiff tree (targets skiff-elftool and
# skiff-bindings) and after find_package(skiff) (targets skiff::elftool and skiff::bindings).
#
# Cross builds: the elftool built for (or installed with) the target cannot run here. SKIFF_ELFTOOL
# names one that can (a native build's, or an installed one); unset, skiff-elftool is looked up on
# PATH, and configure fails if there is none.
include_guard(GLOBAL)

set(SKIFF_ELFTOOL "" CACHE FILEPATH "skiff-elftool that runs on the build machine (needed by cross builds)")

# The skiff-elftool command for add_custom_command: SKIFF_ELFTOOL, else (cross builds) the one on
# PATH, else the target.
function(_skiff_elftool_command out name)
  if(SKIFF_ELFTOOL)
    if(NOT EXISTS "${SKIFF_ELFTOOL}")
      message(FATAL_ERROR "SKIFF_ELFTOOL=${SKIFF_ELFTOOL}: no such file")
    endif()
    set(${out} "${SKIFF_ELFTOOL}" PARENT_SCOPE)
  elseif(CMAKE_CROSSCOMPILING)
    find_program(SKIFF_ELFTOOL_ON_PATH skiff-elftool NO_CMAKE_FIND_ROOT_PATH)
    if(NOT SKIFF_ELFTOOL_ON_PATH)
      message(FATAL_ERROR "skiff_add_unikernel(${name}): cross-compiling, and no skiff-elftool that runs on this "
                          "machine: pass -DSKIFF_ELFTOOL=/path/to/skiff-elftool (a native build's "
                          "tools/elftool/skiff-elftool, or an installed one)")
    endif()
    set(${out} "${SKIFF_ELFTOOL_ON_PATH}" PARENT_SCOPE)
  elseif(TARGET skiff::elftool)
    set(${out} skiff::elftool PARENT_SCOPE)
  elseif(TARGET skiff-elftool)
    set(${out} skiff-elftool PARENT_SCOPE)
  else()
    message(FATAL_ERROR "skiff_add_unikernel(${name}): no skiff-elftool target (build tools/elftool or find_package(skiff))")
  endif()
endfunction()

function(skiff_add_unikernel name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "MANIFEST;OUTPUT_DIRECTORY" "SOURCES")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "skiff_add_unikernel(${name}): unexpected arguments: ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_SOURCES OR NOT ARG_MANIFEST)
    message(FATAL_ERROR "skiff_add_unikernel(${name}): SOURCES and MANIFEST are required")
  endif()

  _skiff_elftool_command(elftool ${name})
  if(TARGET skiff::bindings)
    set(bindings skiff::bindings)
  else()
    message(FATAL_ERROR "skiff_add_unikernel(${name}): no skiff::bindings target")
  endif()

  get_filename_component(manifest_json "${ARG_MANIFEST}" ABSOLUTE)
  set(manifest_c "${CMAKE_CURRENT_BINARY_DIR}/${name}_manifest.c")
  add_custom_command(
    OUTPUT "${manifest_c}"
    COMMAND ${elftool} gen-manifest "${manifest_json}" "${manifest_c}"
    DEPENDS "${manifest_json}" ${elftool}
    COMMENT "Generating the manifest of ${name}"
    VERBATIM)

  add_executable(${name} ${ARG_SOURCES} "${manifest_c}")
  set_target_properties(${name} PROPERTIES
    OUTPUT_NAME "${name}.elf"
    SUFFIX ""
    POSITION_INDEPENDENT_CODE OFF
    C_STANDARD 99
    C_EXTENSIONS ON)
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIRECTORY}")
  endif()
  target_link_libraries(${name} PRIVATE ${bindings})
endfunction()
