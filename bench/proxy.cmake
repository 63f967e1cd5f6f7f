# proxy_bench: fragproxy vs direct and socat, throughput and p50 latency.
add_executable(proxy_bench ${CMAKE_CURRENT_LIST_DIR}/proxy_bench.c)
target_link_libraries(proxy_bench PRIVATE framing Threads::Threads)
if(TARGET fragproxy)
  add_dependencies(proxy_bench fragproxy)
endif()
