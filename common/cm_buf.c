/* Growable byte buffer and array grower (cm_buf.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cm_buf.h"

void cm_buf_free(struct cm_buf *b)
{
	free(b->p);
	*b = (struct cm_buf){0};
}

int cm_buf_reserve(struct cm_buf *b, size_t n)
{
	if (n <= b->cap - b->tail)
		return 0;
	if (b->head > 0) {
		memmove(b->p, b->p + b->head, b->tail - b->head);
		b->tail -= b->head;
		b->head = 0;
		if (n <= b->cap - b->tail)
			return 0;
	}
	if (n > SIZE_MAX / 2 - b->tail)
		return -ENOMEM;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap - b->tail < n)
		cap *= 2;
	uint8_t *p = realloc(b->p, cap);
	if (p == NULL)
		return -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

void cm_buf_commit(struct cm_buf *b, size_t n)
{
	b->tail += n;
}

int cm_buf_append(struct cm_buf *b, const void *data, size_t n)
{
	int rc = cm_buf_reserve(b, n);

	if (rc != 0)
		return rc;
	if (n > 0)
		memcpy(b->p + b->tail, data, n);
	b->tail += n;
	return 0;
}

void cm_buf_consume(struct cm_buf *b, size_t n)
{
	b->head += n;
	if (b->head == b->tail)
		b->head = b->tail = 0;
}

void cm_buf_clear(struct cm_buf *b)
{
	b->head = b->tail = 0;
}

void *cm_grow(void *p, size_t *cap, size_t need, size_t elem)
{
	size_t c = *cap ? *cap : 16;

	if (need <= *cap)
		return p;
	while (c < need) {
		if (c > SIZE_MAX / 2)
			return NULL;
		c *= 2;
	}
	if (elem != 0 && c > SIZE_MAX / elem)
		return NULL;
	void *q = realloc(p, c * elem);
	if (q == NULL)
		return NULL;
	*cap = c;
	return q;
}
