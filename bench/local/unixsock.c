/*
 * bench-unix - the kernel baseline for bench/local/run: the same round
 * trip and one-way flood as oping/operf, over a Unix-domain
 * SOCK_SEQPACKET socket pair between a parent and a forked child.
 *
 *   bench-unix ping  -c COUNT -s SIZE     lock-step ping-pong
 *   bench-unix flood -d SECONDS -s SIZE   one-way flood, child counts
 *
 * Output is one line of key=value pairs:
 *   ping:  count= min_us= avg_us= max_us= mdev_us=
 *   flood: pkts= bytes= secs= pps= MBps=      (measured at the receiver,
 *          first to last packet, like the operf server)
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void usage(FILE * f)
{
        fprintf(f, "Usage: bench-unix ping -c COUNT -s SIZE\n"
                   "       bench-unix flood -d SECONDS -s SIZE\n"
                   "Unix SOCK_SEQPACKET baseline for bench/local/run.\n");
}

static void echo_child(int s, size_t size)
{
        char *  buf = malloc(size);
        ssize_t n;

        while (buf != NULL && (n = read(s, buf, size)) > 0)
                if (write(s, buf, (size_t) n) != n)
                        break;
        _exit(0);
}

static void count_child(int s, size_t size)
{
        char *   buf = malloc(size);
        uint64_t rpt[3] = { 0, 0, 0 }; /* pkts, bytes, ns */
        int64_t  first = 0;
        int64_t  last = 0;
        ssize_t  n;

        while (buf != NULL && (n = read(s, buf, size)) > 0) {
                last = now_ns();
                if (rpt[0]++ == 0)
                        first = last;
                rpt[1] += (uint64_t) n;
        }
        rpt[2] = (uint64_t) (last - first);
        if (write(s, rpt, sizeof(rpt)) < 0)
                _exit(1);
        _exit(0);
}

static int run_ping(int s, long count, size_t size)
{
        char *  buf = calloc(1, size);
        double  min = 0, max = 0, sum = 0, sumsq = 0, avg, var;
        int64_t t0;
        double  rtt;
        long    i;

        if (buf == NULL)
                return -ENOMEM;
        for (i = 0; i < count; ++i) {
                t0 = now_ns();
                if (write(s, buf, size) != (ssize_t) size ||
                    read(s, buf, size) != (ssize_t) size) {
                        perror("bench-unix: ping");
                        return -EIO;
                }
                rtt = (double) (now_ns() - t0) / 1e3;
                if (i == 0 || rtt < min)
                        min = rtt;
                if (rtt > max)
                        max = rtt;
                sum   += rtt;
                sumsq += rtt * rtt;
        }
        avg = sum / (double) count;
        var = sumsq / (double) count - avg * avg;
        printf("count=%ld min_us=%.3f avg_us=%.3f max_us=%.3f mdev_us=%.3f\n",
               count, min, avg, max, var > 0 ? sqrt(var) : 0);
        free(buf);
        return 0;
}

static int run_flood(int s, long secs, size_t size)
{
        char *   buf = calloc(1, size);
        uint64_t rpt[3];
        int64_t  until = now_ns() + secs * 1000000000LL;
        double   t;

        if (buf == NULL)
                return -ENOMEM;
        while (now_ns() < until) {
                if (write(s, buf, size) != (ssize_t) size) {
                        perror("bench-unix: flood");
                        return -EIO;
                }
        }
        shutdown(s, SHUT_WR);
        if (read(s, rpt, sizeof(rpt)) != sizeof(rpt)) {
                fprintf(stderr, "bench-unix: no report from receiver\n");
                return -EIO;
        }
        t = (double) rpt[2] / 1e9;
        printf("pkts=%llu bytes=%llu secs=%.3f pps=%.0f MBps=%.2f\n",
               (unsigned long long) rpt[0], (unsigned long long) rpt[1], t,
               t > 0 ? (double) rpt[0] / t : 0,
               t > 0 ? (double) rpt[1] / t / 1e6 : 0);
        free(buf);
        return 0;
}

int main(int argc, char ** argv)
{
        long   count = 10000;
        long   secs = 2;
        long   size = 64;
        int    sv[2];
        int    ping;
        int    ret;
        int    c;
        pid_t  pid;

        if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
            strcmp(argv[1], "--help") == 0) {
                usage(argc < 2 ? stderr : stdout);
                return argc < 2 ? 2 : 0;
        }
        if (strcmp(argv[1], "ping") != 0 && strcmp(argv[1], "flood") != 0) {
                fprintf(stderr, "bench-unix: unknown mode '%s'\n", argv[1]);
                return 2;
        }
        ping = strcmp(argv[1], "ping") == 0;
        optind = 2;
        while ((c = getopt(argc, argv, "c:d:s:")) != -1) {
                switch (c) {
                case 'c': count = atol(optarg); break;
                case 'd': secs  = atol(optarg); break;
                case 's': size  = atol(optarg); break;
                default:  usage(stderr); return 2;
                }
        }
        if (count < 1 || secs < 1 || size < 1 || size > 1 << 20) {
                fprintf(stderr, "bench-unix: bad count, duration or size\n");
                return 2;
        }

        if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0) {
                perror("bench-unix: socketpair");
                return 1;
        }
        pid = fork();
        if (pid < 0) {
                perror("bench-unix: fork");
                return 1;
        }
        if (pid == 0) {
                close(sv[0]);
                if (ping)
                        echo_child(sv[1], (size_t) size);
                count_child(sv[1], (size_t) size);
        }
        close(sv[1]);
        ret = ping ? run_ping(sv[0], count, (size_t) size) :
                run_flood(sv[0], secs, (size_t) size);
        close(sv[0]);
        waitpid(pid, NULL, 0);
        return ret < 0 ? 1 : 0;
}
