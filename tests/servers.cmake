# servers/ suites: the sans-I/O echo core, echod in every model, faults,
# and udp-echod/echo-client. They start the built programs (FRAGLAB_BIN).
set(SERVERS_TEST_DIR ${CMAKE_CURRENT_LIST_DIR})
set(SERVERS_TEST_UTIL ${SERVERS_TEST_DIR}/test_servers_util.c)
fraglab_test(test_echo_core SOURCES ${SERVERS_TEST_DIR}/test_echo_core.c
  LIBS echo_core LABELS servers TIMEOUT 120)
fraglab_test(test_echod SOURCES ${SERVERS_TEST_DIR}/test_echod.c
  ${SERVERS_TEST_UTIL} LABELS servers TIMEOUT 300 DEPENDS echod echo-client)
fraglab_test(test_servers_faults
  SOURCES ${SERVERS_TEST_DIR}/test_servers_faults.c ${SERVERS_TEST_UTIL}
  LABELS servers TIMEOUT 300 DEPENDS echod)
fraglab_test(test_udp SOURCES ${SERVERS_TEST_DIR}/test_udp.c
  ${SERVERS_TEST_UTIL} LABELS servers TIMEOUT 120
  DEPENDS udp-echod echo-client)
fraglab_test(test_servers_flow
  SOURCES ${SERVERS_TEST_DIR}/test_servers_flow.c ${SERVERS_TEST_UTIL}
  LABELS servers TIMEOUT 300 DEPENDS echod)
fraglab_test(test_pop3_core SOURCES ${SERVERS_TEST_DIR}/test_pop3_core.c
  ${SERVERS_TEST_DIR}/test_pop3_util.c LIBS pop3_mem
  LABELS servers pop3 TIMEOUT 120)
fraglab_test(test_pop3_xfer SOURCES ${SERVERS_TEST_DIR}/test_pop3_xfer.c
  ${SERVERS_TEST_DIR}/test_pop3_util.c LIBS pop3_mem
  LABELS servers pop3 TIMEOUT 120)
fraglab_test(test_pop3d SOURCES ${SERVERS_TEST_DIR}/test_pop3d.c
  ${SERVERS_TEST_DIR}/test_pop3d_util.c ${SERVERS_TEST_UTIL}
  LABELS servers pop3 TIMEOUT 300 DEPENDS pop3d)
fraglab_test(test_pop3d_cli SOURCES ${SERVERS_TEST_DIR}/test_pop3d_cli.c
  ${SERVERS_TEST_DIR}/test_pop3d_util.c ${SERVERS_TEST_UTIL}
  LABELS servers pop3 TIMEOUT 120 DEPENDS pop3d)
fraglab_test(test_pop3_clients SOURCES ${SERVERS_TEST_DIR}/test_pop3_clients.c
  ${SERVERS_TEST_DIR}/test_pop3d_util.c ${SERVERS_TEST_UTIL}
  ${SERVERS_TEST_DIR}/run_util.c
  LABELS servers pop3 TIMEOUT 300 DEPENDS pop3d fragproxy)
