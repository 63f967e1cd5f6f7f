/* fragproxy split policies: parsing a policy's text, reading file:PATH
 * without ever blocking the loop (non-blocking open, regular files only,
 * bounded size), and the reference-counted schedules connections share. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cm_buf.h"
#include "fp_internal.h"

/* Same answer for every way a confined file: can fail, so the control API
 * does not tell which files exist. */
#define CONFINED_REFUSAL                                                       \
	"file:%s: not a readable regular file of at most 1 MiB directly in "   \
	"--policy-dir"

static int why(char *err, size_t len, int rc, const char *fmt, const char *arg)
{
	snprintf(err, len, fmt, arg);
	return rc;
}

/* Whole file at fd (regular, at most FP_POLICY_FILE_MAX) into b. */
static int slurp(int fd, struct cm_buf *b)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if (st.st_size > FP_POLICY_FILE_MAX)
		return -EFBIG;
	for (;;) {
		if (cm_buf_reserve(b, 4096))
			return -ENOMEM;
		ssize_t n = read(fd, cm_buf_tail(b), cm_buf_room(b));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		cm_buf_commit(b, (size_t)n);
		if (cm_buf_len(b) > FP_POLICY_FILE_MAX)
			return -EFBIG; /* grew while we read */
	}
}

/* Sizes separated by white space or commas, '#' to the end of a line a
 * comment, into "list:A,B,..." (NUL-terminated) in out. */
static int to_list(const struct cm_buf *in, struct cm_buf *out, char *err,
		   size_t len)
{
	const char *s = (const char *)cm_buf_data(in);
	size_t n = cm_buf_len(in), i = 0, count = 0;

	if (cm_buf_append(out, "list:", 5))
		return -ENOMEM;
	while (i < n) {
		if (s[i] == '#') {
			while (i < n && s[i] != '\n')
				i++;
			continue;
		}
		if (strchr(" \t\r\n,", s[i])) {
			i++;
			continue;
		}
		size_t t = i;
		while (i < n && !strchr(" \t\r\n,#", s[i])) {
			if (s[i] < '0' || s[i] > '9') {
				snprintf(err, len, "'%.*s' is not a chunk size",
					 (int)(i + 1 - t < 20 ? i + 1 - t : 20),
					 s + t);
				return -EINVAL;
			}
			i++;
		}
		if ((count++ && cm_buf_append(out, ",", 1)) ||
		    cm_buf_append(out, s + t, i - t))
			return -ENOMEM;
	}
	if (!count) {
		snprintf(err, len, "no chunk sizes");
		return -EINVAL;
	}
	return cm_buf_append(out, "", 1) ? -ENOMEM : 0;
}

static int parse_file(struct fr_sched *s, const char *path, int dirfd,
		      bool confined, char *err, size_t len)
{
	struct cm_buf raw = {0}, text = {0};
	char sub[200];
	int fd, rc;

	if (confined && dirfd < 0)
		return why(err, len, -EPERM,
			   "file: policies are refused on the control API "
			   "unless fragproxy runs with --policy-dir DIR%s",
			   "");
	if (confined && (!*path || strchr(path, '/') || !strcmp(path, ".") ||
			 !strcmp(path, "..")))
		return why(err, len, -EPERM, CONFINED_REFUSAL, path);
	fd = openat(confined ? dirfd : AT_FDCWD, path,
		    O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC |
			(confined ? O_NOFOLLOW : 0));
	rc = fd < 0 ? -errno : slurp(fd, &raw);
	if (fd >= 0)
		close(fd);
	if (rc && confined) {
		why(err, len, -EPERM, CONFINED_REFUSAL, path);
		rc = -EPERM;
	} else if (rc) {
		snprintf(err, len, "file:%s: %s", path,
			 rc == -EINVAL	? "not a regular file"
			 : rc == -EFBIG ? "larger than 1 MiB"
					: strerror(-rc));
	} else if ((rc = to_list(&raw, &text, sub, sizeof(sub))) != 0) {
		snprintf(err, len, "file:%s: %s", path,
			 rc == -ENOMEM ? "out of memory" : sub);
	} else if (fr_sched_parse(s, (const char *)cm_buf_data(&text), sub,
				  sizeof(sub)) != FR_OK) {
		snprintf(err, len, "file:%s: %s", path, sub);
		rc = -EINVAL;
	}
	cm_buf_free(&raw);
	cm_buf_free(&text);
	return rc;
}

int fp_policy_parse(struct fr_sched *s, const char *text, int dirfd,
		    bool confined, char *err, size_t len)
{
	if (strncmp(text, "file:", 5) == 0)
		return parse_file(s, text + 5, dirfd, confined, err, len);
	if (fr_sched_parse(s, text, err, len) != FR_OK)
		return -EINVAL;
	return 0;
}

struct fp_policy *fp_policy_new(struct fp_proxy *p, const struct fr_sched *s)
{
	struct fp_policy *pol = calloc(1, sizeof(*pol));

	if (!pol)
		return NULL;
	if (fr_sched_copy(&pol->s, s) != FR_OK) {
		free(pol);
		return NULL;
	}
	pol->refs = 1;
	FP_STAT_ADD(p, policies, 1);
	return pol;
}

struct fp_policy *fp_policy_get(struct fp_policy *pol)
{
	if (pol)
		pol->refs++;
	return pol;
}

void fp_policy_put(struct fp_proxy *p, struct fp_policy *pol)
{
	if (!pol || --pol->refs > 0)
		return;
	fr_sched_free(&pol->s);
	free(pol);
	FP_STAT_ADD(p, policies, (uint64_t)-1);
}
