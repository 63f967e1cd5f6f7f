# echo-load: load benchmark for echod (all models) against a raw loopback
# echo thread measured in the same run. Not a test: run it by hand.
add_executable(echo-load ${CMAKE_CURRENT_LIST_DIR}/echo_load.c
  ${CMAKE_CURRENT_LIST_DIR}/echo_load_opts.c ${CMAKE_CURRENT_LIST_DIR}/echo_rawd.c)
target_link_libraries(echo-load PRIVATE framing Threads::Threads)
if(TARGET echod)
  add_dependencies(echo-load echod)
endif()
