# fuzz/planted/planted.cmake: builds split_planted against the planted
# decoder with clang -fsanitize=fuzzer in ANY build (gcc included), as
# planted_len2be (bug in) and planted_len2be_fixed (bug out), when a clang
# with libFuzzer is found. tests/fuzz.cmake registers the test then.
set(_pl_dir ${CMAKE_CURRENT_LIST_DIR})
if(CMAKE_C_COMPILER_ID STREQUAL "Clang" AND NOT FRAGLAB_FUZZ STREQUAL "afl")
  set(FRAGLAB_PLANTED_CC ${CMAKE_C_COMPILER})
else()
  find_program(FRAGLAB_PLANTED_CC NAMES clang clang-14)
endif()

if(FRAGLAB_PLANTED_CC AND NOT DEFINED FRAGLAB_HAVE_LIBFUZZER)
  set(_pl_probe ${CMAKE_BINARY_DIR}/CMakeFiles/planted_probe)
  file(WRITE ${_pl_probe}.c
    "#include <stddef.h>\n#include <stdint.h>\n"
    "int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\n"
    "int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)"
    "{ (void)d; (void)n; return 0; }\n")
  execute_process(COMMAND ${FRAGLAB_PLANTED_CC} -fsanitize=fuzzer,address
      ${_pl_probe}.c -o ${_pl_probe}
    RESULT_VARIABLE _pl_rc OUTPUT_QUIET ERROR_QUIET)
  if(_pl_rc EQUAL 0)
    set(FRAGLAB_HAVE_LIBFUZZER ON CACHE INTERNAL "clang -fsanitize=fuzzer works")
  else()
    set(FRAGLAB_HAVE_LIBFUZZER OFF CACHE INTERNAL "clang -fsanitize=fuzzer works")
  endif()
endif()

if(FRAGLAB_HAVE_LIBFUZZER)
  set(_pl_src ${_pl_dir}/planted_len2be.c ${_pl_dir}/split_planted.c)
  set(_pl_dep ${_pl_src} ${_pl_dir}/planted.h ${FZ_DIR}/fuzz_input.h)
  foreach(_pl_name planted_len2be planted_len2be_fixed)
    set(_pl_def "")
    if(_pl_name STREQUAL "planted_len2be_fixed")
      set(_pl_def -DPLANTED_FIXED)
    endif()
    set(_pl_out ${CMAKE_BINARY_DIR}/bin/${_pl_name})
    add_custom_command(OUTPUT ${_pl_out}
      COMMAND ${FRAGLAB_PLANTED_CC} -O1 -g -fsanitize=fuzzer,address
        ${_pl_def} -I${FZ_DIR} -I${_pl_dir} ${_pl_src} -o ${_pl_out}
      DEPENDS ${_pl_dep}
      COMMENT "Building planted-bug fuzzer ${_pl_name}" VERBATIM)
    add_custom_target(${_pl_name} ALL DEPENDS ${_pl_out})
  endforeach()
endif()
