/*
 * oping server: accept flows in one thread, echo every packet on all of
 * them from a single fset/fevent loop in the main thread.
 *
 * Accepted flows are read without blocking, so one busy client cannot
 * hold up the others; writes block for at most a second, so a stuck
 * client only loses its own replies.
 *
 * fevent() waits on the members the set had when it was called, so a
 * flow the acceptor adds is only watched from the next call on: the wait
 * is cut into short slices (SERVE_SLICE_MS) to bound that delay.
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

#define SERVE_SLICE_MS 10

struct server {
        fset_t *        set;
        pthread_mutex_t lock;     /* guards fds */
        int *           fds;      /* flows being served */
        size_t          n_fds;
        size_t          cap;
};

static int flows_add(struct server * s, int fd)
{
        int * p;

        pthread_mutex_lock(&s->lock);
        if (s->n_fds == s->cap) {
                p = realloc(s->fds, (s->cap * 2 + 8) * sizeof(*p));
                if (p == NULL) {
                        pthread_mutex_unlock(&s->lock);
                        return -ENOMEM;
                }
                s->fds = p;
                s->cap = s->cap * 2 + 8;
        }
        s->fds[s->n_fds++] = fd;
        pthread_mutex_unlock(&s->lock);
        return 0;
}

/* Forget fd; returns true if it was ours (so it is closed only once). */
static bool flows_del(struct server * s, int fd)
{
        size_t i;
        bool   found = false;

        pthread_mutex_lock(&s->lock);
        for (i = 0; i < s->n_fds; ++i) {
                if (s->fds[i] == fd) {
                        s->fds[i] = s->fds[--s->n_fds];
                        found = true;
                        break;
                }
        }
        pthread_mutex_unlock(&s->lock);
        return found;
}

static void flow_close(struct server * s, int fd, const char * why)
{
        if (!flows_del(s, fd))
                return;
        fset_del(s->set, fd);
        flow_dealloc(fd);
        printf("Flow %d closed (%s).\n", fd, why);
}

static void * acceptor(void * o)
{
        struct server * s = o;
        struct timespec slice = oping_ms_ts(OPING_SLICE_MS);
        struct timespec wto   = oping_ms_ts(1000);
        qosspec_t       qs;
        uint32_t        flags;
        int             fd;

        while (!oping_stop) {
                fd = flow_accept(&qs, &slice);
                if (fd == -ETIMEDOUT || fd == -EAGAIN || fd == -EINTR)
                        continue;
                if (fd < 0) {
                        fprintf(stderr, "oping: accept failed: %s\n",
                                oping_strerror(-fd));
                        nanosleep(&slice, NULL);
                        continue;
                }
                if (fccntl(fd, FLOWGFLAGS, &flags) < 0 ||
                    fccntl(fd, FLOWSFLAGS, flags | FLOWFRNOBLOCK) < 0 ||
                    fccntl(fd, FLOWSSNDTIMEO, &wto) < 0) {
                        fprintf(stderr, "oping: cannot configure flow %d\n",
                                fd);
                        flow_dealloc(fd);
                        continue;
                }
                if (flows_add(s, fd) < 0 || fset_add(s->set, fd) < 0) {
                        fprintf(stderr, "oping: cannot serve flow %d\n", fd);
                        flows_del(s, fd);
                        flow_dealloc(fd);
                        continue;
                }
                printf("New flow %d (%s QoS%s).\n", fd,
                       oping_qos_name(&qs),
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

static void serve(struct server * s, fqueue_t * fq, uint8_t * buf)
{
        struct timespec slice = oping_ms_ts(SERVE_SLICE_MS);
        ssize_t         n;
        int             fd;
        int             ret;

        while (!oping_stop) {
                n = fevent(s->set, fq, &slice);
                if (n == -ETIMEDOUT || n == -EINTR || n == -EAGAIN)
                        continue;
                if (n < 0) {
                        fprintf(stderr, "oping: waiting for events failed: "
                                "%s\n", oping_strerror((int) -n));
                        break;
                }
                while ((fd = fqueue_next(fq)) >= 0) {
                        switch (fqueue_type(fq)) {
                        case FLOW_PKT:
                                ret = echo_all(fd, buf, OPING_MAX_SIZE);
                                if (ret < 0)
                                        flow_close(s, fd,
                                                   oping_strerror(-ret));
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
}

int oping_server(const struct oping_cfg * cfg)
{
        struct server s;
        fqueue_t *    fq;
        uint8_t *     buf;
        pthread_t     acc;
        int           ret = -ENOMEM;

        (void) cfg;
        memset(&s, 0, sizeof(s));
        pthread_mutex_init(&s.lock, NULL);
        s.set = fset_create();
        fq    = fqueue_create();
        buf   = malloc(OPING_MAX_SIZE);
        if (s.set == NULL || fq == NULL || buf == NULL) {
                fprintf(stderr, "oping: out of memory\n");
                goto out;
        }

        if (pthread_create(&acc, NULL, acceptor, &s) != 0) {
                fprintf(stderr, "oping: cannot start accept thread\n");
                goto out;
        }

        printf("oping server listening; Ctrl-C to stop.\n");
        serve(&s, fq, buf);

        oping_stop = 1;
        pthread_join(acc, NULL);
        while (s.n_fds > 0)
                flow_close(&s, s.fds[0], "server stopping");
        printf("oping server stopped.\n");
        ret = 0;
 out:
        free(buf);
        if (fq != NULL)
                fqueue_destroy(fq);
        if (s.set != NULL)
                fset_destroy(s.set);
        free(s.fds);
        pthread_mutex_destroy(&s.lock);
        return ret;
}
