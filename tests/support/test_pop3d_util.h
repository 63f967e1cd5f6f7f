/* Helpers for the pop3d suites: a temporary maildir tree (a users file and
 * one folder per user) and a tiny POP3 client over a plain socket: a line
 * reader, commands, multi-line bodies with dot-stuffing undone. */
#ifndef TEST_POP3D_UTIL_H
#define TEST_POP3D_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "test_servers_util.h"

/* ROOT/users and ROOT/mail/<user>/<message>, under /tmp. */
struct pt_md {
	char root[64];
	char users[128];
	char mail[128];
};

/* One per test process (Criterion forks each test). */
extern struct pt_md pt_md;

/* Make the tree with this users file text. */
bool pt_md_make(const char *users);
void pt_md_path(char *buf, size_t len, const char *user, const char *name);
bool pt_md_user(const char *user); /* mkdir ROOT/mail/user */
bool pt_md_put(const char *user, const char *name, const void *data,
	       size_t len);
bool pt_md_has(const char *user, const char *name);
/* Remove the tree (if made). */
void pt_md_remove(void);

bool pt_write_file(const char *path, const void *data, size_t len);

/* Start pop3d on the tree, port 0, with --timeout if not NULL. */
int pt_start(struct ts_proc *p, const char *timeout);

struct pt_cl {
	int fd;
	char buf[16384];
	size_t pos, len;
	char reply[1024]; /* last reply line, CRLF stripped */
};

/* One line without its CRLF into line. Returns its length, -1 on EOF or
 * error, -2 if it did not end in CRLF (the server must send CRLF). */
int pt_line(struct pt_cl *c, char *line, size_t cap);

/* The next reply line (in c->reply), or "" when the connection ended. */
const char *pt_reply(struct pt_cl *c);
bool pt_ok(const char *reply);
bool pt_err(const char *reply);

/* Connect and read the greeting; true if it was +OK. */
bool pt_open(struct pt_cl *c, int port);
void pt_close(struct pt_cl *c);
bool pt_send(struct pt_cl *c, const void *p, size_t n);

/* Send one command line (CRLF added), return the reply line. */
const char *pt_cmd(struct pt_cl *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* USER and PASS both +OK. */
bool pt_login(struct pt_cl *c, const char *user, const char *pass);

/* Open and log in, retrying (up to ~5 s) while an ending session still
 * holds the lock or the server has yet to free descriptors. */
bool pt_login_retry(struct pt_cl *c, int port, const char *user,
		    const char *pass);

/* A multi-line body up to "." with dot-stuffing undone and CRLF put back.
 * Returns its length, or -1 (connection ended, bad line, too big). */
long pt_multi(struct pt_cl *c, char *out, size_t cap);

/* Everything until the server closes (buffered bytes first), or -1. */
long pt_drain(struct pt_cl *c, char *out, size_t cap);

/* The server closed c: EOF or reset within ms. */
bool pt_closed(struct pt_cl *c, int ms);

size_t pt_count(const char *hay, const char *needle);

#endif
