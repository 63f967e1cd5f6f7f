/* Text vectors for the resp and http1 suites: expands frame lengths into
 * the du_events_str form and runs every split (codec_text.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_text.h"
#include "decode_util.h"

char *ct_want(const char *wire, size_t len, const char *want)
{
	struct du_buf b = {0};
	const char *p = want;
	size_t off = 0;

	while (*p) {
		size_t t = strcspn(p, " ");
		char *end = NULL;
		unsigned long n = strtoul(p, &end, 10);

		if (b.len)
			du_buf_put(&b, " ", 1);
		if (t > 0 && end == p + t && off + n <= len) {
			char *hex = du_hex(wire + off, n);
			char head[48];
			int h = snprintf(head, sizeof(head), "f@%zu:", off);

			du_buf_put(&b, head, (size_t)h);
			du_buf_put(&b, hex, strlen(hex));
			free(hex);
			off += n;
		} else {
			du_buf_put(&b, p, t);
		}
		p += t;
		while (*p == ' ')
			p++;
	}
	du_buf_put(&b, "", 1);
	return (char *)b.p;
}

char *ct_expect_vecs(const struct ct_vec *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(v[i].wire);
		char *want = ct_want(v[i].wire, len, v[i].want);
		char *why =
		    du_expect_all_splits(v[i].spec, v[i].wire, len, want);
		char *msg = NULL;

		free(want);
		if (!why)
			continue;
		if (asprintf(&msg, "vector %zu (%s): %s", i, v[i].spec, why) <
		    0)
			msg = NULL;
		free(why);
		return msg ? msg : strdup("vector failed");
	}
	return NULL;
}
