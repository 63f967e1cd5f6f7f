# harness/proxy.cmake: fragproxy (library fragproxy_core + the CLI tool).
find_package(PkgConfig REQUIRED)
pkg_check_modules(MHD REQUIRED IMPORTED_TARGET libmicrohttpd)

set(FP_DIR ${CMAKE_CURRENT_LIST_DIR}/proxy)
add_library(fragproxy_core STATIC
  ${FP_DIR}/fp_config.c
  ${FP_DIR}/fp_proxy.c
  ${FP_DIR}/fp_loop.c
  ${FP_DIR}/fp_conn.c
  ${FP_DIR}/fp_pace.c
  ${FP_DIR}/fp_fault.c
  ${FP_DIR}/fp_record.c
  ${FP_DIR}/fp_pcap.c
  ${FP_DIR}/fp_capture.c
  ${FP_DIR}/fp_control.c)
target_include_directories(fragproxy_core PUBLIC ${FP_DIR})
target_link_libraries(fragproxy_core PUBLIC framing Threads::Threads
  PRIVATE PkgConfig::MHD m)

add_executable(fragproxy ${FP_DIR}/fragproxy_main.c)
target_link_libraries(fragproxy PRIVATE fragproxy_core)
