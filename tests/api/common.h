/*
 * Ouroboros - helpers shared by the API integration test programs
 * (tests/api/ C files): checks that exit with file:line, a name registered in
 * the test's local layer, and a server/client pair of processes (fork:
 * the child binds itself to the name and plays the server) with two
 * pipes to step through a scenario together.
 */
#ifndef OUROBOROS_TESTS_API_COMMON_H
#define OUROBOROS_TESTS_API_COMMON_H

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>
#include <ouroboros/fqueue.h>
#include <ouroboros/irm.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../check.h"

static inline struct timespec t_ms(long ms)
{
        struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };

        return t;
}

static inline const char * t_layer(void)
{
        const char * l = getenv("TEST_LAYER");

        return l != NULL ? l : "local";
}

/* Register name in the test layer (creating it). */
static inline void t_register(const char * name)
{
        int r = irm_reg_name_layer(name, t_layer());

        if (r < 0 && r != -EEXIST) {
                fprintf(stderr, "register %s in %s: %d\n", name, t_layer(), r);
                exit(1);
        }
}

static inline void t_bind_self(const char * name)
{
        int r = irm_bind_process(getpid(), name);

        if (r < 0) {
                fprintf(stderr, "bind %d to %s: %d\n", getpid(), name, r);
                exit(1);
        }
}

/* Serve name from this process. */
static inline void t_serve_as(const char * name)
{
        t_register(name);
        t_bind_self(name);
}

/* Step synchronisation between the two processes of a pair. */
struct t_pair {
        pid_t child;
        int   rd;  /* from the other process */
        int   wr;  /* to the other process */
};

static inline void t_signal(const struct t_pair * p,
                            char                  c)
{
        CHECK(write(p->wr, &c, 1) == 1);
}

static inline char t_wait(const struct t_pair * p)
{
        char c = 0;

        if (read(p->rd, &c, 1) != 1) {
                fprintf(stderr, "[%d] the other process is gone\n",
                        getpid());
                exit(1);
        }

        return c;
}

/*
 * Fork a server child for name: it binds itself, signals, runs
 * server(p, arg) and exits with its result. The parent returns once the
 * child is bound, with p set up for the client side.
 */
static inline void t_pair_start(struct t_pair * p,
                                const char *    name,
                                int          (* server)(struct t_pair *,
                                                        void *),
                                void *          arg)
{
        int a[2];
        int b[2];

        t_register(name);
        CHECK(pipe(a) == 0 && pipe(b) == 0);

        p->child = fork();
        CHECK(p->child >= 0);
        if (p->child == 0) {
                close(a[0]);
                close(b[1]);
                p->rd = b[0];
                p->wr = a[1];
                t_bind_self(name);
                t_signal(p, 'R');
                exit(server(p, arg));
        }

        close(a[1]);
        close(b[0]);
        p->rd = a[0];
        p->wr = b[1];
        CHECK_EQ(t_wait(p), 'R');
}

/* Wait for the server child; returns 0 if it succeeded. */
static inline int t_pair_end(struct t_pair * p)
{
        int st;

        close(p->wr);
        CHECK(waitpid(p->child, &st, 0) == p->child);
        close(p->rd);

        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                fprintf(stderr, "server child failed (status %d)\n", st);
                return 1;
        }

        return 0;
}

/* Blocking accept with a generous timeout. */
static inline int t_accept(qosspec_t * qs)
{
        struct timespec to = t_ms(10000);
        int             fd = flow_accept(qs, &to);

        if (fd < 0) {
                fprintf(stderr, "[%d] flow_accept: %d\n", getpid(), fd);
                exit(1);
        }

        return fd;
}

static inline int t_alloc(const char * name,
                          qosspec_t *  qs)
{
        struct timespec to = t_ms(10000);
        int             fd = flow_alloc(name, qs, &to);

        if (fd < 0) {
                fprintf(stderr, "[%d] flow_alloc %s: %d\n", getpid(), name,
                        fd);
                exit(1);
        }

        return fd;
}

/* Number of open fds of this process. */
static inline int t_count_fds(void)
{
        char buf[64];
        int  n = 0;
        int  fd;

        for (fd = 0; fd < 4096; ++fd) {
                snprintf(buf, sizeof(buf), "/proc/self/fd/%d", fd);
                if (access(buf, F_OK) == 0)
                        ++n;
        }

        return n;
}

/* Run this program again with args (args[0] its name) and wait: true
 * if it exited 0. */
static inline bool t_run_self(char ** args)
{
        int   st;
        pid_t pid;

        pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
                execv("/proc/self/exe", args);
                _exit(127);
        }

        CHECK(waitpid(pid, &st, 0) == pid);

        return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

#endif /* OUROBOROS_TESTS_API_COMMON_H */
