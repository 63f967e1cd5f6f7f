/* Shared by the shim suites that link ts_pop3d: start pop3d on the test
 * maildir (pt_md) under fragshim with the given options. */
#ifndef SHIM_POP3D_H
#define SHIM_POP3D_H

#include <stdio.h>
#include <string.h>

#include "run_util.h"
#include "test_pop3d_util.h"

/* opts: fragshim options, split at spaces (at most 20 words). Returns what
 * ts_start returns; p->port is pop3d's port on 127.0.0.1. */
static inline int sh_start_pop3d(struct ts_proc *p, const char *opts)
{
	const char *argv[32] = {"fragshim"};
	char buf[256], *save, *w;
	int i = 1;

	snprintf(buf, sizeof(buf), "%s", opts);
	for (w = strtok_r(buf, " ", &save); w && i < 21;
	     w = strtok_r(NULL, " ", &save))
		argv[i++] = w;
	argv[i++] = "--";
	argv[i++] = run_tool_path("pop3d");
	argv[i++] = "--listen";
	argv[i++] = "127.0.0.1:0";
	argv[i++] = "--users";
	argv[i++] = pt_md.users;
	argv[i++] = "--maildir";
	argv[i++] = pt_md.mail;
	argv[i] = NULL;
	return ts_start(p, argv, 0);
}

#endif
