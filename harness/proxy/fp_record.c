/* fragproxy --record FILE (one line per chunk sent) and --split replay:FILE
 * (each connection/direction replays its recorded chunk sizes as a list).
 * Format (docs/fragproxy.md): "# fragproxy record v1 seed=S" then lines
 * "CONN DIR OFFSET SIZE TIME_US", DIR is up or down, '#' starts a comment. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cm_buf.h"
#include "cm_record.h"
#include "fp_internal.h"

/* One connection's recorded sizes in one direction, as a list schedule. */
struct rp_stream {
	struct fr_sched s;
	size_t cap; /* of s.list */
};

struct fp_replay {
	struct rp_stream *st[2]; /* indexed by connection */
	size_t n[2], cap[2];
	struct fr_sched whole; /* connections the record does not name */
};

int fp_record_open(struct fp_proxy *p, char *msg, size_t len)
{
	if (!p->cfg.record)
		return 0;
	p->record = fopen(p->cfg.record, "w");
	if (!p->record) {
		snprintf(msg, len, "--record %s: %s", p->cfg.record,
			 strerror(errno));
		return -errno;
	}
	fprintf(p->record,
		"# fragproxy record v1 seed=%" PRIu64 "\n"
		"# conn dir offset size time_us\n",
		p->seed);
	return 0;
}

void fp_record_chunk(struct fp_dirst *d, size_t n, int64_t now)
{
	FILE *f = d->c->p->record;

	if (!f)
		return;
	fprintf(f, "%" PRIu64 " %s %" PRIu64 " %zu %" PRId64 "\n", d->c->id,
		d->dir ? "down" : "up", d->wr_off, n,
		(now - d->c->p->t0) / 1000);
}

void fp_record_close(struct fp_proxy *p)
{
	if (p->record)
		fclose(p->record);
	p->record = NULL;
	if (!p->rp)
		return;
	for (int d = 0; d < 2; d++) {
		for (size_t i = 0; i < p->rp->n[d]; i++)
			fr_sched_free(&p->rp->st[d][i].s);
		free(p->rp->st[d]);
	}
	free(p->rp);
	p->rp = NULL;
}

/* cm_record_each callback: append the row's size to its stream. */
static int replay_row(void *arg, const struct cm_record_row *row)
{
	struct fp_replay *rp = arg;
	int d = row->dir;

	if (row->conn > 1000000 || row->size > SIZE_MAX / 2)
		return -ERANGE;
	if (row->conn >= rp->n[d]) {
		size_t need = (size_t)row->conn + 1;
		struct rp_stream *st =
		    cm_grow(rp->st[d], &rp->cap[d], need, sizeof(*st));
		if (!st)
			return -ENOMEM;
		memset(st + rp->n[d], 0, (need - rp->n[d]) * sizeof(*st));
		for (size_t i = rp->n[d]; i < need; i++)
			st[i].s.kind = FR_SCHED_LIST;
		rp->st[d] = st;
		rp->n[d] = need;
	}
	struct rp_stream *st = &rp->st[d][row->conn];
	size_t *l =
	    cm_grow(st->s.list, &st->cap, st->s.list_len + 1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	st->s.list = l;
	l[st->s.list_len++] = (size_t)row->size;
	return 0;
}

static int load_file(struct fp_replay *rp, const char *path, char *msg,
		     size_t len)
{
	char err[300];
	int r = cm_record_each(path, replay_row, rp, err, sizeof(err));

	if (r == -ENOMEM)
		snprintf(msg, len, "replay:%s: out of memory", path);
	else if (r == -ERANGE)
		snprintf(msg, len,
			 "replay:%s: connection over 1000000 or size too large",
			 path);
	else if (r)
		snprintf(msg, len, "replay:%s", err);
	return r == -ERANGE ? -EINVAL : r;
}

int fp_replay_load(struct fp_proxy *p, char *msg, size_t len)
{
	const char *path = NULL;

	for (int d = 0; d < 2; d++)
		if (p->cfg.dir[d].replay)
			path = p->cfg.dir[d].replay;
	if (!path)
		return 0;
	p->rp = calloc(1, sizeof(*p->rp));
	if (!p->rp)
		return -ENOMEM;
	p->rp->whole.kind = FR_SCHED_WHOLE;
	for (int d = 0; d < 2; d++) {
		const char *f = p->cfg.dir[d].replay;
		/* both directions name the same file in the usual case */
		if (f && (d == 0 || !p->cfg.dir[0].replay ||
			  strcmp(f, p->cfg.dir[0].replay) != 0)) {
			int r = load_file(p->rp, f, msg, len);
			if (r)
				return r;
		}
	}
	return 0;
}

const struct fr_sched *fp_replay_sched(struct fp_proxy *p, uint64_t conn,
				       int dir)
{
	struct fp_replay *rp = p->rp;

	if (conn >= rp->n[dir] || rp->st[dir][conn].s.list_len == 0)
		return &rp->whole;
	return &rp->st[dir][conn].s;
}
