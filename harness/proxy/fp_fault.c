/* fragproxy faults: the --fault syntax, arming faults on new connections,
 * cutting chunks at a fault's offset, and firing close/reset/half/stall/
 * blackhole/limit/refuse. */
#include <errno.h>
#include <linux/sockios.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "fp_internal.h"

static const struct {
	const char *name;
	enum fp_fault_kind kind;
	bool arg;
} kinds[] = {
    {"close", FP_FAULT_CLOSE, false},	      {"reset", FP_FAULT_RESET, false},
    {"half", FP_FAULT_HALF, false},	      {"stall", FP_FAULT_STALL, true},
    {"blackhole", FP_FAULT_BLACKHOLE, false}, {"limit", FP_FAULT_LIMIT, true},
};

static int bad(char *err, size_t len, const char *text, const char *why)
{
	snprintf(err, len, "bad --fault '%s': %s", text, why);
	return -EINVAL;
}

static int num(const char *s, char **end, uint64_t *v)
{
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, end, 10);
	return errno ? -1 : 0;
}

/* The tail shared by every fault: [@offset=N|@chunks=N][,conn=N] */
static int parse_tail(struct fp_fault *f, const char *s, const char *text,
		      char *err, size_t len)
{
	char *end;
	uint64_t v;

	if (*s == '@') {
		if (strncmp(s, "@offset=", 8) == 0) {
			f->when = FP_AT_OFFSET;
			s += 8;
		} else if (strncmp(s, "@chunks=", 8) == 0) {
			f->when = FP_AT_CHUNKS;
			s += 8;
		} else {
			return bad(err, len, text,
				   "want @offset=N or @chunks=N");
		}
		if (num(s, &end, &f->at))
			return bad(err, len, text, "bad trigger number");
		s = end;
	}
	if (strncmp(s, ",conn=", 6) == 0) {
		if (num(s + 6, &end, &v) || v > INT64_MAX)
			return bad(err, len, text, "bad conn=");
		f->conn = (int64_t)v;
		s = end;
	}
	if (*s)
		return bad(err, len, text, "unexpected trailing text");
	return 0;
}

int fp_fault_parse(struct fp_fault *f, const char *text, char *err, size_t len)
{
	const char *s = text;
	char *end;

	memset(f, 0, sizeof(*f));
	f->conn = -1;
	if (strncmp(s, "refuse", 6) == 0) {
		f->kind = FP_FAULT_REFUSE;
		return parse_tail(f, s + 6, text, err, len);
	}
	if (strncmp(s, "up:", 3) == 0) {
		f->dir = FP_UP;
		s += 3;
	} else if (strncmp(s, "down:", 5) == 0) {
		f->dir = FP_DOWN;
		s += 5;
	} else {
		return bad(err, len, text, "want up:, down: or refuse");
	}
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		size_t n = strlen(kinds[i].name);
		if (strncmp(s, kinds[i].name, n) != 0)
			continue;
		s += n;
		f->kind = kinds[i].kind;
		if (kinds[i].arg) {
			if (*s != ':' || num(s + 1, &end, &f->arg))
				return bad(err, len, text,
					   "kind needs :NUMBER");
			s = end;
		}
		if (f->kind == FP_FAULT_LIMIT) {
			f->when = FP_AT_OFFSET;
			f->at = f->arg;
		}
		return parse_tail(f, s, text, err, len);
	}
	return bad(err, len, text, "unknown kind");
}

void fp_fault_arm(struct fp_conn *c)
{
	const struct fp_config *cfg = &c->p->cfg;

	for (size_t i = 0; i < cfg->nfaults; i++) {
		const struct fp_fault *f = &cfg->faults[i];
		if (f->kind == FP_FAULT_REFUSE)
			continue;
		if (f->conn >= 0 && (uint64_t)f->conn != c->id)
			continue;
		/* --toxicity picks the connections a direction's policy,
		 * pacing and faults apply to, like Toxiproxy's toxicity */
		if (!c->d[f->dir].active)
			continue;
		c->d[f->dir].fault_pending |= 1u << i;
	}
}

bool fp_fault_refuse(struct fp_proxy *p, uint64_t id)
{
	for (size_t i = 0; i < p->cfg.nfaults; i++) {
		const struct fp_fault *f = &p->cfg.faults[i];
		if (f->kind == FP_FAULT_REFUSE &&
		    (f->conn < 0 || (uint64_t)f->conn == id))
			return true;
	}
	return false;
}

size_t fp_fault_limit(const struct fp_dirst *d, size_t want)
{
	const struct fp_config *cfg = &d->c->p->cfg;

	for (size_t i = 0; i < cfg->nfaults; i++) {
		const struct fp_fault *f = &cfg->faults[i];
		if (!(d->fault_pending & (1u << i)) || f->when != FP_AT_OFFSET)
			continue;
		if (f->at >= d->wr_off && f->at - d->wr_off < want)
			want = (size_t)(f->at - d->wr_off);
	}
	return want;
}

static void drop_buffer(struct fp_dirst *d)
{
	size_t n = d->tail - d->head;

	d->dropped += n;
	FP_STAT_ADD(d->c->p, dropped[d->dir], n);
	d->head = d->tail = 0;
	d->discard = true;
}

static int dst_of(const struct fp_dirst *d)
{
	return d->dir == FP_UP ? d->c->ufd : d->c->cfd;
}

/* Fire f on its direction. Returns true when the direction may go on. */
static bool fire(struct fp_dirst *d, const struct fp_fault *f, int64_t now,
		 bool wait_drain)
{
	struct fp_conn *c = d->c;
	int q = 0;

	switch (f->kind) {
	case FP_FAULT_CLOSE:
	case FP_FAULT_LIMIT:
		fp_conn_close(c);
		return false;
	case FP_FAULT_RESET:
		/* the bytes before the offset reach the peer before the RST */
		if (wait_drain && ioctl(dst_of(d), SIOCOUTQ, &q) == 0 && q > 0)
			return false;
		c->want_reset = true;
		return false;
	case FP_FAULT_HALF:
		shutdown(dst_of(d), SHUT_WR);
		fp_pcap_fin(d);
		d->shut_done = true;
		drop_buffer(d);
		return true;
	case FP_FAULT_STALL:
		d->stall_until = now + (int64_t)f->arg * 1000000;
		return true;
	case FP_FAULT_BLACKHOLE:
		drop_buffer(d);
		return true;
	default:
		return true;
	}
}

bool fp_fault_check(struct fp_dirst *d, int64_t now)
{
	const struct fp_config *cfg = &d->c->p->cfg;

	for (size_t i = 0; d->fault_pending && i < cfg->nfaults; i++) {
		const struct fp_fault *f = &cfg->faults[i];
		uint64_t pos = f->when == FP_AT_CHUNKS ? d->chunks : d->wr_off;
		if (!(d->fault_pending & (1u << i)) || pos < f->at)
			continue;
		bool go = fire(d, f, now, true);
		if (f->kind == FP_FAULT_RESET && !d->c->want_reset) {
			fp_conn_wake(d->c, now + 50000); /* poll the drain */
			return false;
		}
		d->fault_pending &= ~(1u << i);
		FP_STAT_ADD(d->c->p, faults, 1);
		if (d->c->p->cfg.verbose)
			fp_log(d->c->p, "conn %llu: fault %zu fired",
			       (unsigned long long)d->c->id, i);
		if (!go)
			return false;
	}
	return true;
}

/* Fire now, from the control API (loop thread). */
int fp_fault_fire(struct fp_conn *c, const struct fp_fault *f)
{
	int64_t now = cm_now_ns();

	if (f->kind == FP_FAULT_REFUSE)
		return -EINVAL;
	fire(&c->d[f->dir], f, now, false);
	FP_STAT_ADD(c->p, faults, 1);
	if (c->want_reset) {
		fp_conn_abort(c);
		return 0;
	}
	fp_conn_wake(c, now);
	return 0;
}
