/* Helpers of the POP3 core suites (test_pop3_core.c, test_pop3_xfer.c):
 * a session over the in-memory store, fed text in chunks, with every reply
 * and log line kept. Failures assert (Criterion) where they happen. */
#ifndef TEST_POP3_UTIL_H
#define TEST_POP3_UTIL_H

#include <stddef.h>

#include "pop3_core.h"
#include "pop3_mem.h"

struct drv {
	struct pop3_mem m;
	struct pop3_store st;
	struct pop3_session s;
	char log[8192];
	size_t log_len;
	char *out;
	size_t out_len, out_cap;
	size_t max_pending; /* largest pop3_pending seen */
};

/* Two messages: msg1 CRLF with a dot line, msg2 LF without a final one. */
extern const char msg1[], msg2[];

void drv_log(void *arg, const char *msg);
/* Send all pending output into d->out (tracking the largest pending). */
void drain(struct drv *d);
/* A fresh session over d->m (already filled); the greeting is drained. */
void drv_open(struct drv *d);
/* Empty store for alice / "s3cret pass", and a session over it. */
void drv_setup(struct drv *d);
void drv_free(struct drv *d);
/* Send text (chunk bytes per call, 0: whole), drain, return what came
 * back since the call (static copy valid until the next call). */
const char *say_chunked(struct drv *d, const char *text, size_t chunk);
const char *say(struct drv *d, const char *text);
/* USER/PASS as alice; asserts the session reached TRANSACTION. */
void login(struct drv *d);
/* msg1 as uid-1, msg2 as uid-2. */
void add_two(struct drv *d);

#endif
