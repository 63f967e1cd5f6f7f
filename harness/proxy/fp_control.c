/* fragproxy --control HOST:PORT: HTTP/JSON API served by libmicrohttpd in
 * its own thread. Requests are handed to the event loop (eventfd + condvar)
 * so connection state is only ever touched by the loop thread.
 *   GET  /stats                     counters
 *   GET  /connections               live connections
 *   POST /policy/{up,down,both}[?live=1]   body: a split policy
 *        (file:NAME only inside --policy-dir; over 4096 bytes: 413)
 *   POST /connections/ID/fault      body: DIR:KIND[:ARG], fired now */
#include <errno.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cm_addr.h"
#include "cm_buf.h"
#include "fp_internal.h"

struct ctl_req {
	const char *method, *url, *body;
	bool live;
	int status;
	char *out;
	bool done;
};

struct fp_control {
	struct MHD_Daemon *d;
	int port;
	pthread_cond_t cv;
	struct ctl_req *req;
	bool closing;
};

struct body {
	size_t len;
	bool too_big; /* answered 413, nothing applied */
	char buf[FP_CONTROL_BODY_MAX + 1];
};

static char *jsonf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

static char *stats_json(struct fp_proxy *p)
{
	struct fp_stats s;

	fp_get_stats(p, &s);
	return jsonf("{\"seed\":%" PRIu64 ",\"accepted\":%" PRIu64
		     ",\"active\":%" PRIu64 ",\"refused\":%" PRIu64
		     ",\"upstream_fail\":%" PRIu64 ",\"faults\":%" PRIu64
		     ",\"policies\":%" PRIu64 ",\"up\":{\"bytes\":%" PRIu64
		     ",\"chunks\":%" PRIu64 ",\"dropped\":%" PRIu64
		     "},\"down\":{\"bytes\":%" PRIu64 ",\"chunks\":%" PRIu64
		     ",\"dropped\":%" PRIu64 "}}\n",
		     p->seed, s.accepted, s.active, s.refused, s.upstream_fail,
		     s.faults, s.policies, s.bytes[0], s.chunks[0],
		     s.dropped[0], s.bytes[1], s.chunks[1], s.dropped[1]);
}

static char *conns_json(struct fp_proxy *p)
{
	struct cm_buf b = {0};
	int fail = cm_buf_append(&b, "[", 1);

	for (struct fp_conn *c = p->conns; c && !fail; c = c->next) {
		char item[512], pol[2][FR_SCHED_STRLEN];
		for (int d = 0; d < 2; d++)
			fr_sched_format(c->d[d].sched, pol[d], sizeof(pol[d]));
		int n =
		    snprintf(item, sizeof(item),
			     "%s{\"id\":%" PRIu64 ",\"up\":{\"bytes\":%" PRIu64
			     ",\"chunks\":%" PRIu64 ",\"policy\":\"%.60s\"},"
			     "\"down\":{\"bytes\":%" PRIu64
			     ",\"chunks\":%" PRIu64 ",\"policy\":\"%.60s\"}}",
			     c == p->conns ? "" : ",", c->id, c->d[0].wr_off,
			     c->d[0].chunks, pol[0], c->d[1].wr_off,
			     c->d[1].chunks, pol[1]);
		fail = cm_buf_append(&b, item, (size_t)n); /* n < 512 */
	}
	if (fail || cm_buf_append(&b, "]\n", 3)) {
		cm_buf_free(&b);
		return NULL;
	}
	return (char *)b.p; /* head is 0: nothing was consumed */
}

static char *error_json(struct ctl_req *r, int status, const char *msg)
{
	r->status = status;
	return jsonf("{\"error\":\"%s\"}\n", msg);
}

/* msg as a JSON string body (quotes, backslashes and controls escaped). */
static char *error_text(struct ctl_req *r, int status, const char *msg)
{
	char esc[512];
	size_t n = 0;

	for (const char *m = msg; *m && n + 7 < sizeof(esc); m++) {
		unsigned char ch = (unsigned char)*m;
		if (ch == '"' || ch == '\\') {
			esc[n++] = '\\';
			esc[n++] = (char)ch;
		} else if (ch < 0x20) {
			n += (size_t)snprintf(esc + n, 7, "\\u%04x", ch);
		} else {
			esc[n++] = (char)ch;
		}
	}
	esc[n] = '\0';
	return error_json(r, status, esc);
}

static char *set_policy(struct fp_proxy *p, struct ctl_req *r,
			const char *which)
{
	char err[300];
	struct fr_sched s;
	int d0 = 0, d1 = 1, rc;

	if (strcmp(which, "up") == 0)
		d1 = 0;
	else if (strcmp(which, "down") == 0)
		d0 = 1;
	else if (strcmp(which, "both") != 0)
		return error_json(r, 404, "want /policy/up, down or both");
	rc = fp_policy_parse(&s, r->body, p->policy_dirfd, true, err,
			     sizeof(err));
	if (rc)
		return error_text(r, rc == -EPERM ? 403 : 400, err);
	if (!s.seed_set)
		s.seed = p->seed;
	struct fp_policy *n[2] = {NULL, NULL};
	for (int d = d0; d <= d1; d++)
		if (!(n[d] = fp_policy_new(p, &s)))
			break;
	if (!n[d0] || !n[d1]) {
		fp_policy_put(p, n[0]);
		fp_policy_put(p, n[1]);
		fr_sched_free(&s);
		return error_json(r, 500, "out of memory");
	}
	for (int d = d0; d <= d1; d++) {
		/* connections still using the old one keep it alive */
		fp_policy_put(p, p->pol[d]);
		p->pol[d] = n[d];
		free(p->cfg.dir[d].replay);
		p->cfg.dir[d].replay = NULL;
		for (struct fp_conn *c = r->live ? p->conns : NULL; c;
		     c = c->next) {
			struct fp_dirst *ds = &c->d[d];
			struct fr_sched own;
			if (fr_sched_copy(&own, &s) != FR_OK)
				continue;
			fr_sched_free(&ds->own);
			ds->own = own;
			fp_dir_setup(ds, &ds->own);
			fp_policy_put(p, ds->pol);
			ds->pol = NULL;
		}
	}
	fr_sched_free(&s);
	return jsonf("{\"ok\":true}\n");
}

static char *fire_fault(struct fp_proxy *p, struct ctl_req *r, uint64_t id)
{
	char err[200];
	struct fp_fault f;

	if (fp_fault_parse(&f, r->body, err, sizeof(err)) ||
	    f.kind == FP_FAULT_REFUSE)
		return error_json(r, 400, "bad fault");
	for (struct fp_conn *c = p->conns; c; c = c->next) {
		if (c->id != id || c->state != FC_OPEN)
			continue;
		fp_fault_fire(c, &f);
		fp_reap(p);
		return jsonf("{\"ok\":true}\n");
	}
	return error_json(r, 404, "no such connection");
}

static char *dispatch(struct fp_proxy *p, struct ctl_req *r)
{
	unsigned long long id;
	char tail[16];

	r->status = 200;
	if (strcmp(r->method, "GET") == 0) {
		if (strcmp(r->url, "/stats") == 0)
			return stats_json(p);
		if (strcmp(r->url, "/connections") == 0)
			return conns_json(p);
		return error_json(r, 404, "not found");
	}
	if (strcmp(r->method, "POST") != 0)
		return error_json(r, 405, "method not allowed");
	if (strncmp(r->url, "/policy/", 8) == 0)
		return set_policy(p, r, r->url + 8);
	if (sscanf(r->url, "/connections/%llu/%15s", &id, tail) == 2 &&
	    strcmp(tail, "fault") == 0)
		return fire_fault(p, r, id);
	return error_json(r, 404, "not found");
}

/* Loop thread: answer a pending request. */
void fp_control_poll(struct fp_proxy *p)
{
	struct fp_control *ctl = p->ctl;

	if (!ctl)
		return;
	pthread_mutex_lock(&p->lock);
	if (ctl->req && !ctl->req->done) {
		ctl->req->out = dispatch(p, ctl->req);
		ctl->req->done = true;
		pthread_cond_broadcast(&ctl->cv);
	}
	pthread_mutex_unlock(&p->lock);
}

static void submit(struct fp_proxy *p, struct ctl_req *r)
{
	struct fp_control *ctl = p->ctl;
	uint64_t one = 1;

	pthread_mutex_lock(&p->lock);
	if (!ctl->closing) {
		ctl->req = r;
		if (write(p->evfd, &one, sizeof(one)) < 0)
			r->done = true;
		while (!r->done && !ctl->closing)
			pthread_cond_wait(&ctl->cv, &p->lock);
		ctl->req = NULL;
	}
	pthread_mutex_unlock(&p->lock);
}

static enum MHD_Result answer(struct MHD_Connection *con, int status,
			      const char *text)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
	    strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "application/json");
	enum MHD_Result ret = MHD_queue_response(con, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *con,
			       const char *url, const char *method,
			       const char *version, const char *data,
			       size_t *data_size, void **con_cls)
{
	struct fp_proxy *p = cls;
	struct body *b = *con_cls;

	if (!b) {
		b = calloc(1, sizeof(*b));
		*con_cls = b;
		return b ? MHD_YES : MHD_NO;
	}
	if (*data_size) {
		size_t k = *data_size;
		if (k > FP_CONTROL_BODY_MAX - b->len)
			b->too_big = true; /* the rest is read and dropped */
		else
			memcpy(b->buf + b->len, data, k);
		if (!b->too_big)
			b->len += k;
		*data_size = 0;
		return MHD_YES;
	}
	if (b->too_big) {
		char msg[80];
		snprintf(
		    msg, sizeof(msg),
		    "{\"error\":\"body over %d bytes, nothing applied\"}\n",
		    FP_CONTROL_BODY_MAX);
		return answer(con, 413, msg);
	}
	while (b->len &&
	       (b->buf[b->len - 1] == '\n' || b->buf[b->len - 1] == '\r'))
		b->len--;
	b->buf[b->len] = '\0';
	const char *live =
	    MHD_lookup_connection_value(con, MHD_GET_ARGUMENT_KIND, "live");
	struct ctl_req r = {.method = method,
			    .url = url,
			    .body = b->buf,
			    .live = live && strcmp(live, "0") != 0,
			    .status = 503};
	submit(p, &r);
	enum MHD_Result ret = answer(
	    con, r.status, r.out ? r.out : "{\"error\":\"unavailable\"}\n");
	free(r.out);
	return ret;
}

static void completed(void *cls, struct MHD_Connection *con, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	free(*con_cls);
	*con_cls = NULL;
}

int fp_control_start(struct fp_proxy *p, char *msg, size_t len)
{
	char host[CM_HOSTLEN], port[CM_PORTLEN], why[CM_ADDRLEN + 40];
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE},
			*ai;

	if (!p->cfg.control)
		return 0;
	if (cm_split_hostport(p->cfg.control, host, port, why, sizeof(why)) ||
	    getaddrinfo(host, port, &hints, &ai)) {
		snprintf(msg, len, "--control %s: cannot listen there",
			 p->cfg.control);
		return -EINVAL;
	}
	p->ctl = calloc(1, sizeof(*p->ctl));
	if (!p->ctl) {
		freeaddrinfo(ai);
		return -ENOMEM;
	}
	pthread_cond_init(&p->ctl->cv, NULL);
	/* epoll (or poll) rather than select: no FD_SETSIZE ceiling, so idle
	 * connections are bounded by the limit and timeout below instead */
	unsigned flags = MHD_is_feature_supported(MHD_FEATURE_EPOLL)
			     ? MHD_USE_EPOLL_INTERNAL_THREAD
			     : MHD_USE_POLL_INTERNAL_THREAD;
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	p->ctl->d = MHD_start_daemon(
	    flags, 0, NULL, NULL, handler, p, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_CONNECTION_TIMEOUT, p->cfg.control_timeout_s,
	    MHD_OPTION_CONNECTION_LIMIT, p->cfg.control_max,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_END);
	freeaddrinfo(ai);
	if (!p->ctl->d) {
		snprintf(msg, len, "--control %s: cannot listen",
			 p->cfg.control);
		return -EADDRINUSE;
	}
	const union MHD_DaemonInfo *info =
	    MHD_get_daemon_info(p->ctl->d, MHD_DAEMON_INFO_BIND_PORT);
	p->ctl->port = info ? info->port : 0;
	return 0;
}

void fp_control_stop(struct fp_proxy *p)
{
	struct fp_control *ctl = p->ctl;

	if (!ctl)
		return;
	pthread_mutex_lock(&p->lock);
	ctl->closing = true;
	pthread_cond_broadcast(&ctl->cv);
	pthread_mutex_unlock(&p->lock);
	if (ctl->d)
		MHD_stop_daemon(ctl->d);
	pthread_cond_destroy(&ctl->cv);
	free(ctl);
	p->ctl = NULL;
}

int fp_control_port(const struct fp_proxy *p)
{
	return p->ctl ? p->ctl->port : 0;
}
