/* Criterion suite: the `websocket` row (ws) on real traffic. A
 * python3-websockets client and echo server (ws_peer.py) exchange text and
 * binary messages of 5 to 70 000 bytes (7-, 16- and 64-bit lengths), a
 * ping and a close through fragproxy --pcap (whole segments: tshark takes
 * minutes over a capture cut in 1-16 byte pieces). Each direction starts
 * with the HTTP/1.1 upgrade, framed by `http` / `http-resp` (a 101 ends at
 * its header); from the next byte framecat decodes `websocket` under
 * random cuts, and its frames must be tshark's WebSocket frames: same
 * count, opcode order, and 2 + extended length + key + payload bytes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "real_util.h"
#include "run_util.h"

/* tshark's frames of one direction: wire sizes and opcodes ("1 2 9 "). */
struct wsframes {
	struct ru_lens size;
	char ops[256];
	unsigned masked;
};

static void tshark_frames(const char *pcap, int sp, struct wsframes *up,
			  struct wsframes *down)
{
	char decode_as[64];

	snprintf(decode_as, sizeof(decode_as), "tcp.port==%d,http", sp);
	const char *const args[] = {"-o", "tcp.desegment_tcp_streams:TRUE",
				    "-d", decode_as,
				    "-Y", "websocket",
				    "-T", "fields",
				    "-e", "tcp.srcport",
				    "-e", "websocket.opcode",
				    "-e", "websocket.mask",
				    "-e", "websocket.payload_length",
				    "-e", "websocket.payload_length_ext_16",
				    "-e", "websocket.payload_length_ext_64",
				    "-E", "separator=;",
				    "-E", "occurrence=a",
				    NULL};
	char *out = ru_tshark(pcap, args);

	cr_assert_not_null(out, "tshark failed on %s", pcap);
	for (char *l = strtok(out, "\n"); l; l = strtok(NULL, "\n")) {
		unsigned port, op, mask, len7;
		unsigned long long e16 = 0, e64 = 0;
		char f16[32] = "", f64[32] = "";

		/* srcport;opcode;mask;len7;ext16;ext64 (one frame a line:
		 * websockets writes each frame whole) */
		cr_assert(sscanf(l, "%u;%u;%u;%u;%31[0-9];%31[0-9]", &port, &op,
				 &mask, &len7, f16, f64) >= 4,
			  "tshark line '%s'", l);
		e16 = strtoull(f16, NULL, 10);
		e64 = strtoull(strrchr(l, ';') + 1, NULL, 10);
		struct wsframes *d = (int)port == sp ? down : up;
		unsigned long long plen = len7 == 126	? e16
					  : len7 == 127 ? e64
							: len7;
		size_t ext = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
		ru_lens_put(&d->size, 2 + ext + (mask ? 4 : 0) + plen);
		snprintf(d->ops + strlen(d->ops),
			 sizeof(d->ops) - strlen(d->ops), "%u ", op);
		d->masked += mask;
	}
	free(out);
}

/* Length of the upgrade message framecat frames first with spec (the
 * WebSocket bytes after it make it stop with an error: exit 1). */
static size_t handshake(const char *spec, const struct ru_stream *s)
{
	size_t *fl, n, len = 0;
	const char *end = memmem(s->data, s->len, "\r\n\r\n", 4);

	cr_assert_not_null(end, "%s: no end of the upgrade header", spec);
	ru_framecat_lens(spec, "random:1-16,seed=1", s->data, s->len, false,
			 &fl, &n);
	cr_assert_geq(n, 1, "%s: framecat found no upgrade message", spec);
	len = fl[0];
	free(fl);
	cr_expect_eq(len, (size_t)(end + 4 - (const char *)s->data),
		     "%s: the upgrade is %zu bytes", spec, len);
	return len;
}

static void check(const char *name, const char *spec, const uint8_t *p,
		  size_t len, const struct ru_lens *want, size_t less)
{
	ru_expect_lens(name, spec, p, len, less == 0, want->v, want->n,
		       -(long)less);
}

Test(real_ws, websockets_session_matches_tshark, .timeout = 90)
{
	char dir[] = "/tmp/fraglab-ws-XXXXXX", pcap[256], port[16];
	char py[4096], script[4096];
	int sp, pp;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(pcap, sizeof(pcap), "%s/ws.pcap", dir);
	pid_t server = ru_start_peer("ws_peer.py", "server", &sp);
	cr_assert_gt(server, 0,
		     "ws_peer.py did not start (python3-websockets?)");
	pid_t proxy = ru_start_proxy(sp, "whole", NULL, pcap, &pp);
	cr_assert_gt(proxy, 0, "fragproxy did not start");

	cr_assert_eq(ru_python_script("ws_peer.py", py, script, sizeof(py)), 0,
		     "no python3 or FRAGLAB_SRC");
	snprintf(port, sizeof(port), "%d", pp);
	char *argv[] = {py, script, "client", port, NULL};
	struct run_result r;
	cr_assert_eq(run_prog(argv, NULL, 0, &r), 0);
	cr_expect_eq(r.status, 0, "ws_peer.py client: %s", r.err);
	cr_expect_str_eq(r.out, "ok 7\n", "the client's record");
	run_free(&r);
	ru_stop(proxy);
	ru_stop(server);

	struct wsframes tup = {0}, tdown = {0};
	tshark_frames(pcap, sp, &tup, &tdown);
	/* seven messages each way, the ping and its pong, the closes */
	cr_expect_str_eq(tup.ops, "1 2 1 2 1 2 1 9 8 ");
	cr_expect_str_eq(tdown.ops, "1 2 1 2 1 2 1 10 8 ");
	cr_expect_eq(tup.masked, tup.size.n, "client frames are masked");
	cr_expect_eq(tdown.masked, 0, "server frames are not");

	struct ru_stream up, down;
	cr_assert_eq(ru_pcap_streams(pcap, sp, &up, &down), 0, "no capture");
	size_t hu = handshake("http", &up), hd = handshake("http-resp", &down);
	check("client to server", "websocket", up.data + hu, up.len - hu,
	      &tup.size, 0);
	check("server to client", "websocket", down.data + hd, down.len - hd,
	      &tdown.size, 0);
	/* unmask: the same frames without their 4-byte keys */
	check("client to server", "websocket,unmask", up.data + hu, up.len - hu,
	      &tup.size, 4);
	ru_stream_free(&up);
	ru_stream_free(&down);
	ru_lens_free(&tup.size);
	ru_lens_free(&tdown.size);
	unlink(pcap);
	rmdir(dir);
}
