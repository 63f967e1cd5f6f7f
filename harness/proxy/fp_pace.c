/* fragproxy pacing: when may the next chunk of a direction leave?
 * --delay (gap after a chunk), --rate (bytes/s), --latency (time since the
 * chunk's last byte arrived, plus seeded jitter), --pace drain (SIOCOUTQ). */
#include <linux/sockios.h>
#include <sys/ioctl.h>

#include "fp_internal.h"

#define DRAIN_POLL_NS 50000 /* the kernel has no "send queue empty" event */

static const struct fp_dirconf *conf(const struct fp_dirst *d)
{
	return &d->c->p->cfg.dir[d->dir];
}

void fp_pace_stamp(struct fp_dirst *d, int64_t now)
{
	if (!d->active || conf(d)->latency_us == 0)
		return;
	if (d->nstamp == FP_STAMPS) {
		/* merge into the newest: those bytes wait a little longer */
		d->stamp[FP_STAMPS - 1].end = d->rd_off;
		d->stamp[FP_STAMPS - 1].t = now;
		return;
	}
	d->stamp[d->nstamp].end = d->rd_off;
	d->stamp[d->nstamp].t = now;
	d->nstamp++;
}

/* Arrival time of the byte at stream offset off. */
static int64_t arrival(const struct fp_dirst *d, uint64_t off)
{
	for (unsigned i = 0; i < d->nstamp; i++)
		if (d->stamp[i].end > off)
			return d->stamp[i].t;
	return d->nstamp ? d->stamp[d->nstamp - 1].t : 0;
}

static bool latency_ready(struct fp_dirst *d, size_t n, int64_t now,
			  int64_t *wake)
{
	const struct fp_dirconf *dc = conf(d);

	if (dc->latency_us == 0)
		return true;
	if (!d->jitter_set) {
		int64_t j = 0;
		if (dc->jitter_us)
			j = (int64_t)fr_rng_range(&d->rng, 0,
						  2 * (uint64_t)dc->jitter_us) -
			    (int64_t)dc->jitter_us;
		d->jitter_us = (int)j;
		d->jitter_set = true;
	}
	int64_t lat = (int64_t)dc->latency_us + d->jitter_us;
	int64_t at = arrival(d, d->wr_off + n - 1) + (lat > 0 ? lat : 0) * 1000;
	if (now >= at)
		return true;
	if (at < *wake)
		*wake = at;
	return false;
}

bool fp_pace_ready(struct fp_dirst *d, size_t n, int64_t now, int64_t *wake)
{
	if (!d->active)
		return true;
	if (d->gate_ns > now) {
		if (d->gate_ns < *wake)
			*wake = d->gate_ns;
		return false;
	}
	if (!latency_ready(d, n, now, wake))
		return false;
	if (conf(d)->pace == FP_PACE_DRAIN && d->chunks > 0) {
		int q = 0;
		int fd = d->dir == FP_UP ? d->c->ufd : d->c->cfd;
		if (ioctl(fd, SIOCOUTQ, &q) == 0 && q > 0) {
			if (now + DRAIN_POLL_NS < *wake)
				*wake = now + DRAIN_POLL_NS;
			return false;
		}
	}
	return true;
}

void fp_pace_sent(struct fp_dirst *d, size_t n, int64_t now)
{
	const struct fp_dirconf *dc = conf(d);
	int64_t gate = now;
	unsigned i = 0;

	d->jitter_set = false;
	while (i < d->nstamp && d->stamp[i].end <= d->wr_off)
		i++;
	if (i) {
		for (unsigned k = i; k < d->nstamp; k++)
			d->stamp[k - i] = d->stamp[k];
		d->nstamp -= i;
	}
	if (!d->active)
		return;
	if (dc->delay_max_us)
		gate += (int64_t)fr_rng_range(&d->rng, dc->delay_min_us,
					      dc->delay_max_us) *
			1000;
	if (dc->rate) {
		int64_t r = now + (int64_t)((double)n * 1e9 / (double)dc->rate);
		if (r > gate)
			gate = r;
	}
	d->gate_ns = gate;
}
