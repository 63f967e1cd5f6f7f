/* fragtest --html: one self-contained page (no external resources): the
 * matrix table and, per failure, an inline SVG timeline of the chunk
 * boundaries fragproxy made (its --record file) against the frame
 * boundaries, with the offset where the echo went wrong. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cm_buf.h"
#include "cm_record.h"
#include "ft.h"

#define FT_SVG_W 960
#define FT_WIN_BYTES 480 /* stream bytes drawn around a failure */

struct ft_span {
	uint64_t off, end; /* stream bytes [off, end) */
};

struct ft_chunks {
	struct ft_span *s; /* chunks in stream order */
	size_t n, cap;
};

/* What ft_load_record collects: one connection's chunks, [0] up, [1] down. */
struct ft_record_conn {
	uint64_t conn;
	struct ft_chunks *ch;
};

static const char ft_css[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}"
    "table{border-collapse:collapse}td,th{padding:2px 10px;"
    "border-bottom:1px solid #ddd;text-align:left}"
    "td.num{text-align:right}.pass{color:#176f2c}.xfail{color:#8a6d00}"
    ".FAIL,.ERROR,.XPASS{color:#b00020;font-weight:bold}"
    "pre{background:#f4f4f4;padding:6px;white-space:pre-wrap}"
    "section{margin-top:2em}svg{border:1px solid #ccc;background:#fff}"
    ".legend span{margin-right:1.5em}";

static int ft_record_row(void *arg, const struct cm_record_row *row)
{
	struct ft_record_conn *rc = arg;
	struct ft_chunks *c = &rc->ch[row->dir];
	struct ft_span *s;

	if (row->conn != rc->conn)
		return 0;
	s = cm_grow(c->s, &c->cap, c->n + 1, sizeof(*c->s));
	if (!s)
		return -ENOMEM;
	c->s = s;
	s[c->n].off = row->offset;
	s[c->n++].end = row->offset + row->size;
	return 0;
}

/* Chunks fragproxy wrote for connection conn: [0] up, [1] down. A record
 * that cannot be read (or memory that runs out) leaves what was read: the
 * timeline then says no chunks were recorded, or shows fewer. */
static void ft_load_record(const char *path, unsigned conn,
			   struct ft_chunks ch[2])
{
	struct ft_record_conn rc = {.conn = conn, .ch = ch};
	char err[256];

	if (path && path[0])
		cm_record_each(path, ft_record_row, &rc, err, sizeof(err));
}

static double ft_x(uint64_t off, uint64_t lo, uint64_t hi)
{
	return 10.0 + (double)(off - lo) * (FT_SVG_W - 20) / (double)(hi - lo);
}

/* One bar for stream bytes [s, e), clipped to the window [lo, hi). */
static void ft_svg_span(FILE *f, uint64_t s, uint64_t e, uint64_t lo,
			uint64_t hi, int y, const char *fill, const char *what,
			uint64_t idx)
{
	if (e <= lo || s >= hi)
		return;
	s = s < lo ? lo : s;
	e = e > hi ? hi : e;
	fprintf(f,
		"<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"18\" "
		"fill=\"%s\" stroke=\"#555\" stroke-width=\"0.5\">",
		ft_x(s, lo, hi), y, ft_x(e, lo, hi) - ft_x(s, lo, hi), fill);
	if (what)
		fprintf(f, "<title>%s %llu</title>", what,
			(unsigned long long)idx);
	fputs("</rect>\n", f);
}

static void ft_svg_chunks(FILE *f, const struct ft_chunks *c, uint64_t lo,
			  uint64_t hi, int y, const char *label)
{
	fprintf(f, "<text x=\"10\" y=\"%d\">%s</text>\n", y - 4, label);
	if (!c->n) {
		fprintf(
		    f,
		    "<text x=\"10\" y=\"%d\" fill=\"#888\">(no chunks recorded)"
		    "</text>\n",
		    y + 14);
		return;
	}
	for (size_t i = 0; i < c->n; i++) {
		uint64_t s = c->s[i].off, e = c->s[i].end;

		ft_svg_span(f, s, e, lo, hi, y, i % 2 ? "#cfe3ff" : "#9cc3f5",
			    NULL, 0);
	}
}

static void ft_svg_frames(FILE *f, const uint64_t *ends, uint64_t nframes,
			  uint64_t bad, uint64_t lo, uint64_t hi, int y)
{
	fprintf(f,
		"<text x=\"10\" y=\"%d\">frames sent (wire offsets)"
		"</text>\n",
		y - 4);
	for (uint64_t i = 0; i < nframes; i++) {
		uint64_t s = i ? ends[i - 1] : 0, e = ends[i];

		ft_svg_span(f, s, e, lo, hi, y,
			    i == bad ? "#f3a1a1"
			    : i % 2  ? "#d9f0d3"
				     : "#b4deab",
			    "frame", i);
	}
}

static void ft_timeline(FILE *f, const struct ft_cell *c,
			const struct ft_verdict *v)
{
	const uint64_t *ends = c->res.up_ends ? c->res.up_ends[v->conn] : NULL;
	struct ft_chunks ch[2] = {{0}};
	uint64_t nframes = c->opts.messages, lo, hi, mark;

	if (!ends || !nframes)
		return;
	/* frames actually encoded: ends[] is filled in order, zero after */
	while (nframes > 0 && ends[nframes - 1] == 0)
		nframes--;
	if (!nframes)
		return;
	mark = v->down_off;
	lo = mark > FT_WIN_BYTES / 2 ? mark - FT_WIN_BYTES / 2 : 0;
	hi = lo + FT_WIN_BYTES;
	if (hi > ends[nframes - 1])
		hi = ends[nframes - 1];
	if (hi <= lo)
		hi = lo + 1;
	ft_load_record(c->res.record, v->conn, ch);
	fprintf(f,
		"<p>connection %u, stream bytes %llu&ndash;%llu:</p>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		"height=\"150\" font-size=\"11\" role=\"img\">\n",
		v->conn, (unsigned long long)lo, (unsigned long long)hi,
		FT_SVG_W);
	ft_svg_frames(f, ends, nframes, v->frame, lo, hi, 20);
	ft_svg_chunks(f, &ch[0], lo, hi, 62, "fragproxy chunks to the server");
	ft_svg_chunks(f, &ch[1], lo, hi, 104, "fragproxy chunks of the echo");
	if (mark >= lo && mark <= hi)
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"10\" x2=\"%.1f\" y2=\"128\" "
			"stroke=\"#d00\" stroke-width=\"2\"/><text x=\"%.1f\" "
			"y=\"144\" fill=\"#d00\">echo frame %llu went wrong "
			"(echo offset %llu)</text>\n",
			ft_x(mark, lo, hi), ft_x(mark, lo, hi),
			ft_x(mark, lo, hi) > FT_SVG_W - 260
			    ? FT_SVG_W - 260.0
			    : ft_x(mark, lo, hi),
			(unsigned long long)v->frame, (unsigned long long)mark);
	fputs("</svg>\n", f);
	free(ch[0].s);
	free(ch[1].s);
}

static void ft_html_failure(FILE *f, const struct ft_cell *c, size_t idx)
{
	const struct ft_result *r = &c->res;
	const struct ft_verdict *first = NULL;

	fprintf(f, "<section id=\"cell-%zu\"><h2>", idx);
	ft_escape(f, c->opts.label ? c->opts.label : c->server, true);
	fprintf(f, " &mdash; <span class=\"%s\">%s</span></h2>\n",
		ft_cell_word(c), ft_cell_word(c));
	if (r->setup_err) {
		fputs("<p>", f);
		ft_escape(f, r->setup_msg, true);
		fputs("</p>\n", f);
	}
	fputs("<ul>\n", f);
	for (unsigned i = 0; i < r->n; i++) {
		if (r->v[i].status == FT_PASS)
			continue;
		if (!first)
			first = &r->v[i];
		fprintf(f, "<li>connection %u: ", i);
		ft_escape(f, r->v[i].msg, true);
		fputs("</li>\n", f);
	}
	fputs("</ul>\n<pre>reproduce: ", f);
	ft_escape(f, r->reproduce, true);
	fputs("</pre>\n", f);
	if (first && r->setup_err != FT_SETUP_ERROR)
		ft_timeline(f, c, first);
	fputs("</section>\n", f);
}

static void ft_html_row(FILE *f, const struct ft_cell *c, size_t idx)
{
	const char *w = ft_cell_word(c);
	unsigned ok = 0;

	for (unsigned k = 0; k < c->res.n; k++)
		ok += c->res.v[k].status == FT_PASS;
	fputs("<tr><td>", f);
	ft_escape(f, c->server, true);
	fputs("</td><td>", f);
	ft_escape(f, c->framing, true);
	fputs("</td><td>", f);
	ft_escape(f, c->policy, true);
	if (ft_result_ok(&c->res))
		fprintf(f, "</td><td class=\"%s\">%s", w, w);
	else
		fprintf(f, "</td><td class=\"%s\"><a href=\"#cell-%zu\">%s</a>",
			w, idx, w);
	fprintf(f,
		"</td><td class=\"num\">%u/%u</td><td class=\"num\">%llu"
		"</td><td class=\"num\">%.2f s</td></tr>\n",
		ok, c->res.n, (unsigned long long)c->res.frames,
		c->res.seconds);
}

int ft_write_html(const char *path, const struct ft_cell *cells, size_t n)
{
	FILE *f = fopen(path, "w");
	unsigned bad = 0;

	if (!f)
		return -1;
	for (size_t i = 0; i < n; i++)
		bad += !ft_cell_ok(&cells[i]);
	fprintf(f,
		"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset="
		"\"utf-8\"><title>fragtest report</title><style>%s</style>"
		"</head>\n<body>\n<h1>fragtest report</h1>\n<p id=\"summary\">"
		"%zu cells, %u unexpected: %s</p>\n",
		ft_css, n, bad,
		bad ? "<span class=\"FAIL\">NOT as expected</span>"
		    : "<span class=\"pass\">every cell as expected</span>");
	fputs("<table id=\"matrix\"><thead><tr><th>server</th><th>framing"
	      "</th><th>split</th><th>result</th><th>conns ok</th><th>frames"
	      "</th><th>time</th></tr></thead><tbody>\n",
	      f);
	for (size_t i = 0; i < n; i++)
		ft_html_row(f, &cells[i], i);
	fputs("</tbody></table>\n<p class=\"legend\"><span class=\"pass\">pass"
	      "</span><span class=\"xfail\">xfail: failed as expected</span>"
	      "<span class=\"FAIL\">FAIL / XPASS / ERROR: unexpected</span>"
	      "</p>\n",
	      f);
	for (size_t i = 0; i < n; i++)
		if (!ft_result_ok(&cells[i].res))
			ft_html_failure(f, &cells[i], i);
	fputs("<script>document.body.setAttribute('data-loaded', "
	      "String(document.querySelectorAll('#matrix tbody tr').length));"
	      "</script>\n</body></html>\n",
	      f);
	return fclose(f) == 0 ? 0 : -1;
}
