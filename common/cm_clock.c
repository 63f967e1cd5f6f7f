/* Monotonic clock readers (cm_clock.h). */
#include <time.h>

#include "cm_clock.h"

int64_t cm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t cm_now_us(void)
{
	return cm_now_ns() / 1000;
}

int64_t cm_now_ms(void)
{
	return cm_now_ns() / 1000000;
}
