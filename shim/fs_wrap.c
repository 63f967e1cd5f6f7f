/* libfragshim wrappers: the read and write families (with glibc's
 * fortified entry points) cut or failed as fs_plan decides, and the calls
 * that make or retire descriptor numbers, so the cached kind stays true. */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fs_int.h"

ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen);
ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags);
ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags,
		       struct sockaddr *addr, socklen_t *alen);

FS_REAL_DECL(read);
FS_REAL_DECL(readv);
FS_REAL_DECL(recv);
FS_REAL_DECL(recvfrom);
FS_REAL_DECL(recvmsg);
FS_REAL_DECL(write);
FS_REAL_DECL(writev);
FS_REAL_DECL(send);
FS_REAL_DECL(sendto);
FS_REAL_DECL(sendmsg);
FS_REAL_DECL(__read_chk);
FS_REAL_DECL(__recv_chk);
FS_REAL_DECL(__recvfrom_chk);
FS_REAL_DECL(close);
FS_REAL_DECL(dup);
FS_REAL_DECL(dup2);
FS_REAL_DECL(dup3);
FS_REAL_DECL(socket);
FS_REAL_DECL(socketpair);
FS_REAL_DECL(accept);
FS_REAL_DECL(accept4);
FS_REAL_DECL(pipe);
FS_REAL_DECL(pipe2);

#define FS_IOV_SMALL 16

/* Bytes an iovec array holds, or SIZE_MAX if the sum overflows. */
static size_t fs_iov_len(const struct iovec *iov, size_t cnt)
{
	size_t sum = 0;

	for (size_t i = 0; i < cnt; i++) {
		if (iov[i].iov_len > SIZE_MAX - 1 - sum)
			return SIZE_MAX;
		sum += iov[i].iov_len;
	}
	return sum;
}

/* Copy into out[cap] the leading entries of iov that hold len bytes, the
 * last one cut. Returns the count, or -1 if cap entries are not enough. */
static int fs_iov_trim(const struct iovec *iov, size_t cnt, size_t len,
		       struct iovec *out, size_t cap)
{
	size_t i;

	for (i = 0; i < cnt && len > 0; i++) {
		if (i == cap)
			return -1;
		out[i] = iov[i];
		if (out[i].iov_len > len)
			out[i].iov_len = len;
		len -= out[i].iov_len;
	}
	return (int)i;
}

typedef ssize_t (*fs_iov_fn)(int fd, const struct iovec *iov, int cnt,
			     struct msghdr *msg, int flags, void *real);

/* Run real on a trimmed copy of the array: a small copy on the stack, an
 * IOV_MAX one (in its own frame) only for arrays of many tiny entries. */
static ssize_t fs_iov_big(int fd, const struct iovec *iov, size_t cnt,
			  size_t len, struct msghdr *msg, int flags,
			  fs_iov_fn call, void *real) __attribute__((noinline));
static ssize_t fs_iov_big(int fd, const struct iovec *iov, size_t cnt,
			  size_t len, struct msghdr *msg, int flags,
			  fs_iov_fn call, void *real)
{
	struct iovec big[IOV_MAX];
	int n = fs_iov_trim(iov, cnt, len, big, IOV_MAX);

	if (n < 0)
		return call(fd, iov, (int)cnt, msg, flags, real);
	return call(fd, big, n, msg, flags, real);
}

static ssize_t fs_iov_run(int fd, const struct iovec *iov, size_t cnt,
			  size_t len, struct msghdr *msg, int flags,
			  fs_iov_fn call, void *real)
{
	struct iovec small[FS_IOV_SMALL];
	int n = fs_iov_trim(iov, cnt, len, small, FS_IOV_SMALL);

	if (n < 0)
		return fs_iov_big(fd, iov, cnt, len, msg, flags, call, real);
	return call(fd, small, n, msg, flags, real);
}

static ssize_t fs_call_readv(int fd, const struct iovec *iov, int cnt,
			     struct msghdr *msg, int flags, void *real)
{
	return ((ssize_t(*)(int, const struct iovec *, int))real)(fd, iov, cnt);
}

static ssize_t fs_call_msg(int fd, const struct iovec *iov, int cnt,
			   struct msghdr *msg, int flags, void *real)
{
	struct msghdr m = *msg;
	ssize_t r;

	m.msg_iov = (struct iovec *)iov;
	m.msg_iovlen = (size_t)cnt;
	r = ((ssize_t(*)(int, struct msghdr *, int))real)(fd, &m, flags);
	/* What the kernel writes back belongs to the caller's header. */
	msg->msg_namelen = m.msg_namelen;
	msg->msg_controllen = m.msg_controllen;
	msg->msg_flags = m.msg_flags;
	return r;
}

static ssize_t fs_readv_like(int fd, const struct iovec *iov, int cnt,
			     enum fs_dir dir, const char *name, void *real)
{
	struct fs_plan p;
	size_t n;
	ssize_t r;

	n = cnt > 0 ? fs_iov_len(iov, (size_t)cnt) : 0;
	if (n == SIZE_MAX)
		return fs_call_readv(fd, iov, cnt, NULL, 0, real);
	if (fs_plan(fd, dir, n, 0, &p))
		return fs_fail(fd, name, &p, n);
	if (p.len == n)
		return fs_call_readv(fd, iov, cnt, NULL, 0, real);
	r = fs_iov_run(fd, iov, (size_t)cnt, p.len, NULL, 0, fs_call_readv,
		       real);
	return fs_done(fd, name, &p, n, r);
}

static ssize_t fs_msg_like(int fd, struct msghdr *msg, int flags,
			   enum fs_dir dir, const char *name, void *real)
{
	struct fs_plan p;
	size_t n = fs_iov_len(msg->msg_iov, msg->msg_iovlen);
	ssize_t r;

	if (n != SIZE_MAX && fs_plan(fd, dir, n, flags, &p))
		return fs_fail(fd, name, &p, n);
	if (n == SIZE_MAX || p.len == n)
		return ((ssize_t(*)(int, struct msghdr *, int))real)(fd, msg,
								     flags);
	r = fs_iov_run(fd, msg->msg_iov, msg->msg_iovlen, p.len, msg, flags,
		       fs_call_msg, real);
	return fs_done(fd, name, &p, n, r);
}

FS_API ssize_t read(int fd, void *buf, size_t n)
{
	struct fs_plan p;

	if (fs_plan(fd, FS_RD, n, 0, &p))
		return fs_fail(fd, "read", &p, n);
	return fs_done(fd, "read", &p, n, FS_REAL(read)(fd, buf, p.len));
}

FS_API ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	struct fs_plan p;

	if (n > buflen) /* let glibc report the overflow as it would */
		return FS_REAL(__read_chk)(fd, buf, n, buflen);
	if (fs_plan(fd, FS_RD, n, 0, &p))
		return fs_fail(fd, "__read_chk", &p, n);
	return fs_done(fd, "__read_chk", &p, n, FS_REAL(read)(fd, buf, p.len));
}

FS_API ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	struct fs_plan p;

	if (fs_plan(fd, FS_RD, n, flags, &p))
		return fs_fail(fd, "recv", &p, n);
	return fs_done(fd, "recv", &p, n, FS_REAL(recv)(fd, buf, p.len, flags));
}

FS_API ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags)
{
	struct fs_plan p;

	if (n > buflen)
		return FS_REAL(__recv_chk)(fd, buf, n, buflen, flags);
	if (fs_plan(fd, FS_RD, n, flags, &p))
		return fs_fail(fd, "__recv_chk", &p, n);
	return fs_done(fd, "__recv_chk", &p, n,
		       FS_REAL(recv)(fd, buf, p.len, flags));
}

FS_API ssize_t recvfrom(int fd, void *buf, size_t n, int flags,
			struct sockaddr *addr, socklen_t *alen)
{
	struct fs_plan p;

	if (fs_plan(fd, FS_RD, n, flags, &p))
		return fs_fail(fd, "recvfrom", &p, n);
	return fs_done(fd, "recvfrom", &p, n,
		       FS_REAL(recvfrom)(fd, buf, p.len, flags, addr, alen));
}

FS_API ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen,
			      int flags, struct sockaddr *addr, socklen_t *alen)
{
	struct fs_plan p;

	if (n > buflen)
		return FS_REAL(__recvfrom_chk)(fd, buf, n, buflen, flags, addr,
					       alen);
	if (fs_plan(fd, FS_RD, n, flags, &p))
		return fs_fail(fd, "__recvfrom_chk", &p, n);
	return fs_done(fd, "__recvfrom_chk", &p, n,
		       FS_REAL(recvfrom)(fd, buf, p.len, flags, addr, alen));
}

FS_API ssize_t write(int fd, const void *buf, size_t n)
{
	struct fs_plan p;

	if (fs_plan(fd, FS_WR, n, 0, &p))
		return fs_fail(fd, "write", &p, n);
	return fs_done(fd, "write", &p, n, FS_REAL(write)(fd, buf, p.len));
}

FS_API ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	struct fs_plan p;

	if (fs_plan(fd, FS_WR, n, flags, &p))
		return fs_fail(fd, "send", &p, n);
	return fs_done(fd, "send", &p, n, FS_REAL(send)(fd, buf, p.len, flags));
}

FS_API ssize_t sendto(int fd, const void *buf, size_t n, int flags,
		      const struct sockaddr *addr, socklen_t alen)
{
	struct fs_plan p;

	if (fs_plan(fd, FS_WR, n, flags, &p))
		return fs_fail(fd, "sendto", &p, n);
	return fs_done(fd, "sendto", &p, n,
		       FS_REAL(sendto)(fd, buf, p.len, flags, addr, alen));
}

FS_API ssize_t readv(int fd, const struct iovec *iov, int cnt)
{
	return fs_readv_like(fd, iov, cnt, FS_RD, "readv",
			     fs_real(&fs_real_readv, "readv"));
}

FS_API ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	return fs_readv_like(fd, iov, cnt, FS_WR, "writev",
			     fs_real(&fs_real_writev, "writev"));
}

FS_API ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	return fs_msg_like(fd, msg, flags, FS_RD, "recvmsg",
			   fs_real(&fs_real_recvmsg, "recvmsg"));
}

FS_API ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	/* Only the copy is changed; the caller's header stays as it was. */
	struct msghdr m = *msg;

	return fs_msg_like(fd, &m, flags, FS_WR, "sendmsg",
			   fs_real(&fs_real_sendmsg, "sendmsg"));
}

/* Descriptor numbers: forget what we knew when a number is retired or
 * handed out again, so a reused number is looked at afresh. */
static int fs_new(int fd)
{
	int saved = errno;

	if (fd >= 0) {
		fs_forget(fd);
		fs_number(fd);
	}
	errno = saved;
	return fd;
}

FS_API int close(int fd)
{
	int rc = FS_REAL(close)(fd);
	int saved = errno;

	fs_forget(fd);
	errno = saved;
	return rc;
}

FS_API int dup(int fd)
{
	return fs_new(FS_REAL(dup)(fd));
}

FS_API int dup2(int fd, int nfd)
{
	return fs_new(FS_REAL(dup2)(fd, nfd));
}

FS_API int dup3(int fd, int nfd, int flags)
{
	return fs_new(FS_REAL(dup3)(fd, nfd, flags));
}

FS_API int socket(int domain, int type, int proto)
{
	return fs_new(FS_REAL(socket)(domain, type, proto));
}

FS_API int accept(int fd, struct sockaddr *addr, socklen_t *alen)
{
	return fs_new(FS_REAL(accept)(fd, addr, alen));
}

FS_API int accept4(int fd, struct sockaddr *addr, socklen_t *alen, int flags)
{
	return fs_new(FS_REAL(accept4)(fd, addr, alen, flags));
}

FS_API int socketpair(int domain, int type, int proto, int sv[2])
{
	int rc = FS_REAL(socketpair)(domain, type, proto, sv);

	if (rc == 0) {
		fs_new(sv[0]);
		fs_new(sv[1]);
	}
	return rc;
}

FS_API int pipe(int fds[2])
{
	int rc = FS_REAL(pipe)(fds);

	if (rc == 0) {
		fs_new(fds[0]);
		fs_new(fds[1]);
	}
	return rc;
}

FS_API int pipe2(int fds[2], int flags)
{
	int rc = FS_REAL(pipe2)(fds, flags);

	if (rc == 0) {
		fs_new(fds[0]);
		fs_new(fds[1]);
	}
	return rc;
}
