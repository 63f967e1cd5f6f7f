/* pop3d's server (pop3_srv.h): the POP3 core behind the callbacks of the
 * connection layer, which accepts, reads, sends, times out idle sessions
 * and closes the ones that are finished or gone. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "net_sock.h"
#include "pop3_srv.h"

#define POP3_SRV_RBUF ((size_t)16 << 10) /* bytes per recv() */

static const char prog[] = "pop3d";

struct pop3_sconn {
	struct pop3_session s;
	const char *peer; /* the connection's name (struct net_conn) */
	int64_t idle_ms;  /* for the autologout log line */
};

void pop3_srv_log(const char *fmt, ...)
{
	char line[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	net_log(prog, "%s", line);
}

static void conn_log(void *arg, const char *msg)
{
	const struct pop3_sconn *sc = arg;

	pop3_srv_log("%s: %s", sc->peer, msg);
}

void pop3_srv_store_log(void *arg, const char *msg)
{
	const struct pop3_srv *srv = arg;

	if (srv->mux.cur)
		pop3_srv_log("%s: %s", srv->mux.cur->peer, msg);
	else
		pop3_srv_log("%s", msg);
}

static void *sc_open(void *arg, struct net_conn *c)
{
	struct pop3_srv *srv = arg;
	struct pop3_sconn *sc = calloc(1, sizeof(*sc));

	if (sc == NULL)
		return NULL;
	sc->peer = c->peer;
	sc->idle_ms = srv->idle_ms;
	if (pop3_init(&sc->s, &srv->store, conn_log, sc) != 0) {
		free(sc);
		return NULL;
	}
	pop3_set_login_limits(&sc->s, srv->login_delay_ms, srv->login_max);
	return sc; /* the greeting is queued: the layer sends it at once */
}

static int sc_input(void *core, const uint8_t *p, size_t n)
{
	struct pop3_sconn *sc = core;

	pop3_input(&sc->s, p, n);
	return 0;
}

/* The peer closed or reset: the core ends a TRANSACTION without UPDATE
 * (RFC 1939 6) and says so in the log. */
static int sc_eof(void *core, bool reset)
{
	struct pop3_sconn *sc = core;

	(void)reset;
	pop3_eof(&sc->s);
	return 0;
}

/* After pop3_eof the core reads nothing more and ends the session once
 * its queue is answered: pop3_done covers EOF too. */
static void sc_want(const void *core, struct net_want *w)
{
	const struct pop3_sconn *sc = core;

	w->out = pop3_output(&sc->s, &w->len);
	w->read = pop3_want_read(&sc->s);
	w->done = pop3_done(&sc->s);
	w->wait_ms = pop3_hold_ms(&sc->s); /* after a failed login */
}

static void sc_timer(void *core)
{
	struct pop3_sconn *sc = core;

	pop3_release(&sc->s);
}

static void sc_consume(void *core, size_t n)
{
	struct pop3_sconn *sc = core;

	pop3_consume(&sc->s, n);
}

/* The core logs what happens to a mailbox left in TRANSACTION (closed
 * before QUIT, nothing deleted); here only why an idle one closed. */
static void sc_close(void *core, enum net_close_why why)
{
	struct pop3_sconn *sc = core;

	if (why == NET_CLOSE_IDLE)
		pop3_srv_log("%s: idle for %lld s, closed without UPDATE",
			     sc->peer, (long long)(sc->idle_ms / 1000));
	pop3_free(&sc->s); /* TRANSACTION ends here without UPDATE */
	free(sc);
}

static const struct net_proto pop3_proto = {
    .open = sc_open,
    .input = sc_input,
    .eof = sc_eof,
    .want = sc_want,
    .consume = sc_consume,
    .close = sc_close,
    .timer = sc_timer,
};

int pop3_srv_run(struct pop3_srv *srv)
{
	struct net_mux_cfg cfg = {.prog = prog,
				  .lfd = srv->lfd,
				  .proto = &pop3_proto,
				  .arg = srv,
				  .max_conns = srv->max_conns,
				  .idle_ms = srv->idle_ms,
				  .rbuf = POP3_SRV_RBUF};
	int rc = net_mux_init(&srv->mux, &cfg);

	if (rc == 0)
		rc = net_mux_run_epoll(&srv->mux);
	if (srv->mux.n)
		pop3_srv_log("stopping: closing %zu connection%s", srv->mux.n,
			     srv->mux.n == 1 ? "" : "s");
	net_mux_free(&srv->mux);
	return rc;
}
