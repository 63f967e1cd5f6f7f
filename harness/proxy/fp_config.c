/* fragproxy configuration: defaults, the option table shared by the CLI and
 * fp_config_set(), and the parsers for addresses, pacing and faults. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cm_addr.h"
#include "cm_opt.h"
#include "fp_internal.h"

const char fp_usage[] =
    "usage: fragproxy --upstream HOST:PORT [--listen HOST:PORT] [options]\n"
    "Re-cuts the TCP byte stream in each direction (up: client->upstream,\n"
    "down: upstream->client). Each chunk is written with its own send().\n"
    "\n"
    "Schedules (per direction):\n"
    "  --split POLICY        both directions      --up POLICY / --down POLICY\n"
    "     whole | fixed:N | bytes | random:MIN-MAX[,seed=S] | "
    "list:A,B,..[,repeat]\n"
    "     | file:PATH | coalesce:BYTES[,ms=T] | replay:RECORDFILE\n"
    "     Cuts are at stream offsets fixed by the policy and the seed, never "
    "by\n"
    "     how reads arrived: a chunk never spans a cut. A chunk whose rest "
    "has\n"
    "     not arrived yet is sent in part when nothing more is readable, "
    "unless\n"
    "     --hold MS is given (wait up to MS for the rest; coalesce waits "
    "ms=T,\n"
    "     or until EOF). With --hold longer than the sender's pauses the "
    "record\n"
    "     of a run is reproducible; pieces sent in part show in the record.\n"
    "Pacing (VALUE may be prefixed up: or down: to apply to one direction):\n"
    "  --delay MS|MIN-MAX    gap between chunks (random range from the seed)\n"
    "  --latency MS[,jitter=MS]  every chunk leaves MS after its bytes "
    "arrived\n"
    "  --rate BYTES_PER_S    bandwidth limit\n"
    "  --pace drain|none     drain: before each chunk wait until the previous\n"
    "                        one has left and been acked (SIOCOUTQ == 0)\n"
    "  --toxicity P          apply policy, pacing and faults to a fraction "
    "P of\n"
    "                        connections (per direction, chosen from the "
    "seed)\n"
    "  What is guaranteed: without pacing, chunks are separate send() calls\n"
    "  (TCP_NODELAY) but the receiver's kernel may merge them into one read.\n"
    "  --pace drain makes each chunk leave as its own segment(s) before the "
    "next\n"
    "  is written; a receiver that reads faster than the gap sees each chunk "
    "as\n"
    "  one read, a slow reader may still see several at once. --delay only "
    "adds\n"
    "  time; it makes separate reads likely, not certain.\n"
    "Faults (repeatable):\n"
    "  --fault DIR:KIND[:ARG][@offset=N|@chunks=N][,conn=N]\n"
    "     DIR up|down; KIND close | reset | half | stall:MS | blackhole |\n"
    "     limit:BYTES; or just 'refuse[,conn=N]' (reset the client at "
    "accept).\n"
    "     Fires when N bytes (default 0) or N chunks have been forwarded.\n"
    "     blackhole drops this direction's later bytes and its FIN.\n"
    "Other:\n"
    "  --seed S              run seed (printed when not given)\n"
    "  --buffer BYTES        per-direction buffer (default 65536); reading "
    "stops\n"
    "                        when it is full\n"
    "  --hold MS             see above (default 0)\n"
    "  --record FILE         write every chunk: conn dir offset size time_us\n"
    "  --pcap FILE           write forwarded chunks as a TCP capture\n"
    "  --capture DIR         each connection's bytes as read, per direction:\n"
    "                        DIR/conn-N.up, DIR/conn-N.down, DIR/index\n"
    "  --control HOST:PORT   HTTP/JSON control API (docs/fragproxy.md)\n"
    "  --control-timeout S   close control connections idle S seconds "
    "(default 10)\n"
    "  --control-max N       control connections at once (default 4096); "
    "more\n"
    "                        wait to be accepted until idle ones time out\n"
    "  --policy-dir DIR      the control API may name file:NAME policies "
    "directly\n"
    "                        in DIR (regular files, at most 1 MiB); without "
    "it\n"
    "                        file: is refused there\n"
    "  -v, --verbose         log connection events\n"
    "  -h, --help            this text\n"
    "      --version         print the name and version, exit\n"
    "Prints 'listening on HOST:PORT' when ready; stats on exit and SIGUSR1.\n";

static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int fp_config_init(struct fp_config *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->listen_host, "127.0.0.1");
	strcpy(c->listen_port, "0");
	for (int d = 0; d < 2; d++) {
		c->dir[d].sched.kind = FR_SCHED_WHOLE;
		c->dir[d].toxicity = 1.0;
	}
	c->bufsize = 65536;
	c->control_timeout_s = 10;
	c->control_max = 4096;
	c->hold_ms = 0;
	return 0;
}

void fp_config_free(struct fp_config *c)
{
	for (int d = 0; d < 2; d++) {
		fr_sched_free(&c->dir[d].sched);
		free(c->dir[d].replay);
		c->dir[d].replay = NULL;
	}
	free(c->record);
	free(c->pcap);
	free(c->capture);
	free(c->control);
	free(c->policy_dir);
	c->record = c->pcap = c->control = c->policy_dir = c->capture = NULL;
}

/* Milliseconds, fractions allowed, into microseconds. */
static int parse_ms(const char *s, char **end, unsigned *us)
{
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	double v = strtod(s, end);
	if (errno || !isfinite(v) || v < 0 || v > 3600e3)
		return -1;
	*us = (unsigned)(v * 1000.0 + 0.5);
	return 0;
}

static int set_sched(struct fp_dirconf *dc, const char *val, char *err,
		     size_t len)
{
	struct fr_sched s;

	if (strncmp(val, "replay:", 7) == 0) {
		if (!val[7])
			return fail(err, len, "replay: needs a record file");
		free(dc->replay);
		dc->replay = strdup(val + 7);
		return dc->replay ? 0 : fail(err, len, "out of memory");
	}
	char why[200];
	if (fp_policy_parse(&s, val, AT_FDCWD, false, why, sizeof(why)))
		return fail(err, len, "bad policy '%s': %s", val, why);
	fr_sched_free(&dc->sched);
	dc->sched = s;
	free(dc->replay);
	dc->replay = NULL;
	return 0;
}

static int set_delay(struct fp_dirconf *dc, const char *v)
{
	char *end;
	unsigned lo, hi;

	if (parse_ms(v, &end, &lo))
		return -1;
	hi = lo;
	if (*end == '-' && parse_ms(end + 1, &end, &hi))
		return -1;
	if (*end || hi < lo)
		return -1;
	dc->delay_min_us = lo;
	dc->delay_max_us = hi;
	return 0;
}

static int set_latency(struct fp_dirconf *dc, const char *v)
{
	char *end;
	unsigned lat, jit = 0;

	if (parse_ms(v, &end, &lat))
		return -1;
	if (strncmp(end, ",jitter=", 8) == 0 && parse_ms(end + 8, &end, &jit))
		return -1;
	if (*end)
		return -1;
	dc->latency_us = lat;
	dc->jitter_us = jit;
	return 0;
}

static int set_dirval(struct fp_dirconf *dc, const char *name, const char *v,
		      const char *opt, char *err, size_t len)
{
	int r = 0;

	if (strcmp(name, "delay") == 0)
		r = set_delay(dc, v);
	else if (strcmp(name, "latency") == 0)
		r = set_latency(dc, v);
	else if (strcmp(name, "rate") == 0)
		return cm_opt_size("--rate", v, 0, UINT64_MAX, &dc->rate, err,
				   len);
	else if (strcmp(name, "toxicity") == 0)
		return cm_opt_double("--toxicity", v, 0.0, 1.0, &dc->toxicity,
				     err, len);
	else if (strcmp(v, "drain") == 0 || strcmp(v, "none") == 0)
		dc->pace = v[0] == 'd' ? FP_PACE_DRAIN : FP_PACE_NONE;
	else
		r = -1;
	return r ? fail(err, len, "bad --%s value '%s'", name, opt) : 0;
}

/* Pacing options take an optional up:/down: prefix. */
static int set_paced(struct fp_config *c, const char *name, const char *val,
		     char *err, size_t len)
{
	int d0 = 0, d1 = 1;
	const char *v = val;

	if (strncmp(v, "up:", 3) == 0) {
		d1 = 0;
		v += 3;
	} else if (strncmp(v, "down:", 5) == 0) {
		d0 = 1;
		v += 5;
	}
	for (int d = d0; d <= d1; d++)
		if (set_dirval(&c->dir[d], name, v, val, err, len))
			return -EINVAL;
	return 0;
}

static int set_str(char **dst, const char *val, char *err, size_t len)
{
	free(*dst);
	*dst = strdup(val);
	return *dst ? 0 : fail(err, len, "out of memory");
}

static int set_addr(struct fp_config *c, bool listen, const char *val,
		    char *err, size_t len)
{
	char *h = listen ? c->listen_host : c->up_host;
	char *p = listen ? c->listen_port : c->up_port;

	char why[160];

	if (cm_split_hostport(val, h, p, why, sizeof(why)))
		return fail(err, len, "--%s: %s",
			    listen ? "listen" : "upstream", why);
	return 0;
}

static int set_number(struct fp_config *c, const char *name, const char *val,
		      char *err, size_t len)
{
	char opt[24];
	uint64_t v;
	int r;

	snprintf(opt, sizeof(opt), "--%s", name);
	if (strcmp(name, "seed") == 0) {
		r = cm_opt_uint(opt, val, 0, UINT64_MAX, &c->seed, err, len);
		c->seed_set |= r == 0;
	} else if (strcmp(name, "buffer") == 0) {
		r = cm_opt_size(opt, val, 1, 1u << 30, &v, err, len);
		if (r == 0)
			c->bufsize = (size_t)v;
	} else if (strcmp(name, "hold") == 0) {
		r = cm_opt_ms(opt, val, 1, 0, 3600000, &v, err, len);
		if (r == 0)
			c->hold_ms = (unsigned)v;
	} else if (strcmp(name, "control-timeout") == 0) {
		r = cm_opt_ms(opt, val, 1000, 1000, 3600000, &v, err, len);
		if (r == 0)
			c->control_timeout_s = (unsigned)(v / 1000);
	} else {
		r = cm_opt_uint(opt, val, 1, 65536, &v, err, len);
		if (r == 0)
			c->control_max = (unsigned)v;
	}
	return r;
}

int fp_config_set(struct fp_config *c, const char *opt, const char *val,
		  char *err, size_t len)
{
	const char *n = opt;

	while (*n == '-')
		n++;
	if (!strcmp(n, "listen") || !strcmp(n, "upstream"))
		return set_addr(c, n[0] == 'l', val, err, len);
	if (!strcmp(n, "split"))
		return set_sched(&c->dir[0], val, err, len) ||
			       set_sched(&c->dir[1], val, err, len)
			   ? -EINVAL
			   : 0;
	if (!strcmp(n, "up") || !strcmp(n, "down"))
		return set_sched(&c->dir[n[0] == 'd'], val, err, len);
	if (!strcmp(n, "delay") || !strcmp(n, "latency") ||
	    !strcmp(n, "rate") || !strcmp(n, "pace") || !strcmp(n, "toxicity"))
		return set_paced(c, n, val, err, len);
	if (!strcmp(n, "seed") || !strcmp(n, "buffer") || !strcmp(n, "hold") ||
	    !strcmp(n, "control-timeout") || !strcmp(n, "control-max"))
		return set_number(c, n, val, err, len);
	if (!strcmp(n, "policy-dir"))
		return set_str(&c->policy_dir, val, err, len);
	if (!strcmp(n, "record"))
		return set_str(&c->record, val, err, len);
	if (!strcmp(n, "pcap"))
		return set_str(&c->pcap, val, err, len);
	if (!strcmp(n, "capture"))
		return set_str(&c->capture, val, err, len);
	if (!strcmp(n, "control")) {
		char h[CM_HOSTLEN], p[CM_PORTLEN], why[160];
		if (cm_split_hostport(val, h, p, why, sizeof(why)))
			return fail(err, len, "--control: %s", why);
		return set_str(&c->control, val, err, len);
	}
	if (!strcmp(n, "fault")) {
		if (c->nfaults == FP_MAX_FAULTS)
			return fail(err, len, "too many --fault (max %d)",
				    FP_MAX_FAULTS);
		if (fp_fault_parse(&c->faults[c->nfaults], val, err, len))
			return -EINVAL;
		c->nfaults++;
		return 0;
	}
	return fail(err, len, "unknown option '%s'", opt);
}

static int flag_opt(struct fp_config *c, const char *a, FILE *out)
{
	if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
		fputs(fp_usage, out);
		return 1;
	}
	if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
		c->verbose++;
		return 0;
	}
	return -1;
}

int fp_config_parse(struct fp_config *c, int argc, char **argv, FILE *out,
		    char *err, size_t len)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int r = flag_opt(c, a, out);
		if (r >= 0) {
			if (r == 1)
				return 1;
			continue;
		}
		if (strncmp(a, "--", 2) != 0)
			return fail(err, len, "unexpected argument '%s'", a);
		char name[32];
		const char *eq = strchr(a, '=');
		const char *val;
		size_t nl = eq ? (size_t)(eq - a) : strlen(a);
		if (nl >= sizeof(name))
			return fail(err, len, "unknown option '%s'", a);
		memcpy(name, a, nl);
		name[nl] = '\0';
		if (eq) {
			val = eq + 1;
		} else {
			if (i + 1 >= argc)
				return fail(err, len,
					    "option '%s' needs a value", a);
			val = argv[++i];
		}
		if (fp_config_set(c, name, val, err, len))
			return -EINVAL;
	}
	if (!c->up_host[0])
		return fail(err, len, "--upstream HOST:PORT is required");
	return 0;
}
