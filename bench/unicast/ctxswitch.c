/*
 * bench-ctxswitch - what one context switch between two processes on
 * one CPU costs on this machine, for the floor column of
 * bench/unicast/run: a round trip over a layer whose hosts' processes
 * share a CPU each cannot take less than its same-CPU switches (1 hop:
 * client -> u1 -> eth and back on each host, 8; 2 hops: 14) times this.
 *
 *   bench-ctxswitch [-n COUNT] [-w WARMUP] CPU
 *
 * Two processes pinned to CPU hand a token back and forth COUNT times
 * (after WARMUP untimed), two ways: a store and a FUTEX_WAKE to the
 * other, asleep in FUTEX_WAIT (the primitive under our flows'
 * wake-ups), then both spinning on sched_yield with no sleep at all.
 * Each hand-off is one switch; a round trip two.
 *
 * Prints "futex_us= yield_us= switch_us=": the p50 of each way's round
 * trip over two, and the cheaper of the two. Exit status 0, 1 on a
 * failure (with a message).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The token count handed to each process so far, a cache line each. */
struct slot {
        _Atomic uint32_t seq;
        char             pad[64 - sizeof(uint32_t)];
};

static struct slot * slots;

/* Wait until process p's word moves past *seen: asleep, or yielding. */
static void take(int        p,
                 uint32_t * seen,
                 int        yield)
{
        uint32_t v;

        while ((v = slots[p].seq) == *seen) {
                if (yield)
                        sched_yield();
                else
                        syscall(SYS_futex, (uint32_t *) &slots[p].seq,
                                FUTEX_WAIT, v, NULL, NULL, 0);
        }
        *seen = v;
}

static void give(int p,
                 int yield)
{
        slots[p].seq++;
        if (!yield)
                syscall(SYS_futex, (uint32_t *) &slots[p].seq, FUTEX_WAKE,
                        1, NULL, NULL, 0);
}

static int64_t now_ns(void)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);

        return (int64_t) t.tv_sec * 1000000000 + t.tv_nsec;
}

static int cmp(const void * a,
               const void * b)
{
        int64_t x = *(const int64_t *) a;
        int64_t y = *(const int64_t *) b;

        return (x > y) - (x < y);
}

/* The parent's side of one way: p50 of COUNT round trips, in ns. */
static int64_t ping(long      warmup,
                    long      count,
                    int       yield,
                    uint32_t * seen,
                    int64_t * rtt)
{
        long i;

        for (i = 0; i < warmup + count; ++i) {
                int64_t t0 = now_ns();

                give(1, yield);
                take(0, seen, yield);
                if (i >= warmup)
                        rtt[i - warmup] = now_ns() - t0;
        }
        qsort(rtt, (size_t) count, sizeof(*rtt), cmp);

        return rtt[count / 2];
}

static void pong(long rounds)
{
        uint32_t seen = 0;
        long     i;

        for (i = 0; i < rounds; ++i) {
                take(1, &seen, 0);
                give(0, 0);
        }
        for (i = 0; i < rounds; ++i) {
                take(1, &seen, 1);
                give(0, 1);
        }
}

static int pin(pid_t pid,
               int   cpu)
{
        cpu_set_t set;

        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        if (sched_setaffinity(pid, sizeof(set), &set) < 0) {
                fprintf(stderr, "bench-ctxswitch: cannot pin to CPU %d: "
                        "%s\n", cpu, strerror(errno));
                return -errno;
        }

        return 0;
}

static long num_arg(const char * s,
                    const char * what,
                    long         max)
{
        char * end;
        long   v;

        errno = 0;
        v = strtol(s, &end, 10);
        if (errno != 0 || end == s || *end != '\0' || v < 0 || v > max) {
                fprintf(stderr, "bench-ctxswitch: bad %s '%s'\n", what, s);
                exit(1);
        }

        return v;
}

int main(int argc, char ** argv)
{
        long      count  = 10000;
        long      warmup = 1000;
        int       cpu;
        int       opt;
        int       st;
        pid_t     pid;
        int64_t * rtt;
        int64_t   f;
        int64_t   y;
        uint32_t  seen = 0;

        while ((opt = getopt(argc, argv, "n:w:")) != -1) {
                switch (opt) {
                case 'n':
                        count = num_arg(optarg, "count", 10000000);
                        break;
                case 'w':
                        warmup = num_arg(optarg, "warm-up count", 10000000);
                        break;
                default:
                        goto usage;
                }
        }
        if (argc - optind != 1 || count == 0)
                goto usage;
        cpu = (int) num_arg(argv[optind], "CPU",
                            sysconf(_SC_NPROCESSORS_CONF) - 1);

        slots = mmap(NULL, 2 * sizeof(*slots), PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        rtt = malloc(sizeof(*rtt) * (size_t) count);
        if (slots == MAP_FAILED || rtt == NULL) {
                fprintf(stderr, "bench-ctxswitch: out of memory\n");
                return 1;
        }
        memset(slots, 0, 2 * sizeof(*slots));

        if (pin(0, cpu) < 0)
                return 1;

        pid = fork();                   /* inherits the CPU */
        if (pid < 0) {
                perror("bench-ctxswitch: fork");
                return 1;
        }
        if (pid == 0) {
                pong(warmup + count);
                _exit(0);
        }

        f = ping(warmup, count, 0, &seen, rtt);
        y = ping(warmup, count, 1, &seen, rtt);

        if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
            WEXITSTATUS(st) != 0) {
                fprintf(stderr, "bench-ctxswitch: the other process "
                        "failed\n");
                return 1;
        }

        printf("futex_us=%.3f yield_us=%.3f switch_us=%.3f\n",
               (double) f / 2000.0, (double) y / 2000.0,
               (double) (f < y ? f : y) / 2000.0);

        return 0;
 usage:
        fprintf(stderr, "usage: bench-ctxswitch [-n COUNT] [-w WARMUP] "
                "CPU\n");
        return 1;
}
