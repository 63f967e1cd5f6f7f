/* The clients of one run: N connections driven by one poll() loop. Each
 * writes its seeded frames in bursts, decodes the echoes and checks them
 * frame by frame against a second copy of its generator. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cm_buf.h"
#include "cm_clock.h"
#include "ft.h"

#define FT_RBUF 65536
#define FT_LINGER_MS                                                           \
	2000 /* max wait for the server's EOF after the last echo */
#define FT_PROGRESS_MS 100 /* between progress lines */

struct ft_conn {
	int fd;
	unsigned id;
	struct ft_gen send, check;
	uint64_t burst_rng;
	unsigned sent;	   /* frames encoded so far */
	bool sync;	   /* wait for every echo before the next burst */
	struct cm_buf out; /* encoded, not yet sent */
	uint64_t up_off;   /* wire bytes encoded so far */
	uint64_t *up_ends; /* wire end offset of each frame */
	struct fr_decoder dec;
	uint64_t got;	/* frames verified */
	uint64_t rx;	/* echo bytes received */
	size_t raw_pos; /* raw: position inside the expected payload */
	bool raw_loaded;
	bool shut, done;
	bool half_close; /* --half-close: shut down once all is written */
	int64_t last, linger_end; /* cm_now_ms() */
	struct ft_verdict *v;
};

int ft_connect(const char *host, int port, char *err, size_t errlen)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
	char ps[16];
	int fd = -1, rc, one = 1;

	snprintf(ps, sizeof(ps), "%d", port);
	rc = getaddrinfo(host, ps, &hints, &ai);
	if (rc != 0) {
		snprintf(err, errlen, "cannot resolve %s: %s", host,
			 gai_strerror(rc));
		return -1;
	}
	for (struct addrinfo *a = ai; a && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) < 0) {
			snprintf(err, errlen, "cannot connect to %s:%d: %s",
				 host, port, strerror(errno));
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(ai);
	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

static void ft_fail(struct ft_conn *c, enum ft_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void ft_fail(struct ft_conn *c, enum ft_status st, const char *fmt, ...)
{
	va_list ap;

	c->v->status = st;
	c->v->frames_ok = c->got;
	va_start(ap, fmt);
	vsnprintf(c->v->msg, sizeof(c->v->msg), fmt, ap);
	va_end(ap);
	c->done = true;
}

static void ft_mark(struct ft_conn *c, uint64_t down_off)
{
	c->v->frame = c->got;
	c->v->frames_ok = c->got;
	c->v->up_off = c->got ? c->up_ends[c->got - 1] : 0;
	c->v->down_off = down_off;
}

/* Encode the next burst into c->out (sent in full before the next). */
static int ft_fill(struct ft_conn *c, unsigned m)
{
	unsigned k = ft_burst_next(&c->burst_rng, m - c->sent);

	/* Half the bursts are request/response: the next one waits for
	 * their echoes. Pipelined bursts stress the server's buffering,
	 * synchronous ones catch servers that treat one read as one
	 * exchange (naive) whatever the timing. */
	c->sync = fr_rng_range(&c->burst_rng, 0, 1) == 0 && !c->half_close;
	cm_buf_clear(&c->out);
	for (unsigned i = 0; i < k; i++) {
		int rc = ft_gen_next(&c->send);

		if (rc != FR_OK)
			return rc;
		if (cm_buf_append(&c->out, c->send.wire, c->send.wire_len) < 0)
			return FR_ENOMEM;
		c->up_off += c->send.wire_len;
		c->up_ends[c->sent++] = c->up_off;
	}
	return FR_OK;
}

static bool ft_waiting(const struct ft_conn *c)
{
	return cm_buf_len(&c->out) == 0 && c->sync && c->got < c->sent;
}

static void ft_on_writable(struct ft_conn *c, unsigned m)
{
	while (!c->done) {
		if (cm_buf_len(&c->out) == 0) {
			if (c->sent == m || ft_waiting(c))
				return;
			int rc = ft_fill(c, m);
			if (rc != FR_OK) {
				ft_fail(c, FT_ERROR,
					"cannot encode frame %u: %s", c->sent,
					fr_strerror(rc));
				return;
			}
		}
		ssize_t n = send(c->fd, cm_buf_data(&c->out),
				 cm_buf_len(&c->out), MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0) {
			ft_mark(c, fr_decoder_offset(&c->dec));
			ft_fail(c, FT_ERROR,
				"send failed after %u of %u frames "
				"written: %s",
				c->sent, m, strerror(errno));
			return;
		}
		cm_buf_consume(&c->out, (size_t)n);
		c->last = cm_now_ms();
	}
}

static bool ft_check_frame(struct ft_conn *c, const struct fr_frame *f,
			   unsigned m)
{
	char h[64];

	ft_mark(c, f->offset);
	if (c->got >= m) {
		ft_hex(f->data, f->len, 0, h, sizeof(h));
		ft_fail(c, FT_DIVERGE,
			"frame %llu: extra frame never sent, "
			"%zu bytes [%s]",
			(unsigned long long)c->got, f->len, h);
		return false;
	}
	if (ft_gen_next(&c->check) != FR_OK)
		abort(); /* the sender generated the same payload */
	if (!ft_compare(c->check.msg, c->check.len, f->data, f->len, c->v)) {
		c->v->frames_ok = c->got;
		c->done = true;
		return false;
	}
	c->got++;
	return true;
}

/* raw framing: only the concatenation is defined, so compare streams. */
static bool ft_check_raw(struct ft_conn *c, const struct fr_frame *f,
			 unsigned m)
{
	char eh[64], gh[64];

	for (size_t i = 0; i < f->len;) {
		while (c->got < m && !c->raw_loaded) {
			if (ft_gen_next(&c->check) != FR_OK)
				abort();
			c->raw_pos = 0;
			c->raw_loaded = c->check.len > 0;
			if (!c->raw_loaded)
				c->got++;
		}
		ft_mark(c, f->offset + i);
		if (c->got >= m) {
			ft_hex(f->data, f->len, i, gh, sizeof(gh));
			ft_fail(c, FT_DIVERGE,
				"extra bytes after the last "
				"frame: [%s]",
				gh);
			return false;
		}
		if (c->check.msg[c->raw_pos] != f->data[i]) {
			c->v->byte = c->raw_pos;
			ft_hex(c->check.msg, c->check.len, c->raw_pos, eh,
			       sizeof(eh));
			ft_hex(f->data, f->len, i, gh, sizeof(gh));
			ft_fail(c, FT_DIVERGE,
				"frame %llu byte %zu: expected "
				"[%s] received [%s]",
				(unsigned long long)c->got, c->raw_pos, eh, gh);
			return false;
		}
		i++;
		if (++c->raw_pos == c->check.len) {
			c->got++;
			c->raw_loaded = false;
		}
	}
	return true;
}

static void ft_on_eof(struct ft_conn *c, unsigned m)
{
	struct fr_frame f;
	int rc = fr_decoder_finish(&c->dec, &f);

	if (rc == FR_FRAME) { /* http1:resp: a response ended by the close */
		if (!ft_check_frame(c, &f, m))
			return;
		rc = fr_decoder_finish(&c->dec, &f);
	}
	ft_mark(c, c->rx);
	if (c->got >= m && rc == FR_DONE) {
		c->done = true;
		return;
	}
	if (c->got >= m)
		ft_fail(c, FT_ERROR,
			"partial frame after the last frame "
			"(%s at echo offset %llu)",
			fr_errname(rc), (unsigned long long)f.offset);
	else if (rc == FR_ETRUNCATED)
		ft_fail(c, FT_ERROR,
			"unexpected close inside frame %llu "
			"(echo offset %llu) after %llu of %u frames",
			(unsigned long long)c->got,
			(unsigned long long)f.offset,
			(unsigned long long)c->got, m);
	else
		ft_fail(c, FT_ERROR,
			"unexpected close after %llu echo bytes, "
			"%llu of %u frames verified",
			(unsigned long long)c->rx, (unsigned long long)c->got,
			m);
}

static void ft_on_readable(struct ft_conn *c, unsigned m, uint8_t *rbuf,
			   bool raw)
{
	ssize_t n = recv(c->fd, rbuf, FT_RBUF, 0);
	struct fr_frame f;
	int rc;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		ft_mark(c, c->rx);
		ft_fail(c, FT_ERROR,
			"%s after %llu echo bytes, %llu of %u "
			"frames verified",
			errno == ECONNRESET ? "connection reset by peer"
					    : strerror(errno),
			(unsigned long long)c->rx, (unsigned long long)c->got,
			m);
		return;
	}
	if (n == 0) {
		ft_on_eof(c, m);
		return;
	}
	c->last = cm_now_ms();
	c->rx += (size_t)n;
	fr_decoder_feed(&c->dec, rbuf, (size_t)n);
	while ((rc = fr_decoder_next(&c->dec, &f)) == FR_FRAME) {
		if (!(raw ? ft_check_raw(c, &f, m) : ft_check_frame(c, &f, m)))
			return;
	}
	if (rc < 0) {
		ft_mark(c, f.offset);
		ft_fail(c, FT_ERROR,
			"frame %llu: decode error %s (%s) at echo "
			"offset %llu",
			(unsigned long long)c->got, fr_errname(rc),
			fr_strerror(rc), (unsigned long long)f.offset);
	}
}

static int ft_conn_init(struct ft_conn *c, const struct ft_opts *o,
			const struct fr_spec *spec, unsigned id,
			struct ft_result *r)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->id = id;
	c->v = &r->v[id];
	c->v->conn = id;
	c->burst_rng = fr_rng_seed(o->seed, (uint64_t)id * 2 + 1);
	c->half_close = o->half_close;
	c->up_ends = calloc(o->messages ? o->messages : 1, sizeof(uint64_t));
	r->up_ends[id] = c->up_ends;
	if (!c->up_ends ||
	    ft_gen_init(&c->send, spec, o->seed, id, o->size_min,
			o->size_max) != FR_OK ||
	    ft_gen_init(&c->check, spec, o->seed, id, o->size_min,
			o->size_max) != FR_OK ||
	    fr_decoder_init(&c->dec, spec, NULL, 0) != FR_OK ||
	    cm_buf_reserve(&c->out, 1) < 0) /* data never NULL, even empty */
		return -1;
	return 0;
}

static void ft_conn_free(struct ft_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	ft_gen_free(&c->send);
	ft_gen_free(&c->check);
	fr_decoder_free(&c->dec);
	cm_buf_free(&c->out);
}

/* After the last echo: half-close and give the server a moment to close
 * too, so frames it sends too many still show. */
static void ft_tick(struct ft_conn *c, const struct ft_opts *o, int64_t now)
{
	unsigned m = o->messages;
	int64_t timeout_ms = (int64_t)(o->timeout * 1000);

	if (c->done)
		return;
	if (!c->shut && (c->got >= m || (c->half_close && c->sent == m &&
					 cm_buf_len(&c->out) == 0))) {
		shutdown(c->fd, SHUT_WR);
		c->shut = true;
		c->linger_end =
		    now +
		    (timeout_ms < FT_LINGER_MS ? timeout_ms : FT_LINGER_MS);
	}
	if (c->shut && c->got >= m && now > c->linger_end) {
		c->done = true; /* server keeps the connection open: fine */
		return;
	}
	if (now - c->last > timeout_ms) {
		ft_mark(c, c->rx);
		ft_fail(c, FT_ERROR,
			"timeout: nothing received for %.1f s "
			"after %llu of %u frames (%u written)",
			o->timeout, (unsigned long long)c->got, m, c->sent);
	}
}

static void ft_progress(const struct ft_opts *o, struct ft_conn *cs, bool final)
{
	unsigned done = 0;
	uint64_t frames = 0;

	for (unsigned i = 0; i < o->clients; i++) {
		done += cs[i].done;
		frames += cs[i].got;
	}
	fprintf(stderr, "\r%s: %u/%u connections done, %llu frames verified%s",
		o->label ? o->label : FT_PROG, done, o->clients,
		(unsigned long long)frames, final ? "\n" : "");
}

static void ft_loop(const struct ft_opts *o, struct ft_conn *cs,
		    struct pollfd *pf, uint8_t *rbuf, bool raw)
{
	int64_t next_progress = 0;

	for (;;) {
		unsigned live = 0;
		int64_t now = cm_now_ms();

		for (unsigned i = 0; i < o->clients; i++) {
			struct ft_conn *c = &cs[i];

			ft_tick(c, o, now);
			pf[i].fd = c->done ? -1 : c->fd;
			pf[i].events = POLLIN;
			if ((c->sent < o->messages || cm_buf_len(&c->out)) &&
			    !ft_waiting(c))
				pf[i].events |= POLLOUT;
			live += !c->done;
		}
		if (o->progress && (now > next_progress || !live)) {
			ft_progress(o, cs, !live);
			next_progress = now + FT_PROGRESS_MS;
		}
		if (!live || ft_stop)
			return;
		if (poll(pf, o->clients, 50) <= 0)
			continue;
		for (unsigned i = 0; i < o->clients; i++) {
			if (cs[i].done || !pf[i].revents)
				continue;
			if (pf[i].revents & POLLOUT)
				ft_on_writable(&cs[i], o->messages);
			if (!cs[i].done &&
			    pf[i].revents & (POLLIN | POLLHUP | POLLERR))
				ft_on_readable(&cs[i], o->messages, rbuf, raw);
		}
	}
}

int ft_clients(const struct ft_opts *o, const struct fr_spec *spec,
	       const char *host, int port, struct ft_result *r)
{
	struct ft_conn *cs = calloc(o->clients, sizeof(*cs));
	struct pollfd *pf = calloc(o->clients, sizeof(*pf));
	uint8_t *rbuf = malloc(FT_RBUF);
	int rc = -1;

	if (!cs || !pf || !rbuf)
		goto fail;
	for (unsigned i = 0; i < o->clients; i++) {
		if (ft_conn_init(&cs[i], o, spec, i, r) < 0) {
			snprintf(r->setup_msg, sizeof(r->setup_msg),
				 "out of memory");
			goto fail;
		}
	}
	/* Connect one after the other so the proxy sees them in order:
	 * connection i is the proxy's stream i. */
	for (unsigned i = 0; i < o->clients; i++) {
		cs[i].fd =
		    ft_connect(host, port, r->setup_msg, sizeof(r->setup_msg));
		if (cs[i].fd < 0)
			goto fail;
		cs[i].last = cm_now_ms();
	}
	ft_loop(o, cs, pf, rbuf, spec->kind == FR_RAW);
	for (unsigned i = 0; i < o->clients; i++) {
		if (!cs[i].done) {
			ft_mark(&cs[i], fr_decoder_offset(&cs[i].dec));
			ft_fail(&cs[i], FT_ERROR, "interrupted");
		}
		r->frames += cs[i].got;
	}
	rc = 0;
fail:
	for (unsigned i = 0; cs && i < o->clients; i++)
		ft_conn_free(&cs[i]);
	free(cs);
	free(pf);
	free(rbuf);
	return rc;
}
