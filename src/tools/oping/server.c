/*
 * oping server: accept flows in one thread, echo every packet on all of
 * them from a single fset/fevent loop in another, and wait for SIGINT or
 * SIGTERM in the main thread.
 *
 * Accepted flows are read without blocking, so one busy client cannot
 * hold up the others; writes block for at most a second, so a stuck
 * client only loses its own replies. Nothing waits with a timeout: an
 * idle server makes no calls at all (fset_add() wakes a waiting fevent()
 * for a new flow).
 *
 * On a signal the main thread releases every flow and returns; the
 * acceptor and the event loop may still be blocked in flow_accept() and
 * fevent() (no call wakes those): they hold no flow, and what they use
 * is not freed, so the process just exits around them.
 */
#include "oping.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>
#include <ouroboros/fqueue.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct server {
        fset_t *   set;
        fqueue_t * fq;
        uint8_t *  buf;
};

/* Release fd if it is still registered (so it is closed only once). */
static void flow_close(struct server * s, int fd, const char * why)
{
        if (!tool_flows_take(fd))
                return;
        fset_del(s->set, fd);
        flow_dealloc(fd);
        printf("Flow %d closed (%s).\n", fd, why);
}

static void flow_stop(int fd, void * o)
{
        struct server * s = o;

        fset_del(s->set, fd);
        flow_dealloc(fd);
        printf("Flow %d closed (server stopping).\n", fd);
}

static void * acceptor(void * o)
{
        struct server * s = o;
        struct timespec wto = tool_ms_ts(1000);
        qosspec_t       qs;
        uint32_t        flags;
        int             fd;
        int             r;

        while ((fd = tool_accept(&qs)) >= 0) {
                if (fccntl(fd, FLOWGFLAGS, &flags) < 0 ||
                    fccntl(fd, FLOWSFLAGS, flags | FLOWFRNOBLOCK) < 0 ||
                    fccntl(fd, FLOWSSNDTIMEO, &wto) < 0) {
                        fprintf(stderr, "oping: cannot configure flow %d\n",
                                fd);
                        flow_dealloc(fd);
                        continue;
                }
                r = tool_flows_add(fd); /* -ECANCELED: stopping */
                if (r < 0) {
                        if (r != -ECANCELED)
                                fprintf(stderr, "oping: cannot serve flow "
                                        "%d\n", fd);
                        flow_dealloc(fd);
                        continue;
                }
                if (fset_add(s->set, fd) < 0) {
                        fprintf(stderr, "oping: cannot serve flow %d\n", fd);
                        if (tool_flows_take(fd))
                                flow_dealloc(fd);
                        continue;
                }
                printf("New flow %d (%s QoS%s).\n", fd,
                       tool_qos_name(&qs),
                       qs.cypher_s > 0 ? ", encrypted" : "");
        }

        return NULL;
}

/* Echo everything waiting on fd; returns a negative errno if it broke. */
static int echo_all(int fd, uint8_t * buf, size_t len)
{
        ssize_t n;
        ssize_t w;

        while ((n = flow_read(fd, buf, len)) >= 0) {
                w = flow_write(fd, buf, (size_t) n);
                if (w == -ETIMEDOUT || w == -EAGAIN || w == -ENOMEM)
                        continue; /* client not reading: drop the reply */
                if (w < 0)
                        return (int) w;
        }

        return n == -EAGAIN || n == -ETIMEDOUT ? 0 : (int) n;
}

static void * serve(void * o)
{
        struct server * s = o;
        ssize_t         n;
        int             fd;
        int             ret;

        while (!tool_stopped()) {
                n = fevent(s->set, s->fq, NULL);
                if (n == -ETIMEDOUT || n == -EINTR || n == -EAGAIN)
                        continue;
                if (n < 0) {
                        fprintf(stderr, "oping: waiting for events failed: "
                                "%s\n", tool_strerror((int) -n));
                        tool_stop(); /* the main thread cleans up */
                        break;
                }
                while ((fd = fqueue_next(s->fq)) >= 0) {
                        switch (fqueue_type(s->fq)) {
                        case FLOW_PKT:
                                ret = echo_all(fd, s->buf, OPING_MAX_SIZE);
                                if (ret < 0)
                                        flow_close(s, fd,
                                                   tool_strerror(-ret));
                                break;
                        case FLOW_DEALLOC:
                                flow_close(s, fd, "peer left");
                                break;
                        case FLOW_DOWN:
                                flow_close(s, fd, "flow down");
                                break;
                        case FLOW_PEER:
                                flow_close(s, fd, "peer timed out");
                                break;
                        default:
                                break;
                        }
                }
        }

        return NULL;
}

int oping_server(const struct oping_cfg * cfg)
{
        static struct server s; /* outlives the threads: never freed */

        (void) cfg;
        s.set = fset_create();
        s.fq  = fqueue_create();
        s.buf = malloc(OPING_MAX_SIZE);
        if (s.set == NULL || s.fq == NULL || s.buf == NULL) {
                fprintf(stderr, "oping: out of memory\n");
                return -ENOMEM;
        }

        if (tool_thread_start(serve, &s) < 0 ||
            tool_thread_start(acceptor, &s) < 0)
                return -ENOMEM;

        printf("oping server listening; Ctrl-C to stop.\n");
        tool_signals_wait();

        tool_flows_stop(flow_stop, &s);
        printf("oping server stopped.\n");
        return tool_irmd_lost() ? -EIRMD : 0;
}
