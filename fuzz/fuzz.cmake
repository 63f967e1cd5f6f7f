# fuzz/fuzz.cmake: the fuzz targets, built for the engine FRAGLAB_FUZZ names
# (libfuzzer, afl) or, in normal builds (OFF), linked with the plain replay
# driver so tests/fuzz.cmake can replay corpus/ through them under CTest.

set(FZ_DIR ${CMAKE_CURRENT_LIST_DIR})
set(FZ_CODECS fixed line crlf delim len cobs slip netstring tlv raw)
set(FRAGLAB_FUZZ_SANITIZERS "address,undefined" CACHE STRING
  "Sanitizers of the libFuzzer build (empty: -fsanitize=fuzzer only)")
# unsigned-integer-overflow is left out on purpose: hashes and the
# splitmix64 RNG wrap by design. shift-base and signed truncation are the
# integer checks that fit length arithmetic without false alarms.
set(FRAGLAB_FUZZ_INTEGER "unsigned-shift-base" CACHE STRING
  "Extra -fsanitize=integer pieces of the libFuzzer build")

if(FRAGLAB_FUZZ STREQUAL "libfuzzer")
  set(_fz_san "fuzzer-no-link")
  if(FRAGLAB_FUZZ_SANITIZERS)
    string(APPEND _fz_san ",${FRAGLAB_FUZZ_SANITIZERS}")
    if(FRAGLAB_FUZZ_INTEGER)
      string(APPEND _fz_san ",${FRAGLAB_FUZZ_INTEGER}")
    endif()
    target_link_options(fraglab_flags INTERFACE
      -fsanitize=${FRAGLAB_FUZZ_SANITIZERS})
  endif()
  # Instrument libframing too: its branches are what we want to cover.
  target_compile_options(fraglab_flags INTERFACE -fsanitize=${_fz_san}
    -fno-sanitize-recover=all -fno-omit-frame-pointer -gline-tables-only)
  set(FZ_DRIVER "")
  set(FZ_LINK -fsanitize=fuzzer)
elseif(FRAGLAB_FUZZ STREQUAL "afl")
  set(FZ_DRIVER ${FZ_DIR}/afl_driver.c)
  set(FZ_LINK "")
elseif(FRAGLAB_FUZZ STREQUAL "OFF" OR NOT FRAGLAB_FUZZ)
  set(FZ_DRIVER ${FZ_DIR}/replay_main.c)
  set(FZ_LINK "")
else()
  message(FATAL_ERROR "FRAGLAB_FUZZ must be OFF, libfuzzer or afl")
endif()

include(${FZ_DIR}/ref/ref.cmake)
add_library(fuzz_common STATIC
  ${FZ_DIR}/fuzz_input.c ${FZ_DIR}/fuzz_check.c
  ${FZ_DIR}/fuzz_split.c ${FZ_DIR}/fuzz_roundtrip.c ${FZ_DIR}/fuzz_ref.c)
target_include_directories(fuzz_common PUBLIC ${FZ_DIR})
target_link_libraries(fuzz_common PUBLIC framing fuzz_ref)

set(FRAGLAB_FUZZ_TARGETS "")
function(fz_target name)
  add_executable(${name} ${ARGN} ${FZ_DRIVER})
  target_link_libraries(${name} PRIVATE fuzz_common)
  if(FZ_LINK)
    target_link_options(${name} PRIVATE ${FZ_LINK})
  endif()
  set(FRAGLAB_FUZZ_TARGETS ${FRAGLAB_FUZZ_TARGETS} ${name} PARENT_SCOPE)
endfunction()

foreach(codec ${FZ_CODECS})
  fz_target(split_${codec} ${FZ_DIR}/split_${codec}.c)
  fz_target(roundtrip_${codec} ${FZ_DIR}/roundtrip_${codec}.c)
endforeach()
fz_target(spec_parse ${FZ_DIR}/spec_parse.c)
fz_target(schedule_parse ${FZ_DIR}/schedule_parse.c)
if(EXISTS ${CMAKE_SOURCE_DIR}/servers/echo_core.h
   AND EXISTS ${FZ_DIR}/server_echo.c AND TARGET echo_core)
  fz_target(server_echo ${FZ_DIR}/server_echo.c)
  target_link_libraries(server_echo PRIVATE echo_core)
endif()
if(EXISTS ${FZ_DIR}/pop3_session.c AND TARGET pop3_core AND TARGET pop3_mem)
  fz_target(pop3_session ${FZ_DIR}/pop3_session.c ${FZ_DIR}/pop3_oracle.c
    ${FZ_DIR}/pop3_mailbox.c)
  target_link_libraries(pop3_session PRIVATE pop3_mem pop3_core)
endif()
# Seen by tests/fuzz.cmake (same scope: fuzz/ is a subdirectory).
set(FRAGLAB_FUZZ_TARGETS ${FRAGLAB_FUZZ_TARGETS} CACHE INTERNAL
  "fuzz targets, replayed over corpus/ by CTest")

# Tools: seed generator and input printer (ordinary programs; not in the
# libFuzzer build, whose instrumentation needs libFuzzer's runtime).
if(NOT FRAGLAB_FUZZ STREQUAL "libfuzzer")
  add_executable(gen_corpus ${FZ_DIR}/gen_corpus.c)
  target_link_libraries(gen_corpus PRIVATE fuzz_common)
  add_executable(show-input ${FZ_DIR}/show_input.c)
  target_link_libraries(show-input PRIVATE fuzz_common)
endif()

include(${FZ_DIR}/planted/planted.cmake OPTIONAL)
