/* Criterion suite: the `postgres` row (a startup message as the pre=
 * preamble, then typed messages) and `postgres-be` on real traffic: psql
 * talks to a small python3 peer through fragproxy (random 1-16 byte cuts,
 * --pcap); framecat decodes each direction under random cuts and its
 * frames must be tshark's pgsql messages: same count, same lengths, and
 * together exactly the stream. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "real_util.h"
#include "run_util.h"

#define PG_MAXMSG 64

struct pg_msgs {
	size_t len[PG_MAXMSG]; /* wire length of each message */
	size_t n;
};

/* tshark's messages per direction: the startup message's length counts
 * all of it, a typed message's length all but its type byte. */
static void tshark_msgs(const char *pcap, int server_port, struct pg_msgs *up,
			struct pg_msgs *down)
{
	char decode_as[64];

	snprintf(decode_as, sizeof(decode_as), "tcp.port==%d,pgsql",
		 server_port);
	const char *const args[] = {"-o", "tcp.desegment_tcp_streams:TRUE",
				    "-d", decode_as,
				    "-Y", "pgsql",
				    "-T", "fields",
				    "-e", "tcp.srcport",
				    "-e", "pgsql.type",
				    "-e", "pgsql.length",
				    NULL};
	char *out = ru_tshark(pcap, args);

	cr_assert_not_null(out, "tshark failed");
	for (char *l = strtok(out, "\n"); l; l = strtok(NULL, "\n")) {
		char *types = strchr(l, '\t');
		char *lens = types ? strchr(types + 1, '\t') : NULL;
		if (!lens || !lens[1])
			continue;
		*lens++ = '\0';
		types++;
		struct pg_msgs *m = atoi(l) == server_port ? down : up;
		for (char *v = lens; *v;) {
			size_t len = strtoul(v, &v, 10);
			bool startup = strncmp(types, "Startup", 7) == 0;
			cr_assert_lt(m->n, PG_MAXMSG);
			m->len[m->n++] = startup ? len : len + 1;
			types = strchr(types, ',');
			types = types ? types + 1 : "";
			if (*v != ',')
				break;
			v++;
		}
	}
	free(out);
}

static void check(const char *spec, const struct ru_stream *s,
		  const struct pg_msgs *m)
{
	cr_assert_gt(m->n, 0, "%s: tshark saw no message", spec);
	ru_expect_lens(spec, spec, s->data, s->len, true, m->len, m->n, 0);
}

Test(real_pg, psql_session_matches_tshark, .timeout = 60)
{
	char dir[] = "/tmp/fraglab-pg-XXXXXX", pcap[256];
	char conninfo[256], psql[4096];
	const char *p;
	int sp, pp;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(pcap, sizeof(pcap), "%s/pg.pcap", dir);
	pid_t server = ru_start_peer("pg_peer.py", NULL, &sp);
	cr_assert_gt(server, 0, "pg_peer.py did not start");
	pid_t proxy = ru_start_proxy(sp, "random:1-16", "3", pcap, &pp);
	cr_assert_gt(proxy, 0, "fragproxy did not start");

	p = ru_which("psql");
	cr_assert_not_null(p, "psql not found (postgresql-client)");
	snprintf(psql, sizeof(psql), "%s", p);
	snprintf(conninfo, sizeof(conninfo),
		 "host=127.0.0.1 port=%d user=fraglab dbname=fraglab "
		 "sslmode=disable gssencmode=disable connect_timeout=10",
		 pp);
	char *argv[] = {psql, "-X",	  "-c",	    "select 1",
			"-c", "select 2", conninfo, NULL};
	struct run_result r;
	cr_assert_eq(run_prog(argv, NULL, 0, &r), 0);
	cr_expect_eq(r.status, 0, "psql: %s", r.err);
	cr_expect(strstr(r.out, "SELECT 0") != NULL, "psql: %s", r.out);
	run_free(&r);
	ru_stop(proxy);
	ru_stop(server);

	struct pg_msgs up = {.n = 0}, down = {.n = 0};
	struct ru_stream su, sd;
	tshark_msgs(pcap, sp, &up, &down);
	cr_assert_eq(ru_pcap_streams(pcap, sp, &su, &sd), 0, "no capture");
	cr_expect_geq(su.segments, su.len / 16);
	check("postgres", &su, &up);
	check("postgres-be", &sd, &down);
	ru_stream_free(&su);
	ru_stream_free(&sd);
	unlink(pcap);
	rmdir(dir);
}
