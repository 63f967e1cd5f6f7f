/* fuzz_hiredis: splitfuzz glue for a parser no one here wrote, hiredis's
 * redisReader (libhiredis-dev). A message is the reply tree in pre-order,
 * written by our own reply-object callbacks as hiredis builds it. */
#include <stdlib.h>
#include <string.h>

#include <fraglab/splitfuzz.h>
#include <hiredis/hiredis.h>

struct rd {
	redisReader *r;
	uint8_t *buf; /* the reply being built, in pre-order */
	size_t len, cap;
	int out;    /* buf was handed out: the next reply starts afresh */
	size_t fed; /* stream bytes fed, the offset of a truncation */
};

/* put: append one node (kind byte, a 64-bit value, n bytes); the reader's
 * tree is only kept as these bytes. On no memory, hiredis reports OOM. */
static void *put(const redisReadTask *t, int kind, long long v, const char *s,
		 size_t n)
{
	struct rd *d = t->privdata;
	size_t need = d->len + 1 + sizeof(v) + n;

	if (need > d->cap) {
		uint8_t *p = realloc(d->buf, need * 2);

		if (!p)
			return NULL;
		d->buf = p;
		d->cap = need * 2;
	}
	d->buf[d->len++] = (uint8_t)kind;
	memcpy(d->buf + d->len, &v, sizeof(v));
	if (n)
		memcpy(d->buf + d->len + sizeof(v), s, n);
	d->len += sizeof(v) + n;
	return d; /* any non-NULL pointer: there is no object to free */
}

static void *mk_str(const redisReadTask *t, char *s, size_t n)
{
	return put(t, t->type, (long long)n, s, n);
}
static void *mk_arr(const redisReadTask *t, int n)
{
	return put(t, REDIS_REPLY_ARRAY, n, NULL, 0);
}
static void *mk_int(const redisReadTask *t, long long v)
{
	return put(t, REDIS_REPLY_INTEGER, v, NULL, 0);
}
static void *mk_nil(const redisReadTask *t)
{
	return put(t, REDIS_REPLY_NIL, 0, NULL, 0);
}
static void no_free(void *obj)
{
}
static redisReplyObjectFunctions rd_fn = {
    .createString = mk_str,
    .createArray = mk_arr,
    .createInteger = mk_int,
    .createNil = mk_nil,
    .freeObject = no_free,
};

static void *rd_create(void *conf)
{
	struct rd *d = calloc(1, sizeof(*d));

	if (d && !(d->r = redisReaderCreateWithFunctions(&rd_fn))) {
		free(d);
		return NULL;
	}
	if (d)
		d->r->privdata = d;
	return d;
}

static void rd_destroy(void *dec)
{
	struct rd *d = dec;

	redisReaderFree(d->r);
	free(d->buf);
	free(d);
}

/* hiredis copies the chunk into its own buffer. */
static int rd_feed(void *dec, const uint8_t *chunk, size_t len)
{
	struct rd *d = dec;

	d->fed += len;
	return redisReaderFeed(d->r, (const char *)chunk, len) != REDIS_OK;
}

static void rd_next(void *dec, struct sfz_event *ev)
{
	struct rd *d = dec;
	void *reply = NULL;

	if (d->out)
		d->len = 0;
	d->out = 0;
	if (redisReaderGetReply(d->r, &reply) != REDIS_OK) {
		/* hiredis gives no offset: errors compare by kind only */
		ev->kind = SFZ_ERR;
		ev->code = d->r->err;
		ev->fatal = 1;
	} else if (reply) {
		ev->kind = SFZ_MSG;
		ev->data = d->buf;
		ev->len = d->len;
		d->out = 1;
	} else {
		ev->kind = SFZ_MORE;
	}
}

/* At the end of the stream: bytes left unparsed, or a reply half built
 * (its root object exists), is a truncated stream. Not ridx: GetReply
 * sets it to 0 whenever its buffer is not empty, even when every byte
 * in it has been consumed. */
static void rd_finish(void *dec, struct sfz_event *ev)
{
	struct rd *d = dec;

	if (d->r->len > d->r->pos || redisReaderGetObject(d->r) != NULL) {
		ev->kind = SFZ_ERR;
		ev->code = -1;
		ev->offset = d->fed;
		ev->fatal = 1;
	} else {
		ev->kind = SFZ_MORE;
	}
}

static const struct sfz_decoder rd_dec = {
    .create = rd_create,
    .destroy = rd_destroy,
    .feed = rd_feed,
    .next = rd_next,
    .finish = rd_finish,
};

static const struct sfz_target hiredis_target = {
    .name = "hiredis",
    .dec = &rd_dec,
};

SFZ_FUZZ_TARGET(hiredis_target)
