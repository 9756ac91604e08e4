/*
 * ioth_bench.c - TCP request/response latency and bulk throughput between
 * two stacks (or kernel loopback), driven by bench/ioth/run.
 *
 *   ioth_bench serve  BACKEND VNL ADDR/BITS PORT
 *   ioth_bench client BACKEND VNL ADDR/BITS SERVER PORT ROUNDS BYTES
 *   ioth_bench rawrecv VNL FRAMES / rawsend VNL FRAMES
 *       the ceiling of the switch itself: full-size frames blasted from
 *       one plug to another, no stack; rawrecv prints "raw_MBps=<rate>".
 *
 * BACKEND "kernel" uses kernel sockets (VNL and ADDR are ignored).
 * The environment variable IOTH_BENCH_MTU sets the stacks' MTU (jumbo
 * frames need a switch that carries them), and sizes the raw frames.
 * Protocol: 'R' then ROUNDS 64-byte echoes; 'B' + 8-byte length, the
 * payload, and an 8-byte acknowledgement.  The client prints
 * "rtt_us=<median> bulk_MBps=<rate>".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libvdeplug.h>

#include "ioth.h"

static struct ioth *stack;      /* NULL: kernel sockets */

static int x_socket(void)
{
	return stack ? ioth_socket(stack, AF_INET, SOCK_STREAM, 0)
	             : socket(AF_INET, SOCK_STREAM, 0);
}

static ssize_t x_recv(int fd, void *b, size_t n)
{
	ssize_t r = stack ? ioth_recvfrom(stack, fd, b, n, 0, NULL, NULL)
	                  : recv(fd, b, n, 0);
	return r;
}

static ssize_t x_send(int fd, const void *b, size_t n)
{
	return stack ? ioth_sendto(stack, fd, b, n, 0, NULL, 0)
	             : send(fd, b, n, MSG_NOSIGNAL);
}

static int x_close(int fd)
{
	return stack ? ioth_close(stack, fd) : close(fd);
}

static int recv_all(int fd, void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = x_recv(fd, (char *) buf + got, n - got);
		if (r <= 0)
			return -1;
		got += (size_t) r;
	}
	return 0;
}

static int send_all(int fd, const void *buf, size_t n)
{
	size_t sent = 0;

	while (sent < n) {
		ssize_t r = x_send(fd, (const char *) buf + sent, n - sent);
		if (r <= 0)
			return -1;
		sent += (size_t) r;
	}
	return 0;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double) t.tv_sec + (double) t.tv_nsec / 1e9;
}

static int setup(const char *be, const char *vnl, const char *addr)
{
	unsigned char a[16];
	int fam, bits, ifx, r;

	if (strcmp(be, "kernel") == 0)
		return 0;
	r = ioth_new(be, &stack);
	if (r < 0)
		return r;
	ifx = ioth_if_add(stack, vnl, NULL);
	if (ifx < 0)
		return ifx;
	if (getenv("IOTH_BENCH_MTU") != NULL) {
		r = ioth_if_set_mtu(stack, ifx,
		                    (unsigned) atoi(getenv("IOTH_BENCH_MTU")));
		if (r < 0)
			return r;
	}
	r = ioth_parse_addr(addr, &fam, a, &bits);
	if (r < 0)
		return r;
	return ioth_addr_add(stack, ifx, fam, a, bits < 0 ? 24 : bits);
}

static void nodelay(int fd)
{
	int one = 1;

	if (stack)
		ioth_setsockopt(stack, fd, IPPROTO_TCP, TCP_NODELAY, &one,
		                sizeof(one));
	else
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void serve_one(int c)
{
	static char buf[1 << 16];
	char cmd;

	nodelay(c);
	if (recv_all(c, &cmd, 1) < 0)
		return;
	if (cmd == 'R') {
		while (recv_all(c, buf, 64) == 0)
			if (send_all(c, buf, 64) < 0)
				return;
	} else if (cmd == 'B') {
		uint64_t len, got = 0;
		if (recv_all(c, &len, 8) < 0)
			return;
		while (got < len) {
			size_t want = len - got < sizeof(buf) ? len - got
			                                      : sizeof(buf);
			ssize_t r = x_recv(c, buf, want);
			if (r <= 0)
				return;
			got += (uint64_t) r;
		}
		send_all(c, &got, 8);
		recv_all(c, buf, 1);    /* wait for the client to close */
	}
}

static int serve(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
	                          .sin_port = htons((uint16_t) port) };
	int one = 1;
	int l = x_socket();

	if (stack)
		ioth_setsockopt(stack, l, SOL_SOCKET, SO_REUSEADDR, &one, 4);
	else
		setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, 4);
	if (stack ? ioth_bind(stack, l, (void *) &sa, sizeof(sa)) < 0 ||
	            ioth_listen(stack, l, 8) < 0
	          : bind(l, (void *) &sa, sizeof(sa)) < 0 || listen(l, 8) < 0)
		return 1;
	printf("READY\n");
	fflush(stdout);
	for (;;) {
		int c = stack ? ioth_accept(stack, l, NULL, NULL)
		              : accept(l, NULL, NULL);
		if (c < 0)
			return 1;
		serve_one(c);
		x_close(c);
	}
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *) a, y = *(const double *) b;

	return x < y ? -1 : x > y;
}

static int conn(const char *server, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
	                          .sin_port = htons((uint16_t) port) };
	int c = x_socket();

	inet_pton(AF_INET, server, &sa.sin_addr);
	if (c < 0 || (stack ? ioth_connect(stack, c, (void *) &sa, sizeof(sa))
	                    : connect(c, (void *) &sa, sizeof(sa))) < 0)
		return -1;
	nodelay(c);
	return c;
}

static int client(const char *server, int port, int rounds, uint64_t bytes)
{
	static char buf[1 << 16];
	double *t = calloc((size_t) rounds, sizeof(double));
	double t0, rate;
	uint64_t ack;
	int c, i;

	c = conn(server, port);
	if (c < 0 || t == NULL || send_all(c, "R", 1) < 0)
		return 1;
	for (i = 0; i < rounds; i++) {
		t0 = now();
		if (send_all(c, buf, 64) < 0 || recv_all(c, buf, 64) < 0)
			return 1;
		t[i] = now() - t0;
	}
	x_close(c);
	qsort(t, (size_t) rounds, sizeof(double), cmp);
	c = conn(server, port);
	if (c < 0 || send_all(c, "B", 1) < 0 || send_all(c, &bytes, 8) < 0)
		return 1;
	t0 = now();
	for (ack = 0; ack < bytes; ack += sizeof(buf))
		if (send_all(c, buf, bytes - ack < sizeof(buf) ?
		             bytes - ack : sizeof(buf)) < 0)
			return 1;
	if (recv_all(c, &ack, 8) < 0 || ack != bytes)
		return 1;
	rate = (double) bytes / (now() - t0) / 1e6;
	x_close(c);
	printf("rtt_us=%.1f bulk_MBps=%.1f\n", t[rounds / 2] * 1e6, rate);
	free(t);
	return 0;
}

static int raw(const char *vnl, int send_side, long frames)
{
	struct vde_open_args args = { .port = 0, .group = NULL, .mode = 0700 };
	VDECONN *c = vde_open((char *) vnl, (char *) "ioth_bench", &args);
	char buf[1514];
	long i, got = 0;
	double t0 = 0;

	if (c == NULL)
		return 1;
	memset(buf, 0xff, 12);          /* broadcast, from ff:..: hub-like */
	buf[12] = 0x08;
	buf[13] = 0x00;
	if (send_side) {
		for (i = 0; i < frames; i++)
			vde_send(c, buf, sizeof(buf), 0);
	} else {
		printf("READY\n");
		fflush(stdout);
		while (got < frames * 3 / 4) {  /* the switch may drop some */
			ssize_t k = vde_recv(c, buf, sizeof(buf), 0);
			if (k <= 0)
				break;
			if (t0 == 0)
				t0 = now();
			got++;
		}
		printf("raw_MBps=%.1f\n", (double) got * sizeof(buf) /
		       (now() - t0) / 1e6);
	}
	vde_close(c);
	return 0;
}

int main(int argc, char **argv)
{
	int r;

	signal(SIGPIPE, SIG_IGN);
	if (argc >= 6 && strcmp(argv[1], "serve") == 0) {
		r = setup(argv[2], argv[3], argv[4]);
		if (r < 0) {
			fprintf(stderr, "setup: %s\n", strerror(-r));
			return 1;
		}
		return serve(atoi(argv[5]));
	}
	if (argc >= 9 && strcmp(argv[1], "client") == 0) {
		r = setup(argv[2], argv[3], argv[4]);
		if (r < 0) {
			fprintf(stderr, "setup: %s\n", strerror(-r));
			return 1;
		}
		usleep(100000);
		r = client(argv[5], atoi(argv[6]), atoi(argv[7]),
		           strtoull(argv[8], NULL, 10));
		if (stack)
			ioth_delete(stack);
		return r;
	}
	if (argc >= 4 && strncmp(argv[1], "raw", 3) == 0)
		return raw(argv[2], strcmp(argv[1], "rawsend") == 0,
		           atol(argv[3]));
	fprintf(stderr, "usage: see the comment at the top of ioth_bench.c\n");
	return 2;
}
