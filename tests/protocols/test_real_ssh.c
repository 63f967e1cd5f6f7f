/* Criterion suite: the `ssh` row (pre=crlf, then binary packets) on real
 * traffic. OpenSSH's client does its version exchange and sends KEXINIT to
 * a small python3 peer through fragproxy --pcap (whole segments: tshark's
 * SSH dissector does not rebuild an identification line cut in pieces).
 * framecat decodes each direction under random cuts; its frames must be
 * tshark's identification strings and packet lengths. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "real_util.h"
#include "run_util.h"

/* framecat's frames of one direction as hex lines (malloc'ed). */
static char *frames_hex(const struct ru_stream *s, const char *split)
{
	char fc[4096];
	struct run_result r;

	snprintf(fc, sizeof(fc), "%s", run_tool_path("framecat"));
	char *argv[] = {fc,	 "decode", "ssh", "--split", (char *)split,
			"--out", "hex",	   NULL};
	cr_assert_eq(run_prog(argv, s->data, s->len, &r), 0);
	cr_expect_eq(r.status, 0, "framecat: %s", r.err);
	free(r.err);
	return r.out;
}

static void hex_of(const char *text, char *out)
{
	for (size_t i = 0; text[i]; i++)
		sprintf(out + 2 * i, "%02x", (unsigned char)text[i]);
}

Test(real_ssh, openssh_version_exchange_matches_tshark, .timeout = 60)
{
	char dir[] = "/tmp/fraglab-ssh-XXXXXX", pcap[256];
	char pport[16], ssh[4096];
	const char *p;
	int sp, pp;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(pcap, sizeof(pcap), "%s/ssh.pcap", dir);
	pid_t server = ru_start_peer("ssh_peer.py", NULL, &sp);
	cr_assert_gt(server, 0, "ssh_peer.py did not start");
	pid_t proxy = ru_start_proxy(sp, "whole", NULL, pcap, &pp);
	cr_assert_gt(proxy, 0, "fragproxy did not start");

	p = ru_which("ssh");
	cr_assert_not_null(p, "ssh not found (openssh-client)");
	snprintf(ssh, sizeof(ssh), "%s", p);
	snprintf(pport, sizeof(pport), "%d", pp);
	char *argv[] = {ssh,
			"-F",
			"/dev/null",
			"-p",
			pport,
			"-o",
			"StrictHostKeyChecking=no",
			"-o",
			"UserKnownHostsFile=/dev/null",
			"-o",
			"BatchMode=yes",
			"-o",
			"ConnectTimeout=10",
			"fraglab@127.0.0.1",
			"true",
			NULL};
	struct run_result r;
	cr_assert_eq(run_prog(argv, NULL, 0, &r), 0);
	cr_expect_eq(r.status, 255, "ssh ends when the peer closes: %s", r.err);
	run_free(&r);
	ru_stop(proxy);
	ru_stop(server);

	/* tshark: each side's identification string, the client's first
	 * packet length */
	char decode_as[64], client_id[300] = "", server_id[300] = "";
	long plen = -1;
	snprintf(decode_as, sizeof(decode_as), "tcp.port==%d,ssh", sp);
	const char *const args[] = {"-o", "tcp.desegment_tcp_streams:TRUE",
				    "-d", decode_as,
				    "-Y", "ssh",
				    "-T", "fields",
				    "-e", "tcp.srcport",
				    "-e", "ssh.protocol",
				    "-e", "ssh.packet_length",
				    NULL};
	char *out = ru_tshark(pcap, args);
	cr_assert_not_null(out, "tshark failed");
	for (char *l = strtok(out, "\n"); l; l = strtok(NULL, "\n")) {
		char *f1 = strchr(l, '\t'),
		     *f2 = f1 ? strchr(f1 + 1, '\t') : NULL;
		if (!f2)
			continue;
		*f2 = '\0';
		bool from_server = atoi(l) == sp;
		if (f1[1])
			snprintf(from_server ? server_id : client_id, 300, "%s",
				 f1 + 1);
		if (!from_server && f2[1] && plen < 0)
			plen = atol(f2 + 1);
	}
	free(out);
	cr_assert_neq(client_id[0], '\0', "tshark saw no client id");
	cr_assert_neq(server_id[0], '\0', "tshark saw no server id");
	cr_assert_gt(plen, 0, "tshark saw no client packet");

	struct ru_stream up, down;
	cr_assert_eq(ru_pcap_streams(pcap, sp, &up, &down), 0, "no capture");
	char want_up[1024], want_down[1024], idhex[620];
	hex_of(client_id, idhex);
	snprintf(want_up, sizeof(want_up), "%s\n", idhex);
	hex_of(server_id, idhex);
	snprintf(want_down, sizeof(want_down), "%s\n", idhex);
	for (unsigned seed = 1; seed <= 3; seed++) {
		char split[64];
		snprintf(split, sizeof(split), "random:1-16,seed=%u", seed);
		char *u = frames_hex(&up, split), *d = frames_hex(&down, split);
		/* client: the id line, then one packet of 4 + length bytes */
		char *nl = strchr(u, '\n');
		cr_assert_not_null(nl);
		cr_expect_eq(strncmp(u, want_up, (size_t)(nl - u + 1)), 0,
			     "%s: first frame %.*s", split, (int)(nl - u), u);
		char *second = nl + 1, *nl2 = strchr(second, '\n');
		cr_assert_not_null(nl2, "%s: no packet frame", split);
		cr_expect_eq((long)(nl2 - second) / 2, 4 + plen,
			     "%s: packet frame %ld bytes, tshark %ld + 4",
			     split, (long)(nl2 - second) / 2, plen);
		cr_expect_eq(nl2[1], '\0', "%s: more frames than tshark",
			     split);
		cr_expect_str_eq(d, want_down, "%s", split);
		free(u);
		free(d);
	}
	ru_stream_free(&up);
	ru_stream_free(&down);
	unlink(pcap);
	rmdir(dir);
}
