# tests/fuzz.cmake: every fuzz target, built with the plain replay driver,
# replays corpus/<target>/ and corpus/regressions/<target>/ as a CTest test
# (so the gcc build and the ASan build gate on them); plus the planted-bug
# test proving the split targets find a boundary bug.
if(NOT FRAGLAB_FUZZ OR FRAGLAB_FUZZ STREQUAL "OFF")
  foreach(t ${FRAGLAB_FUZZ_TARGETS})
    add_test(NAME fuzz_replay_${t}
      COMMAND ${t} ${CMAKE_SOURCE_DIR}/corpus/${t}
              ${CMAKE_SOURCE_DIR}/corpus/regressions/${t})
    set_tests_properties(fuzz_replay_${t} PROPERTIES
      LABELS fuzz TIMEOUT 300
      ENVIRONMENT "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
  endforeach()
  if(TARGET planted_len2be)
    fraglab_test(test_fuzz_planted SOURCES test_fuzz_planted.c
      DEPENDS planted_len2be planted_len2be_fixed TIMEOUT 300 LABELS fuzz)
  endif()
endif()
