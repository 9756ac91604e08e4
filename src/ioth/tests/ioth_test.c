/*
 * ioth_test.c - ctest driver for libioth.
 *   ioth_test unit                       argument validation, parsing
 *   ioth_test net BACKEND VDE_SWITCH     two processes, each with its own
 *       stack on a private switch, exchange TCP (IPv4, IPv6) and UDP data;
 *       the readiness of the pollable descriptors is checked with poll();
 *       a server that dies meanwhile fails the test at once.
 *   ioth_test setupfail BACKEND          a stack set up on a missing switch
 *       is a failure of the network test, not a skip.
 * Exit 0 pass, 1 fail, 77 skip: only when the back-end is not installed,
 * or for vdestack when user namespaces are unavailable (testnet.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testnet.h"


static int unit(void)
{
	struct ioth *s = NULL;
	unsigned char a[16];
	int fam;
	int bits;

	CHECK(ioth_new("nosuch", &s) == -EPROTONOSUPPORT);
	CHECK(ioth_new("lwip", NULL) == -EINVAL);
	CHECK(ioth_parse_addr("10.1.2.3/24", &fam, a, &bits) == 0);
	CHECK(fam == AF_INET && bits == 24 && a[0] == 10 && a[3] == 3);
	CHECK(ioth_parse_addr("fd00::1/64", &fam, a, &bits) == 0);
	CHECK(fam == AF_INET6 && bits == 64 && a[0] == 0xfd && a[15] == 1);
	CHECK(ioth_parse_addr("10.1.2.3", &fam, a, &bits) == 0 && bits == -1);
	CHECK(ioth_parse_addr("10.1.2.3/33", &fam, a, &bits) == -EINVAL);
	CHECK(ioth_parse_addr("10.1.2/24", &fam, a, &bits) == -EINVAL);
	CHECK(ioth_parse_addr("10.1.2.3/", &fam, a, &bits) == -EINVAL);
	CHECK(ioth_parse_addr("10.1.2.3/-1", &fam, a, &bits) == -EINVAL);
	CHECK(ioth_parse_addr("fd00::1/129", &fam, a, &bits) == -EINVAL);
	CHECK(ioth_parse_addr("", &fam, a, &bits) == -EINVAL);
	CHECK(ioth_new("lwip", &s) == 0);
	CHECK(ioth_new("lwip", &(struct ioth *){ NULL }) == -EBUSY);
	CHECK(ioth_if_add(s, "vde:///nonexistent/switch.ctl", NULL) < 0);
	CHECK(ioth_addr_add(s, 1, AF_INET, a, 24) == -ENODEV);
	CHECK(ioth_socket(s, AF_UNIX, SOCK_STREAM, 0) == -EAFNOSUPPORT);
	CHECK(ioth_socket(s, AF_INET, SOCK_RAW, 0) == -ESOCKTNOSUPPORT);
	CHECK(ioth_close(s, 12345) == -EBADF);
	ioth_delete(s);
	CHECK(ioth_new("lwip", &s) == 0);     /* usable again after delete */
	ioth_delete(s);
	printf("unit: ok\n");
	return 0;
}

static ssize_t recv_all(struct ioth *s, int fd, char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = ioth_recvfrom(s, fd, buf + got, n - got, 0,
		                          NULL, NULL);
		if (r <= 0)
			return r;
		got += (size_t) r;
	}
	return (ssize_t) got;
}

/* Child: echo server on TCP port 7 (v4+v6 via two sockets) and UDP 7;
 * a byte on ready once it listens. */
static int server(struct ioth *s, int ready)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
	                           .sin6_port = htons(7) };
	int l6 = ioth_socket(s, AF_INET6, SOCK_STREAM, 0);
	int u = ioth_socket(s, AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(7) };
	int round;

	if (l6 < 0 || u < 0)
		return 2;
	/* dual stack: "::" accepts IPv4 too */
	if (ioth_bind(s, l6, (void *) &a6, sizeof(a6)) < 0 ||
	    ioth_listen(s, l6, 8) < 0 ||
	    ioth_bind(s, u, (void *) &a4, sizeof(a4)) < 0 ||
	    write(ready, "r", 1) != 1)
		return 3;
	for (round = 0; round < 2; round++) {
		char buf[4096];
		ssize_t n;
		int c;

		if (!tn_wait(l6, POLLIN, 10000))
			return 4;
		c = ioth_accept(s, l6, NULL, NULL);
		if (c < 0)
			return 5;
		while ((n = ioth_recvfrom(s, c, buf, sizeof(buf), 0, NULL,
		                          NULL)) > 0)
			if (ioth_sendto(s, c, buf, (size_t) n, 0, NULL, 0) != n)
				return 6;
		ioth_close(s, c);
	}
	{
		char buf[64];
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n;

		if (!tn_wait(u, POLLIN, 10000))
			return 7;
		n = ioth_recvfrom(s, u, buf, sizeof(buf), 0, (void *) &from,
		                  &fl);
		if (n <= 0 || ioth_sendto(s, u, buf, (size_t) n, 0,
		                          (void *) &from, fl) != n)
			return 8;
	}
	sleep(1);
	ioth_close(s, u);
	ioth_close(s, l6);
	return 0;
}

static int tcp_round(struct ioth *s, struct sockaddr *dst, socklen_t dl,
                     int fam)
{
	static char out[200000], in[200000];
	int c = ioth_socket(s, fam, SOCK_STREAM, 0);
	size_t i;
	int r;

	for (i = 0; i < sizeof(out); i++)
		out[i] = (char) (i * 7 + fam);
	CHECK(c >= 0);
	CHECK(!tn_wait(c, POLLIN, 0));   /* fresh socket: nothing to read */
	r = ioth_connect(s, c, dst, dl);
	if (r != 0)
		FAIL("connect: %s", strerror(-r));
	CHECK(tn_wait(c, POLLOUT, 1000));
	CHECK(ioth_sendto(s, c, out, 1000, 0, NULL, 0) == 1000);
	CHECK(tn_wait(c, POLLIN, 5000));
	CHECK(recv_all(s, c, in, 1000) == 1000);
	CHECK(memcmp(in, out, 1000) == 0);
	CHECK(!tn_wait(c, POLLIN, 50));  /* all consumed */
	/* interleaved: an echo of everything at once could fill both
	 * windows and deadlock on stacks with small buffers */
	for (i = 0; i < sizeof(out); i += 10000) {
		CHECK(ioth_sendto(s, c, out + i, 10000, 0, NULL, 0) == 10000);
		CHECK(recv_all(s, c, in + i, 10000) == 10000);
	}
	CHECK(memcmp(in, out, sizeof(in)) == 0);
	/* LWIPv6's shutdown() only drops permissions and sends no FIN */
	if (strcmp(ioth_backend_name(s), "lwipv6") != 0) {
		CHECK(ioth_shutdown(s, c, SHUT_WR) == 0);
		CHECK(tn_wait(c, POLLIN, 5000));
		CHECK(ioth_recvfrom(s, c, in, 10, 0, NULL, NULL) == 0);
	}
	CHECK(ioth_close(s, c) == 0);
	return 0;
}

static int client(struct ioth *s)
{
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(7) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
	                           .sin6_port = htons(7) };
	char buf[64];
	int u;
	int c;
	int r;

	inet_pton(AF_INET, "10.40.0.1", &a4.sin_addr);
	inet_pton(AF_INET6, "fd00::1", &a6.sin6_addr);
	if (tcp_round(s, (void *) &a4, sizeof(a4), AF_INET))
		return 1;
	if (tcp_round(s, (void *) &a6, sizeof(a6), AF_INET6))
		return 1;
	u = ioth_socket(s, AF_INET, SOCK_DGRAM, 0);
	CHECK(u >= 0);
	CHECK(ioth_sendto(s, u, "ping", 4, 0, (void *) &a4, sizeof(a4)) == 4);
	CHECK(tn_wait(u, POLLIN, 5000));
	CHECK(ioth_recvfrom(s, u, buf, sizeof(buf), 0, NULL, NULL) == 4);
	CHECK(memcmp(buf, "ping", 4) == 0);
	ioth_close(s, u);
	/* refused: nobody listens on port 9 */
	c = ioth_socket(s, AF_INET, SOCK_STREAM, 0);
	a4.sin_port = htons(9);
	r = ioth_connect(s, c, (void *) &a4, sizeof(a4));
	if (r != -ECONNREFUSED)
		FAIL("refused connect returned %d (%s)", r, strerror(-r));
	ioth_close(s, c);
	return 0;
}

static pid_t server_pid;
static int client_done;

/* A server that dies (a crash: the handler exits 100 + signal) leaves
 * the client waiting for its echo: fail at once, not at ctest's limit. */
static void *watch_server(void *arg)
{
	siginfo_t si;

	(void) arg;
	if (waitid(P_PID, (id_t) server_pid, &si, WEXITED | WNOWAIT) < 0 ||
	    (si.si_code == CLD_EXITED && si.si_status == 0) ||
	    __atomic_exchange_n(&client_done, 1, __ATOMIC_ACQ_REL))
		return NULL;
	fprintf(stderr, "FAIL: the server died while the client ran "
	        "(%s %d)\n", si.si_code == CLD_EXITED ? "exit" : "signal",
	        si.si_status);
	tn_switch_stop();
	_exit(1);
}

static int net(const char *be, const char *sw)
{
	char vnl[128];
	struct ioth *s;
	pthread_t w;
	int ready[2];
	pid_t pid;
	int st;
	int r;

	if (tn_switch_start(sw, vnl, sizeof(vnl)) < 0) {
		tn_switch_stop();
		FAIL("cannot start %s", sw);
	}
	if (pipe(ready) < 0) {
		tn_switch_stop();
		FAIL("pipe: %s", strerror(errno));
	}
	pid = fork();
	if (pid == 0) {
		close(ready[0]);
		r = tn_stack(be, vnl, "10.40.0.1/24", "fd00::1/64", &s);
		if (r < 0)
			_exit(tn_setup_failed(be, r));
		r = server(s, ready[1]);
		ioth_delete(s);
		_exit(r);
	}
	r = tn_stack(be, vnl, "10.40.0.2/24", "fd00::2/64", &s);
	if (r < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		tn_switch_stop();
		return tn_setup_failed(be, r);
	}
	server_pid = pid;
	if (pthread_create(&w, NULL, watch_server, NULL) == 0)
		pthread_detach(w);
	/* a loaded machine may take a while to start the server */
	close(ready[1]);
	if (tn_wait(ready[0], POLLIN, 20000)) {
		r = client(s);
	} else {
		fprintf(stderr, "FAIL: the server did not listen in 20 s\n");
		r = 1;
	}
	close(ready[0]);
	if (__atomic_exchange_n(&client_done, 1, __ATOMIC_ACQ_REL))
		for (;;)
			pause();        /* watch_server() ends the process */
	ioth_delete(s);
	if (r != 0)
		kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	if (r != 0)
		fprintf(stderr, "server status %d\n", st);
	tn_switch_stop();
	if (r != 0)
		return 1;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		FAIL("server exited with status %d", st);
	printf("net %s: ok\n", be);
	return 0;
}

/* A setup error that is not "back-end not installed" (here: a switch
 * that does not exist) must fail the network test, never skip it. */
static int setupfail(const char *be)
{
	struct ioth *s;
	int r = tn_stack(be, "vde:///nonexistent/ioth_test/sw.ctl",
	                 "10.40.0.2/24", NULL, &s);

	if (r == 0) {
		ioth_delete(s);
		FAIL("a stack on a missing switch was set up");
	}
	if (r == -ENOSYS) {
		printf("SKIP: back-end %s not installed\n", be);
		return TN_SKIP;
	}
	if (tn_setup_failed(be, r) != 1)
		FAIL("setup error %s counted as a skip", strerror(-r));
	printf("setupfail %s: ok (%s is a failure)\n", be, strerror(-r));
	return 0;
}

int main(int argc, char **argv)
{
	tn_crash_handlers();
	if (argc >= 2 && strcmp(argv[1], "unit") == 0)
		return unit();
	if (argc >= 4 && strcmp(argv[1], "net") == 0)
		return net(argv[2], argv[3]);
	if (argc >= 3 && strcmp(argv[1], "setupfail") == 0)
		return setupfail(argv[2]);
	fprintf(stderr, "usage: %s unit | net BACKEND VDE_SWITCH | "
	        "setupfail BACKEND\n", argv[0]);
	return 2;
}
