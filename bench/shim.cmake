# shim_bench: cost per wrapped call of libfragshim (idle, 1-byte cuts)
# beside the same calls without it, in one run.
if(TARGET fragshim_preload)
  add_executable(shim_bench ${CMAKE_CURRENT_LIST_DIR}/shim_bench.c)
  target_link_libraries(shim_bench PRIVATE fraglab_common)
  target_compile_definitions(shim_bench PRIVATE
    FS_BENCH_LIB="$<TARGET_FILE:fragshim_preload>")
  add_dependencies(shim_bench fragshim_preload)
endif()
