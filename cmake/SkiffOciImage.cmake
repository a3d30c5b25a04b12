# skiff_add_oci_image(NAME UNIKERNEL target-or-file
#                     [OUTPUT dir] [TAG tag] [ARCHIVE file.tar] [ALL]
#                     [DEVICES spec...] [OPTIONS skiff-option...] [ARGS guest-arg...])
#
# Target NAME writes an OCI image layout (default ${CMAKE_CURRENT_BINARY_DIR}/NAME.oci, tag `latest`)
# holding a statically linked skiff and the unikernel, and with ARCHIVE also an oci-archive tarball
# for `ctr images import`. The image's Entrypoint is `/skiff OPTIONS --DEVICE... /UNIKERNEL --` and
# its Cmd the guest's command line ARGS. DEVICES bind the unikernel's devices to container-side
# paths or taps: `block:NAME=PATH`, `net:NAME=TAP`. The command behind it is skiff-oci-image
# (docs/containers.md); it needs umoci (and skopeo for ARCHIVE) when the target is built.
#
# Works in the skiff tree (the static skiff is the skiff-static target, or skiff with SKIFF_STATIC=ON)
# and after find_package(skiff) (the installed skiff-oci-image and static skiff). Same inputs, same
# image digest: SOURCE_DATE_EPOCH (default 0) dates every file and record.
include_guard(GLOBAL)
set(SKIFF_OCI_IMAGE_SOURCE_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/../tools/oci-image/skiff-oci-image")

function(skiff_add_oci_image name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "ALL" "UNIKERNEL;OUTPUT;TAG;ARCHIVE" "DEVICES;OPTIONS;ARGS")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "skiff_add_oci_image(${name}): unexpected arguments: ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_UNIKERNEL)
    message(FATAL_ERROR "skiff_add_oci_image(${name}): UNIKERNEL is required")
  endif()

  # The command: installed (find_package(skiff) sets SKIFF_OCI_IMAGE_EXECUTABLE), or this tree's.
  if(SKIFF_OCI_IMAGE_EXECUTABLE)
    set(tool "${SKIFF_OCI_IMAGE_EXECUTABLE}")
  elseif(EXISTS "${SKIFF_OCI_IMAGE_SOURCE_SCRIPT}")
    get_filename_component(tool "${SKIFF_OCI_IMAGE_SOURCE_SCRIPT}" ABSOLUTE)
  else()
    message(FATAL_ERROR "skiff_add_oci_image(${name}): no skiff-oci-image command")
  endif()
  # The static skiff: this tree's target, or the installed file.
  if(TARGET skiff-static)
    set(skiff "$<TARGET_FILE:skiff-static>")
    set(skiff_dep skiff-static)
  elseif(SKIFF_STATIC AND TARGET skiff)
    set(skiff "$<TARGET_FILE:skiff>")
    set(skiff_dep skiff)
  elseif(SKIFF_STATIC_EXECUTABLE)
    set(skiff "${SKIFF_STATIC_EXECUTABLE}")
    set(skiff_dep "${SKIFF_STATIC_EXECUTABLE}")
  else()
    message(FATAL_ERROR "skiff_add_oci_image(${name}): no statically linked skiff (skiff-static target, "
                        "SKIFF_STATIC=ON, or an installed libexec/skiff/skiff-static)")
  endif()
  find_program(SKIFF_UMOCI_EXECUTABLE umoci)
  if(NOT SKIFF_UMOCI_EXECUTABLE)
    message(FATAL_ERROR "skiff_add_oci_image(${name}): needs umoci (Debian: apt-get install umoci)")
  endif()

  if(TARGET "${ARG_UNIKERNEL}")
    set(unikernel "$<TARGET_FILE:${ARG_UNIKERNEL}>")
  else()
    get_filename_component(unikernel "${ARG_UNIKERNEL}" ABSOLUTE)
  endif()
  set(output "${CMAKE_CURRENT_BINARY_DIR}/${name}.oci")
  if(ARG_OUTPUT)
    get_filename_component(output "${ARG_OUTPUT}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
  endif()
  set(command "${tool}" --output "${output}" --skiff "${skiff}")
  if(ARG_TAG)
    list(APPEND command --tag "${ARG_TAG}")
  endif()
  set(outputs "${output}/index.json")
  if(ARG_ARCHIVE)
    get_filename_component(archive "${ARG_ARCHIVE}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
    list(APPEND command --archive "${archive}")
    list(APPEND outputs "${archive}")
  endif()
  foreach(device IN LISTS ARG_DEVICES)
    list(APPEND command --device "${device}")
  endforeach()
  foreach(option IN LISTS ARG_OPTIONS)
    list(APPEND command --skiff-option "${option}")
  endforeach()
  list(APPEND command "${unikernel}" -- ${ARG_ARGS})

  add_custom_command(
    OUTPUT ${outputs}
    COMMAND ${command}
    DEPENDS "${tool}" ${skiff_dep} ${ARG_UNIKERNEL}
    COMMENT "Building the OCI image ${name}"
    VERBATIM)
  if(ARG_ALL)
    add_custom_target(${name} ALL DEPENDS ${outputs})
  else()
    add_custom_target(${name} DEPENDS ${outputs})
  endif()
endfunction()
