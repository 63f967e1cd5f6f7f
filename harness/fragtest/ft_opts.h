/* fragtest command line: long option ids shared by run and matrix, and the
 * report outputs both commands can write. */
#ifndef FRAGTEST_FT_OPTS_H
#define FRAGTEST_FT_OPTS_H

#include <getopt.h>

#include "ft.h"

enum ft_optid {
	FT_OPT_SPLIT = 256,
	FT_OPT_UP,
	FT_OPT_DOWN,
	FT_OPT_DELAY,
	FT_OPT_PACE,
	FT_OPT_DIRECT,
	FT_OPT_PROXY_BIN,
	FT_OPT_RECORD,
	FT_OPT_SEED,
	FT_OPT_SIZE,
	FT_OPT_TIMEOUT,
	FT_OPT_START_TIMEOUT,
	FT_OPT_JSON,
	FT_OPT_JUNIT,
	FT_OPT_HTML,
	FT_OPT_NO_PROGRESS,
	FT_OPT_SERVER,
	FT_OPT_MODELS,
	FT_OPT_ECHOD,
	FT_OPT_EXPECT_FAIL,
	FT_OPT_CONFIG,
	FT_OPT_HALF_CLOSE,
	/* capture, diff, client (their own option tables) */
	FT_OPT_SEEDS,
	FT_OPT_QUIET_MS,
	FT_OPT_RESET_CMD,
	FT_OPT_NO_FRESH,
	FT_OPT_MASK,
	FT_OPT_UP_FRAMING,
	FT_OPT_DOWN_FRAMING,
	FT_OPT_SHIM, /* run, diff, client */
};

extern const struct option ft_longopts[];

struct ft_outputs {
	const char *json, *junit, *html;
};

int ft_check_framing(const char *text);
/* A split policy fragproxy accepts (flag names it in the message). */
int ft_check_sched(const char *flag, const char *text);
/* Reports an unknown option or a missing argument (getopt's '?'/':'). */
void ft_bad_opt(char **argv, int opt);
/* Long name of an option id, for messages. */
const char *ft_optname(int opt);
/* Failing connections of a cell and its reproduce line, on stderr. */
void ft_print_failures(const struct ft_cell *c);
/* Writes every requested report; -1 (reported) if one could not be. */
int ft_write_outputs(const struct ft_outputs *out, const struct ft_cell *cells,
		     size_t n);

#endif
