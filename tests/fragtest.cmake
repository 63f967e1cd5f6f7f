# fragtest suites: the runner against real servers (echod, evil test
# servers, socat, python3) and its HTML report in headless chromium.
set(FT_TEST_DIR ${CMAKE_CURRENT_LIST_DIR})
add_executable(ft_evil_echo ${FT_TEST_DIR}/ft_evil_echo.c)
target_link_libraries(ft_evil_echo PRIVATE framing)

set(FT_TEST_DEPS fragtest ft_evil_echo)
foreach(dep fragproxy echod)
  if(TARGET ${dep})
    list(APPEND FT_TEST_DEPS ${dep})
  endif()
endforeach()

fraglab_test(test_fragtest
  SOURCES ${FT_TEST_DIR}/test_fragtest.c ${FT_TEST_DIR}/test_fragtest_util.c
  LABELS fragtest TIMEOUT 300 DEPENDS ${FT_TEST_DEPS})
fraglab_test(test_fragtest_units
  SOURCES ${FT_TEST_DIR}/test_fragtest_units.c
    ${CMAKE_SOURCE_DIR}/harness/fragtest/ft_workload.c
    ${CMAKE_SOURCE_DIR}/harness/fragtest/ft_verify.c
  LABELS fragtest TIMEOUT 60)
target_include_directories(test_fragtest_units PRIVATE
  ${CMAKE_SOURCE_DIR}/harness/fragtest)
fraglab_test(test_fragtest_html
  SOURCES ${FT_TEST_DIR}/test_fragtest_html.c ${FT_TEST_DIR}/test_fragtest_util.c
  LABELS fragtest TIMEOUT 300 DEPENDS ${FT_TEST_DEPS})
