/* Drives the POP3 core for the Criterion suites (test_pop3_util.h): a
 * session over the in-memory store, input in chunks, output drained and
 * kept, log lines collected. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cm_buf.h"
#include "test_pop3_util.h"

void drv_log(void *arg, const char *msg)
{
	struct drv *d = arg;
	int n = snprintf(d->log + d->log_len, sizeof(d->log) - d->log_len,
			 "%s\n", msg);
	if (n > 0 && d->log_len + (size_t)n < sizeof(d->log))
		d->log_len += (size_t)n;
}

void drain(struct drv *d)
{
	size_t len;
	const uint8_t *p;

	while ((p = pop3_output(&d->s, &len)) != NULL) {
		if (len > d->max_pending)
			d->max_pending = len;
		char *o = cm_grow(d->out, &d->out_cap, d->out_len + len + 1, 1);
		cr_assert_not_null(o);
		d->out = o;
		memcpy(d->out + d->out_len, p, len);
		d->out_len += len;
		d->out[d->out_len] = '\0';
		pop3_consume(&d->s, len);
	}
}

/* A fresh session over d->m (already filled); the greeting is drained. */
void drv_open(struct drv *d)
{
	d->st = pop3_mem_store(&d->m);
	cr_assert_eq(pop3_init(&d->s, &d->st, drv_log, d), 0);
	drain(d);
}

void drv_setup(struct drv *d)
{
	memset(d, 0, sizeof(*d));
	pop3_mem_init(&d->m, "alice", "s3cret pass");
	drv_open(d);
}

void drv_free(struct drv *d)
{
	pop3_free(&d->s);
	free(d->out);
	d->out = NULL;
}

/* Send text (chunk bytes per call, 0: whole), drain, return what came
 * back since the call (static copy valid until the next call). */
const char *say_chunked(struct drv *d, const char *text, size_t chunk)
{
	static char *last;
	size_t start = d->out_len, len = strlen(text);

	for (size_t pos = 0; pos < len;) {
		size_t n = chunk && chunk < len - pos ? chunk : len - pos;
		pop3_input(&d->s, text + pos, n);
		pos += n;
		drain(d);
	}
	free(last);
	last = strdup(d->out ? d->out + start : "");
	return last;
}

const char *say(struct drv *d, const char *text)
{
	return say_chunked(d, text, 0);
}

void login(struct drv *d)
{
	cr_assert_str_eq(say(d, "USER alice\r\n"), "+OK send PASS\r\n");
	const char *r = say(d, "PASS s3cret pass\r\n");
	cr_assert(strncmp(r, "+OK ", 4) == 0, "login: %s", r);
	cr_assert_eq(pop3_state(&d->s), POP3_TRANSACTION);
}

const char msg1[] = "Subject: one\r\n\r\nhello\r\n.dot line\r\n";
const char msg2[] = "Subject: two\nX: y\n\nbody 1\nbody 2\n.\nlast";

void add_two(struct drv *d)
{
	cr_assert_eq(pop3_mem_add(&d->m, "uid-1", msg1, strlen(msg1)), 0);
	cr_assert_eq(pop3_mem_add(&d->m, "uid-2", msg2, strlen(msg2)), 1);
}
