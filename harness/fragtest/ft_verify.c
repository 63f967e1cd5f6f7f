/* Frame-by-frame verification: where an echoed frame first differs from
 * the one sent, described in one line with short hex dumps. */
#include <string.h>

#include "ft.h"

#define FT_HEX_BYTES 8

void ft_hex(const uint8_t *p, size_t len, size_t from, char *out, size_t outlen)
{
	size_t o = 0;

	if (from >= len) {
		snprintf(out, outlen, "(end)");
		return;
	}
	out[0] = '\0';
	for (size_t i = from; i < len && i < from + FT_HEX_BYTES; i++) {
		int n = snprintf(out + o, outlen - o, "%s%02x",
				 i > from ? " " : "", p[i]);
		if (n < 0 || (size_t)n >= outlen - o)
			return;
		o += (size_t)n;
	}
	if (len > from + FT_HEX_BYTES && o + 4 < outlen)
		snprintf(out + o, outlen - o, " ..");
}

bool ft_compare(const uint8_t *exp, size_t elen, const uint8_t *got,
		size_t glen, struct ft_verdict *v)
{
	size_t n = elen < glen ? elen : glen, i = 0;
	char eh[64], gh[64];

	while (i < n && exp[i] == got[i])
		i++;
	if (i == n && elen == glen)
		return true;
	v->status = FT_DIVERGE;
	v->byte = i;
	ft_hex(exp, elen, i, eh, sizeof(eh));
	ft_hex(got, glen, i, gh, sizeof(gh));
	if (i == n)
		snprintf(v->msg, sizeof(v->msg),
			 "frame %llu: received %zu bytes, expected %zu "
			 "(equal up to byte %zu): expected [%s] received [%s]",
			 (unsigned long long)v->frame, glen, elen, i, eh, gh);
	else
		snprintf(v->msg, sizeof(v->msg),
			 "frame %llu byte %zu: expected [%s] received [%s] "
			 "(lengths %zu/%zu)",
			 (unsigned long long)v->frame, i, eh, gh, elen, glen);
	return false;
}
