# framecat, run as a real process with pipes.
fraglab_test(test_framecat
  SOURCES test_framecat.c run_util.c
  DEPENDS framecat
  TIMEOUT 240)
