/*
 * bench-ualloc - the allocation lines of bench/unicast/run: how long a
 * flow allocation across a layer takes, the first time a name is
 * asked for (a cold directory) and again (warm), next to the flow's
 * round-trip time.
 *
 *   bench-ualloc -r ROUNDS [-q QOS] NAME...
 *
 * Each round allocates one flow to each NAME in turn (an echo server
 * such as oping -l is bound to every name), times flow_alloc, then
 * sends one 64-byte packet and times its echo, and deallocates. Prints
 * one line per round:
 *   "round R: count= alloc_p50_us= alloc_avg_us= alloc_max_us=
 *    rtt_p50_us="
 * Round 1 is the cold one (no member has looked the names up); the
 * rest are warm. Exit status 0, or 1 on a failed allocation or echo.
 */
#define _POSIX_C_SOURCE 200809L

#include <ouroboros/dev.h>
#include <ouroboros/fccntl.h>
#include <ouroboros/qos.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int64_t now_us(void)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);

        return (int64_t) t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static int cmp(const void * a,
               const void * b)
{
        int64_t x = *(const int64_t *) a;
        int64_t y = *(const int64_t *) b;

        return (x > y) - (x < y);
}

static int64_t p50(int64_t * v,
                   int       n)
{
        qsort(v, (size_t) n, sizeof(*v), cmp);

        return v[n / 2];
}

int main(int argc, char ** argv)
{
        qosspec_t       qs = qos_raw;
        struct timespec to = { 10, 0 };
        int64_t *       ta;
        int64_t *       tr;
        int64_t         sum;
        int64_t         t0;
        char            buf[64];
        long            rounds = 2;
        int             n;
        int             c;
        int             r;
        int             i;
        int             fd;

        while ((c = getopt(argc, argv, "r:q:")) != -1) {
                switch (c) {
                case 'r':
                        rounds = strtol(optarg, NULL, 10);
                        break;
                case 'q':
                        if (strcmp(optarg, "voice") == 0)
                                qs = qos_voice;
                        else if (strcmp(optarg, "raw") != 0)
                                goto usage;
                        break;
                default:
                        goto usage;
                }
        }
        n = argc - optind;
        if (n < 1 || rounds < 1 || rounds > 1000)
                goto usage;

        ta = calloc((size_t) n, sizeof(*ta));
        tr = calloc((size_t) n, sizeof(*tr));
        if (ta == NULL || tr == NULL)
                return 1;

        memset(buf, 0x5a, sizeof(buf));
        for (r = 1; r <= rounds; ++r) {
                sum = 0;
                for (i = 0; i < n; ++i) {
                        t0 = now_us();
                        fd = flow_alloc(argv[optind + i], &qs, &to);
                        ta[i] = now_us() - t0;
                        if (fd < 0) {
                                fprintf(stderr, "flow_alloc %s: %d\n",
                                        argv[optind + i], fd);
                                return 1;
                        }
                        fccntl(fd, FLOWSRCVTIMEO, &to);
                        t0 = now_us();
                        if (flow_write(fd, buf, sizeof(buf)) < 0 ||
                            flow_read(fd, buf, sizeof(buf)) < 0) {
                                fprintf(stderr, "no echo from %s\n",
                                        argv[optind + i]);
                                return 1;
                        }
                        tr[i] = now_us() - t0;
                        flow_dealloc(fd);
                        sum += ta[i];
                }
                printf("round %d: count=%d alloc_avg_us=%lld ", r, n,
                       (long long) (sum / n));
                printf("alloc_p50_us=%lld ", (long long) p50(ta, n));
                printf("alloc_max_us=%lld rtt_p50_us=%lld\n",
                       (long long) ta[n - 1], (long long) p50(tr, n));
                fflush(stdout);
        }

        free(ta);
        free(tr);

        return 0;
 usage:
        fprintf(stderr, "usage: bench-ualloc -r ROUNDS [-q raw|voice] "
                "NAME...\n");
        return 2;
}
