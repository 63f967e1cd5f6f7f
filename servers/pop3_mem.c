/* In-memory POP3 store (pop3_mem.h): what the core's tests and fuzz
 * target log in to. Commit really drops messages, so a second session
 * over the same store sees what UPDATE did. */
#include <stdio.h>
#include <string.h>

#include "pop3_mem.h"

void pmem_init(struct pmem *m, const char *user, const char *pass)
{
	memset(m, 0, sizeof(*m));
	m->user = user;
	m->pass = pass;
	m->fail_read = -1;
}

int pmem_add(struct pmem *m, const char *uid, const void *data, size_t len)
{
	struct p3_wsize w = {0};

	if (m->n == PMEM_MAX)
		return -1;
	struct pmem_msg *msg = &m->msg[m->n];
	if (uid != NULL)
		snprintf(msg->uid, sizeof(msg->uid), "%s", uid);
	else
		snprintf(msg->uid, sizeof(msg->uid), "m%zu", m->n + 1);
	msg->data = data;
	msg->len = len;
	p3_wsize_add(&w, data, len);
	msg->wire = p3_wsize_end(&w);
	return (int)m->n++;
}

static int pmem_open(void *ctx, const char *user, const char *pass, void **box)
{
	struct pmem *m = ctx;

	if (strcmp(user, m->user) != 0 || strcmp(pass, m->pass) != 0)
		return P3_EAUTH;
	if (m->locked)
		return P3_ELOCKED;
	m->locked = true;
	m->opens++;
	*box = m;
	return P3_OK;
}

static size_t pmem_count(void *box)
{
	return ((struct pmem *)box)->n;
}

static void pmem_info(void *box, size_t i, struct p3_msginfo *mi)
{
	struct pmem *m = box;

	mi->size = m->msg[i].wire;
	mi->uid = m->msg[i].uid;
}

static long pmem_read(void *box, size_t i, uint64_t off, void *buf, size_t cap)
{
	struct pmem *m = box;
	const struct pmem_msg *msg = &m->msg[i];

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

static size_t pmem_commit(void *box, const bool *del)
{
	struct pmem *m = box;
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

static void pmem_close(void *box)
{
	((struct pmem *)box)->locked = false;
}

struct p3_store pmem_store(struct pmem *m)
{
	return (struct p3_store){.ctx = m,
				 .open = pmem_open,
				 .count = pmem_count,
				 .info = pmem_info,
				 .read = pmem_read,
				 .commit = pmem_commit,
				 .close = pmem_close};
}
