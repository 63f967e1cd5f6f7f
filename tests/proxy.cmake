# fragproxy suites: core transfers/determinism, faults, CLI + control API.
set(TP_DIR ${CMAKE_CURRENT_LIST_DIR})
foreach(t test_proxy test_proxy_fault test_proxy_pace test_proxy_cli)
  if(EXISTS ${TP_DIR}/${t}.c)
    fraglab_test(${t} SOURCES ${TP_DIR}/${t}.c ${TP_DIR}/test_proxy_util.c
      LIBS fragproxy_core LABELS proxy TIMEOUT 300 DEPENDS fragproxy)
  endif()
endforeach()
