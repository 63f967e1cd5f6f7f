/* Criterion suite: the `http` and `http-resp` rows (http1:req, http1:resp)
 * on real traffic. curl talks to a server built on python's http.server
 * (http_peer.py) through fragproxy --pcap (whole segments: tshark does not
 * always rebuild a chunked response cut in 1-16 byte pieces): four
 * GETs on one keep-alive connection (Content-Length bodies of 6 and 100 000
 * bytes, a chunked response with extensions and a trailer, a 404 page), a
 * POST with a body, and two HEADs on one connection. framecat decodes each
 * direction under random cuts; its frames must be tshark's HTTP messages
 * (tcp.reassembled.length, or tcp.len for one segment): same count, same
 * lengths. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "real_util.h"
#include "run_util.h"

#define CONNS 3 /* the GETs, the POST, the HEADs */

/* tshark's messages per connection and direction: method or status, and
 * the length of the reassembled message. */
struct msgs {
	struct ru_lens up[CONNS], down[CONNS];
	char up_what[CONNS][256], down_what[CONNS][256];
	int chunked; /* responses tshark saw as chunked */
};

static void tshark_msgs(const char *pcap, int sp, struct msgs *m)
{
	char decode_as[64];

	snprintf(decode_as, sizeof(decode_as), "tcp.port==%d,http", sp);
	const char *const args[] = {"-o", "tcp.desegment_tcp_streams:TRUE",
				    "-d", decode_as,
				    "-Y", "http.request || http.response",
				    "-T", "fields",
				    "-e", "tcp.stream",
				    "-e", "http.request.method",
				    "-e", "http.response.code",
				    "-e", "tcp.reassembled.length",
				    "-e", "tcp.len",
				    "-e", "http.transfer_encoding",
				    "-E", "separator=;",
				    NULL};
	char *out = ru_tshark(pcap, args);

	cr_assert_not_null(out, "tshark failed on %s", pcap);
	for (char *l = strtok(out, "\n"); l; l = strtok(NULL, "\n")) {
		char method[32] = "", code[8] = "", te[32] = "";
		unsigned stream;
		size_t len;

		/* stream;method;code;reassembled;len;te, some empty */
		char *f[6] = {l};
		for (int i = 1; i < 6; i++) {
			f[i] = f[i - 1] ? strchr(f[i - 1], ';') : NULL;
			if (f[i])
				*f[i]++ = '\0';
		}
		cr_assert_not_null(f[5], "tshark line '%s'", l);
		stream = (unsigned)atoi(f[0]);
		snprintf(method, sizeof(method), "%s", f[1]);
		snprintf(code, sizeof(code), "%s", f[2]);
		snprintf(te, sizeof(te), "%s", f[5]);
		/* a message in one segment is not reassembled */
		len = strtoul(f[3][0] ? f[3] : f[4], NULL, 10);
		cr_assert_lt(stream, CONNS, "connection %u", stream);
		cr_assert_gt(len, 0, "message not reassembled: '%s'", l);
		bool req = method[0] != '\0';
		ru_lens_put(req ? &m->up[stream] : &m->down[stream], len);
		char *w = req ? m->up_what[stream] : m->down_what[stream];
		strncat(w, req ? method : code, 255 - strlen(w) - 2);
		strncat(w, " ", 255 - strlen(w) - 1);
		m->chunked += strstr(te, "chunked") != NULL;
	}
	free(out);
}

static void check(const char *name, const char *spec, const struct ru_stream *s,
		  const struct ru_lens *msgs)
{
	ru_expect_lens(name, spec, s->data, s->len, true, msgs->v, msgs->n, 0);
}

/* A file of n bytes in dir. */
static void put_file(const char *dir, const char *name, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	cr_assert_not_null(f);
	for (size_t i = 0; i < n; i++)
		fputc("fraglab\n"[i % 8], f);
	cr_assert_eq(fclose(f), 0);
}

Test(real_http, curl_and_http_server_match_tshark, .timeout = 90)
{
	char dir[] = "/tmp/fraglab-http-XXXXXX", pcap[256], u[8][128];
	char curl[4096], path[512];
	const char *p;
	int sp, pp;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(pcap, sizeof(pcap), "%s/http.pcap", dir);
	put_file(dir, "a.txt", 6);
	put_file(dir, "b.bin", 100000);
	pid_t server = ru_start_peer("http_peer.py", dir, &sp);
	cr_assert_gt(server, 0, "http_peer.py did not start");
	pid_t proxy = ru_start_proxy(sp, "whole", NULL, pcap, &pp);
	cr_assert_gt(proxy, 0, "fragproxy did not start");

	p = ru_which("curl");
	cr_assert_not_null(p, "curl not found (ci/deps.d/protocols.txt)");
	snprintf(curl, sizeof(curl), "%s", p);
	const char *const names[] = {"a.txt", "b.bin", "chunked", "missing",
				     "form",  "a.txt", "b.bin"};
	for (int i = 0; i < 7; i++)
		snprintf(u[i], sizeof(u[i]), "http://127.0.0.1:%d/%s", pp,
			 names[i]);
	/* one curl: the GETs share a connection, --next starts the POST
	 * (answered 501 and closed) and then the HEADs */
	const char *w = "%{http_code} %{num_connects}\\n";
	char *argv[] = {
	    curl,	 "-s",	      "-w", (char *)w,	 "-o",
	    "/dev/null", u[0],	      "-o", "/dev/null", u[1],
	    "-o",	 "/dev/null", u[2], "-o",	 "/dev/null",
	    u[3],	 "--next",    "-s", "-w",	 (char *)w,
	    "-o",	 "/dev/null", "-d", "q=fraglab", u[4],
	    "--next",	 "-s",	      "-I", "-w",	 (char *)w,
	    "-o",	 "/dev/null", u[5], "-o",	 "/dev/null",
	    u[6],	 NULL};
	struct run_result r;
	cr_assert_eq(run_prog(argv, NULL, 0, &r), 0);
	cr_expect_eq(r.status, 0, "curl: %s", r.err);
	cr_expect_str_eq(r.out,
			 "200 1\n200 0\n200 0\n404 0\n501 1\n200 1\n200 0\n",
			 "curl's codes and new connections");
	run_free(&r);
	ru_stop(proxy);
	ru_stop(server);

	struct msgs m = {0};
	tshark_msgs(pcap, sp, &m);
	cr_expect_str_eq(m.up_what[0], "GET GET GET GET ");
	cr_expect_str_eq(m.down_what[0], "200 200 200 404 ");
	cr_expect_str_eq(m.up_what[1], "POST ");
	cr_expect_str_eq(m.down_what[1], "501 ");
	cr_expect_str_eq(m.up_what[2], "HEAD HEAD ");
	cr_expect_str_eq(m.down_what[2], "200 200 ");
	cr_expect_eq(m.chunked, 1, "tshark saw %d chunked responses",
		     m.chunked);
	for (unsigned c = 0; c < CONNS; c++) {
		struct ru_stream up, down;
		char name[64];

		cr_assert_eq(ru_pcap_conn(pcap, sp, c, &up, &down), 0,
			     "no connection %u in the capture", c);
		snprintf(name, sizeof(name), "connection %u requests", c);
		check(name, "http", &up, &m.up[c]);
		snprintf(name, sizeof(name), "connection %u responses", c);
		/* HEAD responses carry a Content-Length but no body: only
		 * `head` frames them, and plain http-resp cannot */
		check(name, c == 2 ? "http-resp,head" : "http-resp", &down,
		      &m.down[c]);
		if (c == 2) {
			size_t *fl, n;
			int st =
			    ru_framecat_lens("http-resp", "whole", down.data,
					     down.len, false, &fl, &n);
			cr_expect(st != 0 || n != m.down[c].n ||
				      fl[0] != m.down[c].v[0],
				  "plain http-resp framed HEAD responses");
			free(fl);
		}
		ru_stream_free(&up);
		ru_stream_free(&down);
		ru_lens_free(&m.up[c]);
		ru_lens_free(&m.down[c]);
	}
	snprintf(path, sizeof(path), "%s/a.txt", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/b.bin", dir);
	unlink(path);
	unlink(pcap);
	rmdir(dir);
}
