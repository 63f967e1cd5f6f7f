# I/O helper suites (framing/src/io.c): socketpair and loopback TCP.
fraglab_test(test_io
  SOURCES test_io.c test_io_sendv.c test_io_frame.c io_util.c
  TIMEOUT 240)
