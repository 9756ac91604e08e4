/*
 * ioth_test.c - ctest driver for libioth.
 *   ioth_test unit                       argument validation, parsing
 *   ioth_test net BACKEND VDE_SWITCH     two processes, each with its own
 *       stack on a private switch, exchange TCP (IPv4, IPv6) and UDP data;
 *       the readiness of the pollable descriptors is checked with poll().
 * Exit 0 pass, 1 fail, 77 skip (back-end unusable here, reason printed).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <execinfo.h>

#include "ioth.h"

#define FAIL(...) do { fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
	fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); return 1; } while (0)
#define CHECK(c) do { if (!(c)) FAIL("%s", #c); } while (0)

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

static char swdir[64];
static pid_t swpid = -1;
static int swin[2] = { -1, -1 };

static void stop_switch(void)
{
	char cmd[128];

	if (swpid > 0) {
		kill(swpid, SIGTERM);
		waitpid(swpid, NULL, 0);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", swdir);
	if (swdir[0] != '\0' && system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", swdir);
}

static int start_switch(const char *prog, char *vnl, size_t len)
{
	char ctl[96];
	int i;

	strcpy(swdir, "/tmp/ioth_test.XXXXXX");
	if (mkdtemp(swdir) == NULL)
		return -1;
	snprintf(ctl, sizeof(ctl), "%s/sw.ctl", swdir);
	snprintf(vnl, len, "vde://%s", ctl);
	/* vde_switch exits at EOF on stdin: keep a pipe open to it */
	if (pipe2(swin, O_CLOEXEC) < 0)
		return -1;
	swpid = fork();
	if (swpid == 0) {
		dup2(swin[0], 0);
		execl(prog, prog, "-s", ctl, "-n", "64", (char *) NULL);
		_exit(127);
	}
	for (i = 0; i < 100; i++) {
		char p[128];
		snprintf(p, sizeof(p), "%s/ctl", ctl);
		if (access(p, F_OK) == 0)
			return 0;
		usleep(20000);
	}
	return -1;
}

static int make_stack(const char *be, const char *vnl, const char *a4,
                      const char *a6, struct ioth **out)
{
	struct ioth *s;
	unsigned char a[16];
	int fam;
	int bits;
	int ifx;
	int r;

	r = ioth_new(be, &s);
	if (r < 0)
		return r;
	ifx = ioth_if_add(s, vnl, "vde0");
	if (ifx < 0) {
		ioth_delete(s);
		return ifx;
	}
	ioth_parse_addr(a4, &fam, a, &bits);
	r = ioth_addr_add(s, ifx, fam, a, bits);
	if (r == 0) {
		ioth_parse_addr(a6, &fam, a, &bits);
		r = ioth_addr_add(s, ifx, fam, a, bits);
	}
	if (r < 0) {
		ioth_delete(s);
		return r;
	}
	*out = s;
	return 0;
}

static int wait_ev(int fd, short ev, int ms)
{
	struct pollfd p = { .fd = fd, .events = ev };

	return poll(&p, 1, ms) == 1 && (p.revents & ev);
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

/* Child: echo server on TCP port 7 (v4+v6 via two sockets) and UDP 7. */
static int server(struct ioth *s)
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
	    ioth_bind(s, u, (void *) &a4, sizeof(a4)) < 0)
		return 3;
	for (round = 0; round < 2; round++) {
		char buf[4096];
		ssize_t n;
		int c;

		if (!wait_ev(l6, POLLIN, 10000))
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

		if (!wait_ev(u, POLLIN, 10000))
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

	for (i = 0; i < sizeof(out); i++)
		out[i] = (char) (i * 7 + fam);
	CHECK(c >= 0);
	CHECK(!wait_ev(c, POLLIN, 0));   /* fresh socket: nothing to read */
	CHECK(ioth_connect(s, c, dst, dl) == 0);
	CHECK(wait_ev(c, POLLOUT, 1000));
	CHECK(ioth_sendto(s, c, out, 1000, 0, NULL, 0) == 1000);
	CHECK(wait_ev(c, POLLIN, 5000));
	CHECK(recv_all(s, c, in, 1000) == 1000);
	CHECK(memcmp(in, out, 1000) == 0);
	CHECK(!wait_ev(c, POLLIN, 50));  /* all consumed */
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
		CHECK(wait_ev(c, POLLIN, 5000));
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
	CHECK(wait_ev(u, POLLIN, 5000));
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

static int net(const char *be, const char *sw)
{
	char vnl[128];
	struct ioth *s;
	pid_t pid;
	int st;
	int r;

	if (start_switch(sw, vnl, sizeof(vnl)) < 0) {
		stop_switch();
		FAIL("cannot start %s", sw);
	}
	pid = fork();
	if (pid == 0) {
		r = make_stack(be, vnl, "10.40.0.1/24", "fd00::1/64", &s);
		if (r < 0)
			_exit(r == -EPROTONOSUPPORT || r == -ENOSYS ? 77 : 9);
		r = server(s);
		ioth_delete(s);
		_exit(r);
	}
	r = make_stack(be, vnl, "10.40.0.2/24", "fd00::2/64", &s);
	if (r < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		stop_switch();
		printf("SKIP: back-end %s unusable here: %s\n", be,
		       strerror(-r));
		return 77;
	}
	usleep(200000);
	r = client(s);
	ioth_delete(s);
	if (r != 0)
		kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	if (r != 0)
		fprintf(stderr, "server status %d\n", st);
	stop_switch();
	if (r != 0)
		return 1;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		FAIL("server exited with status %d", st);
	printf("net %s: ok\n", be);
	return 0;
}

static void crash(int sig)
{
	void *bt[32];
	int n = backtrace(bt, 32);

	fprintf(stderr, "signal %d in %d\n", sig, getpid());
	backtrace_symbols_fd(bt, n, 2);
	_exit(100 + sig);
}

int main(int argc, char **argv)
{
	signal(SIGSEGV, crash);
	signal(SIGBUS, crash);
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 2 && strcmp(argv[1], "unit") == 0)
		return unit();
	if (argc >= 4 && strcmp(argv[1], "net") == 0)
		return net(argv[2], argv[3]);
	fprintf(stderr, "usage: %s unit | net BACKEND VDE_SWITCH\n", argv[0]);
	return 2;
}
