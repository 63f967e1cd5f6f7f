/* shim_probe's scenarios, split over two files: transfers, threads, fork
 * and exec in shim_probe.c; the semantics checks in shim_probe_sem.c. */
#ifndef SHIM_PROBE_H
#define SHIM_PROBE_H

void die(const char *what) __attribute__((noreturn));
void sp_usr1(int sig);
int sp_iov(void);
int sp_peek(void);
int sp_eintr(void);
int sp_eagain(void);
int sp_fdkinds(const char *tmpdir);

#endif
