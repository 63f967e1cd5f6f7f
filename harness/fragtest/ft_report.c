/* Results for people and for CI: failure lines with the reproduce command,
 * JSON and JUnit XML files. The HTML report lives in ft_html.c. */
#include <errno.h>
#include <string.h>

#include "ft.h"
#include "ft_opts.h"

#define FT_SHOW_CONNS 3

bool ft_cell_ok(const struct ft_cell *c)
{
	bool pass = ft_result_ok(&c->res);

	if (c->expect_fail)
		return !pass && c->res.setup_err != FT_SETUP_ERROR;
	return pass;
}

const char *ft_cell_word(const struct ft_cell *c)
{
	if (!c->ran)
		return "skipped";
	if (c->res.setup_err == FT_SETUP_ERROR)
		return "ERROR";
	if (ft_result_ok(&c->res))
		return c->expect_fail ? "XPASS" : "pass";
	return c->expect_fail ? "xfail" : "FAIL";
}

void ft_print_failures(const struct ft_cell *c)
{
	const struct ft_result *r = &c->res;
	const char *label = c->opts.label;
	unsigned shown = 0, failed = 0;
	unsigned max = c->expect_fail ? 1 : FT_SHOW_CONNS;

	if (ft_result_ok(r))
		return;
	for (unsigned i = 0; i < r->n; i++) {
		if (r->v[i].status == FT_PASS)
			continue;
		failed++;
		if (r->setup_err == FT_SETUP_ERROR || shown >= max)
			continue;
		shown++;
		fprintf(stderr, "%s: %s%sconnection %u: %s\n", FT_PROG,
			label ? label : "", label ? ": " : "", i, r->v[i].msg);
	}
	if (failed > shown && r->setup_err != FT_SETUP_ERROR)
		fprintf(stderr, "%s: %s%s%u more connections failed\n", FT_PROG,
			label ? label : "", label ? ": " : "", failed - shown);
	if (r->setup_err)
		fprintf(stderr, "%s: %s%s%s\n", FT_PROG, label ? label : "",
			label ? ": " : "", r->setup_msg);
	fprintf(stderr, "reproduce: %s\n", r->reproduce);
}

void ft_escape(FILE *f, const char *s, bool xml)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (xml && ch == '<')
			fputs("&lt;", f);
		else if (xml && ch == '>')
			fputs("&gt;", f);
		else if (xml && ch == '&')
			fputs("&amp;", f);
		else if (xml && ch == '"')
			fputs("&quot;", f);
		else if (xml && ch == '\'')
			fputs("&#39;", f);
		else if (!xml && (ch == '"' || ch == '\\'))
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(f, xml ? "&#%u;" : "\\u%04x",
				xml && ch != '\n' && ch != '\t' ? '?' : ch);
		else
			fputc(ch, f);
	}
}

static const char *ft_status_name(enum ft_status s)
{
	return s == FT_PASS ? "pass" : s == FT_DIVERGE ? "diverge" : "error";
}

static void ft_json_str(FILE *f, const char *key, const char *val, bool comma)
{
	fprintf(f, "\"%s\": \"", key);
	ft_escape(f, val ? val : "", false);
	fprintf(f, "\"%s", comma ? ", " : "");
}

static void ft_json_cell(FILE *f, const struct ft_cell *c)
{
	const struct ft_result *r = &c->res;

	fputs("    {", f);
	ft_json_str(f, "server", c->server, true);
	ft_json_str(f, "framing", c->framing, true);
	ft_json_str(f, "split", c->policy, true);
	ft_json_str(f, "result", ft_cell_word(c), true);
	fprintf(f,
		"\"expect_fail\": %s, \"ok\": %s, \"seed\": %llu, "
		"\"seconds\": %.3f, \"frames\": %llu, ",
		c->expect_fail ? "true" : "false",
		ft_cell_ok(c) ? "true" : "false",
		(unsigned long long)c->opts.seed, r->seconds,
		(unsigned long long)r->frames);
	ft_json_str(f, "error", r->setup_err ? r->setup_msg : "", true);
	ft_json_str(f, "reproduce", r->reproduce, true);
	fputs("\"connections\": [", f);
	for (unsigned i = 0; i < r->n; i++) {
		const struct ft_verdict *v = &r->v[i];

		fprintf(f,
			"%s\n      {\"conn\": %u, \"status\": \"%s\", "
			"\"frames_ok\": %llu",
			i ? "," : "", i, ft_status_name(v->status),
			(unsigned long long)v->frames_ok);
		if (v->status != FT_PASS) {
			fprintf(f,
				", \"frame\": %llu, \"byte\": %llu, "
				"\"echo_offset\": %llu, ",
				(unsigned long long)v->frame,
				(unsigned long long)v->byte,
				(unsigned long long)v->down_off);
			ft_json_str(f, "message", v->msg, false);
		}
		fputc('}', f);
	}
	fputs("]}", f);
}

static int ft_write_json(const char *path, const struct ft_cell *cells,
			 size_t n)
{
	FILE *f = fopen(path, "w");
	bool ok = true;

	if (!f)
		return -1;
	for (size_t i = 0; i < n; i++)
		ok = ok && ft_cell_ok(&cells[i]);
	fprintf(f, "{\n  \"tool\": \"fragtest\", \"ok\": %s,\n  \"cells\": [\n",
		ok ? "true" : "false");
	for (size_t i = 0; i < n; i++) {
		ft_json_cell(f, &cells[i]);
		fputs(i + 1 < n ? ",\n" : "\n", f);
	}
	fputs("  ]\n}\n", f);
	return fclose(f) == 0 ? 0 : -1;
}

static void ft_junit_case(FILE *f, const struct ft_cell *c)
{
	const struct ft_result *r = &c->res;

	fputs("    <testcase classname=\"fragtest.", f);
	ft_escape(f, c->server, true);
	fputs("\" name=\"", f);
	ft_escape(f, c->framing, true);
	fputs(" split=", f);
	ft_escape(f, c->policy, true);
	fprintf(f, "\" time=\"%.3f\">\n", r->seconds);
	if (!ft_cell_ok(c)) {
		const char *tag =
		    r->setup_err == FT_SETUP_ERROR ? "error" : "failure";
		fprintf(f, "      <%s message=\"%s\">", tag, ft_cell_word(c));
		if (r->setup_err)
			ft_escape(f, r->setup_msg, true), fputc('\n', f);
		for (unsigned i = 0; i < r->n; i++) {
			if (r->v[i].status == FT_PASS)
				continue;
			fprintf(f, "connection %u: ", i);
			ft_escape(f, r->v[i].msg, true);
			fputc('\n', f);
		}
		if (c->expect_fail && ft_result_ok(r))
			fputs("expected to fail, but every connection passed\n",
			      f);
		fputs("reproduce: ", f);
		ft_escape(f, r->reproduce, true);
		fprintf(f, "</%s>\n", tag);
	} else if (c->expect_fail) {
		fputs("      <system-out>failed as expected; reproduce: ", f);
		ft_escape(f, r->reproduce, true);
		fputs("</system-out>\n", f);
	}
	fputs("    </testcase>\n", f);
}

static int ft_write_junit(const char *path, const struct ft_cell *cells,
			  size_t n)
{
	FILE *f = fopen(path, "w");
	unsigned failures = 0, errors = 0;
	double t = 0;

	if (!f)
		return -1;
	for (size_t i = 0; i < n; i++) {
		t += cells[i].res.seconds;
		if (ft_cell_ok(&cells[i]))
			continue;
		if (cells[i].res.setup_err == FT_SETUP_ERROR)
			errors++;
		else
			failures++;
	}
	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
		"  <testsuite name=\"fragtest\" tests=\"%zu\" failures=\"%u\" "
		"errors=\"%u\" time=\"%.3f\">\n",
		n, failures, errors, t);
	for (size_t i = 0; i < n; i++)
		ft_junit_case(f, &cells[i]);
	fputs("  </testsuite>\n</testsuites>\n", f);
	return fclose(f) == 0 ? 0 : -1;
}

int ft_write_outputs(const struct ft_outputs *out, const struct ft_cell *cells,
		     size_t n)
{
	struct {
		const char *path, *what;
		int (*write)(const char *, const struct ft_cell *, size_t);
	} jobs[] = {
	    {out->json, "--json", ft_write_json},
	    {out->junit, "--junit", ft_write_junit},
	    {out->html, "--html", ft_write_html},
	};
	int rc = 0;

	for (size_t i = 0; i < sizeof(jobs) / sizeof(jobs[0]); i++) {
		if (!jobs[i].path || jobs[i].write(jobs[i].path, cells, n) == 0)
			continue;
		ft_err("%s: cannot write %s: %s", jobs[i].what, jobs[i].path,
		       strerror(errno));
		rc = -1;
	}
	return rc;
}
