/* Temporary maildirs and a tiny POP3 client for the pop3d suites
 * (test_pop3d_util.h). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_pop3d_util.h"

struct pt_md pt_md;

bool pt_write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	bool ok = fd >= 0 && write(fd, data, len) == (ssize_t)len;

	if (fd >= 0)
		close(fd);
	return ok;
}

bool pt_md_make(const char *users)
{
	snprintf(pt_md.root, sizeof(pt_md.root), "/tmp/pop3d-test-XXXXXX");
	if (mkdtemp(pt_md.root) == NULL) {
		pt_md.root[0] = '\0';
		return false;
	}
	snprintf(pt_md.users, sizeof(pt_md.users), "%s/users", pt_md.root);
	snprintf(pt_md.mail, sizeof(pt_md.mail), "%s/mail", pt_md.root);
	return mkdir(pt_md.mail, 0700) == 0 &&
	       pt_write_file(pt_md.users, users, strlen(users));
}

void pt_md_path(char *buf, size_t len, const char *user, const char *name)
{
	snprintf(buf, len, "%s/%s%s%s", pt_md.mail, user, name ? "/" : "",
		 name ? name : "");
}

bool pt_md_user(const char *user)
{
	char path[256];

	pt_md_path(path, sizeof(path), user, NULL);
	return mkdir(path, 0700) == 0;
}

bool pt_md_put(const char *user, const char *name, const void *data, size_t len)
{
	char path[256];

	pt_md_path(path, sizeof(path), user, name);
	return pt_write_file(path, data, len);
}

bool pt_md_has(const char *user, const char *name)
{
	char path[256];

	pt_md_path(path, sizeof(path), user, name);
	return access(path, F_OK) == 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag,
		    struct FTW *ftw)
{
	if (remove(path) != 0 && errno != ENOENT)
		fprintf(stderr, "cleanup: %s: %s\n", path, strerror(errno));
	return 0;
}

void pt_md_remove(void)
{
	if (pt_md.root[0])
		nftw(pt_md.root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	pt_md.root[0] = '\0';
}

int pt_start(struct ts_proc *p, const char *timeout)
{
	const char *argv[] = {"pop3d",	     "--listen",
			      "127.0.0.1:0", "--users",
			      pt_md.users,   "--maildir",
			      pt_md.mail,    timeout ? "--timeout" : NULL,
			      timeout,	     NULL};

	return ts_start(p, argv, 0);
}

/* One line without its CRLF into line. Returns its length, -1 on EOF or
 * error, -2 if it did not end in CRLF (the server must send CRLF). */
int pt_line(struct pt_cl *c, char *line, size_t cap)
{
	for (;;) {
		char *start = c->buf + c->pos;
		char *nl = memchr(start, '\n', c->len - c->pos);
		if (nl) {
			size_t n = (size_t)(nl - start);
			c->pos += n + 1;
			if (n == 0 || nl[-1] != '\r')
				return -2;
			n--;
			size_t k = n < cap - 1 ? n : cap - 1;
			memcpy(line, start, k);
			line[k] = '\0';
			return (int)n;
		}
		memmove(c->buf, start, c->len - c->pos);
		c->len -= c->pos;
		c->pos = 0;
		if (c->len == sizeof(c->buf))
			return -1;
		ssize_t r =
		    recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
		if (r <= 0)
			return -1;
		c->len += (size_t)r;
	}
}

/* The reply line, or "" when the connection ended. */
const char *pt_reply(struct pt_cl *c)
{
	if (pt_line(c, c->reply, sizeof(c->reply)) < 0)
		c->reply[0] = '\0';
	return c->reply;
}

bool pt_ok(const char *reply)
{
	return strncmp(reply, "+OK", 3) == 0;
}

bool pt_err(const char *reply)
{
	return strncmp(reply, "-ERR", 4) == 0;
}

/* Connect and read the greeting (left in c->reply). */
bool pt_open(struct pt_cl *c, int port)
{
	memset(c, 0, sizeof(*c));
	c->fd = ts_connect(port, false);
	return c->fd >= 0 && pt_ok(pt_reply(c));
}

void pt_close(struct pt_cl *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

bool pt_send(struct pt_cl *c, const void *p, size_t n)
{
	return send(c->fd, p, n, MSG_NOSIGNAL) == (ssize_t)n;
}

/* Send one command line, return the reply line. */
const char *pt_cmd(struct pt_cl *c, const char *fmt, ...)
{
	char line[600];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	memcpy(line + n, "\r\n", 2);
	if (!pt_send(c, line, (size_t)n + 2))
		return "";
	return pt_reply(c);
}

bool pt_login(struct pt_cl *c, const char *user, const char *pass)
{
	return pt_ok(pt_cmd(c, "USER %s", user)) &&
	       pt_ok(pt_cmd(c, "PASS %s", pass));
}

/* A multi-line body up to "." with dot-stuffing undone and CRLF put back.
 * Returns its length, or -1 (connection ended, bad line, too big). */
long pt_multi(struct pt_cl *c, char *out, size_t cap)
{
	char line[16384];
	size_t len = 0;

	for (;;) {
		int n = pt_line(c, line, sizeof(line));
		if (n < 0 || (size_t)n >= sizeof(line))
			return -1;
		if (strcmp(line, ".") == 0)
			return (long)len;
		const char *p = line[0] == '.' ? line + 1 : line;
		size_t k = (size_t)n - (size_t)(p - line);
		if (len + k + 2 > cap)
			return -1;
		memcpy(out + len, p, k);
		memcpy(out + len + k, "\r\n", 2);
		len += k + 2;
	}
}

/* Everything until the server closes (buffered bytes first). */
long pt_drain(struct pt_cl *c, char *out, size_t cap)
{
	size_t len = c->len - c->pos;
	ssize_t r;

	if (len > cap)
		return -1;
	memcpy(out, c->buf + c->pos, len);
	c->pos = c->len = 0;
	while ((r = recv(c->fd, out + len, cap - len, 0)) > 0)
		len += (size_t)r;
	return r == 0 || errno == ECONNRESET ? (long)len : -1;
}

/* The server closed: EOF or reset within ms. */
bool pt_closed(struct pt_cl *c, int ms)
{
	struct pollfd p = {.fd = c->fd, .events = POLLIN};
	char b[256];

	for (;;) {
		if (poll(&p, 1, ms) != 1)
			return false;
		ssize_t n = recv(c->fd, b, sizeof(b), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return true;
		if (n < 0 && errno != EAGAIN)
			return false;
	}
}

/* Log in, retrying while an ending session still holds the lock or
 * the server has yet to see closed connections free their descriptors. */
bool pt_login_retry(struct pt_cl *c, int port, const char *user,
		    const char *pass)
{
	for (int i = 0; i < 200; i++) {
		bool greeted = pt_open(c, port);
		if (greeted && pt_login(c, user, pass))
			return true;
		pt_close(c);
		if (greeted && strstr(c->reply, "IN-USE") == NULL)
			return false;
		poll(NULL, 0, 25);
	}
	return false;
}

size_t pt_count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}
