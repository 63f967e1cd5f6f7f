# harness/fragtest.cmake: fragtest, the runner that puts an echo server
# behind fragproxy and verifies every frame (included by harness/).
add_executable(fragtest
  ${CMAKE_CURRENT_LIST_DIR}/fragtest/ft_main.c
  ${CMAKE_CURRENT_LIST_DIR}/fragtest/ft_run.c
  ${CMAKE_CURRENT_LIST_DIR}/fragtest/ft_server.c
  ${CMAKE_CURRENT_LIST_DIR}/fragtest/ft_client.c
  ${CMAKE_CURRENT_LIST_DIR}/fragtest/ft_workload.c
  ${CMAKE_CURRENT_LIST_DIR}/fragtest/ft_verify.c
  ${CMAKE_CURRENT_LIST_DIR}/fragtest/ft_report.c
  ${CMAKE_CURRENT_LIST_DIR}/fragtest/ft_html.c
  ${CMAKE_CURRENT_LIST_DIR}/fragtest/ft_matrix.c
  ${CMAKE_CURRENT_LIST_DIR}/fragtest/ft_exec.c
  ${CMAKE_CURRENT_LIST_DIR}/fragtest/ft_dopts.c
  ${CMAKE_CURRENT_LIST_DIR}/fragtest/ft_dconn.c
  ${CMAKE_CURRENT_LIST_DIR}/fragtest/ft_dcmp.c
  ${CMAKE_CURRENT_LIST_DIR}/fragtest/ft_diff.c
  ${CMAKE_CURRENT_LIST_DIR}/fragtest/ft_clientcmd.c
  ${CMAKE_CURRENT_LIST_DIR}/fragtest/ft_capture.c)
target_link_libraries(fragtest PRIVATE framing fraglab_common Threads::Threads)
# fragtest runs fragproxy (and, for the default matrix, echod) from its
# own directory: build them along with it when they exist.
foreach(dep fragproxy echod)
  if(TARGET ${dep})
    add_dependencies(fragtest ${dep})
  endif()
endforeach()
