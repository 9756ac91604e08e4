/*
 * bench-alloc - the allocation line of bench/local/run: the time to set
 * up and tear down one local flow against the same for a Unix-domain
 * connection, each between a parent and a forked child.
 *
 *   bench-alloc ouro -c COUNT [-n NAME]   flow_alloc + flow_dealloc; the
 *                                         child registers NAME in layer
 *                                         "local", binds itself, accepts
 *                                         and deallocates
 *   bench-alloc unix -c COUNT             connect + accept + close over a
 *                                         SOCK_SEQPACKET listener; the
 *                                         client waits for the child's
 *                                         close (EOF), one round trip
 *
 * Output is one line: "<mode>: count= p50_us= p99_us= avg_us=".
 */
#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/irm.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp_i64(const void * a,
                   const void * b)
{
        int64_t x = *(const int64_t *) a;
        int64_t y = *(const int64_t *) b;

        return (x > y) - (x < y);
}

static void report(const char * mode,
                   int64_t *    t,
                   long         n)
{
        double sum = 0;
        long   i;

        qsort(t, (size_t) n, sizeof(*t), cmp_i64);
        for (i = 0; i < n; ++i)
                sum += (double) t[i];
        printf("%s: count=%ld p50_us=%.1f p99_us=%.1f avg_us=%.1f\n", mode,
               n, (double) t[n / 2] / 1e3, (double) t[n * 99 / 100] / 1e3,
               sum / (double) n / 1e3);
}

static void ouro_child(const char * name,
                       int          ready)
{
        int r = irm_reg_name_layer(name, "local");

        if ((r < 0 && r != -EEXIST) || irm_bind_process(getpid(), name) < 0)
                _exit(1);
        if (write(ready, "r", 1) != 1)
                _exit(1);
        for (;;) {
                int fd = flow_accept(NULL, NULL);
                if (fd < 0)
                        _exit(fd == -EIRMD ? 0 : 1);
                flow_dealloc(fd);
        }
}

static int run_ouro(const char * name,
                    int64_t *    t,
                    long         n)
{
        long i;

        for (i = 0; i < n; ++i) {
                int64_t t0 = now_ns();
                int     fd = flow_alloc(name, NULL, NULL);
                if (fd < 0) {
                        fprintf(stderr, "bench-alloc: flow_alloc: %d\n", fd);
                        return -1;
                }
                flow_dealloc(fd);
                t[i] = now_ns() - t0;
        }

        return 0;
}

static void unix_child(int lfd,
                       int ready)
{
        if (write(ready, "r", 1) != 1)
                _exit(1);
        for (;;) {
                int fd = accept(lfd, NULL, NULL);
                if (fd < 0)
                        _exit(1);
                close(fd);
        }
}

static int run_unix(const struct sockaddr_un * sa,
                    int64_t *                  t,
                    long                       n)
{
        long i;
        char b;

        for (i = 0; i < n; ++i) {
                int64_t t0 = now_ns();
                int     fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
                if (fd < 0 || connect(fd, (const struct sockaddr *) sa,
                                      sizeof(*sa)) < 0) {
                        perror("bench-alloc: connect");
                        return -1;
                }
                if (read(fd, &b, 1) != 0) { /* the child's close */
                        perror("bench-alloc: read");
                        return -1;
                }
                close(fd);
                t[i] = now_ns() - t0;
        }

        return 0;
}

int main(int argc, char ** argv)
{
        const char *       name = "bench-alloc";
        struct sockaddr_un sa;
        long               count = 1000;
        int64_t *          t;
        int                ouro;
        int                pfd[2];
        int                lfd = -1;
        int                r;
        int                c;
        char               b;
        pid_t              pid;

        if (argc < 2 || (strcmp(argv[1], "ouro") != 0 &&
                         strcmp(argv[1], "unix") != 0)) {
                fprintf(stderr, "Usage: bench-alloc ouro|unix -c COUNT "
                                "[-n NAME]\n");
                return 2;
        }
        ouro = strcmp(argv[1], "ouro") == 0;
        optind = 2;
        while ((c = getopt(argc, argv, "c:n:")) != -1) {
                switch (c) {
                case 'c': count = atol(optarg); break;
                case 'n': name = optarg; break;
                default:  return 2;
                }
        }
        if (count < 1 || (t = calloc((size_t) count, sizeof(*t))) == NULL)
                return 2;

        if (!ouro) {
                memset(&sa, 0, sizeof(sa));
                sa.sun_family = AF_UNIX;
                snprintf(sa.sun_path, sizeof(sa.sun_path),
                         "/tmp/bench-alloc.%d", getpid());
                lfd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
                if (lfd < 0 || bind(lfd, (struct sockaddr *) &sa,
                                    sizeof(sa)) < 0 || listen(lfd, 64) < 0) {
                        perror("bench-alloc: listen");
                        return 1;
                }
        }

        if (pipe(pfd) < 0)
                return 1;
        pid = fork();
        if (pid < 0)
                return 1;
        if (pid == 0) {
                close(pfd[0]);
                if (ouro)
                        ouro_child(name, pfd[1]);
                unix_child(lfd, pfd[1]);
        }
        close(pfd[1]);
        if (read(pfd[0], &b, 1) != 1) {
                fprintf(stderr, "bench-alloc: the server did not start\n");
                waitpid(pid, NULL, 0);
                return 1;
        }

        /* warm up (first session, page faults), then measure */
        if (ouro) {
                int64_t w[10];
                r = run_ouro(name, w, 10);
                if (r == 0)
                        r = run_ouro(name, t, count);
        } else {
                r = run_unix(&sa, t, count);
                unlink(sa.sun_path);
        }
        if (r == 0)
                report(ouro ? "alloc" : "unix_connect", t, count);

        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        free(t);

        return r < 0 ? 1 : 0;
}
