/*
 * Ouroboros tests - an application of a broadcast layer, for
 * tests/broadcast: joins the layer (flow_join) and
 *   send N TAG [LINGER [SIZE]]
 *                 writes N messages "TAG i" (i = 1..N; padded with
 *                 '.' to SIZE bytes if given), then waits LINGER ms
 *                 before leaving (default 500);
 *   listen MS     prints every message it reads, one per line, until
 *                 MS ms pass without one; then "END count";
 *   qos           the QoS a join cannot keep is refused (-ENOTSUP: loss
 *                 0, in_order, ber 0, cypher_s), and on the joined flow
 *                 FLOWGQOSSPEC says timeout 0 and FRCTSFLAGS is -EPERM;
 *                 prints "QOS OK".
 * Exit 0, or 1 with the error on stderr (a failed join names it).
 */
#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void usage(void)
{
        fprintf(stderr, "usage: join LAYER send N TAG [LINGER [SIZE]] | "
                "join LAYER listen MS | join LAYER qos\n");
        exit(2);
}

/* A join refuses what one to many cannot keep, and says what it keeps. */
static int check_qos(const char * layer)
{
        struct timespec to = { 5, 0 };
        qosspec_t       bad[4];
        qosspec_t       qs;
        size_t          i;
        int             fd;
        int             r;

        for (i = 0; i < 4; ++i)
                bad[i] = qos_raw;
        bad[0].loss     = 0;
        bad[1].in_order = 1;
        bad[2].ber      = 0;
        bad[3].cypher_s = 256;
        for (i = 0; i < 4; ++i) {
                fd = flow_join(layer, &bad[i], &to);
                if (fd != -ENOTSUP) {
                        fprintf(stderr, "join with QoS %zu: %d, not "
                                "-ENOTSUP\n", i, fd);
                        return 1;
                }
        }

        qs = qos_raw;
        fd = flow_join(layer, &qs, &to);
        if (fd < 0) {
                fprintf(stderr, "flow_join %s: %d\n", layer, fd);
                return 1;
        }
        r = fccntl(fd, FLOWGQOSSPEC, &qs);
        if (r < 0 || qs.timeout != 0 || qs.loss == 0 || qs.in_order != 0) {
                fprintf(stderr, "FLOWGQOSSPEC: %d, timeout %u loss %u "
                        "in_order %u\n", r, qs.timeout, qs.loss,
                        qs.in_order);
                return 1;
        }
        r = fccntl(fd, FRCTSFLAGS, (uint16_t) 0);
        if (r != -EPERM) {
                fprintf(stderr, "FRCTSFLAGS: %d, not -EPERM\n", r);
                return 1;
        }
        flow_dealloc(fd);
        printf("QOS OK\n");

        return 0;
}

int main(int    argc,
         char * argv[])
{
        struct timespec to = { 5, 0 };
        char            buf[70000];
        ssize_t         n;
        long            i;
        long            count = 0;
        int             fd;

        if (argc == 3 && strcmp(argv[2], "qos") == 0)
                return check_qos(argv[1]);
        if (argc < 4)
                usage();

        fd = flow_join(argv[1], NULL, &to);
        if (fd < 0) {
                fprintf(stderr, "flow_join %s: %d\n", argv[1], fd);
                return 1;
        }

        if (strcmp(argv[2], "send") == 0 && argc >= 5) {
                long            linger = argc > 5 ? atol(argv[5]) : 500;
                long            size   = argc > 6 ? atol(argv[6]) : 0;
                struct timespec l;

                if (size < 0 || size >= (long) sizeof(buf))
                        usage();
                for (i = 1; i <= atol(argv[3]); ++i) {
                        long len = snprintf(buf, sizeof(buf), "%s %ld",
                                            argv[4], i);
                        if (len < size) {
                                memset(buf + len, '.', (size_t) (size - len));
                                len = size;
                        }
                        n = flow_write(fd, buf, (size_t) len);
                        if (n < 0) {
                                fprintf(stderr, "write %ld failed: %zd\n",
                                        i, n);
                                return 1;
                        }
                }
                l.tv_sec  = linger / 1000;
                l.tv_nsec = (linger % 1000) * 1000000;
                nanosleep(&l, NULL);
        } else if (strcmp(argv[2], "listen") == 0) {
                long ms = atol(argv[3]);

                to.tv_sec  = ms / 1000;
                to.tv_nsec = (ms % 1000) * 1000000;
                fccntl(fd, FLOWSRCVTIMEO, &to);
                printf("READY\n");
                fflush(stdout);
                while ((n = flow_read(fd, buf, sizeof(buf) - 1)) >= 0) {
                        buf[n] = '\0';
                        printf("%s\n", buf);
                        fflush(stdout);
                        ++count;
                }
                printf("END %ld\n", count);
        } else {
                usage();
        }

        flow_dealloc(fd);

        return 0;
}
