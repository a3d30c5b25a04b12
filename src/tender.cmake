# The tender proper; filled in as the core lands.
add_executable(skiff main.cpp)
target_link_libraries(skiff PRIVATE skiff_image)
target_compile_options(skiff PRIVATE ${SKIFF_HOST_WARNINGS})
install(TARGETS skiff RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
