/*
 * lwipv6_conn_test.c - connects of the lwipv6 back-end honour
 * O_NONBLOCK and SO_SNDTIMEO (lwipv6_conn.c).
 *
 * lwipv6_conn_test VDE_SWITCH: liblwipv6's connect blocked its caller
 * until the library was done, ~12 s for a host that does not answer,
 * whatever the socket's mode or timeout.  Between two stacks of this
 * process: a non-blocking connect returns EINPROGRESS at once and the
 * socket becomes writable when it is connected (SO_ERROR 0) or refused
 * (SO_ERROR ECONNREFUSED); a blocking one with a 300 ms send timeout to
 * an address nobody has returns EINPROGRESS after about 300 ms, the
 * socket is then neither writable nor usable (EALREADY, EAGAIN,
 * ENOTCONN) and can be closed; and a stack with two such connects still
 * running (one socket closed, one open) is deleted at once (the library
 * never answers those: its stack thread is gone).  Non-blocking
 * 10-byte sends are not writable while they would fail (lwipv6_write.c).
 *
 * Exit 0 pass, 1 fail, 77 skip (testnet.c says when).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testnet.h"

#define PORT 7
#define SNDTIMEO_MS 300

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double) t.tv_sec + t.tv_nsec / 1e9;
}

static struct sockaddr_in addr(const char *ip, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
	                          .sin_port = htons((uint16_t) port) };

	inet_pton(AF_INET, ip, &sa.sin_addr);
	return sa;
}

static int so_error(struct ioth *s, int fd)
{
	int v = -1;
	socklen_t l = sizeof(v);

	if (ioth_getsockopt(s, fd, SOL_SOCKET, SO_ERROR, &v, &l) < 0)
		return -1;
	return v;
}

/* A non-blocking connect to the listener and to a closed port. */
static int nonblocking(struct ioth *srv, struct ioth *cli)
{
	struct sockaddr_in sa = addr("10.40.0.1", PORT);
	struct sockaddr_in closed = addr("10.40.0.1", 9);
	int l = ioth_socket(srv, AF_INET, SOCK_STREAM, 0);
	int c = ioth_socket(cli, AF_INET, SOCK_STREAM, 0);
	int d = ioth_socket(cli, AF_INET, SOCK_STREAM, 0);
	double t;
	char b = 0;
	int a;
	int r;

	CHECK(l >= 0 && c >= 0 && d >= 0);
	sa.sin_addr.s_addr = INADDR_ANY;
	CHECK(ioth_bind(srv, l, (void *) &sa, sizeof(sa)) == 0);
	CHECK(ioth_listen(srv, l, 4) == 0);
	sa = addr("10.40.0.1", PORT);
	CHECK(ioth_set_nonblock(cli, c, 1) == 0);
	CHECK(ioth_set_nonblock(cli, d, 1) == 0);
	t = now_s();
	r = ioth_connect(cli, c, (void *) &sa, sizeof(sa));
	if (r != -EINPROGRESS)
		FAIL("non-blocking connect: %d, not EINPROGRESS", r);
	if (now_s() - t > 0.2)
		FAIL("non-blocking connect blocked %.2f s", now_s() - t);
	CHECK(tn_wait(c, POLLOUT, 5000));
	CHECK(so_error(cli, c) == 0);
	CHECK(ioth_connect(cli, c, (void *) &sa, sizeof(sa)) == 0);
	CHECK(ioth_connect(cli, c, (void *) &sa, sizeof(sa)) == -EISCONN);
	CHECK(tn_wait(l, POLLIN, 5000));
	a = ioth_accept(srv, l, NULL, NULL);
	CHECK(a >= 0);
	CHECK(ioth_sendto(cli, c, "x", 1, 0, NULL, 0) == 1);
	CHECK(tn_wait(a, POLLIN, 5000));
	CHECK(ioth_recvfrom(srv, a, &b, 1, 0, NULL, NULL) == 1 && b == 'x');
	r = ioth_connect(cli, d, (void *) &closed, sizeof(closed));
	CHECK(r == -EINPROGRESS);
	CHECK(tn_wait(d, POLLOUT, 5000));
	r = so_error(cli, d);
	if (r != ECONNREFUSED)
		FAIL("refused connect: SO_ERROR %d, not ECONNREFUSED", r);
	ioth_close(srv, a);
	ioth_close(srv, l);
	ioth_close(cli, c);
	ioth_close(cli, d);
	return 0;
}

/* Non-blocking 10-byte sends to a peer, each after poll() said POLLOUT:
 * LWIPv6 queues at most 88 segments, and with a full queue it kept
 * saying "writable" while the send failed with EAGAIN, so a select loop
 * spun until an acknowledgement came.  A send may race the stack thread
 * once; more than SPINS failures in a row is a spin.  Up to SMALL_BYTES
 * (several full queues), then the peer reads them all. */
#define SMALL_BYTES 5000
#define SPINS 5

static int small_sends(struct ioth *srv, struct ioth *cli)
{
	struct sockaddr_in sa = addr("10.40.0.1", PORT + 1);
	int l = ioth_socket(srv, AF_INET, SOCK_STREAM, 0);
	int c = ioth_socket(cli, AF_INET, SOCK_STREAM, 0);
	char buf[SMALL_BYTES];
	long sent = 0;
	long got = 0;
	int spins = 0;
	int waits = 0;
	int a;

	CHECK(l >= 0 && c >= 0);
	CHECK(ioth_bind(srv, l, (void *) &sa, sizeof(sa)) == 0);
	CHECK(ioth_listen(srv, l, 4) == 0);
	CHECK(ioth_connect(cli, c, (void *) &sa, sizeof(sa)) == 0);
	CHECK(tn_wait(l, POLLIN, 5000));
	a = ioth_accept(srv, l, NULL, NULL);
	CHECK(a >= 0);
	CHECK(ioth_set_nonblock(cli, c, 1) == 0);
	while (sent < SMALL_BYTES) {
		long r;

		if (!tn_wait(c, POLLOUT, 0)) {
			waits++;
			CHECK(tn_wait(c, POLLOUT, 5000));
		}
		r = ioth_sendto(cli, c, "0123456789", 10, 0, NULL, 0);
		if (r == 10) {
			sent += r;
			spins = 0;
		} else if (r != -EAGAIN) {
			FAIL("10-byte send: %ld", r);
		} else if (++spins > SPINS) {
			FAIL("writable but EAGAIN %d times in a row, after "
			     "%ld bytes", spins, sent);
		}
	}
	while (got < sent) {
		long r;

		CHECK(tn_wait(a, POLLIN, 5000));
		r = ioth_recvfrom(srv, a, buf, sizeof(buf), 0, NULL, NULL);
		CHECK(r > 0);
		got += r;
	}
	printf("10-byte sends: %ld bytes, %d waits for room\n", sent, waits);
	ioth_close(srv, a);
	ioth_close(srv, l);
	ioth_close(cli, c);
	return 0;
}

/* Connects to an address nobody has; the stack is deleted during them. */
static int nowhere(struct ioth *cli)
{
	struct sockaddr_in sa = addr("10.40.0.99", 80);
	struct timeval tv = { .tv_usec = SNDTIMEO_MS * 1000 };
	int c = ioth_socket(cli, AF_INET, SOCK_STREAM, 0);
	int d = ioth_socket(cli, AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in peer;
	socklen_t pl = sizeof(peer);
	double t;
	int r;

	CHECK(c >= 0 && d >= 0);
	CHECK(ioth_setsockopt(cli, c, SOL_SOCKET, SO_SNDTIMEO, &tv,
	                      sizeof(tv)) == 0);
	t = now_s();
	r = ioth_connect(cli, c, (void *) &sa, sizeof(sa));
	t = now_s() - t;
	if (r != -EINPROGRESS)
		FAIL("connect with a %d ms send timeout: %d, not EINPROGRESS",
		     SNDTIMEO_MS, r);
	if (t < SNDTIMEO_MS / 1000.0 - 0.05 || t > 2)
		FAIL("connect with a %d ms send timeout returned after %.2f s",
		     SNDTIMEO_MS, t);
	CHECK(!tn_wait(c, POLLOUT, 200));
	CHECK(so_error(cli, c) == 0);
	CHECK(ioth_set_nonblock(cli, c, 1) == 0);
	CHECK(ioth_connect(cli, c, (void *) &sa, sizeof(sa)) == -EALREADY);
	CHECK(ioth_sendto(cli, c, "x", 1, 0, NULL, 0) == -EAGAIN);
	CHECK(ioth_getpeername(cli, c, (void *) &peer, &pl) == -ENOTCONN);
	CHECK(ioth_set_nonblock(cli, d, 1) == 0);
	CHECK(ioth_connect(cli, d, (void *) &sa, sizeof(sa)) == -EINPROGRESS);
	CHECK(ioth_close(cli, c) == 0);         /* during its connect */
	return 0;                               /* d: open, connecting */
}

int main(int argc, char **argv)
{
	struct ioth *srv = NULL;
	struct ioth *cli = NULL;
	double t;
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: %s VDE_SWITCH\n", argv[0]);
		return 2;
	}
	tn_crash_handlers();
	r = tn_switch_stacks(argv[1], "lwipv6", &srv, &cli);
	if (r != 0)
		return r;
	r = nonblocking(srv, cli);
	if (r == 0)
		r = small_sends(srv, cli);
	if (r == 0)
		r = nowhere(cli);
	t = now_s();
	ioth_delete(cli);
	t = now_s() - t;
	ioth_delete(srv);
	tn_switch_stop();
	if (r == 0 && t > 1)
		FAIL("deleting a stack with connects running took %.2f s", t);
	if (r == 0)
		printf("PASS: connects honour O_NONBLOCK and SO_SNDTIMEO, a "
		       "socket whose connect runs is unusable and closable, "
		       "its stack deleted in %.3f s\n", t);
	return r;
}
