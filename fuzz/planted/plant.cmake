# cmake -DBUG=NAME -DSRC=framing/src -DOUT=copy.c [-DCC=cc] -P plant.cmake:
# writes framing/src/FILE with planted bug NAME (bugs.cmake) to OUT, and
# with CC checks that it compiles. Fails loudly if the bug's line moved.
if(NOT BUG OR NOT SRC OR NOT OUT)
  message(FATAL_ERROR "usage: cmake -DBUG=name -DSRC=dir -DOUT=file "
    "[-DCC=compiler] -P plant.cmake")
endif()
set(FP_DONE 0)
function(fp_bug name target file from to why)
  if(NOT name STREQUAL BUG)
    return()
  endif()
  file(READ ${SRC}/${file} src)
  string(FIND "${src}" "${from}" first)
  string(FIND "${src}" "${from}" last REVERSE)
  if(first EQUAL -1)
    message(FATAL_ERROR "planted bug ${name}: '${from}' is no longer in "
      "${SRC}/${file}; update fuzz/planted/bugs.cmake")
  endif()
  if(NOT first EQUAL last)
    message(FATAL_ERROR "planted bug ${name}: '${from}' occurs more than "
      "once in ${SRC}/${file}; make it unique in fuzz/planted/bugs.cmake")
  endif()
  string(REPLACE "${from}" "${to}" bug "${src}")
  file(WRITE ${OUT} "${bug}")
  if(CC)
    execute_process(COMMAND ${CC} -fsyntax-only -Wall -Wextra -Werror
        -I${SRC} -I${SRC}/../include ${OUT}
      RESULT_VARIABLE rc ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "planted bug ${name} does not compile:\n${err}")
    endif()
  endif()
  set(FP_DONE 1 PARENT_SCOPE)
endfunction()
include(${CMAKE_CURRENT_LIST_DIR}/bugs.cmake)
if(NOT FP_DONE)
  message(FATAL_ERROR "no planted bug named '${BUG}' in bugs.cmake")
endif()
