/* pop3d's users file (pop3_maildir.h): a regular file of user:password
 * lines read whole and bounded, checked line by line, kept in memory. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cm_buf.h"
#include "pop3_maildir.h"

/* User names become directory names: no '/', no leading '.'. */
static bool valid_user(const char *s, size_t n)
{
	static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
				 "qrstuvwxyz0123456789._-";
	size_t i = 0;

	while (i < n && memchr(ok, s[i], sizeof(ok) - 1))
		i++;
	return n > 0 && n <= POP3_NAME_MAX && s[0] != '.' && i == n;
}

const struct pop3_md_user *pop3_md_find_user(const struct pop3_md_store *st,
					     const char *name)
{
	for (size_t i = 0; i < st->nusers; i++)
		if (strcmp(st->users[i].name, name) == 0)
			return &st->users[i];
	return NULL;
}

/* One "user:password" line (no newline). Returns NULL or what is wrong. */
static const char *add_user(struct pop3_md_store *st, const char *line,
			    size_t len, size_t lineno, char *dup, size_t duplen)
{
	const char *colon = memchr(line, ':', len);

	if (colon == NULL)
		return "missing ':' (expected user:password)";
	size_t ulen = (size_t)(colon - line), plen = len - ulen - 1;
	if (!valid_user(line, ulen))
		return "bad user name (1..40 of A-Z a-z 0-9 . _ -, "
		       "not starting with '.')";
	if (plen == 0 || plen > POP3_NAME_MAX ||
	    memchr(colon + 1, '\r', plen) || memchr(colon + 1, '\0', plen))
		return "bad password (1..40 characters, no CR, LF or NUL)";
	struct pop3_md_user u = {.line = lineno};
	memcpy(u.name, line, ulen);
	memcpy(u.pass, colon + 1, plen);
	const struct pop3_md_user *old = pop3_md_find_user(st, u.name);
	if (old) {
		snprintf(dup, duplen, "duplicate user '%s' (first on line %zu)",
			 u.name, old->line);
		return dup;
	}
	struct pop3_md_user *t =
	    cm_grow(st->users, &st->cap, st->nusers + 1, sizeof(*t));
	if (t == NULL)
		return "out of memory";
	st->users = t;
	st->users[st->nusers++] = u;
	return NULL;
}

static bool blank_or_comment(const char *line, size_t len)
{
	size_t i = 0;

	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	return i == len || line[i] == '#';
}

/* The whole users file into buf (POP3_MD_USERS_MAX + 1 bytes): a regular
 * file only (a FIFO or /dev/zero is refused, never waited on or read
 * forever), at most POP3_MD_USERS_MAX bytes. Returns the length or -1
 * with "FILE: what" in err. */
static ssize_t users_read(const char *path, char *buf, char *err, size_t errlen)
{
	struct stat sb;
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0 || fstat(fd, &sb) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto fail;
	}
	while (len <= POP3_MD_USERS_MAX) {
		ssize_t n = read(fd, buf + len, POP3_MD_USERS_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > POP3_MD_USERS_MAX) {
		snprintf(err, errlen, "%s: larger than %zu bytes", path,
			 (size_t)POP3_MD_USERS_MAX);
		goto fail;
	}
	close(fd);
	return (ssize_t)len;
fail:
	if (fd >= 0)
		close(fd);
	return -1;
}

int pop3_md_users_load(struct pop3_md_store *st, const char *path, char *err,
		       size_t errlen)
{
	char dup[128];
	const char *why = NULL;
	size_t lineno = 0, pos = 0;
	char *buf = malloc(POP3_MD_USERS_MAX + 1);
	ssize_t got;

	if (buf == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	got = users_read(path, buf, err, errlen);
	if (got < 0) {
		free(buf);
		return -1;
	}
	size_t total = (size_t)got;
	while (why == NULL && pos < total) {
		const char *line = buf + pos;
		const char *nl = memchr(line, '\n', total - pos);
		size_t len = nl ? (size_t)(nl - line) : total - pos;
		pos += len + (nl != NULL);
		lineno++;
		if (len > POP3_MD_LINE_MAX) {
			why = "line too long";
			break;
		}
		if (len && line[len - 1] == '\r') /* a CRLF file */
			len--;
		if (!blank_or_comment(line, len))
			why = add_user(st, line, len, lineno, dup, sizeof(dup));
	}
	if (why)
		snprintf(err, errlen, "%s:%zu: %s", path, lineno, why);
	else if (st->nusers == 0)
		snprintf(err, errlen, "%s: no user:password line", path);
	explicit_bzero(buf, total); /* it held passwords */
	free(buf);
	return why == NULL && st->nusers > 0 ? 0 : -1;
}
