/* fragproxy --pcap FILE: every forwarded chunk as a TCP segment (raw IP
 * link type), with a synthetic handshake, consistent sequence numbers and
 * FINs, so Wireshark/tshark can follow and reassemble each connection. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "fp_internal.h"

#define LINKTYPE_RAW 101
#define MAX_SEG 65000
#define ISN_UP 1000u
#define ISN_DOWN 500000u

struct fp_pcap {
	FILE *f;
};

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

static uint32_t sum16(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)(p[n - 1] << 8);
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

int fp_pcap_open(struct fp_proxy *p, char *msg, size_t len)
{
	uint8_t h[24] = {0};

	if (!p->cfg.pcap)
		return 0;
	p->pcap = calloc(1, sizeof(*p->pcap));
	if (!p->pcap)
		return -ENOMEM;
	p->pcap->f = fopen(p->cfg.pcap, "wb");
	if (!p->pcap->f) {
		snprintf(msg, len, "--pcap %s: %s", p->cfg.pcap,
			 strerror(errno));
		return -errno;
	}
	uint32_t magic = 0xa1b2c3d4, snap = 262144, link = LINKTYPE_RAW;
	uint16_t vmaj = 2, vmin = 4;
	memcpy(h, &magic, 4); /* native byte order, as libpcap writes it */
	memcpy(h + 4, &vmaj, 2);
	memcpy(h + 6, &vmin, 2);
	memcpy(h + 16, &snap, 4);
	memcpy(h + 20, &link, 4);
	fwrite(h, 1, sizeof(h), p->pcap->f);
	return 0;
}

void fp_pcap_close(struct fp_proxy *p)
{
	if (!p->pcap)
		return;
	if (p->pcap->f)
		fclose(p->pcap->f);
	free(p->pcap);
	p->pcap = NULL;
}

/* Address bytes (4 or 16) and port of ss; v4 mapped into v6 when asked. */
static void addr_of(const struct sockaddr_storage *ss, bool v6, uint8_t *a,
		    uint16_t *port)
{
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;
		memcpy(a, &s6->sin6_addr, 16);
		*port = ntohs(s6->sin6_port);
		return;
	}
	const struct sockaddr_in *s4 = (const void *)ss;
	*port = ntohs(s4->sin_port);
	if (!v6) {
		memcpy(a, &s4->sin_addr, 4);
		return;
	}
	memset(a, 0, 10);
	a[10] = a[11] = 0xff;
	memcpy(a + 12, &s4->sin_addr, 4);
}

static void segment(struct fp_conn *c, int dir, uint32_t seq, uint32_t ack,
		    uint8_t flags, const uint8_t *data, size_t n)
{
	FILE *f = c->p->pcap->f;
	bool v6 =
	    c->caddr.ss_family == AF_INET6 || c->uaddr.ss_family == AF_INET6;
	size_t iph = v6 ? 40 : 20, alen = v6 ? 16 : 4;
	uint8_t hdr[60] = {0}, src[16], dst[16], rec[16];
	uint16_t sport, dport;
	const struct sockaddr_storage *s = dir == FP_UP ? &c->caddr : &c->uaddr;
	const struct sockaddr_storage *d = dir == FP_UP ? &c->uaddr : &c->caddr;
	struct timeval tv;

	addr_of(s, v6, src, &sport);
	addr_of(d, v6, dst, &dport);
	if (v6) {
		hdr[0] = 0x60;
		put16(hdr + 4, (uint32_t)(20 + n));
		hdr[6] = 6;
		hdr[7] = 64;
		memcpy(hdr + 8, src, 16);
		memcpy(hdr + 24, dst, 16);
	} else {
		hdr[0] = 0x45;
		put16(hdr + 2, (uint32_t)(40 + n));
		hdr[6] = 0x40; /* DF */
		hdr[8] = 64;
		hdr[9] = 6;
		memcpy(hdr + 12, src, 4);
		memcpy(hdr + 16, dst, 4);
		put16(hdr + 10, fold(sum16(0, hdr, 20)));
	}
	uint8_t *t = hdr + iph;
	put16(t, sport);
	put16(t + 2, dport);
	put32(t + 4, seq);
	put32(t + 8, ack);
	t[12] = 5 << 4;
	t[13] = flags;
	put16(t + 14, 65535);
	uint32_t sum =
	    sum16(0, src, alen) + sum16(0, dst, alen) + 6 + (uint32_t)(20 + n);
	sum = sum16(sum, t, 20);
	sum = sum16(sum, data, n); /* segments start at even offsets */
	put16(t + 16, fold(sum));
	gettimeofday(&tv, NULL);
	uint32_t ts[4] = {(uint32_t)tv.tv_sec, (uint32_t)tv.tv_usec,
			  (uint32_t)(iph + 20 + n), (uint32_t)(iph + 20 + n)};
	memcpy(rec, ts, sizeof(rec));
	fwrite(rec, 1, sizeof(rec), f);
	fwrite(hdr, 1, iph + 20, f);
	if (n)
		fwrite(data, 1, n, f);
}

#define F_FIN 0x01
#define F_SYN 0x02
#define F_PSH 0x08
#define F_ACK 0x10

static uint32_t seq_of(const struct fp_dirst *d)
{
	return (uint32_t)d->pcap_seq;
}

void fp_pcap_open_conn(struct fp_conn *c)
{
	if (!c->p->pcap)
		return;
	c->d[FP_UP].pcap_seq = ISN_UP + 1;
	c->d[FP_DOWN].pcap_seq = ISN_DOWN + 1;
	segment(c, FP_UP, ISN_UP, 0, F_SYN, NULL, 0);
	segment(c, FP_DOWN, ISN_DOWN, ISN_UP + 1, F_SYN | F_ACK, NULL, 0);
	segment(c, FP_UP, ISN_UP + 1, ISN_DOWN + 1, F_ACK, NULL, 0);
}

void fp_pcap_data(struct fp_dirst *d, const uint8_t *data, size_t n)
{
	struct fp_conn *c = d->c;

	if (!c->p->pcap)
		return;
	while (n) {
		size_t k = n < MAX_SEG ? n : MAX_SEG;
		segment(c, d->dir, seq_of(d), seq_of(&c->d[!d->dir]),
			F_PSH | F_ACK, data, k);
		d->pcap_seq += k;
		data += k;
		n -= k;
	}
}

void fp_pcap_fin(struct fp_dirst *d)
{
	struct fp_conn *c = d->c;

	if (!c->p->pcap || c->state == FC_CONNECTING)
		return;
	segment(c, d->dir, seq_of(d), seq_of(&c->d[!d->dir]), F_FIN | F_ACK,
		NULL, 0);
	d->pcap_seq++;
}
