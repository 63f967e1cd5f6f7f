/* fragshim options: one parser for the FRAGSHIM environment variable (read
 * by libfragshim.so in its constructor) and the fragshim launcher's command
 * line, so both accept exactly the same words. */
#ifndef FRAGSHIM_OPTS_H
#define FRAGSHIM_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "framing/sched.h"

#define FS_ENV "FRAGSHIM"
#define FS_PATH_MAX 1024

/* Which descriptors the shim touches (--fds, comma-separated classes). */
enum fs_fd_class {
	FS_FD_TCP = 1 << 0,	/* TCP sockets (IPv4 and IPv6) */
	FS_FD_STREAM = 1 << 1,	/* stream sockets of any family (default) */
	FS_FD_SOCKETS = 1 << 2, /* every socket; message sockets: faults only */
	FS_FD_PIPES = 1 << 3,	/* pipes and FIFOs */
};

struct fs_opts {
	struct fr_sched rd, wr; /* --read, --write (--split sets both) */
	double p_eintr;		/* --eintr P */
	double p_eagain;	/* --eagain P */
	bool eintr_any;		/* --eintr-any: EINTR even without a handler */
	uint64_t seed;		/* --seed S */
	unsigned fds;		/* --fds: enum fs_fd_class bits */
	char log[FS_PATH_MAX];	/* --log FILE, "" for none */
	bool no_children;	/* --no-children */
};

/* Defaults: whole in both directions, no faults, seed 1, stream sockets. */
void fs_opts_init(struct fs_opts *o);
void fs_opts_free(struct fs_opts *o);

/* True if the option (without its dashes) takes a value; -1 if unknown. */
int fs_opts_has_arg(const char *name);

/* Set one option; name without dashes ("split"), val NULL for flags.
 * Returns 0, or -EINVAL with one line naming the option in err. */
int fs_opts_set(struct fs_opts *o, const char *name, const char *val, char *err,
		size_t errlen);

/* Parse white-space separated words "--name VALUE" or "--name=VALUE" (the
 * FRAGSHIM form). Returns 0 or -EINVAL with err filled. */
int fs_opts_parse(struct fs_opts *o, const char *text, char *err,
		  size_t errlen);

/* Text of the option list for --help. */
extern const char fs_opts_help[];

#endif
