/* Criterion suite: the `redis` row (resp) on real traffic. redis-cli
 * --pipe sends pipelined commands (a 100 000-byte value, MULTI/EXEC, an
 * array reply, an inline PING) to redis-server through fragproxy --pcap
 * (whole segments: tshark's RESP dissector lists a value cut in pieces
 * once per piece). framecat decodes each direction under random cuts; its
 * frames must be tshark's top-level RESP values (and the one empty line
 * redis-cli adds), and as many as the commands sent and the replies
 * redis-cli counted. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "real_util.h"
#include "run_util.h"

#define BIG 100000

/* One command as a RESP array of bulk strings, appended to b. */
static void put_cmd(char **b, size_t *len, const char *const args[])
{
	size_t n = 0, need = 32;

	while (args[n])
		need += strlen(args[n++]) + 32;
	*b = realloc(*b, *len + need);
	cr_assert_not_null(*b);
	*len += (size_t)sprintf(*b + *len, "*%zu\r\n", n);
	for (size_t i = 0; i < n; i++)
		*len += (size_t)sprintf(*b + *len, "$%zu\r\n%s\r\n",
					strlen(args[i]), args[i]);
}

/* The commands redis-cli pipes; how many into *count. */
static char *commands(size_t *len, size_t *count)
{
	static char big[BIG + 1];
	char *b = NULL;
	const char *const set[] = {"SET", "k", "v", NULL};
	const char *const setbig[] = {"SET", "big", big, NULL};
	const char *const getbig[] = {"GET", "big", NULL};
	const char *const multi[] = {"MULTI", NULL};
	const char *const seta[] = {"SET", "a", "1", NULL};
	const char *const incr[] = {"INCR", "a", NULL};
	const char *const exec[] = {"EXEC", NULL};
	const char *const rpush[] = {"RPUSH", "l", "x", "yy", "zzz", NULL};
	const char *const lrange[] = {"LRANGE", "l", "0", "-1", NULL};
	const char *const *all[] = {set,  setbig, getbig, multi, seta,
				    incr, exec,	  rpush,  lrange};

	memset(big, 'b', BIG);
	*len = 0;
	for (size_t i = 0; i < sizeof(all) / sizeof(*all); i++)
		put_cmd(&b, len, all[i]);
	/* an inline command, as a person types it into telnet */
	b = realloc(b, *len + 7);
	*len += (size_t)sprintf(b + *len, "PING\r\n");
	*count = sizeof(all) / sizeof(*all) + 1;
	return b;
}

/* framecat's frames of one direction under three random cuts must be
 * tshark's values, in order; with crlf set, plus the empty line redis-cli
 * --pipe writes before its closing ECHO (redis-server ignores it, tshark
 * shows nothing for it, resp frames it as an empty inline command). */
static void check_direction(const char *name, const struct ru_stream *s,
			    const struct ru_lens *units, size_t want, bool crlf)
{
	struct ru_lens exp = {0};

	cr_assert_eq(units->n, want, "%s: tshark saw %zu RESP values, want %zu",
		     name, units->n, want);
	for (size_t i = 0; i < units->n; i++) {
		if (crlf && i + 1 == units->n)
			ru_lens_put(&exp, 2);
		ru_lens_put(&exp, units->v[i]);
	}
	ru_expect_lens(name, "redis", s->data, s->len, true, exp.v, exp.n, 0);
	if (crlf) { /* the empty line is where the lengths before it end */
		size_t off = 0;

		for (size_t i = 0; i + 2 < exp.n; i++)
			off += exp.v[i];
		cr_expect(
		    off + 2 <= s->len && memcmp(s->data + off, "\r\n", 2) == 0,
		    "%s: frame %zu is not the empty line", name, exp.n - 2);
	}
	ru_lens_free(&exp);
}

Test(real_redis, redis_cli_pipe_matches_tshark_and_its_count, .timeout = 90)
{
	char dir[] = "/tmp/fraglab-redis-XXXXXX", pcap[256], sport[16];
	char pport[16], srv[4096], cli[4096];
	const char *p;
	pid_t server = -1;
	int sp = -1, pp;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(pcap, sizeof(pcap), "%s/redis.pcap", dir);
	p = ru_which("redis-server");
	cr_assert_not_null(p,
			   "redis-server not found (ci/deps.d/protocols.txt)");
	snprintf(srv, sizeof(srv), "%s", p);
	/* redis-server must be told its port; another run may take a free
	 * one first, so try a few */
	for (int tries = 0; tries < 3 && server < 0; tries++) {
		sp = ru_free_port();
		snprintf(sport, sizeof(sport), "%d", sp);
		const char *const argv[] = {
		    srv,	 "--port",     sport,	  "--bind",
		    "127.0.0.1", "--save",     "",	  "--appendonly",
		    "no",	 "--loglevel", "warning", NULL};
		server = ru_start_port(argv, sp, 10000);
	}
	cr_assert_gt(server, 0, "redis-server did not start");
	pid_t proxy = ru_start_proxy(sp, "whole", NULL, pcap, &pp);
	cr_assert_gt(proxy, 0, "fragproxy did not start");

	p = ru_which("redis-cli");
	cr_assert_not_null(p, "redis-cli not found (redis-tools)");
	snprintf(cli, sizeof(cli), "%s", p);
	snprintf(pport, sizeof(pport), "%d", pp);
	size_t len, count;
	char *in = commands(&len, &count);
	char *argv[] = {cli, "-h", "127.0.0.1", "-p", pport, "--pipe", NULL};
	struct run_result r;
	cr_assert_eq(run_prog(argv, in, len, &r), 0);
	free(in);
	cr_expect_eq(r.status, 0, "redis-cli: %s %s", r.out, r.err);
	/* --pipe adds an ECHO of its own to know the last reply came, and
	 * counts the replies before it */
	unsigned long errors = 99, replies = 0;
	const char *e = strstr(r.out, "errors: ");
	cr_assert(
	    e && sscanf(e, "errors: %lu, replies: %lu", &errors, &replies) == 2,
	    "redis-cli said: %s", r.out);
	cr_expect_eq(errors, 0);
	cr_expect_eq(replies, count, "redis-cli counted %lu replies", replies);
	run_free(&r);
	ru_stop(proxy);
	ru_stop(server);

	struct ru_stream up, down;
	struct ru_lens uup = {0}, udown = {0};
	cr_assert_eq(ru_pcap_streams(pcap, sp, &up, &down), 0, "no capture");
	cr_assert_gt(up.len, BIG);
	cr_assert_gt(down.len, BIG);
	cr_assert_eq(
	    ru_tshark_units(pcap, sp, "resp", "resp", "items", &uup, &udown), 0,
	    "tshark failed on %s", pcap);
	check_direction("client to server", &up, &uup, count + 1, true);
	check_direction("server to client", &down, &udown, replies + 1, false);
	ru_stream_free(&up);
	ru_stream_free(&down);
	ru_lens_free(&uup);
	ru_lens_free(&udown);
	unlink(pcap);
	rmdir(dir);
}
