# cmake -DIN=dec_len.c -DOUT=copy.c -P plant.cmake: the scratch copy behind
# planted_tlv_shift (fuzz/ref/CMakeLists.txt), with the tlv length's top byte shifted by
# 16 instead of 24. Fails if the line it plants into has moved.
file(READ ${IN} _src)
string(REPLACE "(uint64_t)d->field[1] << 24" "(uint64_t)d->field[1] << 16"
  _bug "${_src}")
if(_bug STREQUAL _src)
  message(FATAL_ERROR "planted_tlv_shift: the tlv length line moved in "
    "${IN}; update fuzz/ref/plant.cmake")
endif()
file(WRITE ${OUT} "${_bug}")
