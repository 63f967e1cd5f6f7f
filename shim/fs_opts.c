/* fragshim options (fs_opts.h): the words shared by FRAGSHIM and the
 * launcher. Runs in the shim's constructor, so it may allocate (schedule
 * lists) but never prints. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cm_opt.h"
#include "fs_opts.h"

const char fs_opts_help[] =
    "  --split POLICY     schedule for reads and writes (bytes, fixed:N,\n"
    "                     random:MIN-MAX, list:A,B,...; default whole)\n"
    "  --read POLICY      schedule for reads only\n"
    "  --write POLICY     schedule for writes only\n"
    "  --eintr P          fail a blocking call with EINTR with\n"
    "                     probability P while the program has a signal\n"
    "                     handler without SA_RESTART\n"
    "  --eintr-any        strict: EINTR even when no such handler exists\n"
    "  --eagain P         fail with EAGAIN with probability P, only on\n"
    "                     non-blocking descriptors or with MSG_DONTWAIT\n"
    "  --seed S           seed of every decision (default 1)\n"
    "  --fds CLASSES      comma list of tcp, stream (default), sockets,\n"
    "                     pipes\n"
    "  --log FILE         one line per injected event, appended\n"
    "  --no-children      programs this one execs run without the shim\n";

struct fs_word {
	const char *name;
	int has_arg;
};

static const struct fs_word fs_words[] = {
    {"split", 1},  {"read", 1},	       {"write", 1}, {"eintr", 1},
    {"eagain", 1}, {"eintr-any", 0},   {"seed", 1},  {"fds", 1},
    {"log", 1},	   {"no-children", 0},
};

void fs_opts_init(struct fs_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->rd.kind = FR_SCHED_WHOLE;
	o->wr.kind = FR_SCHED_WHOLE;
	o->seed = 1;
	o->fds = FS_FD_STREAM;
}

void fs_opts_free(struct fs_opts *o)
{
	fr_sched_free(&o->rd);
	fr_sched_free(&o->wr);
}

int fs_opts_has_arg(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(fs_words) / sizeof(fs_words[0]); i++)
		if (strcmp(fs_words[i].name, name) == 0)
			return fs_words[i].has_arg;
	return -1;
}

static int fs_err(char *err, size_t errlen, const char *name, const char *val,
		  const char *what)
{
	snprintf(err, errlen, "--%s: '%s' %s", name, val ? val : "", what);
	return -EINVAL;
}

static int fs_sched(struct fr_sched *dst, const char *name, const char *val,
		    char *err, size_t errlen)
{
	struct fr_sched s;
	char msg[200];

	if (fr_sched_parse(&s, val, msg, sizeof(msg)) != 0) {
		snprintf(err, errlen, "--%s: %s", name, msg);
		return -EINVAL;
	}
	if (s.kind == FR_SCHED_COALESCE) {
		fr_sched_free(&s);
		return fs_err(err, errlen, name, val,
			      "is not a schedule the shim can apply (a call "
			      "cannot wait for more data)");
	}
	fr_sched_free(dst);
	*dst = s;
	return 0;
}

static int fs_fds(struct fs_opts *o, const char *val, char *err, size_t errlen)
{
	unsigned bits = 0;
	const char *p = val;

	while (*p) {
		size_t n = strcspn(p, ",");

		if (n == 3 && strncmp(p, "tcp", n) == 0)
			bits |= FS_FD_TCP;
		else if (n == 6 && strncmp(p, "stream", n) == 0)
			bits |= FS_FD_STREAM;
		else if (n == 7 && strncmp(p, "sockets", n) == 0)
			bits |= FS_FD_SOCKETS;
		else if (n == 5 && strncmp(p, "pipes", n) == 0)
			bits |= FS_FD_PIPES;
		else
			return fs_err(err, errlen, "fds", val,
				      "is not a list of tcp, stream, sockets, "
				      "pipes");
		p += n;
		if (*p == ',')
			p++;
	}
	if (bits == 0)
		return fs_err(err, errlen, "fds", val, "names no class");
	o->fds = bits;
	return 0;
}

int fs_opts_set(struct fs_opts *o, const char *name, const char *val, char *err,
		size_t errlen)
{
	char opt[32];
	int has = fs_opts_has_arg(name);

	if (has < 0) {
		snprintf(err, errlen, "unknown option '--%s'", name);
		return -EINVAL;
	}
	if (has && val == NULL) {
		snprintf(err, errlen, "--%s needs a value", name);
		return -EINVAL;
	}
	if (!has && val != NULL)
		return fs_err(err, errlen, name, val, "given to a flag");
	snprintf(opt, sizeof(opt), "--%s", name);
	if (strcmp(name, "split") == 0) {
		if (fs_sched(&o->rd, name, val, err, errlen))
			return -EINVAL;
		fr_sched_free(&o->wr);
		return fr_sched_copy(&o->wr, &o->rd) ? -ENOMEM : 0;
	}
	if (strcmp(name, "read") == 0)
		return fs_sched(&o->rd, name, val, err, errlen);
	if (strcmp(name, "write") == 0)
		return fs_sched(&o->wr, name, val, err, errlen);
	if (strcmp(name, "eintr") == 0)
		return cm_opt_double(opt, val, 0, 1, &o->p_eintr, err, errlen);
	if (strcmp(name, "eagain") == 0)
		return cm_opt_double(opt, val, 0, 1, &o->p_eagain, err, errlen);
	if (strcmp(name, "seed") == 0)
		return cm_opt_uint(opt, val, 0, UINT64_MAX, &o->seed, err,
				   errlen);
	if (strcmp(name, "fds") == 0)
		return fs_fds(o, val, err, errlen);
	if (strcmp(name, "log") == 0) {
		if (val[0] == '\0' || strlen(val) >= sizeof(o->log))
			return fs_err(err, errlen, name, val,
				      "is not a usable path");
		strcpy(o->log, val);
		return 0;
	}
	if (strcmp(name, "eintr-any") == 0)
		o->eintr_any = true;
	else
		o->no_children = true;
	return 0;
}

/* Copy the next white-space separated word of *p into buf. */
static bool fs_word(const char **p, char *buf, size_t cap, bool *too_long)
{
	const char *s = *p + strspn(*p, " \t\n");
	size_t n = strcspn(s, " \t\n");

	*p = s + n;
	*too_long = n >= cap;
	if (n == 0 || *too_long)
		return n != 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return true;
}

int fs_opts_parse(struct fs_opts *o, const char *text, char *err, size_t errlen)
{
	char word[FS_PATH_MAX + 64], val[FS_PATH_MAX + 64];
	const char *p = text;
	bool long_word;

	while (fs_word(&p, word, sizeof(word), &long_word)) {
		char *eq, *name = word + 2;
		const char *v = NULL;
		int has, rc;

		if (long_word || strncmp(word, "--", 2) != 0) {
			snprintf(err, errlen, "%s: '%.40s' is not an option",
				 FS_ENV, word);
			return -EINVAL;
		}
		eq = strchr(name, '=');
		if (eq) {
			*eq = '\0';
			v = eq + 1;
		}
		has = fs_opts_has_arg(name);
		if (has > 0 && v == NULL) {
			if (fs_word(&p, val, sizeof(val), &long_word) &&
			    !long_word)
				v = val;
		}
		rc = fs_opts_set(o, name, v, err, errlen);
		if (rc)
			return rc;
	}
	return 0;
}
