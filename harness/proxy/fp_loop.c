/* fragproxy event loop: fp_run over the listener, the wakeup eventfd and
 * one timerfd driven by a min-heap of connection deadlines; freeing
 * connections, the stats and shutdown requests. Opening and closing the
 * proxy is in fp_proxy.c, connection logic in fp_conn.c. */
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "cm_buf.h"
#include "fp_internal.h"

void fp_log(struct fp_proxy *p, const char *fmt, ...)
{
	va_list ap;
	FILE *f = p->cfg.log ? p->cfg.log : stderr;

	flockfile(f);
	fputs("fragproxy: ", f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fflush(f);
	funlockfile(f);
}

/* ---- timer heap, keyed by conn->wake_ns ---- */

static bool heap_less(struct fp_proxy *p, size_t a, size_t b)
{
	return p->heap[a]->wake_ns < p->heap[b]->wake_ns;
}

static void heap_swap(struct fp_proxy *p, size_t a, size_t b)
{
	struct fp_conn *t = p->heap[a];

	p->heap[a] = p->heap[b];
	p->heap[b] = t;
	p->heap[a]->heap_idx = a + 1;
	p->heap[b]->heap_idx = b + 1;
}

static void heap_up(struct fp_proxy *p, size_t i)
{
	while (i > 0 && heap_less(p, i, (i - 1) / 2)) {
		heap_swap(p, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void heap_down(struct fp_proxy *p, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		if (l < p->nheap && heap_less(p, l, m))
			m = l;
		if (l + 1 < p->nheap && heap_less(p, l + 1, m))
			m = l + 1;
		if (m == i)
			return;
		heap_swap(p, i, m);
		i = m;
	}
}

static void heap_remove(struct fp_proxy *p, struct fp_conn *c)
{
	size_t i = c->heap_idx - 1;

	c->heap_idx = 0;
	p->nheap--;
	if (i == p->nheap)
		return;
	p->heap[i] = p->heap[p->nheap];
	p->heap[i]->heap_idx = i + 1;
	heap_up(p, i);
	heap_down(p, i);
}

void fp_conn_wake(struct fp_conn *c, int64_t at)
{
	struct fp_proxy *p = c->p;

	if (c->heap_idx) {
		if (at >= c->wake_ns)
			return;
		c->wake_ns = at;
		heap_up(p, c->heap_idx - 1);
		return;
	}
	struct fp_conn **h =
	    cm_grow(p->heap, &p->capheap, p->nheap + 1, sizeof(*h));
	if (!h)
		return; /* the conn is pumped again on its next event */
	p->heap = h;
	c->wake_ns = at;
	p->heap[p->nheap++] = c;
	c->heap_idx = p->nheap;
	heap_up(p, p->nheap - 1);
}

static void arm_timer(struct fp_proxy *p)
{
	int64_t at = p->nheap ? p->heap[0]->wake_ns : 0;
	struct itimerspec its = {0};

	if (at == p->armed_ns)
		return;
	p->armed_ns = at;
	if (at > 0) {
		if (at < 1)
			at = 1;
		its.it_value.tv_sec = at / 1000000000;
		its.it_value.tv_nsec = at % 1000000000;
	}
	timerfd_settime(p->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void run_timers(struct fp_proxy *p)
{
	uint64_t ticks;
	int64_t now = cm_now_ns();

	if (read(p->tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		fp_log(p, "timerfd: %s", strerror(errno));
	p->armed_ns = -1;
	while (p->nheap && p->heap[0]->wake_ns <= now) {
		struct fp_conn *c = p->heap[0];
		heap_remove(p, c);
		c->wake_ns = 0;
		fp_conn_timer(c);
	}
}

/* ---- connections ---- */

void fp_conn_free(struct fp_conn *c)
{
	struct fp_proxy *p = c->p;

	if (c->heap_idx)
		heap_remove(p, c);
	if (c->prev)
		c->prev->next = c->next;
	else
		p->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	fp_capture_conn_close(c);
	for (int d = 0; d < 2; d++) {
		free(c->d[d].buf);
		c->d[d].buf = NULL;
		fr_sched_free(&c->d[d].own);
		fp_policy_put(p, c->d[d].pol);
		c->d[d].pol = NULL;
	}
	if (c->cfd >= 0)
		close(c->cfd);
	if (c->ufd >= 0)
		close(c->ufd);
	c->cfd = c->ufd = -1;
	/* another event of this batch may still name c: free it later */
	c->dead = true;
	c->next = p->graveyard;
	p->graveyard = c;
	FP_STAT_ADD(p, active, (uint64_t)-1);
	FP_STAT_ADD(p, closed, 1);
	if (p->accept_paused) {
		struct epoll_event ev = {.events = EPOLLIN,
					 .data.ptr = &p->ep_l};
		p->accept_paused = false;
		epoll_ctl(p->epfd, EPOLL_CTL_MOD, p->lfd, &ev);
	}
}

void fp_reap(struct fp_proxy *p)
{
	while (p->graveyard) {
		struct fp_conn *c = p->graveyard;
		p->graveyard = c->next;
		free(c);
	}
}

static void do_accept(struct fp_proxy *p)
{
	for (int i = 0; i < 64; i++) {
		int fd =
		    accept4(p->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				struct epoll_event ev = {.events = 0,
							 .data.ptr = &p->ep_l};
				fp_log(p, "accept: %s (pausing)",
				       strerror(errno));
				p->accept_paused = true;
				epoll_ctl(p->epfd, EPOLL_CTL_MOD, p->lfd, &ev);
			}
			return;
		}
		fp_conn_accept(p, fd);
	}
}

void fp_print_stats(struct fp_proxy *p, FILE *f)
{
	struct fp_stats s;

	fp_get_stats(p, &s);
	fprintf(f,
		"fragproxy: stats: seed=%" PRIu64 " connections=%" PRIu64
		" active=%" PRIu64 " refused=%" PRIu64 " upstream_fail=%" PRIu64
		" faults=%" PRIu64 "\n",
		p->seed, s.accepted, s.active, s.refused, s.upstream_fail,
		s.faults);
	for (int d = 0; d < 2; d++)
		fprintf(f,
			"fragproxy: stats: %s bytes=%" PRIu64 " chunks=%" PRIu64
			" dropped=%" PRIu64 "\n",
			d ? "down" : "up", s.bytes[d], s.chunks[d],
			s.dropped[d]);
	fflush(f);
}

void fp_get_stats(struct fp_proxy *p, struct fp_stats *s)
{
	uint64_t *dst = (uint64_t *)s;
	uint64_t *src = (uint64_t *)&p->st;

	for (size_t i = 0; i < sizeof(*s) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

int fp_run(struct fp_proxy *p)
{
	struct epoll_event evs[128];

	while (!p->stop) {
		arm_timer(p);
		int n = epoll_wait(p->epfd, evs, 128, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fp_log(p, "epoll_wait: %s", strerror(errno));
			return -errno;
		}
		for (int i = 0; i < n; i++) {
			struct fp_ep *ep = evs[i].data.ptr;
			if (ep->kind == EP_LISTEN) {
				do_accept(p);
			} else if (ep->kind == EP_TIMER) {
				run_timers(p);
			} else if (ep->kind == EP_EVENT) {
				uint64_t v;
				if (read(p->evfd, &v, sizeof(v)) < 0)
					v = 0;
				fp_control_poll(p);
			} else if (!ep->c->dead) {
				fp_conn_event(ep->c, ep->kind == EP_UPSTREAM,
					      evs[i].events);
			}
		}
		fp_reap(p);
		if (p->dump) {
			p->dump = 0;
			fp_print_stats(p, p->cfg.log ? p->cfg.log : stderr);
		}
	}
	return 0;
}

static void wake_loop(struct fp_proxy *p)
{
	uint64_t one = 1;
	ssize_t r = write(p->evfd, &one, sizeof(one));
	(void)r;
}

void fp_shutdown(struct fp_proxy *p)
{
	int saved = errno;

	p->stop = 1;
	wake_loop(p);
	errno = saved;
}

void fp_request_stats(struct fp_proxy *p)
{
	int saved = errno;

	p->dump = 1;
	wake_loop(p);
	errno = saved;
}
