# tools/: framecat (encode / decode / transcode framed streams).
add_executable(framecat
  ${CMAKE_CURRENT_LIST_DIR}/framecat.c
  ${CMAKE_CURRENT_LIST_DIR}/framecat_enc.c
  ${CMAKE_CURRENT_LIST_DIR}/framecat_dec.c)
target_link_libraries(framecat PRIVATE framing)
