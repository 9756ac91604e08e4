/*
 * obc -m: send a message count times, interval_ms apart, or each line
 * of stdin (-m -, without its newline) as one message; leave once the
 * layer took them all.
 */
#include "obc.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Wait ms, in slices, unless stopped. */
static void pause_ms(long ms)
{
        int64_t end = tool_now_ns() + (int64_t) ms * 1000000;
        int64_t left;

        while (!tool_stopped() && (left = end - tool_now_ns()) > 0) {
                struct timespec s;
                s = tool_ns_ts(left < OBC_SLICE_MS * 1000000LL ?
                               left : OBC_SLICE_MS * 1000000LL);
                nanosleep(&s, NULL);
        }
}

/* Wait (up to ms, unless stopped) until the layer took every message
 * written: a dealloc right after writing may be seen before them. */
static void drain(int  fd,
                  long ms)
{
        struct timespec s   = tool_ms_ts(1);
        int64_t         end = tool_now_ns() + (int64_t) ms * 1000000;
        size_t          q;

        while (!tool_stopped() && tool_now_ns() < end &&
               fccntl(fd, FLOWGTXQLEN, &q) == 0 && q > 0)
                nanosleep(&s, NULL);
}

static int send_one(int          fd,
                    const char * layer,
                    const char * msg,
                    size_t       len,
                    size_t       max)
{
        ssize_t n;

        if (len > max) {
                fprintf(stderr, "obc: a message of %zu bytes is larger "
                        "than %s carries (%zu)\n", len, layer, max);
                return -EMSGSIZE;
        }

        n = flow_write(fd, msg, len);
        if (n < 0) {
                fprintf(stderr, "obc: cannot send on %s: %s\n", layer,
                        tool_strerror((int) -n));
                return (int) n;
        }

        return 0;
}

/* Wait until stdin is readable, or stopped: true if readable. */
static bool stdin_ready(void)
{
        struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };

        while (!tool_stopped()) {
                if (poll(&p, 1, OBC_SLICE_MS) > 0)
                        return true;
        }

        return false;
}

/* Each line of stdin as a message: read() in slices, so that a stop is
 * seen while stdin is quiet; a line longer than max fails. */
static int send_lines(int                    fd,
                      const struct obc_cfg * cfg,
                      size_t                 max)
{
        size_t  cap  = max + 1; /* a line and its newline */
        size_t  have = 0;
        size_t  len;
        char *  buf  = malloc(cap);
        char *  nl;
        ssize_t n    = 1;
        bool    first = true;
        int     r = buf == NULL ? -ENOMEM : 0;

        while (r == 0 && !tool_stopped()) {
                nl = memchr(buf, '\n', have);
                if (nl == NULL && n > 0 && have < cap) {
                        if (!stdin_ready())
                                break;
                        n = read(STDIN_FILENO, buf + have, cap - have);
                        if (n < 0 && errno == EINTR)
                                n = 1;
                        else if (n > 0)
                                have += (size_t) n;
                        continue;
                }
                if (nl == NULL && have == 0)
                        break; /* the end */
                if (nl == NULL && have == cap) {
                        fprintf(stderr, "obc: a line longer than %zu "
                                "bytes, more than %s carries\n", max,
                                cfg->layer);
                        r = -EMSGSIZE;
                        break;
                }
                len = nl != NULL ? (size_t) (nl - buf) : have;
                if (!first)
                        pause_ms(cfg->interval_ms);
                first = false;
                r = send_one(fd, cfg->layer, buf, len, max);
                if (nl != NULL)
                        ++len;
                memmove(buf, buf + len, have - len);
                have -= len;
        }

        free(buf);

        return r;
}

int obc_send(const struct obc_cfg * cfg)
{
        size_t max;
        long   i;
        int    r = 0;
        int    fd;

        fd = obc_join(cfg, &max);
        if (fd < 0)
                return fd;

        if (strcmp(cfg->message, "-") == 0) {
                r = send_lines(fd, cfg, max);
        } else {
                for (i = 0; r == 0 && i < cfg->count && !tool_stopped();
                     ++i) {
                        if (i > 0)
                                pause_ms(cfg->interval_ms);
                        r = send_one(fd, cfg->layer, cfg->message,
                                     strlen(cfg->message), max);
                }
        }

        drain(fd, cfg->timeout_ms);
        flow_dealloc(fd);

        return r;
}
