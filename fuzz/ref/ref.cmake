# fuzz/ref/ref.cmake: the reference decoders (fuzz_ref), the second oracle
# the split and roundtrip targets check the fast decoders against.
set(REF_DIR ${CMAKE_CURRENT_LIST_DIR})
add_library(fuzz_ref STATIC ${REF_DIR}/ref.c ${REF_DIR}/ref_misc.c
  ${REF_DIR}/ref_delim.c ${REF_DIR}/ref_stuff.c ${REF_DIR}/ref_len.c)
target_include_directories(fuzz_ref PUBLIC ${REF_DIR})
target_link_libraries(fuzz_ref PUBLIC framing)

# planted_tlv_shift: split_tlv over a scratch copy of libframing whose tlv
# decoder reads its length's top byte with << 16 instead of << 24. The bug
# is the same under every cut, so only the reference can see it;
# tests/fuzz/test_ref.c proves that it does (and split_tlv stays clean).
if(FRAGLAB_FUZZ STREQUAL "OFF" OR NOT FRAGLAB_FUZZ)
  set(_ref_fr ${CMAKE_SOURCE_DIR}/framing)
  set(_ref_dec ${CMAKE_CURRENT_BINARY_DIR}/planted_tlv/dec_len.c)
  add_custom_command(OUTPUT ${_ref_dec}
    COMMAND ${CMAKE_COMMAND} -DIN=${_ref_fr}/src/dec_len.c -DOUT=${_ref_dec}
      -P ${REF_DIR}/plant.cmake
    DEPENDS ${_ref_fr}/src/dec_len.c ${REF_DIR}/plant.cmake
    COMMENT "Planting the tlv <<16 bug in a copy of dec_len.c" VERBATIM)
  get_target_property(_ref_fr_src framing SOURCES)
  list(FILTER _ref_fr_src EXCLUDE REGEX "dec_len\\.c$")
  list(TRANSFORM _ref_fr_src PREPEND ${_ref_fr}/)
  add_library(framing_planted_tlv STATIC ${_ref_fr_src} ${_ref_dec})
  target_include_directories(framing_planted_tlv
    PUBLIC ${_ref_fr}/include PRIVATE ${_ref_fr}/src)
  target_link_libraries(framing_planted_tlv PUBLIC fraglab_flags)
  add_executable(planted_tlv_shift ${FZ_DIR}/split_tlv.c
    ${FZ_DIR}/replay_main.c ${FZ_DIR}/fuzz_input.c ${FZ_DIR}/fuzz_check.c
    ${FZ_DIR}/fuzz_split.c ${FZ_DIR}/fuzz_roundtrip.c ${FZ_DIR}/fuzz_ref.c
    ${REF_DIR}/ref.c ${REF_DIR}/ref_misc.c ${REF_DIR}/ref_delim.c
    ${REF_DIR}/ref_stuff.c ${REF_DIR}/ref_len.c)
  target_include_directories(planted_tlv_shift PRIVATE ${FZ_DIR} ${REF_DIR})
  target_link_libraries(planted_tlv_shift PRIVATE framing_planted_tlv)
endif()
