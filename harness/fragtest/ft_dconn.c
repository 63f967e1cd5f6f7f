/* One connection of a fragtest diff run: send the request stream
 * (pipelined as the socket takes it, or lock-step one request frame at a
 * time), optionally half-close, and collect the reply stream until the
 * server closes or it has been quiet long enough. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cm_clock.h"
#include "ft_diff.h"

#define FT_DRBUF 65536

struct ft_dio {
	const struct ft_dopts *o;
	int fd;
	struct ft_dreply *r;
	int64_t last; /* last progress either way, ms */
	bool eof;
};

const char *ft_dend_name(enum ft_dend e)
{
	switch (e) {
	case FT_END_EOF:
		return "the server closed the connection";
	case FT_END_RESET:
		return "the connection was reset";
	case FT_END_TIMEOUT:
		return "nothing more arrived";
	default:
		return "quiet, connection open";
	}
}

void ft_dreply_free(struct ft_dreply *r)
{
	cm_buf_free(&r->bytes);
	free(r->marks);
	free(r->req_ends);
	memset(r, 0, sizeof(*r));
}

/* Reads what is there. -1: connection over (end set). */
static int ft_dread(struct ft_dio *io)
{
	for (;;) {
		ssize_t n;

		if (cm_buf_reserve(&io->r->bytes, FT_DRBUF) < 0) {
			snprintf(io->r->err, sizeof(io->r->err),
				 "out of memory");
			return -1;
		}
		n = recv(io->fd, cm_buf_tail(&io->r->bytes), FT_DRBUF, 0);
		if (n > 0) {
			cm_buf_commit(&io->r->bytes, (size_t)n);
			io->last = cm_now_ms();
			continue;
		}
		if (n == 0) {
			io->r->end = FT_END_EOF;
			io->eof = true;
			return -1;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		io->r->end = FT_END_RESET;
		io->eof = true;
		return -1;
	}
}

/* Writes data fully while reading replies. -1: the connection ended. */
static int ft_dsend(struct ft_dio *io, const uint8_t *p, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		struct pollfd pf = {.fd = io->fd, .events = POLLIN | POLLOUT};

		if (ft_stop ||
		    cm_now_ms() - io->last > (int64_t)io->o->timeout_ms) {
			io->r->end = FT_END_TIMEOUT;
			return -1;
		}
		if (poll(&pf, 1, 50) <= 0)
			continue;
		if ((pf.revents & (POLLIN | POLLHUP | POLLERR)) &&
		    ft_dread(io) < 0)
			return -1;
		if (!(pf.revents & POLLOUT))
			continue;
		ssize_t n = send(io->fd, p + pos, len - pos, MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0) {
			io->r->end = FT_END_RESET;
			return -1;
		}
		pos += (size_t)n;
		io->last = cm_now_ms();
	}
	return 0;
}

/* Reads until EOF, or (unless to_eof) until quiet_ms without a byte once
 * at least want bytes are in (no quiet needed with enough: a later byte
 * still lands in the stream); the timeout ends a wait without progress. */
static void ft_dwait(struct ft_dio *io, uint64_t want, bool to_eof, bool enough)
{
	for (;;) {
		struct pollfd pf = {.fd = io->fd, .events = POLLIN};
		int64_t idle = cm_now_ms() - io->last;
		size_t have = cm_buf_len(&io->r->bytes);

		if (io->eof)
			return;
		if (!to_eof && enough && have >= want)
			return;
		if (!to_eof && have >= want &&
		    idle >= (int64_t)io->o->quiet_ms) {
			io->r->end = FT_END_QUIET;
			return;
		}
		if (ft_stop || idle > (int64_t)io->o->timeout_ms) {
			io->r->end = FT_END_TIMEOUT;
			return;
		}
		if (poll(&pf, 1, 10) > 0 && ft_dread(io) < 0)
			return;
	}
}

/* Request frame ends per --up-framing; a tail that is no whole frame is
 * one more "frame". */
static int ft_dframes(const struct ft_dopts *o, const uint8_t *req, size_t len,
		      struct ft_dreply *r)
{
	struct fr_decoder dec;
	struct fr_frame f;
	size_t cap = 0;
	uint64_t prev = 0;

	if (fr_decoder_init(&dec, &o->up_spec, NULL, 0) != FR_OK)
		return -1;
	fr_decoder_feed(&dec, req, len);
	for (;;) {
		int rc = fr_decoder_next(&dec, &f);
		uint64_t end = fr_decoder_offset(&dec);

		if (rc != FR_FRAME || end > len)
			end = len;
		if (end > prev) {
			uint64_t *p = cm_grow(r->req_ends, &cap, r->nframes + 1,
					      sizeof(*p));

			if (!p) {
				fr_decoder_free(&dec);
				return -1;
			}
			r->req_ends = p;
			p[r->nframes++] = end;
			prev = end;
		}
		if (rc != FR_FRAME)
			break;
	}
	fr_decoder_free(&dec);
	r->marks = calloc(r->nframes + 1, sizeof(*r->marks));
	return r->marks ? 0 : -1;
}

static uint64_t ft_dwant(const struct ft_dreply *exp, size_t j)
{
	if (!exp)
		return 0;
	if (exp->marks && j < exp->nframes)
		return exp->marks[j];
	return cm_buf_len(&exp->bytes);
}

int ft_dconn(const struct ft_dopts *o, const char *host, int port,
	     const uint8_t *req, size_t len, bool half_close,
	     const struct ft_dreply *exp, struct ft_dreply *r)
{
	struct ft_dio io = {.o = o, .r = r, .last = cm_now_ms()};
	bool lock = o->up_framing != NULL;

	memset(r, 0, sizeof(*r));
	if (lock && ft_dframes(o, req, len, r) < 0) {
		snprintf(r->err, sizeof(r->err), "out of memory");
		return -1;
	}
	io.fd = ft_connect(host, port, r->err, sizeof(r->err));
	if (io.fd < 0)
		return -1;
	if (!lock) {
		if (ft_dsend(&io, req, len) == 0) {
			if (half_close)
				shutdown(io.fd, SHUT_WR);
			ft_dwait(&io, ft_dwant(exp, 0), half_close, false);
		}
		close(io.fd);
		return 0;
	}
	/* lock-step: each request frame alone, then its replies */
	uint64_t from = 0;

	for (size_t j = 0; j < r->nframes; j++) {
		r->marks[j] = cm_buf_len(&r->bytes);
		if (ft_dsend(&io, req + from, r->req_ends[j] - from) < 0)
			break;
		from = r->req_ends[j];
		if (j + 1 == r->nframes && half_close)
			break;
		/* with a baseline, a frame's replies are in once there are
		 * as many bytes as it had; only the last one waits for quiet */
		ft_dwait(&io, ft_dwant(exp, j + 1), false,
			 exp && j + 1 < r->nframes);
		if (io.eof || r->end == FT_END_TIMEOUT)
			break;
	}
	r->marks[r->nframes] = cm_buf_len(&r->bytes);
	if (half_close && !io.eof && r->end != FT_END_TIMEOUT) {
		shutdown(io.fd, SHUT_WR);
		ft_dwait(&io, 0, true, false);
	}
	close(io.fd);
	return 0;
}
