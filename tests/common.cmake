# common/ suite: the shared helpers.
fraglab_test(test_common SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_common.c
  LIBS fraglab_common LABELS common TIMEOUT 60)
