/*
 * obc -l: print every message that arrives, one a line. Printable
 * ASCII is printed as is, a backslash as \\, newline, tab and carriage
 * return as \n, \t and \r, every other byte as \xHH.
 */
#include "obc.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static void print_escaped(const unsigned char * p,
                          size_t                n)
{
        size_t i;

        for (i = 0; i < n; ++i) {
                unsigned char c = p[i];
                if (c == '\\')
                        fputs("\\\\", stdout);
                else if (c == '\n')
                        fputs("\\n", stdout);
                else if (c == '\t')
                        fputs("\\t", stdout);
                else if (c == '\r')
                        fputs("\\r", stdout);
                else if (c >= 0x20 && c < 0x7f)
                        putchar(c);
                else
                        printf("\\x%02x", c);
        }
        putchar('\n');
}

int obc_listen(const struct obc_cfg * cfg)
{
        struct timespec slice = tool_ms_ts(OBC_SLICE_MS);
        unsigned char * buf;
        size_t          max;
        ssize_t         n;
        long            got = 0;
        int             r = 0;
        int             fd;

        fd = obc_join(cfg, &max);
        if (fd < 0)
                return fd;

        buf = malloc(max);
        if (buf == NULL || fccntl(fd, FLOWSRCVTIMEO, &slice) < 0) {
                fprintf(stderr, "obc: cannot set up the flow\n");
                free(buf);
                flow_dealloc(fd);
                return -ENOMEM;
        }

        fprintf(stderr, "obc: listening on %s\n", cfg->layer);

        while (!tool_stopped() && (cfg->count == 0 || got < cfg->count)) {
                n = flow_read(fd, buf, max);
                if (n == -ETIMEDOUT || n == -EAGAIN)
                        continue;
                if (n < 0) {
                        fprintf(stderr, "obc: %s: %s\n", cfg->layer,
                                tool_strerror((int) -n));
                        r = (int) n;
                        break;
                }
                print_escaped(buf, (size_t) n);
                ++got;
        }

        free(buf);
        flow_dealloc(fd);

        return r;
}
