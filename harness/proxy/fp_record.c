/* fragproxy --record FILE (one line per chunk sent) and --split replay:FILE
 * (each connection/direction replays its recorded chunk sizes as a list).
 * Format (docs/fragproxy.md): "# fragproxy record v1 seed=S" then lines
 * "CONN DIR OFFSET SIZE TIME_US", DIR is up or down, '#' starts a comment. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fp_internal.h"

struct fp_replay {
	struct fr_sched *s[2]; /* indexed by connection */
	size_t n[2];
	struct fr_sched whole;
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
			fr_sched_free(&p->rp->s[d][i]);
		free(p->rp->s[d]);
	}
	free(p->rp);
	p->rp = NULL;
}

static int grow(struct fp_replay *rp, int dir, uint64_t conn)
{
	if (conn < rp->n[dir])
		return 0;
	if (conn > 1000000)
		return -1;
	struct fr_sched *s = realloc(rp->s[dir], (conn + 1) * sizeof(*s));
	if (!s)
		return -1;
	memset(s + rp->n[dir], 0, (conn + 1 - rp->n[dir]) * sizeof(*s));
	for (size_t i = rp->n[dir]; i <= conn; i++)
		s[i].kind = FR_SCHED_LIST;
	rp->s[dir] = s;
	rp->n[dir] = (size_t)conn + 1;
	return 0;
}

static int add_size(struct fr_sched *s, size_t n)
{
	if ((s->list_len & (s->list_len + 1)) == 0 || !s->list) {
		size_t cap = (s->list_len + 1) * 2;
		size_t *l = realloc(s->list, cap * sizeof(*l));
		if (!l)
			return -1;
		s->list = l;
	}
	s->list[s->list_len++] = n;
	return 0;
}

/* One line of a record file. 0 ok/skip, -1 bad. */
static int replay_line(struct fp_replay *rp, const char *line)
{
	uint64_t conn, off;
	size_t size;
	char dir[8];
	long long t;

	while (*line == ' ' || *line == '\t')
		line++;
	if (*line == '#' || *line == '\n' || *line == '\0')
		return 0;
	if (sscanf(line, "%" SCNu64 " %7s %" SCNu64 " %zu %lld", &conn, dir,
		   &off, &size, &t) != 5 ||
	    size == 0)
		return -1;
	int d = strcmp(dir, "up") == 0 ? 0 : strcmp(dir, "down") == 0 ? 1 : -1;
	if (d < 0 || grow(rp, d, conn))
		return -1;
	return add_size(&rp->s[d][conn], size);
}

static int load_file(struct fp_replay *rp, const char *path, char *msg,
		     size_t len)
{
	FILE *f = fopen(path, "r");
	char line[256];
	unsigned lineno = 0;

	if (!f) {
		snprintf(msg, len, "replay:%s: %s", path, strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (replay_line(rp, line)) {
			snprintf(msg, len, "replay:%s: bad line %u", path,
				 lineno);
			fclose(f);
			return FR_ESCHED;
		}
	}
	fclose(f);
	return 0;
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

	if (!rp || conn >= rp->n[dir] || rp->s[dir][conn].list_len == 0)
		return rp ? &rp->whole : &p->cfg.dir[dir].sched;
	return &rp->s[dir][conn];
}
