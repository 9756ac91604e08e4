/*
 * testnet.c - shared fixtures of the libioth network tests (testnet.h).
 */
#include <dirent.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testnet.h"

static char swdir[64];
static char swctl[96];
static pid_t swpid = -1;
static int swin[2] = { -1, -1 };
int tn_switch_quiet;

void tn_switch_kill(void)
{
	if (swpid > 0) {
		kill(swpid, SIGKILL);
		waitpid(swpid, NULL, 0);
		swpid = -1;
	}
}

/* Remove the switch's control directory (its ctl socket, and the port
 * sockets a killed switch leaves) and the directory made for it. */
static void remove_switch_files(void)
{
	struct dirent *d;
	DIR *dir;

	if (swdir[0] == '\0')
		return;
	dir = opendir(swctl);
	while (dir != NULL && (d = readdir(dir)) != NULL) {
		char p[400];
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;       /* port sockets are named .PID-PORT */
		snprintf(p, sizeof(p), "%s/%s", swctl, d->d_name);
		unlink(p);
	}
	if (dir != NULL)
		closedir(dir);
	rmdir(swctl);
	rmdir(swdir);
	swdir[0] = '\0';
}

void tn_switch_stop(void)
{
	if (swpid > 0) {
		kill(swpid, SIGTERM);
		waitpid(swpid, NULL, 0);
		swpid = -1;
	}
	remove_switch_files();
}

int tn_switch_start(const char *prog, char *vnl, size_t len)
{
	int i;

	strcpy(swdir, "/tmp/ioth_test.XXXXXX");
	if (mkdtemp(swdir) == NULL)
		return -1;
	snprintf(swctl, sizeof(swctl), "%s/sw.ctl", swdir);
	snprintf(vnl, len, "vde://%s", swctl);
	/* vde_switch exits at EOF on stdin: keep a pipe open to it */
	if (pipe2(swin, O_CLOEXEC) < 0)
		return -1;
	swpid = fork();
	if (swpid == 0) {
		dup2(swin[0], 0);
		if (tn_switch_quiet) {
			int null = open("/dev/null", O_WRONLY);
			if (null >= 0)
				dup2(null, 2);
		}
		execl(prog, prog, "-s", swctl, "-n", "512", (char *) NULL);
		_exit(127);
	}
	for (i = 0; i < 100; i++) {
		char p[128];
		snprintf(p, sizeof(p), "%s/ctl", swctl);
		if (access(p, F_OK) == 0)
			return 0;
		usleep(20000);
	}
	return -1;
}

int tn_stack(const char *be, const char *vnl, const char *a4, const char *a6,
             struct ioth **out)
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
	r = ioth_parse_addr(a4, &fam, a, &bits);
	if (r == 0)
		r = ioth_addr_add(s, ifx, fam, a, bits);
	if (r == 0 && a6 != NULL) {
		r = ioth_parse_addr(a6, &fam, a, &bits);
		if (r == 0)
			r = ioth_addr_add(s, ifx, fam, a, bits);
	}
	if (r < 0) {
		ioth_delete(s);
		return r;
	}
	*out = s;
	return 0;
}

int tn_switch_stacks(const char *prog, const char *be, struct ioth **a,
                     struct ioth **b)
{
	char vnl[128];
	int r;

	*a = NULL;
	if (b != NULL)
		*b = NULL;
	if (tn_switch_start(prog, vnl, sizeof(vnl)) < 0) {
		tn_switch_stop();
		FAIL("cannot start %s", prog);
	}
	r = tn_stack(be, vnl, "10.40.0.1/24", NULL, a);
	if (r == 0 && b != NULL)
		r = tn_stack(be, vnl, "10.40.0.2/24", NULL, b);
	if (r < 0) {
		if (*a != NULL)
			ioth_delete(*a);
		*a = NULL;
		tn_switch_stop();
		return tn_setup_failed(be, r);
	}
	return 0;
}

const char *tn_skip_reason(const char *be, int err)
{
	if (err == -ENOSYS)
		return "back-end not installed";
	if (strcmp(be, "vdestack") == 0 && err == -EPERM)
		return "user namespaces unavailable";
	return NULL;
}

int tn_setup_failed(const char *be, int err)
{
	const char *why = tn_skip_reason(be, err);

	if (why != NULL) {
		printf("SKIP: back-end %s: %s\n", be, why);
		return TN_SKIP;
	}
	fprintf(stderr, "FAIL: back-end %s: stack setup failed: %s\n", be,
	        strerror(-err));
	return 1;
}

int tn_wait(int fd, short ev, int ms)
{
	struct pollfd p = { .fd = fd, .events = ev };

	return poll(&p, 1, ms) == 1 && (p.revents & ev);
}

static void crash(int sig)
{
	void *bt[32];
	int n = backtrace(bt, 32);

	fprintf(stderr, "signal %d in %d\n", sig, getpid());
	backtrace_symbols_fd(bt, n, 2);
	_exit(100 + sig);
}

void tn_crash_handlers(void)
{
	signal(SIGSEGV, crash);
	signal(SIGBUS, crash);
	signal(SIGABRT, crash);
	signal(SIGPIPE, SIG_IGN);
}
