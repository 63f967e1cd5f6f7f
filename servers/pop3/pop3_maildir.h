/* pop3d's mailbox store (a struct pop3_store for pop3_core): a users file of
 * user:password lines and a directory with one folder per user, one
 * regular file per message, locked with flock() while a session has it. */
#ifndef SERVERS_POP3_MAILDIR_H
#define SERVERS_POP3_MAILDIR_H

#include <stddef.h>
#include <sys/types.h>

#include "pop3_core.h"

#define POP3_MD_USERS_MAX ((size_t)1 << 20) /* users file: bytes at most */
#define POP3_MD_LINE_MAX 256		    /* and per line */

struct pop3_md_user {
	char name[POP3_NAME_MAX + 1];
	char pass[POP3_NAME_MAX + 1]; /* zero-padded: compared in full */
	size_t line;		      /* where it was defined, for errors */
};

struct pop3_md_store {
	int rootfd;	/* the maildir, O_DIRECTORY */
	uid_t root_uid; /* its owner: every user folder must be theirs */
	struct pop3_md_user *users;
	size_t nusers, cap;
	unsigned char *buf; /* scratch for wire sizes at login */
	pop3_log_fn log;
	void *log_arg;
};

/* Empty store; log (may be NULL) gets the store's own log lines. */
void pop3_md_init(struct pop3_md_store *st, pop3_log_fn log, void *log_arg);

/* Read the users file: a regular file of at most POP3_MD_USERS_MAX bytes
 * and lines of at most POP3_MD_LINE_MAX. Returns 0, or -1 with
 * "FILE:LINE: what" (or "FILE: what") in err. */
int pop3_md_users_load(struct pop3_md_store *st, const char *path, char *err,
		       size_t errlen);

/* The user called name, or NULL (pop3_users.c). */
const struct pop3_md_user *pop3_md_find_user(const struct pop3_md_store *st,
					     const char *name);

/* Open the maildir root (must be a directory). Returns 0, or -1 with
 * "DIR: what" in err. */
int pop3_md_root_open(struct pop3_md_store *st, const char *dir, char *err,
		      size_t errlen);

/* Release everything (passwords are wiped). Boxes must be closed first. */
void pop3_md_free(struct pop3_md_store *st);

/* The pop3_store vtable over st. */
struct pop3_store pop3_md_store_ops(struct pop3_md_store *st);

#endif
