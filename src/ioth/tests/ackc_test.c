/*
 * ackc_test.c - unit test of ACK coalescing (lwip_ackc.c) and of locating
 * TCP segments in frames (lwip_tcpframe.c): which frames are held, which
 * replace a held ACK, and what goes out in which order.
 */
#include <stdio.h>
#include <string.h>

#include "../lwip_ackc.h"
#include "../lwip_tcpframe.h"

#define FAIL(...) do { fprintf(stderr, "ackc_test:%d: ", __LINE__); \
		fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); \
		return 1; } while (0)
#define CHECK(c) do { if (!(c)) FAIL("%s", #c); } while (0)

/* what the "wire" received: the acknowledgement numbers, in order */
static unsigned sent_ack[16];
static int nsent;

static int record(void *arg, const void *frame, size_t len)
{
	const uint8_t *f = frame;
	struct ioth_tcpseg s;

	(void) arg;
	if (ioth_tcpseg_find(f, len, &s) < 0 || nsent == 16)
		return -1;
	sent_ack[nsent++] = ioth_get32(f + s.tcp + 8);
	return 0;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t) (v >> 24);
	p[1] = (uint8_t) (v >> 16);
	p[2] = (uint8_t) (v >> 8);
	p[3] = (uint8_t) v;
}

/* An IPv4 (or IPv6) TCP frame from port sport; returns its length. */
static size_t frame(uint8_t *f, int v6, uint16_t sport, uint32_t seq,
                    uint32_t ack, uint8_t flags, size_t payload)
{
	size_t ip = v6 ? IOTH_IP6_HLEN : IOTH_IP4_HLEN;
	uint8_t *h = f + IOTH_ETH_HLEN;
	uint8_t *t = h + ip;
	size_t tot = ip + IOTH_TCP_HLEN + payload;

	memset(f, 0, IOTH_ETH_HLEN + tot);
	f[12] = v6 ? 0x86 : 0x08;
	f[13] = v6 ? 0xdd : 0x00;
	if (v6) {
		h[0] = 0x60;
		h[4] = (uint8_t) ((tot - ip) >> 8);
		h[5] = (uint8_t) (tot - ip);
		h[6] = 6;
		h[23] = 1;              /* source fd00::1 */
		h[8] = 0xfd;
	} else {
		h[0] = 0x45;
		h[2] = (uint8_t) (tot >> 8);
		h[3] = (uint8_t) tot;
		h[9] = 6;
		h[12] = 10;             /* 10.0.0.1 -> 10.0.0.2 */
		h[15] = 1;
		h[16] = 10;
		h[19] = 2;
	}
	t[0] = (uint8_t) (sport >> 8);
	t[1] = (uint8_t) sport;
	t[3] = 80;
	put32(t + 4, seq);
	put32(t + 8, ack);
	t[12] = 5 << 4;
	t[13] = flags;
	return IOTH_ETH_HLEN + tot;
}

#define ACK IOTH_TCP_ACK

static int locate(void)
{
	uint8_t f[2000];
	struct ioth_tcpseg s;
	size_t n;

	n = frame(f, 0, 1000, 1, 2, ACK, 100);
	CHECK(ioth_tcpseg_find(f, n, &s) == 0 && !s.v6);
	CHECK(s.tcp == 34 && s.tcplen == 120);
	CHECK(ioth_tcpseg_find(f, n - 1, &s) < 0);     /* truncated */
	f[20] = 0x20;                                   /* more fragments */
	CHECK(ioth_tcpseg_find(f, n, &s) < 0);
	n = frame(f, 1, 1000, 1, 2, ACK, 0);
	CHECK(ioth_tcpseg_find(f, n, &s) == 0 && s.v6 && s.tcp == 54);
	f[IOTH_ETH_HLEN + 6] = 17;                      /* UDP */
	CHECK(ioth_tcpseg_find(f, n, &s) < 0);
	CHECK(ioth_tcpseg_find(f, 20, &s) < 0);
	return 0;
}

static int coalesce(void)
{
	struct ioth_ackc c = { 0 };
	uint8_t f[2000];
	size_t n;

	/* outside a batch nothing is held */
	n = frame(f, 0, 1000, 7, 100, ACK, 0);
	CHECK(ioth_ackc_output(&c, f, n, record, NULL) == 0 && nsent == 0);

	/* ACKs acknowledging more replace each other; one goes out */
	ioth_ackc_begin(&c);
	CHECK(ioth_ackc_output(&c, f, n, record, NULL) == 1);
	n = frame(f, 0, 1000, 7, 200, ACK, 0);
	CHECK(ioth_ackc_output(&c, f, n, record, NULL) == 1);
	n = frame(f, 0, 1000, 7, 300, ACK, 0);
	CHECK(ioth_ackc_output(&c, f, n, record, NULL) == 1);
	CHECK(nsent == 0);
	ioth_ackc_end(&c, record, NULL);
	CHECK(nsent == 1 && sent_ack[0] == 300);

	/* a duplicate ACK is never merged: both reach the sender */
	nsent = 0;
	ioth_ackc_begin(&c);
	CHECK(ioth_ackc_output(&c, f, n, record, NULL) == 1);
	CHECK(ioth_ackc_output(&c, f, n, record, NULL) == 1);
	ioth_ackc_end(&c, record, NULL);
	CHECK(nsent == 2 && sent_ack[0] == 300 && sent_ack[1] == 300);

	/* another connection, data, SYN, FIN, RST: held ACK first, in order */
	nsent = 0;
	ioth_ackc_begin(&c);
	CHECK(ioth_ackc_output(&c, f, n, record, NULL) == 1);
	n = frame(f, 0, 1001, 7, 400, ACK, 0);          /* other port */
	CHECK(ioth_ackc_output(&c, f, n, record, NULL) == 1);
	CHECK(nsent == 1 && sent_ack[0] == 300);
	n = frame(f, 0, 1001, 7, 500, ACK, 10);         /* carries data */
	CHECK(ioth_ackc_output(&c, f, n, record, NULL) == 0);
	CHECK(nsent == 2 && sent_ack[1] == 400);
	n = frame(f, 0, 1001, 7, 600, ACK | IOTH_TCP_FIN, 0);
	CHECK(ioth_ackc_output(&c, f, n, record, NULL) == 0);
	n = frame(f, 0, 1001, 7, 600, IOTH_TCP_RST, 0);
	CHECK(ioth_ackc_output(&c, f, n, record, NULL) == 0);
	n = frame(f, 0, 1001, 7, 600, ACK | IOTH_TCP_SYN, 0);
	CHECK(ioth_ackc_output(&c, f, n, record, NULL) == 0);
	/* a new sequence number (the ACK follows data we sent) is kept */
	n = frame(f, 0, 1001, 7, 700, ACK, 0);
	CHECK(ioth_ackc_output(&c, f, n, record, NULL) == 1);
	n = frame(f, 0, 1001, 8, 800, ACK, 0);
	CHECK(ioth_ackc_output(&c, f, n, record, NULL) == 1);
	CHECK(nsent == 3 && sent_ack[2] == 700);
	ioth_ackc_end(&c, record, NULL);
	CHECK(nsent == 4 && sent_ack[3] == 800);

	/* IPv6, and acknowledgement numbers wrapping around 2^32 */
	nsent = 0;
	ioth_ackc_begin(&c);
	n = frame(f, 1, 2000, 1, 0xfffffff0U, ACK, 0);
	CHECK(ioth_ackc_output(&c, f, n, record, NULL) == 1);
	n = frame(f, 1, 2000, 1, 0x10, ACK, 0);
	CHECK(ioth_ackc_output(&c, f, n, record, NULL) == 1);
	ioth_ackc_end(&c, record, NULL);
	CHECK(nsent == 1 && sent_ack[0] == 0x10);

	/* not TCP, or malformed: sent by the caller, after the held ACK */
	nsent = 0;
	ioth_ackc_begin(&c);
	CHECK(ioth_ackc_output(&c, f, n, record, NULL) == 1);
	memset(f, 0xff, 60);
	CHECK(ioth_ackc_output(&c, f, 60, record, NULL) == 0);
	CHECK(nsent == 1);
	ioth_ackc_end(&c, record, NULL);
	CHECK(nsent == 1);
	n = frame(f, 0, 1000, 7, 100, ACK, 0);
	CHECK(ioth_ackc_output(&c, f, n, record, NULL) == 0);  /* ended */
	return 0;
}

int main(void)
{
	if (locate() || coalesce())
		return 1;
	printf("ackc: ok\n");
	return 0;
}
