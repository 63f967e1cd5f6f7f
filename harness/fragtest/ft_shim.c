/* fragtest --shim: run a server or client command under libfragshim (the
 * fragshim launcher next to fragtest, options in the FRAGSHIM variable). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ft.h"

/* Appends s in shell single quotes; false when it does not fit. */
static bool ft_shquote(char *buf, size_t len, size_t *o, const char *s)
{
	*o += (size_t)snprintf(buf + *o, *o < len ? len - *o : 0, "'");
	for (; *s; s++)
		*o += (size_t)snprintf(buf + *o, *o < len ? len - *o : 0,
				       *s == '\'' ? "'\\''" : "%c", *s);
	*o += (size_t)snprintf(buf + *o, *o < len ? len - *o : 0, "'");
	return *o < len;
}

/* True when the option list names --seed (as "--seed S" or "--seed=S"). */
static bool ft_has_seed(const char *opts)
{
	for (const char *p = opts; (p = strstr(p, "--seed")) != NULL; p++) {
		bool start = p == opts || p[-1] == ' ' || p[-1] == '\t';
		char end = p[strlen("--seed")];

		if (start && (end == ' ' || end == '\t' || end == '='))
			return true;
	}
	return false;
}

int ft_shim_opts(const char *opts, uint64_t seed, char *buf, size_t len)
{
	int n;

	if (ft_has_seed(opts))
		n = snprintf(buf, len, "%s", opts);
	else
		n = snprintf(buf, len, "%s --seed %" PRIu64, opts, seed);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int ft_shim_cmd(const char *opts, const char *cmd, char *buf, size_t len,
		char *err, size_t errlen)
{
	char bin[4096];
	size_t o = 0;

	if (ft_sibling("fragshim", bin, sizeof(bin)) < 0) {
		snprintf(err, errlen,
			 "fragshim not found next to fragtest (build it: "
			 "target fragshim)");
		return -ENOENT;
	}
	/* exec: the launcher (then the shell, then CMD) stays the process
	 * fragtest started and signals. */
	o += (size_t)snprintf(buf, len, "FRAGSHIM=");
	if (!ft_shquote(buf, len, &o, opts))
		goto too_long;
	o += (size_t)snprintf(buf + o, o < len ? len - o : 0, " exec ");
	if (!ft_shquote(buf, len, &o, bin))
		goto too_long;
	o +=
	    (size_t)snprintf(buf + o, o < len ? len - o : 0, " -- /bin/sh -c ");
	if (!ft_shquote(buf, len, &o, cmd))
		goto too_long;
	return 0;
too_long:
	snprintf(err, errlen, "command under --shim too long");
	return -ENAMETOOLONG;
}

int ft_shim_check(const char **shim, const char *server_cmd, uint64_t seed)
{
	static char buf[1024];

	if (*shim == NULL)
		return 0;
	if (server_cmd == NULL) {
		ft_usage_err("--shim needs --server-cmd (a server fragtest "
			     "starts)");
		return -1;
	}
	if (ft_shim_opts(*shim, seed, buf, sizeof(buf)) < 0) {
		ft_usage_err("--shim options too long");
		return -1;
	}
	*shim = buf;
	return 0;
}
