/* In-memory POP3 store (pop3_mem.h): what the core's tests and fuzz
 * target log in to. Commit really drops messages, so a second session
 * over the same store sees what UPDATE did. */
#include <stdio.h>
#include <string.h>

#include "pop3_mem.h"

void pop3_mem_init(struct pop3_mem *m, const char *user, const char *pass)
{
	memset(m, 0, sizeof(*m));
	m->user = user;
	m->pass = pass;
	m->fail_read = -1;
}

int pop3_mem_add(struct pop3_mem *m, const char *uid, const void *data,
		 size_t len)
{
	struct pop3_wsize w = {0};

	if (m->n == POP3_MEM_MAX)
		return -1;
	struct pop3_mem_msg *msg = &m->msg[m->n];
	if (uid != NULL)
		snprintf(msg->uid, sizeof(msg->uid), "%s", uid);
	else
		snprintf(msg->uid, sizeof(msg->uid), "m%zu", m->n + 1);
	msg->data = data;
	msg->len = len;
	pop3_wsize_add(&w, data, len);
	msg->wire = pop3_wsize_end(&w);
	return (int)m->n++;
}

static int pop3_mem_open(void *ctx, const char *user, const char *pass,
			 void **box)
{
	struct pop3_mem *m = ctx;

	if (strcmp(user, m->user) != 0 || strcmp(pass, m->pass) != 0)
		return POP3_EAUTH;
	if (m->locked)
		return POP3_ELOCKED;
	m->locked = true;
	m->opens++;
	*box = m;
	return POP3_OK;
}

static size_t pop3_mem_count(void *box)
{
	return ((struct pop3_mem *)box)->n;
}

static void pop3_mem_info(void *box, size_t i, struct pop3_msginfo *mi)
{
	struct pop3_mem *m = box;

	mi->size = m->msg[i].wire;
	mi->uid = m->msg[i].uid;
}

static long pop3_mem_read(void *box, size_t i, uint64_t off, void *buf,
			  size_t cap)
{
	struct pop3_mem *m = box;
	const struct pop3_mem_msg *msg = &m->msg[i];

	if ((long)i == m->fail_read && off >= m->fail_off)
		return -1;
	if (off >= msg->len)
		return 0;
	size_t n = msg->len - (size_t)off;
	if (n > cap)
		n = cap;
	memcpy(buf, msg->data + off, n);
	return (long)n;
}

static size_t pop3_mem_commit(void *box, const bool *del)
{
	struct pop3_mem *m = box;
	size_t kept = 0, failed = 0;

	m->commits++;
	for (size_t i = 0; i < m->n; i++) {
		if (del[i] && failed < m->fail_commit)
			failed++;
		else if (del[i])
			continue;
		m->msg[kept++] = m->msg[i];
	}
	m->n = kept;
	return failed;
}

static void pop3_mem_close(void *box)
{
	((struct pop3_mem *)box)->locked = false;
}

struct pop3_store pop3_mem_store(struct pop3_mem *m)
{
	return (struct pop3_store){.ctx = m,
				   .open = pop3_mem_open,
				   .count = pop3_mem_count,
				   .info = pop3_mem_info,
				   .read = pop3_mem_read,
				   .commit = pop3_mem_commit,
				   .close = pop3_mem_close};
}
