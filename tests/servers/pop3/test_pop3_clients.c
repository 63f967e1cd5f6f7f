/* pop3d with clients no one here wrote: Python's poplib
 * (tests/support/pop3_poplib.py) and curl retrieve, list and delete mail
 * through fragproxy with bytes and random splits; what they get must match the
 * maildir byte for byte. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cm_buf.h"
#include "run_util.h"
#include "test_pop3d_util.h"
#include "test_servers_util.h"

#define USER "alice"
#define PASS "open:sesame" /* a ':' in a password is legal */
#define NMSG 7
#define BIG_LINES 1000 /* 70-byte lines: over 64 KiB, so RETR streams */
#define S(lit) lit, sizeof(lit) - 1

/* "Byte for byte": a message stored with CRLF endings comes back exactly as
 * stored; one stored with bare LFs comes back with CRLF for every LF, and
 * one without a final newline gets a CRLF. `wire` spells that out: it is
 * what a client hands over once dot-stuffing and the terminator are gone,
 * and its length is the size LIST and STAT report. */
struct msg {
	const char *uid; /* file name = unique-id; strcmp order = number */
	const char *stored;
	size_t slen;
	const char *wire;
	size_t wlen;
};

static char e8_stored[512], big_stored[80000], big_wire[80000];

static struct msg msgs[NMSG] = {
    {"a-crlf",
     S("From: ann@example.org\r\nSubject: crlf\r\n\r\n.leading dot\r\n"
       ".\r\n..two dots\r\nlast line\r\n"),
     S("From: ann@example.org\r\nSubject: crlf\r\n\r\n.leading dot\r\n"
       ".\r\n..two dots\r\nlast line\r\n")},
    {"b-lf", S("Subject: lf\n\n.dot\n.\nplain\n"),
     S("Subject: lf\r\n\r\n.dot\r\n.\r\nplain\r\n")},
    {"c-tail", S("Subject: no final newline\n\nthe last line is a dot\n."),
     S("Subject: no final newline\r\n\r\nthe last line is a dot\r\n.\r\n")},
    {"d-empty", S(""), S("")},
    {"e-8bit", NULL, 0, NULL, 0}, /* CRLF lines of bytes 00..ff */
    {"f-big", NULL, 0, NULL, 0},  /* LF lines, over 64 KiB */
    {"g-mixed", S("Subject: mixed\r\n\r\ncrlf\r\nlf\n.\r\n.\nend"),
     S("Subject: mixed\r\n\r\ncrlf\r\nlf\r\n.\r\n.\r\nend\r\n")},
};

static const char TOP1_0[] = "From: ann@example.org\r\nSubject: crlf\r\n\r\n";
static const char TOP2_2[] = "Subject: lf\r\n\r\n.dot\r\n.\r\n";

static void make_msgs(void)
{
	size_t n = 0, sn = 0, wn = 0;

	n = (size_t)sprintf(e8_stored, "Subject: 8bit\r\n\r\n");
	for (int b = 0, col = 0; b < 256; b++) {
		if (b == '\r' || b == '\n')
			continue;
		e8_stored[n++] = (char)b;
		if (++col % 22 == 0 || b == 255) /* 3rd line starts '.' */
			n += (size_t)sprintf(e8_stored + n, "\r\n");
	}
	msgs[4].stored = msgs[4].wire = e8_stored;
	msgs[4].slen = msgs[4].wlen = n;

	for (size_t i = 0; i < BIG_LINES; i++) {
		char l[80];
		size_t len = 1;

		if (i % 97 == 5) { /* a line that is just "." */
			l[0] = '.';
		} else {
			len = (size_t)sprintf(l, "%sline %04zu ",
					      i % 9 ? "" : ".", i);
			for (; len < 70; len++)
				l[len] = (char)('a' + (i + len) % 26);
			if (i % 13 == 0)
				l[60] = (char)0xe9;
		}
		memcpy(big_stored + sn, l, len);
		memcpy(big_wire + wn, l, len);
		sn += len;
		wn += len;
		big_stored[sn++] = '\n';
		big_wire[wn++] = '\r';
		big_wire[wn++] = '\n';
	}
	msgs[5].stored = big_stored;
	msgs[5].slen = sn;
	msgs[5].wire = big_wire;
	msgs[5].wlen = wn;
}

/* ---- what went wrong ---- */

/* The checks below return NULL, or what differed (this static buffer),
 * and each Test asserts on that in its own body. */
static char why_buf[4096];

static const char *why(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static const char *why(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why_buf, sizeof(why_buf), fmt, ap);
	va_end(ap);
	return why_buf;
}

/* ---- a growing string ---- */

struct sbuf {
	char *p;
	size_t len, cap;
};

static void sb_room(struct sbuf *b, size_t n)
{
	char *p = cm_grow(b->p, &b->cap, b->len + n + 1, 1);

	cr_assert(p, "out of memory");
	b->p = p;
}

static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	sb_room(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Lower-case hex, or "-" for nothing (as pop3_poplib.py prints it). */
static void sb_hex(struct sbuf *b, const char *p, size_t n)
{
	if (n == 0)
		sb_printf(b, "-");
	for (size_t i = 0; i < n; i++)
		sb_printf(b, "%02x", (unsigned char)p[i]);
}

/* ---- the maildir and the processes ---- */

static struct {
	char ubox[256]; /* the user's folder in pt_md's tree */
	struct ts_proc srv, proxy;
} box;

static void box_fill(void)
{
	for (size_t i = 0; i < NMSG; i++)
		cr_assert(
		    pt_md_put(USER, msgs[i].uid, msgs[i].stored, msgs[i].slen),
		    "%s: %s", msgs[i].uid, strerror(errno));
}

static void setup(void)
{
	make_msgs();
	cr_assert(pt_md_make("# pop3_clients suite\n" USER ":" PASS "\n"),
		  "maildir: %s", strerror(errno));
	cr_assert(pt_md_user(USER));
	pt_md_path(box.ubox, sizeof(box.ubox), USER, NULL);
	box_fill();
	cr_assert_eq(pt_start(&box.srv, "60"), 0, "pop3d did not start");
}

static void teardown(void)
{
	if (box.proxy.pid > 0)
		ts_stop(&box.proxy);
	if (box.srv.pid > 0)
		ts_stop(&box.srv);
	pt_md_remove();
}

TestSuite(pop3_clients, .init = setup, .fini = teardown, .timeout = 110);

/* fragproxy in front of pop3d; returns the port clients use. */
static int proxy(const char *up, const char *down, const char *fault)
{
	const char *argv[] = {"fragproxy", "--upstream", box.srv.addr, "--up",
			      up,	   "--down",	 down,	       "--seed",
			      "1",	   "--fault",	 fault,	       NULL};

	if (fault == NULL)
		argv[9] = NULL; /* no --fault */
	if (box.proxy.pid > 0)
		ts_stop(&box.proxy);
	cr_assert_eq(ts_start(&box.proxy, argv, 0), 0,
		     "fragproxy --up %s --down %s did not start", up, down);
	return box.proxy.port;
}

/* Stop both; pop3d must exit 0 on SIGTERM (and, under ASan, leak-free). */
static const char *finish(void)
{
	if (box.proxy.pid > 0)
		ts_stop(&box.proxy);
	int st = ts_stop(&box.srv);
	if (st != 0)
		return why("pop3d exit status %d; stderr:\n%.3000s", st,
			   ts_stderr(&box.srv));
	return NULL;
}

/* path of name on $PATH; the suite fails (never skips) without it. */
static void need_exe(const char *name, char *path, size_t cap)
{
	const char *p = getenv("PATH");

	while (p && *p) {
		size_t n = strcspn(p, ":");
		snprintf(path, cap, "%.*s/%s", (int)n, p, name);
		if (n > 0 && access(path, X_OK) == 0)
			return;
		p += n + (p[n] == ':');
	}
	cr_assert_fail("%s not found on PATH: this suite runs it as a real "
		       "POP3 client (ci/deps.sh installs it, see "
		       "ci/deps.d/pop3.txt)",
		       name);
}

/* Every message on disk as stored, except those marked gone; nothing else
 * in the mailbox folder. */
static const char *box_diff(const bool *gone, const char *ctx)
{
	char path[PATH_MAX + 80], *buf = malloc(sizeof(big_stored) + 1);
	size_t want = 0, have = 0;
	const char *bad = NULL;
	DIR *d = opendir(box.ubox);
	struct dirent *e;

	cr_assert(buf && d);
	for (size_t i = 0; i < NMSG && bad == NULL; i++) {
		snprintf(path, sizeof(path), "%s/%s", box.ubox, msgs[i].uid);
		int fd = open(path, O_RDONLY);
		if (gone && gone[i]) {
			if (fd >= 0 || errno != ENOENT)
				bad = why("%s: %s should have been deleted",
					  ctx, msgs[i].uid);
			if (fd >= 0)
				close(fd);
			continue;
		}
		if (fd < 0) {
			bad = why("%s: %s is gone: %s", ctx, msgs[i].uid,
				  strerror(errno));
			break;
		}
		ssize_t n = read(fd, buf, sizeof(big_stored) + 1);
		close(fd);
		if (n != (ssize_t)msgs[i].slen ||
		    memcmp(buf, msgs[i].stored, msgs[i].slen) != 0)
			bad = why("%s: %s changed on disk", ctx, msgs[i].uid);
		want++;
	}
	while ((e = readdir(d)) != NULL)
		have += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	free(buf);
	if (bad == NULL && have != want)
		bad = why("%s: %zu files in the mailbox, want %zu", ctx, have,
			  want);
	return bad;
}

/* ---- poplib ---- */

static void poplib(int port, const char *ops, const char *retry,
		   struct run_result *r)
{
	char py[PATH_MAX], script[PATH_MAX], portstr[16];
	const char *src = getenv("FRAGLAB_SRC");
	char *argv[] = {py,	  script,      "--port",	portstr,
			"--user", USER,	       "--password",	PASS,
			"--ops",  (char *)ops, "--login-retry", (char *)retry,
			NULL};

	cr_assert(src, "FRAGLAB_SRC is not set (run the suite with ctest)");
	need_exe("python3", py, sizeof(py));
	snprintf(script, sizeof(script), "%.4000s/tests/support/pop3_poplib.py",
		 src);
	snprintf(portstr, sizeof(portstr), "%d", port);
	cr_assert_eq(run_prog(argv, NULL, 0, r), 0, "cannot run %s", py);
}

static void show(char *dst, size_t cap, const char *line, size_t len,
		 size_t col)
{
	size_t from = col > 30 ? col - 30 : 0;
	size_t n = len - from < 90 ? len - from : 90;

	snprintf(dst, cap, "%s%.*s%s", from ? "..." : "", (int)n, line + from,
		 from + n < len ? "..." : "");
}

/* The script's stdout against want, line by line, and its exit status.
 * A want line "capa A B" only asks the capa line to name A and B; one that
 * ends in '*' is a prefix. */
static const char *transcript_diff(const struct run_result *r, const char *want,
				   int status, const char *ctx)
{
	const char *g = r->out, *w = want;
	char gs[140], ws[140];

	for (int ln = 1; *w; ln++) {
		size_t wl = strcspn(w, "\n"), gl = strcspn(g, "\n"), col = 0;
		bool ok;

		if (wl > 5 && strncmp(w, "capa ", 5) == 0) {
			char tok[32];
			ok = strncmp(g, "capa ", 5) == 0;
			for (const char *t = w + 4; ok && t < w + wl;) {
				t += strspn(t, " ");
				size_t tl = strcspn(t, " \n");
				snprintf(tok, sizeof(tok), " %.*s", (int)tl, t);
				ok = memmem(g, gl, tok, strlen(tok)) != NULL;
				t += tl;
			}
		} else if (wl > 0 && w[wl - 1] == '*') {
			ok = gl >= wl - 1 && memcmp(g, w, wl - 1) == 0;
		} else {
			while (col < wl && col < gl && g[col] == w[col])
				col++;
			ok = wl == gl && col == wl;
		}
		if (!ok) {
			show(gs, sizeof(gs), g, gl, col);
			show(ws, sizeof(ws), w, wl, col);
			return why("%s: poplib line %d differs at column "
				   "%zu (a hex byte is 2 columns)\n"
				   "  want: %s\n  got:  %s\nstderr: %.2000s",
				   ctx, ln, col, ws, gs, r->err);
		}
		w += wl + (w[wl] == '\n');
		g += gl + (g[gl] == '\n');
	}
	if (*g != '\0')
		return why("%s: poplib printed more: %.200s", ctx, g);
	if (r->status != status)
		return why("%s: poplib exit %d, want %d\n%.2000s", ctx,
			   r->status, status, r->err);
	return NULL;
}

static void want_stat(struct sbuf *w, const bool *gone)
{
	size_t n = 0, octets = 0;

	for (size_t i = 0; i < NMSG; i++)
		if (!gone || !gone[i]) {
			octets += msgs[i].wlen;
			n++;
		}
	sb_printf(w, "stat %zu %zu\n", n, octets);
}

static const char SESSION_OPS[] = "capa,stat,list,uidl,retr:all,top:1:0,"
				  "top:2:2,dele:2,dele:4,dele:6,stat,quit";
static const bool SESSION_GONE[NMSG] = {false, true, false, true,
					false, true, false};

/* What SESSION_OPS must print, spelled out from msgs[]. */
static void want_session(struct sbuf *w)
{
	sb_printf(w, "login +OK\ncapa TOP UIDL USER\n");
	want_stat(w, NULL);
	for (size_t i = 0; i < NMSG; i++)
		sb_printf(w, "list %zu %zu\n", i + 1, msgs[i].wlen);
	for (size_t i = 0; i < NMSG; i++)
		sb_printf(w, "uidl %zu %s\n", i + 1, msgs[i].uid);
	for (size_t i = 0; i < NMSG; i++) {
		sb_printf(w, "retr %zu %zu ", i + 1, msgs[i].wlen);
		sb_hex(w, msgs[i].wire, msgs[i].wlen);
		sb_printf(w, "\n");
	}
	sb_printf(w, "top 1 0 %zu ", sizeof(TOP1_0) - 1);
	sb_hex(w, S(TOP1_0));
	sb_printf(w, "\ntop 2 2 %zu ", sizeof(TOP2_2) - 1);
	sb_hex(w, S(TOP2_2));
	sb_printf(w, "\ndele 2 +OK\ndele 4 +OK\ndele 6 +OK\n");
	want_stat(w, SESSION_GONE);
	sb_printf(w, "quit +OK\n");
}

static const char *poplib_session(int port, const char *ctx)
{
	struct sbuf want = {0};
	struct run_result r;

	want_session(&want);
	poplib(port, SESSION_OPS, "0", &r);
	const char *bad = transcript_diff(&r, want.p, 0, ctx);
	if (bad == NULL)
		bad = box_diff(SESSION_GONE, ctx);
	run_free(&r);
	free(want.p);
	return bad;
}

Test(pop3_clients, poplib_bytes)
{
	const char *bad =
	    poplib_session(proxy("bytes", "bytes", NULL), "poplib, bytes");
	cr_assert_null(bad, "%s", bad);
	bad = finish();
	cr_assert_null(bad, "%s", bad);
}

Test(pop3_clients, poplib_random_seeds)
{
	static const unsigned seeds[] = {7, 4242, 987654321};
	char split[64];

	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		snprintf(split, sizeof(split), "random:1-7,seed=%u", seeds[i]);
		box_fill();
		const char *bad =
		    poplib_session(proxy(split, split, NULL), split);
		cr_assert_null(bad, "%s", bad);
	}
	const char *bad = finish();
	cr_assert_null(bad, "%s", bad);
}

/* ---- curl ---- */

static void curl(int port, const char *path, const char *request,
		 struct run_result *r)
{
	char bin[PATH_MAX], url[64];
	/* -q: no ~/.curlrc; --noproxy: ignore $all_proxy and friends */
	char *argv[] = {bin,	       "-q",	     "-sS", "--noproxy",
			"*",	       "--max-time", "20",  "--user",
			USER ":" PASS, url,	     "-X",  (char *)request,
			"-I",	       NULL};

	need_exe("curl", bin, sizeof(bin));
	snprintf(url, sizeof(url), "pop3://127.0.0.1:%d/%s", port, path);
	for (size_t i = 0; request == NULL && argv[i]; i++)
		if (strcmp(argv[i], "-X") == 0)
			argv[i] = NULL; /* a plain RETR or LIST */
	cr_assert_eq(run_prog(argv, NULL, 0, r), 0, "cannot run %s", bin);
}

static const char *curl_diff(const struct run_result *r, const char *want,
			     size_t wlen, const char *what, const char *ctx)
{
	size_t i = 0;

	if (r->status != 0)
		return why("%s: curl %s: exit %d: %.500s", ctx, what, r->status,
			   r->err);
	while (i < r->out_len && i < wlen && r->out[i] == want[i])
		i++;
	if (i != wlen || i != r->out_len)
		return why("%s: curl %s: %zu bytes, want %zu; first "
			   "difference at byte %zu",
			   ctx, what, r->out_len, wlen, i);
	return NULL;
}

static void want_list(struct sbuf *w, const bool *gone)
{
	for (size_t i = 0, n = 0; i < NMSG; i++)
		if (!gone || !gone[i])
			sb_printf(w, "%zu %zu\r\n", ++n, msgs[i].wlen);
}

/* RETR every message, LIST, DELE one (done at curl's QUIT), LIST again. */
static const char *curl_session(int port, size_t dele, const char *ctx)
{
	struct run_result r;
	struct sbuf want = {0};
	bool gone[NMSG] = {false};
	const char *bad = NULL;
	char id[16];

	for (size_t i = 0; i < NMSG && bad == NULL; i++) {
		snprintf(id, sizeof(id), "%zu", i + 1);
		curl(port, id, NULL, &r);
		/* The wire is "+OK 0 octets\r\n.\r\n" (poplib_* check that
		 * it gives no lines); curl counts the CRLF of the +OK line
		 * as the start of "\r\n.\r\n" and writes that CRLF out. */
		if (msgs[i].wlen == 0 && r.out_len == 2)
			bad = curl_diff(&r, S("\r\n"), msgs[i].uid, ctx);
		else
			bad = curl_diff(&r, msgs[i].wire, msgs[i].wlen,
					msgs[i].uid, ctx);
		run_free(&r);
	}
	if (bad == NULL) {
		want_list(&want, NULL);
		curl(port, "", NULL, &r);
		bad = curl_diff(&r, want.p, want.len, "LIST", ctx);
		run_free(&r);
	}
	if (bad == NULL) {
		snprintf(id, sizeof(id), "%zu", dele);
		curl(port, id, "DELE", &r);
		bad = curl_diff(&r, S(""), "DELE", ctx);
		run_free(&r);
		gone[dele - 1] = true;
	}
	if (bad == NULL)
		bad = box_diff(gone, ctx);
	if (bad == NULL) {
		want.len = 0;
		want_list(&want, gone);
		curl(port, "", NULL, &r);
		bad = curl_diff(&r, want.p, want.len, "LIST after DELE", ctx);
		run_free(&r);
	}
	free(want.p);
	return bad;
}

Test(pop3_clients, curl_bytes)
{
	const char *bad =
	    curl_session(proxy("bytes", "bytes", NULL), 2, "curl, bytes");
	cr_assert_null(bad, "%s", bad);
	bad = finish();
	cr_assert_null(bad, "%s", bad);
}

Test(pop3_clients, curl_random)
{
	const char *split = "random:1-7,seed=99";
	const char *bad = curl_session(proxy(split, split, NULL), 6, split);

	cr_assert_null(bad, "%s", bad);
	bad = finish();
	cr_assert_null(bad, "%s", bad);
}

/* ---- sessions that end without QUIT remove nothing ---- */

/* Once pop3d has closed the dropped session (its lock is free again), a
 * new login sees every message, and the disk is untouched. */
static const char *nothing_deleted(const char *ctx)
{
	struct sbuf want = {0};
	struct run_result r;

	sb_printf(&want, "login +OK\n");
	want_stat(&want, NULL);
	for (size_t i = 0; i < NMSG; i++)
		sb_printf(&want, "uidl %zu %s\n", i + 1, msgs[i].uid);
	sb_printf(&want, "quit +OK\n");
	poplib(box.srv.port, "stat,uidl,quit", "20", &r);
	const char *bad = transcript_diff(&r, want.p, 0, ctx);
	if (bad == NULL)
		bad = box_diff(NULL, ctx);
	run_free(&r);
	free(want.p);
	return bad;
}

/* A session through a faulty proxy prints want; then nothing is deleted
 * and pop3d stops cleanly. */
static const char *fault_case(const char *up, const char *down,
			      const char *fault, const char *ops,
			      const char *want, int status, const char *ctx)
{
	struct run_result r;

	poplib(proxy(up, down, fault), ops, "0", &r);
	const char *bad = transcript_diff(&r, want, status, ctx);
	run_free(&r);
	if (bad == NULL)
		bad = nothing_deleted(ctx);
	if (bad == NULL)
		bad = finish();
	return bad;
}

Test(pop3_clients, drop_without_quit)
{
	const char *bad =
	    fault_case("bytes", "bytes", NULL, "dele:1,dele:3,drop",
		       "login +OK\ndele 1 +OK\ndele 3 +OK\ndrop\n", 0,
		       "DELE, then close without QUIT");
	cr_assert_null(bad, "%s", bad);
}

Test(pop3_clients, quit_cut_by_proxy)
{
	/* The proxy closes both sides once "QU" of "QUIT\r\n" has gone up. */
	static const char before[] =
	    "USER " USER "\r\nPASS " PASS "\r\nDELE 1\r\nDELE 7\r\n";
	char fault[64];

	snprintf(fault, sizeof(fault), "up:close@offset=%zu",
		 sizeof(before) - 1 + 2);
	const char *bad = fault_case(
	    "bytes", "random:1-7,seed=5", fault, "dele:1,dele:7,quit",
	    "login +OK\ndele 1 +OK\ndele 7 +OK\nerror quit: *\n", 3,
	    "proxy closes in the middle of QUIT");
	cr_assert_null(bad, "%s", bad);
}

Test(pop3_clients, reset_mid_retr)
{
	/* Greeting and short replies come to well under 20000 bytes; the
	 * reset lands inside the 70 KiB message 6. */
	const char *bad =
	    fault_case("random:1-7,seed=3", "bytes", "down:reset@offset=20000",
		       "dele:2,dele:5,retr:6,quit",
		       "login +OK\ndele 2 +OK\ndele 5 +OK\nerror retr:6: *\n",
		       3, "proxy resets both sides in the middle of RETR 6");
	cr_assert_null(bad, "%s", bad);
}
