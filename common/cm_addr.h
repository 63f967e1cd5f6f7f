/* HOST:PORT text, parsed and printed in one place for every tool:
 * "127.0.0.1:7000", "[::1]:7000", "localhost:0". Ports are 0..65535 in
 * decimal; hosts are numeric or "localhost" (no DNS lookups: tests and CI
 * run offline). Errors are negative errno-style codes (-EINVAL) with a
 * one-line reason in err that quotes the text. */
#ifndef FRAGLAB_COMMON_ADDR_H
#define FRAGLAB_COMMON_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

#define CM_HOSTLEN 64 /* enough for a numeric IPv6 address with scope */
#define CM_PORTLEN 6  /* "65535" and its NUL */
#define CM_ADDRLEN 80 /* "[v6addr%scope]:65535" and its NUL */

/* Split text into host (brackets of [V6] removed) and port. Returns 0 or
 * -EINVAL with the reason in err. */
int cm_split_hostport(const char *text, char host[CM_HOSTLEN],
		      char port[CM_PORTLEN], char *err, size_t errlen);

/* Split, then resolve numerically (AF_UNSPEC) into *ss / *len. Returns 0
 * or -EINVAL with the reason in err. */
int cm_parse_addr(const char *text, struct sockaddr_storage *ss, socklen_t *len,
		  char *err, size_t errlen);

/* The address of a server's ready line: the HOST:PORT word after the
 * first "listening on " in line (a space, tab, CR or LF ends it), split
 * like cm_split_hostport. Returns 0, or -EINVAL with the reason in err. */
int cm_parse_listening(const char *line, char host[CM_HOSTLEN],
		       char port[CM_PORTLEN], char *err, size_t errlen);

/* "HOST:PORT" or "[V6]:PORT" of sa into buf ("?" if it cannot be named). */
void cm_format_addr(const struct sockaddr *sa, char *buf, size_t len);

#endif
