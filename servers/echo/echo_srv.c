/* The echo core as a protocol of the connection layer (echo_srv.h): what
 * every echod model serves, blocking or multiplexed. */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "echo_srv.h"

struct echo_sconn {
	struct echo_conn ec;
	const struct echo_srv *s;
	const char *peer; /* the connection's name (struct net_conn) */
	bool eof;	  /* the peer finished: done once all is echoed */
	size_t charge;	  /* bytes of s->budget this connection holds */
};

/* Take add more bytes of the budget, if the total stays under its limit
 * (the smaller one for big frames). */
static bool budget_take(struct echo_budget *b, size_t add, bool small)
{
	size_t limit = small ? b->max : b->max - b->max / ECHO_RESERVE_DIV;
	size_t cur = atomic_load(&b->used);

	do {
		if (cur + add > limit)
			return false;
	} while (!atomic_compare_exchange_weak(&b->used, &cur, cur + add));
	return true;
}

/* Charge what the connection holds now (after the core ran). */
static void recharge(struct echo_sconn *e)
{
	struct echo_budget *b = e->s->budget;
	size_t now = echo_held(&e->ec);

	if (b == NULL || now == e->charge)
		return;
	if (now > e->charge)
		atomic_fetch_add(&b->used, now - e->charge);
	else
		atomic_fetch_sub(&b->used, e->charge - now);
	e->charge = now;
}

/* Before n bytes go into the core: reserve what they may cost. False:
 * the budget is spent; the input is refused. */
static bool budget_admit(struct echo_sconn *e, size_t n)
{
	struct echo_budget *b = e->s->budget;
	size_t want = echo_held_after(&e->ec, n);

	if (b == NULL || want <= e->charge)
		return true;
	bool small = echo_partial(&e->ec) + n <= ECHO_SMALL;
	if (!budget_take(b, want - e->charge, small))
		return false;
	e->charge = want;
	return true;
}

static void *sc_open(void *arg, struct net_conn *c)
{
	const struct echo_srv *s = arg;
	struct echo_sconn *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return NULL;
	if (echo_init(&e->ec, &s->spec) != FR_OK) {
		echo_free(&e->ec);
		free(e);
		return NULL;
	}
	e->s = s;
	e->peer = c->peer;
	return e;
}

/* A failed core is logged, except a peer that stopped mid-frame under
 * --quiet. Returns rc. */
static int verdict(struct echo_sconn *e, int rc)
{
	if (rc == FR_OK || (rc == FR_ETRUNCATED && e->s->quiet))
		return rc;
	const struct echo_error *err = echo_error(&e->ec);
	net_log(e->s->prog, "%s: closing: %s at offset %" PRIu64 " (%s)",
		e->peer, err->reason, err->offset, fr_errname(err->code));
	return rc;
}

static int sc_input(void *core, const uint8_t *p, size_t n)
{
	struct echo_sconn *e = core;

	if (!budget_admit(e, n)) {
		atomic_fetch_add(&e->s->budget->refused, 1);
		net_log(e->s->prog,
			"%s: closing: memory budget (--max-memory %zu) "
			"reached with %zu bytes of an unfinished frame",
			e->peer, e->s->budget->max, echo_partial(&e->ec) + n);
		return FR_ENOMEM;
	}
	int rc = echo_input(&e->ec, p, n);
	recharge(e);
	return verdict(e, rc);
}

static int sc_eof(void *core, bool reset)
{
	struct echo_sconn *e = core;

	e->eof = true;
	return reset ? FR_OK : verdict(e, echo_eof(&e->ec));
}

static void sc_want(const void *core, struct net_want *w)
{
	const struct echo_sconn *e = core;

	w->out = echo_output(&e->ec, &w->len);
	w->read = echo_want_read(&e->ec);
	w->done = e->eof; /* the peer finished sending */
}

static void sc_consume(void *core, size_t n)
{
	struct echo_sconn *e = core;

	echo_consume(&e->ec, n);
	recharge(e);
}

static void sc_close(void *core, enum net_close_why why)
{
	struct echo_sconn *e = core;

	(void)why;
	if (e->s->budget)
		atomic_fetch_sub(&e->s->budget->used, e->charge);
	echo_free(&e->ec);
	free(e);
}

const struct net_proto echo_proto = {
    .open = sc_open,
    .input = sc_input,
    .eof = sc_eof,
    .want = sc_want,
    .consume = sc_consume,
    .close = sc_close,
};

void echo_serve_blocking(const struct echo_srv *s, int fd, int stop_fd)
{
	if (net_serve_conn(&echo_proto, (void *)s, fd, stop_fd) != 0)
		net_log(s->prog, "out of memory for a connection");
}

struct net_mux_cfg echo_mux_cfg(const struct echo_srv *s, int fd_limit)
{
	return (struct net_mux_cfg){.prog = s->prog,
				    .lfd = s->lfd,
				    .proto = &echo_proto,
				    .arg = (void *)s,
				    .max_conns = s->max_conns,
				    .fd_limit = fd_limit};
}
