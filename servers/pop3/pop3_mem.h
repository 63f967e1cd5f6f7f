/* An in-memory mailbox store for the POP3 core (pop3_core.h): one user,
 * messages held as byte strings, an exclusive lock flag and injectable
 * read/commit failures. The core's tests and the pop3_session fuzz
 * target drive the core through it; pop3d uses pop3_maildir. */
#ifndef SERVERS_POP3_MEM_H
#define SERVERS_POP3_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pop3_core.h"

#define POP3_MEM_MAX 16 /* messages */

struct pop3_mem_msg {
	char uid[POP3_UID_MAX + 1];
	const uint8_t *data; /* not owned; must outlive the store */
	size_t len;
	uint64_t wire; /* wire size (pop3_wsize) */
};

struct pop3_mem {
	const char *user, *pass;
	struct pop3_mem_msg msg[POP3_MEM_MAX];
	size_t n;
	bool locked;	    /* a session holds the mailbox */
	long fail_read;	    /* read of message index fail_read returns -1 */
	uint64_t fail_off;  /* ... once off >= fail_off */
	size_t fail_commit; /* commit leaves this many marked messages */
	size_t opens, commits;
};

/* Empty store for user/pass (not copied). */
void pop3_mem_init(struct pop3_mem *m, const char *user, const char *pass);

/* Add a message (data not copied); uid is "m<N>" unless given. Returns its
 * index, or -1 when full. */
int pop3_mem_add(struct pop3_mem *m, const char *uid, const void *data,
		 size_t len);

/* The store operations over m. */
struct pop3_store pop3_mem_store(struct pop3_mem *m);

#endif
