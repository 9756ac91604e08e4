/*
 * testnet.h - shared fixtures of the libioth network tests: a private
 * vde_switch, stacks attached to it, waiting for readiness, and the rule
 * that decides whether a setup error is a skip or a failure.
 */
#ifndef IOTH_TESTNET_H
#define IOTH_TESTNET_H

#include <stddef.h>
#include <stdio.h>

#include "ioth.h"

/* ctest's SKIP_RETURN_CODE for these tests */
#define TN_SKIP 77

#define FAIL(...) do { fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
	fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); return 1; } while (0)
#define CHECK(c) do { if (!(c)) FAIL("%s", #c); } while (0)

/* Set: the switch's messages go to /dev/null (it reports every frame it
 * could not deliver to a port whose stack has gone). */
extern int tn_switch_quiet;

/* Start vde_switch (path prog) in a fresh directory; vnl gets its URL.
 * 0 or -1. */
int tn_switch_start(const char *prog, char *vnl, size_t len);
/* Kill the switch (at once, as if it crashed) without removing its files. */
void tn_switch_kill(void);
void tn_switch_stop(void);

/* A stack of back-end be on vnl with addresses a4 and a6 (a6 may be NULL);
 * 0 or -errno. */
int tn_stack(const char *be, const char *vnl, const char *a4, const char *a6,
             struct ioth **out);

/* A switch (path prog) and stacks of back-end be at 10.40.0.1/24 (*a)
 * and, unless b is NULL, 10.40.0.2/24 (*b): 0, or what the test returns
 * (TN_SKIP or 1; nothing left running). */
int tn_switch_stacks(const char *prog, const char *be, struct ioth **a,
                     struct ioth **b);

/* The setup error err of back-end be: a reason to skip (back-end not
 * installed, or user namespaces unavailable for vdestack), or NULL when
 * it is a failure. */
const char *tn_skip_reason(const char *be, int err);

/* Report a failed stack setup: prints SKIP or FAIL, returns TN_SKIP or 1. */
int tn_setup_failed(const char *be, int err);

/* poll() fd for ev during ms: 1 if ready. */
int tn_wait(int fd, short ev, int ms);

/* Install a SIGSEGV/SIGBUS handler printing a backtrace; ignore SIGPIPE. */
void tn_crash_handlers(void);

#endif /* IOTH_TESTNET_H */
