/* Criterion suite: the `tls` row on real traffic. openssl s_client talks to
 * openssl s_server -rev through fragproxy (random 1-16 byte cuts, --pcap);
 * each direction of the capture is decoded by framecat under random cuts
 * and its frames must be tshark's TLS records: same count, same lengths,
 * and together exactly the stream. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "real_util.h"
#include "run_util.h"

/* Run prog (from PATH) to completion; its exit status (its stdout into
 * out, out_len bytes, when out is not NULL). */
static int run_path(const char *prog, const char *const args[], const char *in,
		    char *out, size_t out_len)
{
	char path[4096], *argv[24];
	struct run_result r;
	const char *p = ru_which(prog);
	int k = 0, st;

	cr_assert_not_null(p, "%s not found (see ci/deps.d/protocols.txt)",
			   prog);
	snprintf(path, sizeof(path), "%s", p);
	argv[k++] = path;
	for (int i = 0; args[i] && k < 23; i++)
		argv[k++] = (char *)args[i];
	argv[k] = NULL;
	cr_assert_eq(run_prog(argv, in, in ? strlen(in) : 0, &r), 0);
	if (r.status != 0)
		fprintf(stderr, "%s: %s\n", prog, r.err);
	st = r.status;
	if (out)
		snprintf(out, out_len, "%s", r.out);
	run_free(&r);
	return st;
}

/* tshark's record lengths per direction (down: from server_port). */
static void tshark_records(const char *pcap, int server_port,
			   struct ru_lens *up, struct ru_lens *down)
{
	char decode_as[64];

	snprintf(decode_as, sizeof(decode_as), "tcp.port==%d,tls", server_port);
	const char *const args[] = {"-o", "tcp.desegment_tcp_streams:TRUE",
				    "-d", decode_as,
				    "-Y", "tls",
				    "-T", "fields",
				    "-e", "tcp.srcport",
				    "-e", "tls.record.length",
				    NULL};
	char *out = ru_tshark(pcap, args);

	cr_assert_not_null(out, "tshark failed on %s", pcap);
	for (char *l = out; *l;) {
		char *nl = strchr(l, '\n');
		if (nl)
			*nl = '\0';
		char *tab = strchr(l, '\t');
		if (tab && tab[1]) {
			struct ru_lens *d = atoi(l) == server_port ? down : up;
			for (char *v = tab + 1; *v;) {
				ru_lens_put(d, strtoul(v, &v, 10));
				if (*v == ',')
					v++;
				else
					break;
			}
		}
		l = nl ? nl + 1 : l + strlen(l);
	}
	free(out);
}

/* Frames that matched tshark's records, over three random cuts. */
static size_t check_direction(const char *name, const struct ru_stream *s,
			      const struct ru_lens *records)
{
	cr_assert_gt(records->n, 0, "%s: tshark saw no TLS record", name);
	return ru_expect_lens(name, "tls", s->data, s->len, true, records->v,
			      records->n, 5);
}

/* Returns how many decoded frames matched tshark's records. */
static size_t tls_session(const char *version)
{
	char dir[] = "/tmp/fraglab-tls-XXXXXX", cert[256], key[256], pcap[256],
	     sport[32], pport[32];
	const char *ossl = ru_which("openssl");

	cr_assert_not_null(ossl, "openssl not found (ci/deps.d/protocols.txt)");
	char opath[4096];
	snprintf(opath, sizeof(opath), "%s", ossl);
	cr_assert_not_null(mkdtemp(dir));
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	snprintf(pcap, sizeof(pcap), "%s/tls.pcap", dir);
	const char *const req[] = {
	    "req",    "-x509",	  "-newkey",
	    "ec",     "-pkeyopt", "ec_paramgen_curve:prime256v1",
	    "-nodes", "-subj",	  "/CN=localhost",
	    "-days",  "1",	  "-keyout",
	    key,      "-out",	  cert,
	    NULL};
	cr_assert_eq(run_path("openssl", req, NULL, NULL, 0), 0);

	const char *const srv[] = {
	    opath,  "s_server", "-accept",  "127.0.0.1:0", "-cert", cert,
	    "-key", key,	"-naccept", "1",	   "-rev",  NULL};
	int sp, pp;
	pid_t server = ru_start(srv, "ACCEPT", 10000, &sp);
	cr_assert_gt(server, 0, "s_server did not start");

	pid_t proxy = ru_start_proxy(sp, "random:1-16", "42", pcap, &pp);
	cr_assert_gt(proxy, 0, "fragproxy did not start");

	snprintf(pport, sizeof(pport), "127.0.0.1:%d", pp);
	snprintf(sport, sizeof(sport), "%s", ossl);
	const char *const cli[] = {"20",  sport,   "s_client", "-connect",
				   pport, version, "-quiet",   NULL};
	/* s_server -rev answers each line reversed and closes the
	 * connection on CLOSE; -quiet makes s_client read until then, so
	 * every record is in the capture before anyone closes */
	char got[4096];
	int st =
	    run_path("timeout", cli, "hello\nworld\nCLOSE\n", got, sizeof(got));
	cr_expect(strstr(got, "olleh") && strstr(got, "dlrow"),
		  "s_client got '%s'", got);
	cr_expect_eq(st, 0, "s_client exit %d", st);
	ru_stop(proxy); /* flushes the capture */
	ru_stop(server);

	struct ru_stream up, down;
	struct ru_lens rup = {0}, rdown = {0};
	cr_assert_eq(ru_pcap_streams(pcap, sp, &up, &down), 0, "no capture");
	cr_assert_gt(up.len, 100);
	cr_assert_gt(down.len, 100);
	/* the proxy really cut the stream: segments of at most 16 bytes */
	cr_expect_geq(up.segments, up.len / 16);
	cr_expect_geq(down.segments, down.len / 16);
	tshark_records(pcap, sp, &rup, &rdown);
	size_t matched = check_direction("client to server", &up, &rup) +
			 check_direction("server to client", &down, &rdown);
	size_t want = 3 * (rup.n + rdown.n);
	ru_stream_free(&up);
	ru_stream_free(&down);
	ru_lens_free(&rup);
	ru_lens_free(&rdown);
	unlink(cert);
	unlink(key);
	unlink(pcap);
	rmdir(dir);
	return matched == want ? matched : 0;
}

Test(real_tls, tls13_records_match_tshark, .timeout = 60)
{
	cr_assert_gt(tls_session("-tls1_3"), 0, "records differ from tshark's");
}

Test(real_tls, tls12_records_match_tshark, .timeout = 60)
{
	cr_assert_gt(tls_session("-tls1_2"), 0, "records differ from tshark's");
}
