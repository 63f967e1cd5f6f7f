/* libfragshim state: options parsed once in the constructor, the table of
 * descriptors (what each is, how many calls it has seen), the stateless
 * decision function, the event log, and fork/exec/signal bookkeeping. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fs_int.h"
#include "fs_opts.h"

enum fs_kind {
	FS_UNKNOWN = 0, /* not looked at yet (or forgotten) */
	FS_SKIP,	/* not selected: never touched */
	FS_STREAM,	/* stream socket: cut, faults */
	FS_PIPE,	/* pipe or FIFO: cut (writes above PIPE_BUF), faults */
	FS_MESSAGE,	/* datagram/seqpacket socket: faults only */
};

struct fs_fd {
	_Atomic uint32_t kind;
	_Atomic uint32_t order; /* open order + 1: which stream of decisions */
	_Atomic uint64_t calls[2];  /* calls planned, per direction */
	_Atomic uint32_t failed[2]; /* the last planned call was a failure */
};

static struct fs_fd fs_fds[FS_MAXFD];
static struct fs_opts fs_o;
static atomic_bool fs_on; /* constructor finished with options */
static bool fs_active[2]; /* a direction can be cut or failed */
static _Atomic uint32_t fs_next_order;
static _Atomic uint64_t fs_key;	    /* this process's stream of decisions */
static _Atomic uint64_t fs_forks;   /* forks so far (parent side) */
static _Atomic uint64_t fs_sigmask; /* signals with a non-SA_RESTART handler */
static _Atomic int fs_logfd = -1;

void *fs_real(_Atomic(void *) *slot, const char *name)
{
	void *p = atomic_load_explicit(slot, memory_order_acquire);

	if (p == NULL) {
		p = dlsym(RTLD_NEXT, name);
		atomic_store_explicit(slot, p, memory_order_release);
	}
	return p;
}

/* splitmix64 finaliser: the one mixing step every decision goes through. */
static uint64_t fs_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* A number in [0, 1) from h. */
static double fs_unit(uint64_t h)
{
	return (double)(h >> 11) * (1.0 / 9007199254740992.0);
}

static uint32_t fs_classify(int fd)
{
	int type = 0, domain = -1;
	socklen_t len = sizeof(type);
	struct stat st;
	bool tcp;

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0) {
		len = sizeof(domain);
		if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0)
			domain = -1;
		tcp = domain == AF_INET || domain == AF_INET6;
		if (type == SOCK_STREAM &&
		    ((fs_o.fds & (FS_FD_STREAM | FS_FD_SOCKETS)) ||
		     (tcp && (fs_o.fds & FS_FD_TCP))))
			return FS_STREAM;
		return (fs_o.fds & FS_FD_SOCKETS) ? FS_MESSAGE : FS_SKIP;
	}
	if (errno == EBADF)
		return FS_UNKNOWN;
	if ((fs_o.fds & FS_FD_PIPES) && fstat(fd, &st) == 0 &&
	    S_ISFIFO(st.st_mode))
		return FS_PIPE;
	return FS_SKIP;
}

static uint32_t fs_kind_of(struct fs_fd *e, int fd)
{
	uint32_t k = atomic_load_explicit(&e->kind, memory_order_acquire);
	uint32_t expect = FS_UNKNOWN;

	if (k != FS_UNKNOWN)
		return k;
	k = fs_classify(fd);
	if (k == FS_UNKNOWN)
		return FS_SKIP; /* bad descriptor: let the real call say so */
	if (atomic_load(&e->order) == 0) /* not made by a wrapped call */
		fs_number(fd);
	if (!atomic_compare_exchange_strong(&e->kind, &expect, k))
		return expect;
	return k;
}

static size_t fs_chunk(const struct fr_sched *s, uint64_t h, uint64_t call)
{
	uint64_t st;

	switch (s->kind) {
	case FR_SCHED_FIXED:
		return s->n;
	case FR_SCHED_BYTES:
		return 1;
	case FR_SCHED_RANDOM:
		st = fr_rng_seed(s->seed_set ? s->seed : fs_o.seed, h);
		return (size_t)fr_rng_range(&st, s->min, s->max);
	case FR_SCHED_LIST:
		if (call < s->list_len)
			return s->list[call];
		if (s->list_repeat)
			return s->list[call % s->list_len];
		return FR_CHUNK_REST;
	default:
		return FR_CHUNK_REST;
	}
}

static bool fs_nonblocking(int fd, int flags)
{
	int fl;

	if (flags & MSG_DONTWAIT)
		return true;
	fl = fcntl(fd, F_GETFL);
	return fl >= 0 && (fl & O_NONBLOCK);
}

/* A signal with a handler installed without SA_RESTART that this thread
 * does not block: only then can a real blocking call return EINTR. */
static bool fs_sig_deliverable(void)
{
	uint64_t mask = atomic_load(&fs_sigmask);
	sigset_t blocked;

	if (mask == 0 || pthread_sigmask(SIG_BLOCK, NULL, &blocked) != 0)
		return false;
	for (int sig = 1; sig <= 64; sig++)
		if ((mask & (1ULL << (sig - 1))) &&
		    sigismember(&blocked, sig) == 0)
			return true;
	return false;
}

/* EINTR or EAGAIN for this call, or 0. Only where the program could see
 * one: EINTR on a call that may block while a handler without SA_RESTART
 * is installed (any call with --eintr-any), EAGAIN where the call cannot
 * block. fcntl is asked only when the dice already say "fail". */
static int fs_fault(int fd, int flags, uint64_t h)
{
	double u = fs_unit(fs_mix(h ^ 0x5eed0e1a7ULL));

	if (u < fs_o.p_eintr) {
		if (!fs_o.eintr_any && !fs_sig_deliverable())
			return 0;
		return fs_nonblocking(fd, flags) ? 0 : EINTR;
	}
	if (u < fs_o.p_eintr + fs_o.p_eagain)
		return fs_nonblocking(fd, flags) ? EAGAIN : 0;
	return 0;
}

bool fs_plan(int fd, enum fs_dir dir, size_t n, int flags, struct fs_plan *p)
{
	const struct fr_sched *s = dir == FS_RD ? &fs_o.rd : &fs_o.wr;
	struct fs_fd *e;
	uint32_t kind;
	uint64_t h;
	size_t chunk;
	int saved = errno;

	p->fail = 0;
	p->len = n;
	p->call = 0;
	if (!atomic_load_explicit(&fs_on, memory_order_acquire) ||
	    !fs_active[dir] || fd < 0 || fd >= FS_MAXFD || n == 0 ||
	    (flags & (MSG_PEEK | MSG_WAITALL)))
		return false;
	e = &fs_fds[fd];
	kind = fs_kind_of(e, fd);
	errno = saved;
	if (kind == FS_SKIP)
		return false;
	p->call =
	    atomic_fetch_add_explicit(&e->calls[dir], 1, memory_order_relaxed);
	h = fs_mix(atomic_load_explicit(&fs_key, memory_order_relaxed) ^
		   fs_mix(((uint64_t)atomic_load(&e->order) << 1 | dir) ^
			  fs_mix(p->call)));
	if (!atomic_exchange(&e->failed[dir], 0))
		p->fail = fs_fault(fd, flags, h);
	errno = saved;
	if (p->fail) {
		atomic_store(&e->failed[dir], 1);
		p->len = 0;
		return true;
	}
	if (kind == FS_MESSAGE ||
	    (kind == FS_PIPE && dir == FS_WR && n <= PIPE_BUF))
		return false; /* a message or an atomic pipe write stays whole
			       */
	chunk = fs_chunk(s, h, p->call);
	if (chunk < n)
		p->len = chunk;
	return false;
}

void fs_number(int fd)
{
	if (fd >= 0 && fd < FS_MAXFD)
		atomic_store(&fs_fds[fd].order,
			     atomic_fetch_add(&fs_next_order, 1) + 1);
}

void fs_forget(int fd)
{
	struct fs_fd *e;

	if (fd == atomic_load(&fs_logfd))
		atomic_store(&fs_logfd, -1); /* the program took it back */
	if (fd < 0 || fd >= FS_MAXFD)
		return;
	e = &fs_fds[fd];
	atomic_store(&e->kind, FS_UNKNOWN);
	atomic_store(&e->order, 0);
	atomic_store(&e->calls[FS_RD], 0);
	atomic_store(&e->calls[FS_WR], 0);
	atomic_store(&e->failed[FS_RD], 0);
	atomic_store(&e->failed[FS_WR], 0);
}

static char *fs_put(char *p, char *end, const char *s)
{
	while (*s && p < end)
		*p++ = *s++;
	return p;
}

static char *fs_num(char *p, char *end, long long v)
{
	char tmp[24];
	int i = 0;
	unsigned long long u =
	    v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	if (v < 0 && p < end)
		*p++ = '-';
	do {
		tmp[i++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	while (i > 0 && p < end)
		*p++ = tmp[--i];
	return p;
}

void fs_log(int fd, const char *call, const struct fs_plan *pl, size_t asked,
	    ssize_t ret, int err)
{
	char line[256], *p = line, *end = line + sizeof(line) - 1;
	int lfd = atomic_load(&fs_logfd);
	int saved = errno;

	if (lfd < 0)
		return;
	p = fs_put(p, end, "pid=");
	p = fs_num(p, end, (long long)getpid());
	p = fs_put(p, end, " fd=");
	p = fs_num(p, end, fd);
	p = fs_put(p, end, " call=");
	p = fs_put(p, end, call);
	p = fs_put(p, end, " n=");
	p = fs_num(p, end, (long long)pl->call);
	p = fs_put(p, end, " asked=");
	p = fs_num(p, end, (long long)asked);
	p = fs_put(p, end, " passed=");
	p = fs_num(p, end, (long long)pl->len);
	p = fs_put(p, end, " returned=");
	p = fs_num(p, end, (long long)ret);
	p = fs_put(p, end, " errno=");
	p = fs_put(p, end,
		   err == EINTR	   ? "EINTR"
		   : err == EAGAIN ? "EAGAIN"
				   : "0");
	*p++ = '\n';
	/* The raw system call: the log must not go through a wrapper. */
	if (syscall(SYS_write, lfd, line, (size_t)(p - line)) < 0)
		atomic_store(&fs_logfd, -1);
	errno = saved;
}

ssize_t fs_done(int fd, const char *call, const struct fs_plan *p, size_t asked,
		ssize_t r)
{
	if (p->len < asked)
		fs_log(fd, call, p, asked, r, 0);
	return r;
}

ssize_t fs_fail(int fd, const char *call, const struct fs_plan *p, size_t asked)
{
	fs_log(fd, call, p, asked, -1, p->fail);
	errno = p->fail;
	return -1;
}

/* Signals raised by the faulting instruction itself (ASan and crash
 * reporters install handlers for them): they never interrupt a system
 * call, so their handlers do not make EINTR possible. */
static bool fs_sig_sync(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE ||
	       sig == SIGILL || sig == SIGTRAP || sig == SIGSYS ||
	       sig == SIGABRT;
}

/* Recompute sig's bit from its current disposition. */
static void fs_sig_update(int sig)
{
	struct sigaction cur;
	uint64_t bit;

	if (sig < 1 || sig > 64 || fs_sig_sync(sig) ||
	    sigaction(sig, NULL, &cur) != 0)
		return;
	bit = 1ULL << (sig - 1);
	if (cur.sa_handler != SIG_DFL && cur.sa_handler != SIG_IGN &&
	    !(cur.sa_flags & SA_RESTART))
		atomic_fetch_or(&fs_sigmask, bit);
	else
		atomic_fetch_and(&fs_sigmask, ~bit);
}

FS_REAL_DECL(sigaction);
FS_REAL_DECL(signal);
FS_REAL_DECL(siginterrupt);

FS_API int sigaction(int sig, const struct sigaction *act,
		     struct sigaction *old)
{
	int rc = FS_REAL(sigaction)(sig, act, old);
	int saved = errno;

	if (rc == 0 && act)
		fs_sig_update(sig);
	errno = saved;
	return rc;
}

FS_API sighandler_t signal(int sig, sighandler_t h)
{
	sighandler_t r = FS_REAL(signal)(sig, h);
	int saved = errno;

	fs_sig_update(sig);
	errno = saved;
	return r;
}

/* Deprecated, but old programs still turn restarting off with it. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
FS_API int siginterrupt(int sig, int flag)
{
	int rc = FS_REAL(siginterrupt)(sig, flag);
	int saved = errno;

	fs_sig_update(sig);
	errno = saved;
	return rc;
}
#pragma GCC diagnostic pop

static void fs_prefork(void)
{
	atomic_fetch_add(&fs_forks, 1);
}

/* A forked child: its own stream of decisions, from the parent's key and
 * how many forks the parent had made, so a rerun gives the same streams. */
static void fs_child(void)
{
	atomic_store(&fs_key, fs_mix(atomic_load(&fs_key) ^
				     fs_mix(atomic_load(&fs_forks))));
	atomic_store(&fs_forks, 0);
}

static void fs_die(const char *msg)
{
	const char *pre = "fragshim: ";

	if (syscall(SYS_write, 2, pre, strlen(pre)) < 0 ||
	    syscall(SYS_write, 2, msg, strlen(msg)) < 0 ||
	    syscall(SYS_write, 2, "\n", 1) < 0)
		_exit(2);
	_exit(2);
}

/* Programs started with exec get their own stream too: FRAGSHIM_DEPTH
 * counts the execs below the launcher. */
static uint64_t fs_depth(void)
{
	const char *d = getenv("FRAGSHIM_DEPTH");
	unsigned long long v = d ? strtoull(d, NULL, 10) : 0;
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu", v + 1);
	setenv("FRAGSHIM_DEPTH", buf, 1);
	return v;
}

/* --no-children: take this library (only) out of LD_PRELOAD, so programs
 * this one execs run without it; other preloads stay. */
static void fs_drop_preload(void)
{
	const char *pre = getenv("LD_PRELOAD");
	char keep[4096] = "";
	size_t len = 0;

	while (pre && *pre) {
		size_t n = strcspn(pre, ": ");

		if (n > 0 && n < sizeof(keep) - len - 1 &&
		    !memmem(pre, n, "libfragshim", 11)) {
			if (len)
				keep[len++] = ':';
			memcpy(keep + len, pre, n);
			len += n;
			keep[len] = '\0';
		}
		pre += n;
		pre += strspn(pre, ": ");
	}
	if (len)
		setenv("LD_PRELOAD", keep, 1);
	else
		unsetenv("LD_PRELOAD");
}

__attribute__((constructor)) static void fs_init(void)
{
	const char *env = getenv(FS_ENV);
	char err[FS_PATH_MAX + 300];
	int fd, lfd;

	if (env == NULL)
		return; /* loaded without options: every call passes */
	fs_opts_init(&fs_o);
	if (fs_opts_parse(&fs_o, env, err, sizeof(err)) != 0)
		fs_die(err); /* a shim run that silently does nothing lies */
	fs_active[FS_RD] = fs_o.rd.kind != FR_SCHED_WHOLE;
	fs_active[FS_WR] = fs_o.wr.kind != FR_SCHED_WHOLE;
	if (fs_o.p_eintr > 0 || fs_o.p_eagain > 0)
		fs_active[FS_RD] = fs_active[FS_WR] = true;
	atomic_store(&fs_key, fs_mix(fs_o.seed ^ fs_mix(fs_depth())));
	if (fs_o.no_children)
		fs_drop_preload();
	if (fs_o.log[0]) {
		fd = open(fs_o.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			  0644);
		if (fd < 0) {
			snprintf(err, sizeof(err), "--log %s: %s", fs_o.log,
				 strerror(errno));
			fs_die(err);
		}
		/* Out of the way of programs that expect low numbers. */
		lfd = fcntl(fd, F_DUPFD_CLOEXEC, 900);
		if (lfd >= 0) {
			close(fd);
			fd = lfd;
		}
		atomic_store(&fs_logfd, fd);
	}
	for (int sig = 1; sig < 65; sig++)
		fs_sig_update(sig);
	pthread_atfork(fs_prefork, NULL, fs_child);
	atomic_store_explicit(&fs_on, true, memory_order_release);
}
