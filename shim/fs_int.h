/* libfragshim internals shared by the state file (fs_shim.c: options, the
 * descriptor table, decisions, the log) and the wrappers (fs_wrap.c). */
#ifndef FRAGSHIM_INT_H
#define FRAGSHIM_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FS_API __attribute__((visibility("default")))
#define FS_MAXFD 65536 /* descriptors above are left alone */

enum fs_dir { FS_RD = 0, FS_WR = 1 };

/* The real function behind a wrapper, looked up on first use with
 * dlsym(RTLD_NEXT), so a call made before the constructor still works. */
void *fs_real(_Atomic(void *) *slot, const char *name);
#define FS_REAL_DECL(name) static _Atomic(void *) fs_real_##name
#define FS_REAL(name) ((__typeof__(&name))fs_real(&fs_real_##name, #name))

/* What to do with one call: fail with errno `fail` (no I/O), or pass on
 * `len` bytes (len == the bytes asked when the call is left alone). */
struct fs_plan {
	int fail;
	size_t len;
	uint64_t call; /* this call's index on (fd, direction) */
};

/* Plan a call on fd asking n bytes with MSG_* flags (0 for read/write).
 * Returns true when the call must fail now with p->fail (no I/O); else
 * the call passes on p->len bytes. Never allocates, locks or prints;
 * errno is preserved. */
bool fs_plan(int fd, enum fs_dir dir, size_t n, int flags, struct fs_plan *p);

/* Log one injected event (a cut call: ret >= 0, err 0; a failure: ret -1,
 * err the errno). Preserves errno. */
void fs_log(int fd, const char *call, const struct fs_plan *p, size_t asked,
	    ssize_t ret, int err);

/* After the real call returned r: log it if it was cut; returns r. */
ssize_t fs_done(int fd, const char *call, const struct fs_plan *p, size_t asked,
		ssize_t r);

/* Injected failure: log it, set errno, return -1. */
ssize_t fs_fail(int fd, const char *call, const struct fs_plan *p,
		size_t asked);

/* fd was just made by a wrapped call (socket, accept, pipe, dup...): give
 * it the next open order now, in the order the program made them, rather
 * than at first use, which threads may race to. */
void fs_number(int fd);

/* Forget what is known about fd (it was closed, or the number reused). */
void fs_forget(int fd);

#endif
