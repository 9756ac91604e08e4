/*
 * An operf server that does not hear the first ENDs, as over a layer
 * that drops them (tests/tools/test_operf_end_lost.sh):
 *
 *   test-tools-deafperf NAME DEAF
 *
 * serves NAME from the local layer, accepts one flow, counts the DATA
 * packets of the operf wire format (src/tools/operf/operf.h), ignores
 * the first DEAF ENDs and answers the next one with a REPORT, then
 * waits until the client deallocates. Prints "ends N" (the ENDs it got)
 * and exits 0; 1 on any failure.
 */
#include "../api/common.h"

#define MAGIC    0x4f505246U /* "OPRF" */
#define HDR_LEN  24
#define RPT_LEN  (HDR_LEN + 24)
#define T_DATA   1
#define T_END    2
#define T_REPORT 3

static void put_u64(uint8_t * p, uint64_t v)
{
        int i;

        for (i = 7; i >= 0; --i, v >>= 8)
                p[i] = (uint8_t) v;
}

static uint32_t get_u32(const uint8_t * p)
{
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 |
                (uint32_t) p[2] << 8 | p[3];
}

int main(int argc, char ** argv)
{
        static uint8_t  buf[65536];
        struct timespec to = t_ms(10000);
        uint64_t        pkts  = 0;
        uint64_t        bytes = 0;
        int64_t         first = 0;
        int64_t         last  = 0;
        long            deaf;
        long            ends  = 0;
        ssize_t         n;
        int             fd;

        if (argc != 3) {
                fprintf(stderr, "usage: %s NAME DEAF\n", argv[0]);
                return 2;
        }
        deaf = strtol(argv[2], NULL, 10);
        t_serve_as(argv[1]);
        printf("listening\n");
        fflush(stdout);
        fd = flow_accept(NULL, NULL);
        CHECK(fd >= 0);
        CHECK(fccntl(fd, FLOWSRCVTIMEO, &to) == 0);
        while ((n = flow_read(fd, buf, sizeof(buf))) >= 0) {
                struct timespec now;
                if (n < HDR_LEN || get_u32(buf) != MAGIC)
                        continue;
                clock_gettime(CLOCK_MONOTONIC, &now);
                if (buf[4] == T_DATA) {
                        last = now.tv_sec * 1000000000LL + now.tv_nsec;
                        if (pkts++ == 0)
                                first = last;
                        bytes += (uint64_t) n;
                } else if (buf[4] == T_END && ++ends > deaf) {
                        buf[4] = T_REPORT;
                        put_u64(buf + HDR_LEN, pkts);
                        put_u64(buf + HDR_LEN + 8, bytes);
                        put_u64(buf + HDR_LEN + 16, (uint64_t) (last - first));
                        CHECK(flow_write(fd, buf, RPT_LEN) == RPT_LEN);
                }
        }
        CHECK(n != -ETIMEDOUT); /* the client went away, not silent */
        printf("ends %ld\n", ends);
        flow_dealloc(fd);

        return 0;
}
