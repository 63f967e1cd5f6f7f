# libframing suites: spec and schedule parsers, codec vectors, boundaries
# and chunk-invariance properties. Included by tests/CMakeLists.txt.
set(FRAGLAB_TEST_SUPPORT
  ${CMAKE_CURRENT_SOURCE_DIR}/support/decode_util.c
  CACHE INTERNAL "shared test helpers (tests/support/decode_util.h)")

fraglab_test(test_spec SOURCES test_spec.c ${FRAGLAB_TEST_SUPPORT}
  LABELS framing TIMEOUT 120)
fraglab_test(test_sched SOURCES test_sched.c ${FRAGLAB_TEST_SUPPORT}
  LABELS framing TIMEOUT 120)
fraglab_test(test_codec_vectors SOURCES test_codec_vectors.c
  ${FRAGLAB_TEST_SUPPORT} LABELS framing TIMEOUT 180)
fraglab_test(test_codec_boundaries SOURCES test_codec_boundaries.c
  ${FRAGLAB_TEST_SUPPORT} LABELS framing TIMEOUT 300)
fraglab_test(test_codec_errors SOURCES test_codec_errors.c
  ${FRAGLAB_TEST_SUPPORT} LABELS framing TIMEOUT 300)
fraglab_test(test_codec_memory SOURCES test_codec_memory.c
  ${FRAGLAB_TEST_SUPPORT} LABELS framing TIMEOUT 300)
fraglab_test(test_codec_props SOURCES test_codec_props.c
  ${FRAGLAB_TEST_SUPPORT} LABELS framing TIMEOUT 300)
