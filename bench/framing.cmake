# frame-bench: decoder throughput vs memcpy/memchr, and workload generator.
add_executable(frame-bench
  ${CMAKE_CURRENT_LIST_DIR}/frame_bench.c
  ${CMAKE_CURRENT_LIST_DIR}/frame_gen.c)
target_link_libraries(frame-bench PRIVATE framing)
