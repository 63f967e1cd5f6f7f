/* pop3d's mailbox store (a struct p3_store for pop3_core): a users file of
 * user:password lines and a directory with one folder per user, one
 * regular file per message, locked with flock() while a session has it. */
#ifndef SERVERS_POP3_MAILDIR_H
#define SERVERS_POP3_MAILDIR_H

#include <stddef.h>

#include "pop3_core.h"

struct pm_user {
	char name[P3_NAME_MAX + 1];
	char pass[P3_NAME_MAX + 1]; /* zero-padded: compared in full */
	size_t line;		    /* where it was defined, for errors */
};

struct pm_store {
	int rootfd; /* the maildir, O_DIRECTORY */
	struct pm_user *users;
	size_t nusers, cap;
	unsigned char *buf; /* scratch for wire sizes at login */
	p3_log_fn log;
	void *log_arg;
};

/* Empty store; log (may be NULL) gets the store's own log lines. */
void pm_init(struct pm_store *st, p3_log_fn log, void *log_arg);

/* Read the users file. Returns 0, or -1 with "FILE:LINE: what" (or
 * "FILE: what") in err. */
int pm_users_load(struct pm_store *st, const char *path, char *err,
		  size_t errlen);

/* Open the maildir root (must be a directory). Returns 0, or -1 with
 * "DIR: what" in err. */
int pm_root_open(struct pm_store *st, const char *dir, char *err,
		 size_t errlen);

/* Release everything (passwords are wiped). Boxes must be closed first. */
void pm_free(struct pm_store *st);

/* The p3_store vtable over st. */
struct p3_store pm_store_ops(struct pm_store *st);

#endif
