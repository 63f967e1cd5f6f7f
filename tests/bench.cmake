# The benchmarks run with tiny sizes, so their plumbing can't rot between
# hand-run measurements. No speed is asserted (that belongs to bench/).
if(TARGET proxy_bench AND TARGET frame-bench AND TARGET echo-load)
  fraglab_test(test_bench
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_bench.c
            ${CMAKE_CURRENT_LIST_DIR}/run_util.c
    DEPENDS proxy_bench frame-bench echo-load fragproxy echod
    LABELS bench TIMEOUT 300)
endif()
