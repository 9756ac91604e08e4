/*
 * Ouroboros - many concurrent flows from one process, each of which
 * carries traffic both ways, for the flow memory test
 * (tests/scale/test_flows_memory.sh).
 *
 *   test-scale-manyflows accept NAME LAYER COUNT PKTS SIZE
 *        register NAME in LAYER, bind this process to it, accept COUNT
 *        flows; on each, read PKTS packets and echo each back; print
 *        "accepted COUNT" and hold every flow until SIGTERM/SIGINT
 *   test-scale-manyflows alloc NAME COUNT PKTS SIZE
 *        allocate COUNT flows to NAME, one after the other; on each
 *        write PKTS packets of SIZE bytes and read the echoes back,
 *        checking them; print "held COUNT flows in S s" and hold every
 *        flow until SIGTERM/SIGINT
 *
 * Both then deallocate every flow and exit 0; any failure exits 1
 * with a line on stderr saying which flow and why. Every blocking call
 * has a timeout, so a lost packet fails the run instead of hanging it.
 */
#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>
#include <ouroboros/irm.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define IO_TMO_MS    10000
#define ALLOC_TMO_MS 10000
#define MAX_SIZE     8192

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
        (void) sig;
        stop = 1;
}

static double now_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static int set_timeouts(int fd)
{
        struct timespec to = { IO_TMO_MS / 1000, 0 };

        if (fccntl(fd, FLOWSRCVTIMEO, &to) < 0 ||
            fccntl(fd, FLOWSSNDTIMEO, &to) < 0)
                return -EINVAL;
        return 0;
}

/* Fill buf with a pattern that tells flow i and packet k apart. */
static void fill(unsigned char * buf, size_t size, long i, long k)
{
        size_t j;

        for (j = 0; j < size; ++j)
                buf[j] = (unsigned char) (i * 31 + k * 7 + (long) j);
}

static long hold(int * fds, long n)
{
        long            i;
        long            bad = 0;
        struct timespec t = { 0, 50 * 1000 * 1000 };

        while (!stop) /* a signal before the sleep waits one tick at most */
                nanosleep(&t, NULL);
        for (i = 0; i < n; ++i)
                if (flow_dealloc(fds[i]) < 0)
                        ++bad;
        return bad;
}

static int do_accept(const char * name, const char * layer, long count,
                     long pkts, size_t size)
{
        unsigned char   buf[MAX_SIZE];
        struct timespec to  = { ALLOC_TMO_MS / 1000, 0 };
        int *           fds = calloc((size_t) count, sizeof(*fds));
        ssize_t         n;
        long            i;
        long            k;
        int             r;

        if (fds == NULL)
                return -ENOMEM;
        r = irm_reg_name_layer(name, layer);
        if (r < 0 && r != -EEXIST) {
                fprintf(stderr, "manyflows: register %s in %s: %d\n", name,
                        layer, r);
                return r;
        }
        r = irm_bind_process(getpid(), name);
        if (r < 0) {
                fprintf(stderr, "manyflows: bind to %s: %d\n", name, r);
                return r;
        }
        printf("listening\n");
        for (i = 0; i < count && !stop; ++i) {
                /* The first waits for the allocator to be started. */
                fds[i] = flow_accept(NULL, i == 0 ? NULL : &to);
                if (fds[i] < 0) {
                        fprintf(stderr, "manyflows: accept %ld: %d\n", i,
                                fds[i]);
                        return fds[i];
                }
                if (set_timeouts(fds[i]) < 0)
                        return -EINVAL;
                for (k = 0; k < pkts; ++k) {
                        n = flow_read(fds[i], buf, sizeof(buf));
                        if (n != (ssize_t) size ||
                            flow_write(fds[i], buf, (size_t) n) != n) {
                                fprintf(stderr, "manyflows: flow %ld packet "
                                        "%ld: %zd\n", i, k, n);
                                return -EIO;
                        }
                }
        }
        printf("accepted %ld\n", i);
        return hold(fds, i) == 0 ? 0 : -EIO;
}

static int do_alloc(const char * name, long count, long pkts, size_t size)
{
        unsigned char   out[MAX_SIZE];
        unsigned char   in[MAX_SIZE];
        struct timespec to  = { ALLOC_TMO_MS / 1000, 0 };
        int *           fds = calloc((size_t) count, sizeof(*fds));
        double          t0  = now_s();
        ssize_t         n;
        long            i;
        long            k;

        if (fds == NULL)
                return -ENOMEM;
        for (i = 0; i < count && !stop; ++i) {
                fds[i] = flow_alloc(name, NULL, &to);
                if (fds[i] < 0) {
                        fprintf(stderr, "manyflows: alloc %ld of %ld: %d\n",
                                i, count, fds[i]);
                        return fds[i];
                }
                if (set_timeouts(fds[i]) < 0)
                        return -EINVAL;
                for (k = 0; k < pkts; ++k) {
                        fill(out, size, i, k);
                        if (flow_write(fds[i], out, size) != (ssize_t) size)
                        {
                                fprintf(stderr, "manyflows: write on flow "
                                        "%ld\n", i);
                                return -EIO;
                        }
                        n = flow_read(fds[i], in, sizeof(in));
                        if (n != (ssize_t) size || memcmp(in, out, size)) {
                                fprintf(stderr, "manyflows: echo on flow %ld "
                                        "packet %ld: %zd\n", i, k, n);
                                return -EIO;
                        }
                }
        }
        printf("held %ld flows in %.1f s\n", i, now_s() - t0);
        return hold(fds, i) == 0 ? 0 : -EIO;
}

static long arg_num(const char * s, long lo, long hi)
{
        char * end;
        long   v = strtol(s, &end, 10);

        return *s != '\0' && *end == '\0' && v >= lo && v <= hi ? v : -1;
}

int main(int argc, char ** argv)
{
        struct sigaction sa;
        long             count;
        long             pkts;
        long             size;
        int              a;
        int              r;

        a = argc > 1 && strcmp(argv[1], "accept") == 0 ? 1 : 0;
        if (argc != 6 + a ||
            (!a && strcmp(argv[1], "alloc") != 0)) {
                fprintf(stderr, "usage: %s accept NAME LAYER COUNT PKTS SIZE"
                        "\n       %s alloc NAME COUNT PKTS SIZE\n",
                        argv[0], argv[0]);
                return 2;
        }
        count = arg_num(argv[3 + a], 1, 1 << 20);
        pkts  = arg_num(argv[4 + a], 1, 1 << 20);
        size  = arg_num(argv[5 + a], 1, MAX_SIZE);
        if (count < 0 || pkts < 0 || size < 0) {
                fprintf(stderr, "manyflows: COUNT, PKTS >= 1, "
                        "SIZE 1..%d\n", MAX_SIZE);
                return 2;
        }
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        setvbuf(stdout, NULL, _IOLBF, 0);

        r = a ? do_accept(argv[2], argv[3], count, pkts, (size_t) size) :
                do_alloc(argv[2], count, pkts, (size_t) size);

        return r < 0 ? 1 : 0;
}
