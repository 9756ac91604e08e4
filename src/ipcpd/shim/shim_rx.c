/*
 * Ouroboros - the shim core's receive side: a payload the transport
 * received is written into the application's flow once (in place with
 * ipcp_flow_reserve / commit, or flow_write for flows that refuse it,
 * e.g. encrypted ones).
 *
 * A flow without room (-EAGAIN: its reader is slow, or just not
 * scheduled) does not lose the packet at once: it is copied into the
 * flow's hold queue, and so is every later packet of that flow (order
 * is kept), at most SHIM_RXQ_MAX per flow and SHIM_RX_HELD_MAX in all.
 * A timer retries after SHIM_RX_RETRY_MS (the library has no "room
 * again" event for a writer), doubling up to SHIM_RX_RETRY_MAX while
 * no packet gets in; what a reader has not made room for within
 * SHIM_RX_HOLD_MS (a process descheduled on a loaded machine) is
 * dropped and counted (drop_full), as is a packet that finds the queue
 * full. Other flows never wait for a slow one: the transport keeps
 * reading its device. Memory: SHIM_RXQ_MAX packets of the layer's
 * largest per flow, and only while a reader lags.
 *
 * Drops below: when this IPCP does not read its socket in time (its
 * CPU busy elsewhere), the kernel drops at the socket. The transport
 * looks at the kernel's count after each batch that did not empty the
 * socket (the only time drops can have happened since the last look)
 * and hands it over (shim_rx_batch_end): new drops are counted
 * (drop_kernel), and added to the loss count of the flows that batch
 * delivered to (ipcp_flow_lost_add): a unicast IPCP above marks ECN
 * for them, so the senders slow down to what this host takes instead
 * of losing packets at a socket the layer never sees.
 */
#include "shim_priv.h"

#include "common/log.h"
#include "lib/ipcp_dev.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>

#include <linux/sock_diag.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct srx {
        struct srx * next;
        int64_t      t;    /* when it was held */
        size_t       len;
        uint8_t      data[];
};

/* Write one packet into f's flow: 0, or a negative errno (-EAGAIN: no
 * room now). */
static ssize_t put(struct sflow *  f,
                   const uint8_t * payload,
                   size_t          len)
{
        void *  buf;
        ssize_t r;

        if (!f->no_reserve) {
                r = ipcp_flow_reserve(f->fd, len, &buf);
                if (r == 0) {
                        memcpy(buf, payload, len);
                        return ipcp_flow_commit(f->fd, len);
                }
                if (r != -ENOTSUP)
                        return r;
                f->no_reserve = true; /* e.g. an encrypted flow */
        }

        r = flow_write(f->fd, payload, len);

        return r < 0 ? r : 0;
}

static void count(struct shim *  sh,
                  struct sflow * f,
                  ssize_t        r,
                  size_t         len)
{
        static struct log_rate rl;

        if (r >= 0) {
                ++sh->ctr[SHIM_C_RX_DATA];
                return;
        }

        ++sh->ctr[r == -EMSGSIZE ? SHIM_C_DROP_OVERSIZE : SHIM_C_DROP_FULL];
        if (log_rate_ok(&rl, LOG_LVL_WARN, NULL))
                log_warn("Flow %u: a packet of %zu bytes dropped: %zd.",
                         f->flow_id, len, r);
}

static void rx_pop(struct sflow * f)
{
        struct srx * p = f->rx_head;

        f->rx_head = p->next;
        if (f->rx_head == NULL)
                f->rx_tail = &f->rx_head;
        --f->rx_n;
        --shim_g->rx_held;
        free(p);
}

static void unlist(struct shim *  sh,
                   struct sflow * f)
{
        struct sflow ** fp;

        for (fp = &sh->rxwait; *fp != NULL; fp = &(*fp)->r_next) {
                if (*fp == f) {
                        *fp = f->r_next;
                        break;
                }
        }
        f->r_next   = NULL;
        f->rx_wait  = false;
}

static void retry_cb(void * arg);

static void arm(struct shim * sh)
{
        if (sh->rxwait == NULL)
                sh->rx_retry = SHIM_RX_RETRY_MS;
        else if (sh->rx_timer == NULL)
                sh->rx_timer = ipcp_timer_add(sh->rx_retry, retry_cb, sh);
}

/* Move what f holds into its flow: false while it still holds some;
 * *moved counts the packets that got in. */
static bool drain(struct shim *  sh,
                  struct sflow * f,
                  int64_t        now,
                  size_t *       moved)
{
        ssize_t r;

        while (f->rx_head != NULL) {
                r = put(f, f->rx_head->data, f->rx_head->len);
                if (r == -EAGAIN && now - f->rx_head->t < SHIM_RX_HOLD_MS)
                        return false;
                if (r >= 0)
                        ++*moved;
                count(sh, f, r, f->rx_head->len);
                rx_pop(f);
        }

        return true;
}

static void retry_cb(void * arg)
{
        struct shim *  sh  = arg;
        int64_t        now = ipcp_now_ms();
        struct sflow * f;
        struct sflow * next;

        size_t         moved = 0;

        sh->rx_timer = NULL; /* fired: freed by the framework */

        for (f = sh->rxwait; f != NULL; f = next) {
                next = f->r_next;
                if (drain(sh, f, now, &moved))
                        unlist(sh, f);
        }

        if (moved > 0)
                sh->rx_retry = SHIM_RX_RETRY_MS;
        else if (sh->rx_retry < SHIM_RX_RETRY_MAX)
                sh->rx_retry *= 2;

        arm(sh);
}

static void hold(struct shim *   sh,
                 struct sflow *  f,
                 const uint8_t * payload,
                 size_t          len)
{
        struct srx * p;

        if (f->rx_n >= SHIM_RXQ_MAX || sh->rx_held >= SHIM_RX_HELD_MAX) {
                count(sh, f, -EAGAIN, len);
                return;
        }

        p = malloc(sizeof(*p) + len);
        if (p == NULL) {
                count(sh, f, -ENOMEM, len);
                return;
        }
        p->next = NULL;
        p->t    = ipcp_now_ms();
        p->len  = len;
        memcpy(p->data, payload, len);

        if (f->rx_tail == NULL)
                f->rx_tail = &f->rx_head;
        *f->rx_tail = p;
        f->rx_tail  = &p->next;
        ++f->rx_n;
        ++sh->rx_held;

        if (!f->rx_wait) {
                f->rx_wait = true;
                f->r_next  = sh->rxwait;
                sh->rxwait = f;
        }
        arm(sh);
}

int64_t shim_sock_drops(int fd)
{
        uint32_t  mi[SK_MEMINFO_VARS];
        socklen_t len = sizeof(mi);

        if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mi, &len) < 0)
                return -errno;
        if (len < (socklen_t) ((SK_MEMINFO_DROPS + 1) * sizeof(mi[0])))
                return -ENOTSUP;

        return (int64_t) mi[SK_MEMINFO_DROPS];
}

/* f is given a packet of this batch: it is told of drops found at the
 * batch's end. */
static void batch_flow(struct shim *        sh,
                       const struct sflow * f)
{
        size_t i;

        for (i = 0; i < sh->rx_nfds; ++i)
                if (sh->rx_fds[i] == f->fd)
                        return;
        if (sh->rx_nfds < SHIM_RX_LOST_FDS)
                sh->rx_fds[sh->rx_nfds++] = f->fd;
}

void shim_rx_batch_end(struct shim * sh,
                       int64_t       drops)
{
        uint64_t d;
        size_t   i;

        if (drops > sh->kdrops) { /* a reopened socket starts again */
                d = (uint64_t) (drops - sh->kdrops);
                sh->ctr[SHIM_C_DROP_KERNEL] += d;
                /* Whose they were, the kernel does not say: the flows
                 * of the batch that found the socket full are the best
                 * guess (one, with one upper IPCP on the device). */
                for (i = 0; i < sh->rx_nfds; ++i)
                        (void) ipcp_flow_lost_add(sh->rx_fds[i], d);
        }
        if (drops >= 0)
                sh->kdrops = drops;
        sh->rx_nfds = 0;
}

void shim_deliver(struct shim *   sh,
                  struct sflow *  f,
                  const uint8_t * payload,
                  size_t          len)
{
        ssize_t r;
        size_t  moved = 0;

        batch_flow(sh, f);

        if (f->rx_head != NULL && !drain(sh, f, ipcp_now_ms(), &moved)) {
                hold(sh, f, payload, len); /* behind what waits */
                return;
        }

        r = put(f, payload, len);
        if (r == -EAGAIN) {
                hold(sh, f, payload, len);
                return;
        }

        count(sh, f, r, len);
}

void shim_rx_forget(struct shim *  sh,
                    struct sflow * f)
{
        while (f->rx_head != NULL)
                rx_pop(f);
        if (f->rx_wait)
                unlist(sh, f);
}

void shim_rx_fini(struct shim * sh)
{
        if (sh->rx_timer != NULL)
                ipcp_timer_cancel(sh->rx_timer);
        sh->rx_timer = NULL;
}
