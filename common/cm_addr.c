/* HOST:PORT parsing and printing (cm_addr.h). */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "cm_addr.h"

int cm_split_hostport(const char *text, char host[CM_HOSTLEN],
		      char port[CM_PORTLEN], char *err, size_t errlen)
{
	const char *colon = strrchr(text, ':');
	const char *h = text;
	size_t hlen, plen;

	if (colon == NULL || colon[1] == '\0') {
		snprintf(err, errlen, "'%s': expected HOST:PORT", text);
		return -EINVAL;
	}
	hlen = (size_t)(colon - text);
	if (hlen >= 2 && text[0] == '[' && text[hlen - 1] == ']') {
		h = text + 1;
		hlen -= 2;
	} else if (memchr(text, ':', hlen) != NULL) {
		snprintf(err, errlen, "'%s': an IPv6 host needs [brackets]",
			 text);
		return -EINVAL;
	}
	if (hlen == 0 || hlen >= CM_HOSTLEN) {
		snprintf(err, errlen, "'%s': bad host", text);
		return -EINVAL;
	}
	plen = strlen(colon + 1);
	unsigned long v = 0;
	for (size_t i = 0; i < plen; i++) {
		char c = colon[1 + i];
		if (c < '0' || c > '9' || i >= CM_PORTLEN - 1) {
			snprintf(err, errlen, "'%s': bad port", text);
			return -EINVAL;
		}
		v = v * 10 + (unsigned long)(c - '0');
	}
	if (v > 65535) {
		snprintf(err, errlen, "'%s': port %lu is over 65535", text, v);
		return -EINVAL;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	memcpy(port, colon + 1, plen + 1);
	return 0;
}

int cm_parse_listening(const char *line, char host[CM_HOSTLEN],
		       char port[CM_PORTLEN], char *err, size_t errlen)
{
	static const char ready[] = "listening on ";
	const char *p = strstr(line, ready);
	char word[CM_ADDRLEN];
	size_t n;

	if (p == NULL) {
		snprintf(err, errlen, "'%.80s': no 'listening on HOST:PORT'",
			 line);
		return -EINVAL;
	}
	p += sizeof(ready) - 1;
	n = strcspn(p, " \t\r\n");
	if (n >= sizeof(word)) {
		snprintf(err, errlen, "'%.80s': address too long", line);
		return -EINVAL;
	}
	memcpy(word, p, n);
	word[n] = '\0';
	return cm_split_hostport(word, host, port, err, errlen);
}

int cm_parse_addr(const char *text, struct sockaddr_storage *ss, socklen_t *len,
		  char *err, size_t errlen)
{
	char host[CM_HOSTLEN], port[CM_PORTLEN];
	int rc = cm_split_hostport(text, host, port, err, errlen);

	if (rc != 0)
		return rc;
	struct addrinfo hints = {.ai_flags = AI_NUMERICSERV,
				 .ai_family = AF_UNSPEC};
	struct addrinfo *ai = NULL;
	if (strcmp(host, "localhost") != 0)
		hints.ai_flags |= AI_NUMERICHOST;
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0 || ai == NULL) {
		snprintf(err, errlen, "'%s': %s", text,
			 rc != 0 ? gai_strerror(rc) : "no address");
		return -EINVAL;
	}
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

void cm_format_addr(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[NI_MAXHOST], serv[NI_MAXSERV];
	socklen_t salen = sa->sa_family == AF_INET6
			      ? sizeof(struct sockaddr_in6)
			      : sizeof(struct sockaddr_in);

	if (getnameinfo(sa, salen, host, sizeof(host), serv, sizeof(serv),
			NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(buf, len, "?");
		return;
	}
	if (sa->sa_family == AF_INET6)
		snprintf(buf, len, "[%s]:%s", host, serv);
	else
		snprintf(buf, len, "%s:%s", host, serv);
}
