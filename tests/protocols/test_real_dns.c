/* Criterion suite: the `dns-tcp` row on real traffic. dig +tcp +keepopen
 * sends three queries on one connection through fragproxy (random 1-16
 * byte cuts, --pcap) to a small python3 server that records every message
 * it received and sent. framecat decodes each direction of the capture
 * under random cuts: its frames must be the server's record, message by
 * message. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "real_util.h"
#include "run_util.h"

/* The server's record: hex messages of one direction, in order. */
static size_t record_msgs(const char *path, const char *dir, char ***out)
{
	FILE *f = fopen(path, "r");
	char line[70000];
	size_t n = 0, dl = strlen(dir);

	cr_assert_not_null(f, "no record %s", path);
	*out = NULL;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, dir, dl) != 0 || line[dl] != ' ')
			continue;
		line[strcspn(line, "\n")] = '\0';
		*out = realloc(*out, (n + 1) * sizeof(**out));
		(*out)[n++] = strdup(line + dl + 1);
	}
	fclose(f);
	return n;
}

static void check_direction(const char *dir, const struct ru_stream *s,
			    const char *record)
{
	char **msgs;
	size_t n = record_msgs(record, dir, &msgs);

	cr_assert_eq(n, 3, "%s: the server recorded %zu messages", dir, n);
	for (unsigned seed = 1; seed <= 3; seed++) {
		char split[64];
		size_t *fl, nf, off = 0;

		snprintf(split, sizeof(split), "random:1-16,seed=%u", seed);
		cr_expect_eq(ru_framecat_lens("dns-tcp", split, s->data, s->len,
					      false, &fl, &nf),
			     0);
		cr_expect_eq(nf, n, "%s, %s: %zu frames, %zu messages", dir,
			     split, nf, n);
		/* frame i sits right after its 2-byte length and is the
		 * message the server saw */
		for (size_t i = 0; i < nf && i < n; i++) {
			size_t ml = strlen(msgs[i]) / 2;
			cr_expect_eq(fl[i], ml, "%s, %s: frame %zu", dir, split,
				     i);
			cr_assert_leq(off + 2 + ml, s->len);
			cr_expect_eq(
			    (size_t)(s->data[off] << 8 | s->data[off + 1]), ml);
			for (size_t k = 0; k < ml; k++) {
				unsigned b;
				sscanf(msgs[i] + 2 * k, "%2x", &b);
				if (s->data[off + 2 + k] != b) {
					cr_expect_fail("%s: message %zu byte"
						       " %zu differs",
						       dir, i, k);
					break;
				}
			}
			off += 2 + ml;
		}
		cr_expect_eq(off, s->len,
			     "%s: frames end where the stream "
			     "does",
			     dir);
		free(fl);
	}
	for (size_t i = 0; i < n; i++)
		free(msgs[i]);
	free(msgs);
}

Test(real_dns, dig_over_tcp_matches_the_server_record, .timeout = 60)
{
	char dir[] = "/tmp/fraglab-dns-XXXXXX", record[256], pcap[256];
	char pport[16];
	const char *p;
	int sp, pp;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(record, sizeof(record), "%s/record.txt", dir);
	snprintf(pcap, sizeof(pcap), "%s/dns.pcap", dir);
	pid_t server = ru_start_peer("dns_server.py", record, &sp);
	cr_assert_gt(server, 0, "dns_server.py did not start");

	pid_t proxy = ru_start_proxy(sp, "random:1-16", "7", pcap, &pp);
	cr_assert_gt(proxy, 0, "fragproxy did not start");

	p = ru_which("dig");
	cr_assert_not_null(p, "dig not found (bind9-dnsutils)");
	char dig[4096];
	snprintf(dig, sizeof(dig), "%s", p);
	snprintf(pport, sizeof(pport), "%d", pp);
	char *argv[] = {dig,	     "+tcp",	  "+keepopen", "+tries=1",
			"+time=10",  "-p",	  pport,       "@127.0.0.1",
			"a.example", "b.example", "AAAA",      "c.example",
			"MX",	     NULL};
	struct run_result r;
	cr_assert_eq(run_prog(argv, NULL, 0, &r), 0);
	cr_expect_eq(r.status, 0, "dig: %s", r.err);
	cr_expect(strstr(r.out, "ANSWER: 1") != NULL, "dig: %s", r.out);
	run_free(&r);
	ru_stop(proxy);
	ru_stop(server);

	struct ru_stream up, down;
	cr_assert_eq(ru_pcap_streams(pcap, sp, &up, &down), 0, "no capture");
	cr_expect_geq(up.segments, up.len / 16);
	check_direction("up", &up, record);
	check_direction("down", &down, record);
	ru_stream_free(&up);
	ru_stream_free(&down);
	unlink(record);
	unlink(pcap);
	rmdir(dir);
}
