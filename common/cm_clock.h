/* The monotonic clock every fraglab program reads: one definition instead of
 * a copy per file. CLOCK_MONOTONIC, so deadlines survive wall-clock jumps. */
#ifndef FRAGLAB_COMMON_CLOCK_H
#define FRAGLAB_COMMON_CLOCK_H

#include <stdint.h>

/* Nanoseconds, microseconds and milliseconds since an arbitrary origin. */
int64_t cm_now_ns(void);
int64_t cm_now_us(void);
int64_t cm_now_ms(void);

#endif
