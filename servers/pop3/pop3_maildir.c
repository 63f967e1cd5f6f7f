/* pop3d's mailbox store (pop3_maildir.h): per-user folders
 * of one file per message, flock() on the folder as the RFC 1939 mailbox
 * lock, and durable deletion (unlinkat + fsync of the folder) at UPDATE. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cm_buf.h"
#include "pop3_maildir.h"

#define POP3_MD_BUF ((size_t)64 << 10) /* read size when sizing messages */

struct pop3_md_msg {
	char *name;	/* file name, also the unique-id */
	uint64_t bytes; /* stored size seen at login: RETR stops there */
	uint64_t size;	/* wire size (pop3_wsize) */
};

struct pop3_md_box {
	struct pop3_md_store *st;
	char user[POP3_NAME_MAX + 1];
	int dfd;    /* the user's folder; holds the flock */
	int cur_fd; /* open file of message cur, or -1 */
	size_t cur;
	struct pop3_md_msg *msgs;
	size_t n, cap;
};

__attribute__((format(printf, 2, 3))) static void
pop3_md_log(const struct pop3_md_store *st, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (st->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	st->log(st->log_arg, line);
}

void pop3_md_init(struct pop3_md_store *st, pop3_log_fn log, void *log_arg)
{
	memset(st, 0, sizeof(*st));
	st->rootfd = -1;
	st->log = log;
	st->log_arg = log_arg;
}

void pop3_md_free(struct pop3_md_store *st)
{
	if (st->rootfd >= 0)
		close(st->rootfd);
	if (st->users)
		explicit_bzero(st->users, st->nusers * sizeof(*st->users));
	free(st->users);
	free(st->buf);
	pop3_md_init(st, st->log, st->log_arg);
}

static bool valid_uid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > POP3_UID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

int pop3_md_root_open(struct pop3_md_store *st, const char *dir, char *err,
		      size_t errlen)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", dir,
			 errno == ENOTDIR ? "not a directory"
					  : strerror(errno));
		return -1;
	}
	struct stat sb;
	if (fstat(fd, &sb) != 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		close(fd);
		return -1;
	}
	if (st->rootfd >= 0)
		close(st->rootfd);
	st->rootfd = fd;
	st->root_uid = sb.st_uid;
	return 0;
}

/* Whole-length comparison: the time taken does not depend on where the
 * first difference is. Passwords hold no NUL, so zero padding is exact. */
static bool pass_equal(const char want[POP3_NAME_MAX + 1], const char *got)
{
	char pad[POP3_NAME_MAX + 1] = {0};
	size_t n = strnlen(got, sizeof(pad));
	volatile unsigned char diff = n > POP3_NAME_MAX;

	memcpy(pad, got, n > POP3_NAME_MAX ? POP3_NAME_MAX : n);
	for (size_t i = 0; i < sizeof(pad); i++)
		diff |= (unsigned char)(want[i] ^ pad[i]);
	explicit_bzero(pad, sizeof(pad));
	return diff == 0;
}

static void close_cur(struct pop3_md_box *b)
{
	if (b->cur_fd >= 0)
		close(b->cur_fd);
	b->cur_fd = -1;
}

static void box_free(struct pop3_md_box *b)
{
	if (b == NULL)
		return;
	close_cur(b);
	if (b->dfd >= 0)
		close(b->dfd); /* releases the flock */
	for (size_t i = 0; i < b->n; i++)
		free(b->msgs[i].name);
	free(b->msgs);
	free(b);
}

/* Names in logs: file names may hold anything. */
static const char *printable(const char *s, char *buf, size_t len)
{
	size_t i = 0;

	for (; s[i] && i + 1 < len; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

static int add_msg(struct pop3_md_box *b, const char *name)
{
	struct pop3_md_msg *t = cm_grow(b->msgs, &b->cap, b->n + 1, sizeof(*t));

	if (t == NULL)
		return -1;
	b->msgs = t;
	struct pop3_md_msg *m = &b->msgs[b->n];
	memset(m, 0, sizeof(*m));
	m->name = strdup(name);
	if (m->name == NULL)
		return -1;
	b->n++;
	return 0;
}

static int open_msg(const struct pop3_md_box *b, const struct pop3_md_msg *m)
{
	/* O_NONBLOCK: a FIFO swapped in after the listing must not hang us */
	int fd = openat(b->dfd, m->name,
			O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

	if (fd < 0)
		pop3_md_log(b->st, "mailbox %s: open %s: %s", b->user, m->name,
			    strerror(errno));
	return fd;
}

static int size_msg(struct pop3_md_box *b, struct pop3_md_msg *m)
{
	struct pop3_wsize w = {0};
	ssize_t r;
	int fd = open_msg(b, m);

	if (fd < 0)
		return -1;
	for (;;) {
		r = pread(fd, b->st->buf, POP3_MD_BUF, (off_t)m->bytes);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		pop3_wsize_add(&w, b->st->buf, (size_t)r);
		m->bytes += (uint64_t)r;
	}
	if (r < 0)
		pop3_md_log(b->st, "mailbox %s: read %s: %s", b->user, m->name,
			    strerror(errno));
	close(fd);
	m->size = pop3_wsize_end(&w);
	return r < 0 ? -1 : 0;
}

/* One directory entry: a regular file with a valid unique-id name is a
 * message; dot files are not mail. Returns 0 or an errno. */
static int scan_one(struct pop3_md_box *b, const char *name)
{
	char shown[80];
	struct stat sb;

	if (name[0] == '.')
		return 0;
	if (!valid_uid(name)) {
		pop3_md_log(b->st,
			    "mailbox %s: skipping '%s': not a valid unique-id "
			    "(1..70 of 0x21..0x7e)",
			    b->user, printable(name, shown, sizeof(shown)));
		return 0;
	}
	if (fstatat(b->dfd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT ? 0 : errno; /* gone meanwhile: fine */
	if (!S_ISREG(sb.st_mode))
		return 0;
	return add_msg(b, name) == 0 ? 0 : ENOMEM;
}

static int scan(struct pop3_md_box *b)
{
	int err = 0,
	    fd = openat(b->dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;

	if (d == NULL) {
		err = errno;
		if (fd >= 0)
			close(fd);
		goto out;
	}
	while (err == 0) {
		errno =
		    0; /* readdir's only way to tell an error from the end */
		struct dirent *e = readdir(d);
		if (e == NULL) {
			err = errno;
			break;
		}
		err = scan_one(b, e->d_name);
	}
	closedir(d);
out:
	if (err)
		pop3_md_log(b->st, "mailbox %s: listing: %s", b->user,
			    strerror(err));
	return err ? -1 : 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct pop3_md_msg *)a)->name,
		      ((const struct pop3_md_msg *)b)->name);
}

static int list(struct pop3_md_box *b)
{
	if (b->st->buf == NULL)
		b->st->buf = malloc(POP3_MD_BUF);
	if (b->st->buf == NULL || scan(b) != 0)
		return -1;
	if (b->n > 1)
		qsort(b->msgs, b->n, sizeof(*b->msgs), by_name);
	for (size_t i = 0; i < b->n; i++)
		if (size_msg(b, &b->msgs[i]) != 0)
			return -1;
	return 0;
}

/* The user's folder, never through a symlink (maildir/carol -> ../x would
 * list, serve and unlink files outside the maildir): O_NOFOLLOW, then it
 * must be a directory owned by the maildir's owner. Returns the fd or -1
 * (logged). */
static int user_dir(const struct pop3_md_store *st, const char *name)
{
	struct stat sb;
	int fd = openat(st->rootfd, name,
			O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		pop3_md_log(st, "mailbox %s: %s", name,
			    errno == ELOOP || errno == ENOTDIR
				? "not a directory (symlinks are refused)"
				: strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) != 0 || !S_ISDIR(sb.st_mode) ||
	    sb.st_uid != st->root_uid) {
		pop3_md_log(st,
			    "mailbox %s: not a directory owned by the "
			    "maildir's owner; refused",
			    name);
		close(fd);
		return -1;
	}
	return fd;
}

static int pop3_md_open(void *ctx, const char *user, const char *pass,
			void **out)
{
	static const char nobody[POP3_NAME_MAX + 1];
	struct pop3_md_store *st = ctx;
	const struct pop3_md_user *u = pop3_md_find_user(st, user);
	/* compare even for an unknown user: same work, same reply */
	bool ok = pass_equal(u ? u->pass : nobody, pass);
	int rc = POP3_EIO;

	if (u == NULL || !ok)
		return POP3_EAUTH;
	struct pop3_md_box *b = calloc(1, sizeof(*b));
	if (b == NULL)
		return POP3_EIO;
	b->st = st;
	b->cur_fd = -1;
	snprintf(b->user, sizeof(b->user), "%s", u->name);
	b->dfd = user_dir(st, u->name);
	if (b->dfd < 0)
		goto fail;
	/* the lock is the open file description's: a second login in this
	 * process or another pop3d is refused, a crash releases it */
	if (flock(b->dfd, LOCK_EX | LOCK_NB) != 0) {
		rc = errno == EWOULDBLOCK ? POP3_ELOCKED : POP3_EIO;
		if (rc == POP3_EIO)
			pop3_md_log(st, "mailbox %s: flock: %s", u->name,
				    strerror(errno));
		goto fail;
	}
	if (list(b) != 0)
		goto fail;
	*out = b;
	return POP3_OK;
fail:
	box_free(b);
	return rc;
}

static size_t pop3_md_count(void *box)
{
	return ((struct pop3_md_box *)box)->n;
}

static void pop3_md_info(void *box, size_t i, struct pop3_msginfo *mi)
{
	const struct pop3_md_box *b = box;

	mi->size = b->msgs[i].size;
	mi->uid = b->msgs[i].name;
}

static long pop3_md_read(void *box, size_t i, uint64_t off, void *buf,
			 size_t cap)
{
	struct pop3_md_box *b = box;
	ssize_t r;

	if (i >= b->n)
		return -1;
	if (off >= b->msgs[i].bytes)
		return 0;
	if (cap > b->msgs[i].bytes - off)
		cap = (size_t)(b->msgs[i].bytes - off);
	if (b->cur_fd < 0 || b->cur != i) {
		close_cur(b);
		b->cur_fd = open_msg(b, &b->msgs[i]);
		b->cur = i;
		if (b->cur_fd < 0)
			return -1;
	}
	do
		r = pread(b->cur_fd, buf, cap, (off_t)off);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		pop3_md_log(b->st, "mailbox %s: read %s: %s", b->user,
			    b->msgs[i].name, strerror(errno));
	return r;
}

static size_t pop3_md_commit(void *box, const bool *del)
{
	struct pop3_md_box *b = box;
	size_t marked = 0, failed = 0;

	close_cur(b);
	for (size_t i = 0; i < b->n; i++) {
		if (!del[i])
			continue;
		marked++;
		if (unlinkat(b->dfd, b->msgs[i].name, 0) == 0 ||
		    errno == ENOENT)
			continue;
		failed++;
		pop3_md_log(b->st, "mailbox %s: removing %s: %s", b->user,
			    b->msgs[i].name, strerror(errno));
	}
	if (marked == 0)
		return 0;
	/* the removals are only durable once the folder itself is synced */
	if (fsync(b->dfd) != 0) {
		pop3_md_log(b->st, "mailbox %s: fsync: %s", b->user,
			    strerror(errno));
		return marked;
	}
	return failed;
}

static void pop3_md_close(void *box)
{
	box_free(box);
}

struct pop3_store pop3_md_store_ops(struct pop3_md_store *st)
{
	return (struct pop3_store){.ctx = st,
				   .open = pop3_md_open,
				   .count = pop3_md_count,
				   .info = pop3_md_info,
				   .read = pop3_md_read,
				   .commit = pop3_md_commit,
				   .close = pop3_md_close};
}
