/* Helpers for the real-traffic suites: start third-party programs (from
 * PATH) and read the port they announce, read back fragproxy's --pcap per
 * direction, run framecat and tshark on a capture. */
#ifndef TESTS_PROTOCOLS_REAL_UTIL_H
#define TESTS_PROTOCOLS_REAL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Full path of prog found in PATH (static buffer), or NULL. */
const char *ru_which(const char *prog);

/* Start argv[0] (a full path); its stdout (and stderr) goes to a pipe.
 * Reads lines until one contains `marker`, then parses the number after
 * the line's last ':' as a port. Returns the pid, or -1 (the child is
 * killed) if no such line came within timeout_ms. */
pid_t ru_start(const char *const argv[], const char *marker, int timeout_ms,
	       int *port);

/* python3 (Debian's /usr/bin/python3 first, else from PATH) into py and
 * FRAGLAB_SRC/tests/protocols/script into path, each of len bytes.
 * Returns 0, or -1 without python3 or FRAGLAB_SRC. */
int ru_python_script(const char *script, char *py, char *path, size_t len);

/* Start ru_python_script's script with arg (may be NULL) and read the
 * port of its "listening on" line. Returns the pid, or -1. */
pid_t ru_start_peer(const char *script, const char *arg, int *port);

/* Start fragproxy in front of 127.0.0.1:upstream_port with --split split,
 * --seed seed (left out when NULL) and --pcap pcap, and read its port.
 * Returns the pid, or -1. */
pid_t ru_start_proxy(int upstream_port, const char *split, const char *seed,
		     const char *pcap, int *port);

/* SIGTERM (then SIGKILL after 5 s) and reap. */
void ru_stop(pid_t pid);

/* One direction of one captured connection. */
struct ru_stream {
	uint8_t *data;
	size_t len;
	size_t segments; /* TCP segments that carried payload */
};

/* Read fragproxy's classic pcap (raw IPv4): payload of connection 0
 * split into up (to server_port) and down (from it). Returns 0 or -1. */
int ru_pcap_streams(const char *path, int server_port, struct ru_stream *up,
		    struct ru_stream *down);
void ru_stream_free(struct ru_stream *s);

/* The same for connection conn (0: the first one the capture shows). */
int ru_pcap_conn(const char *path, int server_port, unsigned conn,
		 struct ru_stream *up, struct ru_stream *down);

/* Decode data with `framecat decode SPEC --split SPLIT --out hex`: frame
 * lengths into *lens (malloc'ed), count into *n; every frame's bytes are
 * checked to follow each other in data from offset 0 when whole is set
 * (strip=0 specs). Returns framecat's exit status. */
int ru_framecat_lens(const char *spec, const char *split, const uint8_t *data,
		     size_t len, bool whole, size_t **lens, size_t *n);

/* ru_framecat_lens under random:1-16 cuts, seeds 1 to 3: expect exit 0 and
 * exactly nwant frames, frame i of want[i] + adj bytes (adj: what the spec
 * adds to or strips from the unit the reference counted). name and spec
 * label the failures. Returns how many frames matched, over the three. */
size_t ru_expect_lens(const char *name, const char *spec, const uint8_t *data,
		      size_t len, bool whole, const size_t *want, size_t nwant,
		      long adj);

/* Run tshark on pcap with the given extra arguments; its stdout (malloc'ed,
 * NUL-terminated) or NULL if it failed. */
char *ru_tshark(const char *pcap, const char *const extra[]);

/* A free loopback TCP port (bound and released: for servers that must be
 * told their port), or -1. */
int ru_free_port(void);

/* Start argv[0] (a full path) with its output to /dev/null and wait until
 * 127.0.0.1:port accepts a connection. Returns the pid, or -1 (the child
 * is killed) if it did not within timeout_ms. */
pid_t ru_start_port(const char *const argv[], int port, int timeout_ms);

/* Unit sizes in stream order. */
struct ru_lens {
	size_t *v, n, cap;
};
void ru_lens_put(struct ru_lens *l, size_t v);
void ru_lens_free(struct ru_lens *l);

/* tshark's units of protocol proto in pcap (tcp.port==server_port decoded
 * as decode_as), per direction: mode "proto" gives the size of each proto
 * item (an HTTP message), "items" of each item under it (a RESP value);
 * see tshark_pdml.py. Returns 0, or -1 if tshark or python3 failed. */
int ru_tshark_units(const char *pcap, int server_port, const char *decode_as,
		    const char *proto, const char *mode, struct ru_lens *up,
		    struct ru_lens *down);

#endif
