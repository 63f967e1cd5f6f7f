/* fragproxy connections: accept, non-blocking connect upstream, and the
 * per-direction pump that reads into a bounded buffer and writes it out
 * one scheduled chunk per send(), with holds, pacing, faults, half-close. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "fp_internal.h"

#define PUMP_BUDGET (1u << 20) /* bytes per direction per turn: fairness */

static int src_fd(const struct fp_dirst *d)
{
	return d->dir == FP_UP ? d->c->cfd : d->c->ufd;
}

static int dst_fd(const struct fp_dirst *d)
{
	return d->dir == FP_UP ? d->c->ufd : d->c->cfd;
}

void fp_dir_setup(struct fp_dirst *d, const struct fr_sched *s)
{
	uint64_t stream = d->c->id * 2 + (uint64_t)d->dir;

	d->sched = s;
	fr_sched_begin(&d->it, s, stream);
	d->chunk_left = 0;
	d->chunk_rest = false;
}

static void dir_init(struct fp_conn *c, int dir)
{
	struct fp_proxy *p = c->p;
	struct fp_dirst *d = &c->d[dir];
	const struct fp_dirconf *dc = &p->cfg.dir[dir];
	uint64_t stream = c->id * 2 + (uint64_t)dir;
	uint64_t tox = fr_rng_seed(p->seed, stream ^ 0x7f00000000000000ULL);
	const struct fr_sched *s;

	d->dir = dir;
	d->c = c;
	d->cap = p->cfg.bufsize;
	d->rng = fr_rng_seed(p->seed, stream ^ 0x3c00000000000000ULL);
	d->active = dc->toxicity >= 1.0 ||
		    (double)(fr_rng_next(&tox) >> 11) / 9007199254740992.0 <
			dc->toxicity;
	if (dc->replay && p->rp) {
		s = fp_replay_sched(p, c->id, dir);
	} else {
		d->pol = fp_policy_get(p->pol[dir]);
		s = &d->pol->s;
	}
	fp_dir_setup(d, s);
}

static int set_nodelay(int fd)
{
	int one = 1;
	return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int ep_add(struct fp_conn *c, int fd, struct fp_ep *ep)
{
	struct epoll_event ev = {
	    .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
	    .data.ptr = ep,
	};
	return epoll_ctl(c->p->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void reset_fd(int fd)
{
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
}

struct fp_conn *fp_conn_accept(struct fp_proxy *p, int cfd)
{
	uint64_t id = p->next_id++;
	struct fp_conn *c;
	socklen_t sl = sizeof(c->caddr);

	FP_STAT_ADD(p, accepted, 1);
	if (fp_fault_refuse(p, id)) {
		reset_fd(cfd);
		close(cfd);
		FP_STAT_ADD(p, refused, 1);
		FP_STAT_ADD(p, faults, 1);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		goto fail;
	FP_STAT_ADD(p, active, 1);
	c->p = p;
	c->id = id;
	c->cfd = cfd;
	c->ufd = -1;
	c->t0 = cm_now_ns();
	c->state = FC_CONNECTING;
	c->ep_c = (struct fp_ep){EP_CLIENT, c};
	c->ep_u = (struct fp_ep){EP_UPSTREAM, c};
	c->next = p->conns;
	if (p->conns)
		p->conns->prev = c;
	p->conns = c;
	getpeername(cfd, (struct sockaddr *)&c->caddr, &sl);
	for (int d = 0; d < 2; d++) {
		dir_init(c, d);
		c->d[d].buf = malloc(c->d[d].cap);
		if (!c->d[d].buf)
			goto fail_conn;
	}
	c->ufd = socket(p->up_addr.ss_family,
			SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->ufd < 0)
		goto fail_conn;
	set_nodelay(c->ufd);
	set_nodelay(cfd);
	if (connect(c->ufd, (struct sockaddr *)&p->up_addr, p->up_len) < 0 &&
	    errno != EINPROGRESS) {
		fp_log(p, "conn %llu: upstream %s:%s: %s",
		       (unsigned long long)id, p->cfg.up_host, p->cfg.up_port,
		       strerror(errno));
		FP_STAT_ADD(p, upstream_fail, 1);
		fp_conn_free(c);
		return NULL;
	}
	if (ep_add(c, cfd, &c->ep_c) || ep_add(c, c->ufd, &c->ep_u))
		goto fail_conn;
	fp_capture_conn(c);
	return c;
fail_conn:
	fp_log(p, "conn %llu: setup: %s", (unsigned long long)id,
	       strerror(errno));
	fp_conn_free(c);
	return NULL;
fail:
	close(cfd);
	return NULL;
}

static void conn_opened(struct fp_conn *c)
{
	socklen_t sl = sizeof(c->uaddr);

	c->state = FC_OPEN;
	getpeername(c->ufd, (struct sockaddr *)&c->uaddr, &sl);
	if (c->p->cfg.verbose)
		fp_log(c->p, "conn %llu: open", (unsigned long long)c->id);
	fp_pcap_open_conn(c);
	fp_fault_arm(c);
}

/* RST both peers and free. */
void fp_conn_abort(struct fp_conn *c)
{
	reset_fd(c->cfd);
	reset_fd(c->ufd);
	fp_conn_free(c);
}

/* FIN both peers, then read and drop until both have closed. */
void fp_conn_close(struct fp_conn *c)
{
	if (c->state == FC_DRAINING)
		return;
	for (int d = 0; d < 2; d++) {
		struct fp_dirst *ds = &c->d[d];
		if (!ds->shut_done) {
			shutdown(dst_fd(ds), SHUT_WR);
			fp_pcap_fin(ds);
			ds->shut_done = true;
		}
		ds->discard = true;
		ds->head = ds->tail = 0;
		ds->sending = 0;
	}
	c->state = FC_DRAINING;
	fp_conn_wake(c, cm_now_ns() + 2000000000LL);
}

/* false: the connection failed and is freed */
static bool connect_done(struct fp_conn *c)
{
	int err = 0;
	socklen_t sl = sizeof(err);

	if (getsockopt(c->ufd, SOL_SOCKET, SO_ERROR, &err, &sl) < 0)
		err = errno;
	if (err == 0) {
		conn_opened(c);
		return true;
	}
	fp_log(c->p, "conn %llu: upstream %s:%s: %s", (unsigned long long)c->id,
	       c->p->cfg.up_host, c->p->cfg.up_port, strerror(err));
	FP_STAT_ADD(c->p, upstream_fail, 1);
	fp_conn_free(c);
	return false;
}

/* Read and discard; returns -1 on error, 0 otherwise. */
static int drop_input(struct fp_dirst *d)
{
	uint8_t junk[16384];

	for (;;) {
		ssize_t n = recv(src_fd(d), junk, sizeof(junk), 0);
		if (n > 0) {
			d->rd_off += (uint64_t)n;
			d->dropped += (uint64_t)n;
			FP_STAT_ADD(d->c->p, dropped[d->dir], (uint64_t)n);
			continue;
		}
		if (n == 0) {
			d->src_eof = true;
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			d->src_rdy = false;
			return 0;
		}
		return -1;
	}
}

/* Is there room worth a recv()? Small sends (fixed:1) must not cost a
 * recv or a memmove each: read when a quarter of the buffer is free at
 * the end, compact only when the sent part is at least half of it. */
static bool make_room(struct fp_dirst *d)
{
	if (d->head == d->tail)
		d->head = d->tail = 0;
	if (d->cap - d->tail >= d->cap / 4 + 1 && d->tail < d->cap)
		return true;
	if (d->head < d->cap / 2)
		return false;
	memmove(d->buf, d->buf + d->head, d->tail - d->head);
	d->tail -= d->head;
	d->head = 0;
	return true;
}

/* One recv into the buffer. 1: progress, 0: nothing, -1: error. */
static int fill(struct fp_dirst *d, int64_t now)
{
	if (!d->src_rdy || d->src_eof)
		return 0;
	if (d->discard)
		return drop_input(d) < 0 ? -1 : 0;
	if (!make_room(d))
		return 0;
	size_t room = d->cap - d->tail;
	ssize_t n = recv(src_fd(d), d->buf + d->tail, room, 0);
	if (n > 0) {
		/* Edge-triggered: a short read drained the socket, and data
		 * arriving later raises a new event, so skip the EAGAIN recv.
		 * Not once the peer's FIN is known: its event is spent. */
		if ((size_t)n < room && !d->src_hup)
			d->src_rdy = false;
		fp_capture_data(d, d->buf + d->tail, (size_t)n);
		d->tail += (size_t)n;
		d->rd_off += (uint64_t)n;
		fp_pace_stamp(d, now);
		return 1;
	}
	if (n == 0) {
		d->src_eof = true;
		return 1;
	}
	if (errno == EAGAIN || errno == EINTR) {
		d->src_rdy = errno == EINTR;
		return 0;
	}
	return -1;
}

/* Size of the next chunk to start, or 0 to wait (wake set). */
static size_t next_size(struct fp_dirst *d, int64_t now, int64_t *wake)
{
	const struct fr_sched *s = d->sched;
	size_t avail = d->tail - d->head, want;

	if (!d->active)
		return fp_fault_limit(d, avail);
	if (d->chunk_left == 0 && !d->chunk_rest) {
		size_t n = fr_sched_next(&d->it);
		if (n == FR_CHUNK_REST)
			d->chunk_rest = true;
		else
			d->chunk_left = n;
	}
	want = fp_fault_limit(d, d->chunk_rest ? avail : d->chunk_left);
	if (want == 0 || avail >= want || d->src_eof || !make_room(d))
		return want < avail ? want : avail;
	/* partial chunk: hold it for its rest a while */
	int64_t hold = (int64_t)d->c->p->cfg.hold_ms * 1000000;
	if (s->kind == FR_SCHED_COALESCE)
		hold = s->ms ? (int64_t)s->ms * 1000000 : INT64_MAX / 2;
	if (d->hold_ns == 0)
		d->hold_ns = now;
	if (now - d->hold_ns < hold) {
		*wake = d->hold_ns + hold;
		return 0;
	}
	return avail;
}

static void chunk_start(struct fp_dirst *d, size_t n, int64_t now)
{
	struct fp_proxy *p = d->c->p;

	d->hold_ns = 0;
	d->sending = n;
	d->cur_chunk = n;
	if (d->active && !d->chunk_rest)
		d->chunk_left -= n;
	d->chunks++;
	FP_STAT_ADD(p, chunks[d->dir], 1);
	fp_record_chunk(d, n, now);
	fp_pcap_data(d, d->buf + d->head, n);
}

/* Write what the schedule allows. 1: progress, 0: blocked, -1: error. */
static int flush(struct fp_dirst *d, int64_t now, int64_t *wake)
{
	if (d->sending == 0) {
		bool had = d->head != d->tail;
		bool go = fp_fault_check(d, now);
		/* A fault that dropped the buffer made room: that is progress,
		 * so the pump reads again. Under edge-triggered epoll the
		 * source's bytes and FIN that filled it raise no new event. */
		if (had && d->head == d->tail)
			return 1;
		if (!go || d->head == d->tail || d->discard ||
		    d->stall_until > now) {
			if (d->stall_until > now && *wake > d->stall_until)
				*wake = d->stall_until;
			return 0;
		}
		size_t n = next_size(d, now, wake);
		if (n == 0 || !fp_pace_ready(d, n, now, wake))
			return 0;
		chunk_start(d, n, now);
	}
	if (!d->dst_rdy)
		return 0;
	ssize_t w = send(dst_fd(d), d->buf + d->head, d->sending, MSG_NOSIGNAL);
	if (w < 0) {
		if (errno == EAGAIN || errno == EINTR) {
			d->dst_rdy = errno == EINTR;
			return 0;
		}
		return -1;
	}
	d->head += (size_t)w;
	d->wr_off += (uint64_t)w;
	d->sending -= (size_t)w;
	FP_STAT_ADD(d->c->p, bytes[d->dir], (uint64_t)w);
	if (d->sending == 0)
		fp_pace_sent(d, d->cur_chunk, now);
	return 1;
}

static bool dir_finished(const struct fp_dirst *d)
{
	return d->src_eof && d->shut_done;
}

/* Move bytes in one direction until blocked. -1: connection is gone. */
static int pump(struct fp_dirst *d, int64_t now, int64_t *wake)
{
	size_t budget = PUMP_BUDGET;
	uint64_t start = d->wr_off + d->rd_off;

	for (;;) {
		int r1 = fill(d, now);
		int r2 = r1 < 0 ? 0 : flush(d, now, wake);
		if (r1 < 0 || r2 < 0)
			return -1;
		if (d->c->state != FC_OPEN || d->c->want_reset)
			return 0; /* a fault closed the connection */
		if (d->src_eof && d->head == d->tail && !d->sending &&
		    !d->shut_done) {
			/* a black hole swallows the FIN too: the peer hears
			 * nothing until the whole connection ends */
			if (!d->discard) {
				shutdown(dst_fd(d), SHUT_WR);
				fp_pcap_fin(d);
			}
			d->shut_done = true;
			if (d->c->p->cfg.verbose)
				fp_log(d->c->p, "conn %llu: %s %s",
				       (unsigned long long)d->c->id,
				       d->dir ? "down" : "up",
				       d->discard ? "FIN swallowed (blackhole)"
						  : "half-closed");
		}
		if (!r1 && !r2)
			return 0;
		if (d->wr_off + d->rd_off - start > budget) {
			*wake = now; /* let other connections run */
			return 0;
		}
	}
}

static void drain_closing(struct fp_conn *c)
{
	for (int d = 0; d < 2; d++)
		if (!c->d[d].src_eof && drop_input(&c->d[d]) < 0)
			c->d[d].src_eof = true;
	if (c->d[0].src_eof && c->d[1].src_eof)
		fp_conn_free(c);
}

static void conn_pump(struct fp_conn *c)
{
	int64_t now = cm_now_ns(), wake = INT64_MAX;

	if (c->state == FC_DRAINING) {
		drain_closing(c);
		return;
	}
	for (int d = 0; d < 2; d++) {
		if (pump(&c->d[d], now, &wake) < 0) {
			if (c->p->cfg.verbose)
				fp_log(c->p, "conn %llu: %s: %s (reset)",
				       (unsigned long long)c->id,
				       d ? "down" : "up", strerror(errno));
			fp_conn_abort(c);
			return;
		}
		if (c->state == FC_DRAINING) {
			drain_closing(c);
			return;
		}
		if (c->want_reset) {
			fp_conn_abort(c);
			return;
		}
	}
	if (dir_finished(&c->d[0]) && dir_finished(&c->d[1])) {
		fp_conn_free(c);
		return;
	}
	if (wake != INT64_MAX)
		fp_conn_wake(c, wake);
}

void fp_conn_event(struct fp_conn *c, bool up_side, uint32_t ev)
{
	bool in = ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR);
	bool out = ev & (EPOLLOUT | EPOLLHUP | EPOLLERR);

	/* up_side: the upstream socket is DOWN's source and UP's sink */
	if (in)
		c->d[up_side ? FP_DOWN : FP_UP].src_rdy = true;
	if (ev & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		c->d[up_side ? FP_DOWN : FP_UP].src_hup = true;
	if (out)
		c->d[up_side ? FP_UP : FP_DOWN].dst_rdy = true;
	if (c->state == FC_CONNECTING) {
		if (!up_side || !out || !connect_done(c))
			return;
	}
	conn_pump(c);
}

void fp_conn_timer(struct fp_conn *c)
{
	if (c->state == FC_DRAINING) {
		fp_conn_free(c); /* a peer that never closed: give up */
		return;
	}
	conn_pump(c);
}
