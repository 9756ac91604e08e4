/*
 * Ouroboros IRMd - the flow memory of a flow: made when a half is handed
 * out (an accept, or an allocation through a layer that carries data),
 * sized to the smaller of the IRMd's largest packet and the layer's,
 * and never taking the descriptors kept for connections.
 *
 * The memory of a local flow that both processes deallocated is kept in
 * a small pool for the next flow between the same two processes: the
 * library keeps its mapping of a closed flow (flow_shm_unmap), so that
 * flow costs them no mmap, page faults or munmap. Kept only if both
 * sides were closed by their owners (not a crash), emptied at once
 * (flow_shm_recycle: zero rings, new header), handed to no other pair
 * of processes (they may still map it), and dropped when either process
 * exits or when the pool is full (the oldest goes).
 */
#include "irmd.h"
#include "flow_priv.h"
#include "reg_flow.h"

#include "common/flow_shm.h"
#include "common/log.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* The soft limit on our descriptors (raised to the hard one at start). */
static int fd_limit(void)
{
        static int    lim;
        struct rlimit rl;

        if (lim == 0) {
                lim = INT32_MAX;
                if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
                    rl.rlim_cur < (rlim_t) INT32_MAX)
                        lim = (int) rl.rlim_cur;
        }

        return lim;
}

/* Descriptors kept for connections: IRMD_FD_RESERVE, or a quarter of a
 * small limit. */
static int fd_reserve(void)
{
        int q = fd_limit() / 4;

        return q < IRMD_FD_RESERVE ? q : IRMD_FD_RESERVE;
}

#define POOL_MAX 64 /* memories kept */

static struct pooled {
        int    fd;
        pid_t  pair[2];  /* lower pid first */
        size_t max_pkt;
} pool[POOL_MAX];        /* pool[0] the oldest */
static int pool_n;

static void pair_of(pid_t   a,
                    pid_t   b,
                    pid_t * pair)
{
        pair[0] = a < b ? a : b;
        pair[1] = a < b ? b : a;
}

static void pool_del(int i)
{
        close(pool[i].fd);
        for (; i < pool_n - 1; ++i)
                pool[i] = pool[i + 1];
        --pool_n;
}

/* reg_flow_del: no half references m any more. */
static void pool_put(struct flow_mem * m)
{
        struct flow_shm_conf conf = irmd_cfg.shm;

        if (m->pair[0] <= 0 || m->pair[1] <= 0) {
                close(m->fd);
                return;
        }

        conf.max_pkt = m->max_pkt > 0 ? m->max_pkt : conf.max_pkt;
        if (flow_shm_recycle(m->fd, &conf) < 0) {
                close(m->fd); /* a side died, or was never set up */
                return;
        }

        if (pool_n == POOL_MAX)
                pool_del(0);
        pool[pool_n].fd      = m->fd;
        pool[pool_n].pair[0] = m->pair[0];
        pool[pool_n].pair[1] = m->pair[1];
        pool[pool_n].max_pkt = conf.max_pkt;
        ++pool_n;
}

/* A memory kept for this pair of processes and size, or -1. */
static int pool_take(const pid_t * pair,
                     size_t        max_pkt)
{
        int fd;
        int i;

        for (i = pool_n - 1; i >= 0; --i) {
                if (pool[i].pair[0] == pair[0] &&
                    pool[i].pair[1] == pair[1] &&
                    pool[i].max_pkt == max_pkt)
                        break;
        }
        if (i < 0)
                return -1;

        fd = pool[i].fd;
        pool[i].fd = -1;
        for (; i < pool_n - 1; ++i)
                pool[i] = pool[i + 1];
        --pool_n;

        return fd;
}

void flow_mem_proc_gone(pid_t pid)
{
        int i = 0;

        while (i < pool_n) {
                if (pool[i].pair[0] == pid || pool[i].pair[1] == pid)
                        pool_del(i);
                else
                        ++i;
        }
}

static int mem_create(const struct flow_shm_conf * conf)
{
        int fd = flow_shm_create(conf);

        if (fd >= 0 && fd >= fd_limit() - fd_reserve() && pool_n > 0) {
                close(fd); /* the pool gives its descriptors back */
                while (pool_n > 0)
                        pool_del(pool_n - 1);
                fd = flow_shm_create(conf);
        }
        if (fd >= 0 && fd >= fd_limit() - fd_reserve()) {
                close(fd); /* the rest is for connections */
                fd = -EMFILE;
        }

        return fd;
}

int flow_mem_new_pair(struct reg_flow * f,
                      pid_t             a,
                      pid_t             b,
                      size_t            max_pkt)
{
        static bool          hooked;
        struct flow_shm_conf conf = irmd_cfg.shm;
        pid_t                pair[2] = { 0, 0 };
        int                  fd = -1;
        int                  r;

        if (!hooked) {
                reg_flow_on_mem_free(pool_put);
                hooked = true;
        }

        if (max_pkt > 0 && max_pkt < conf.max_pkt)
                conf.max_pkt = max_pkt;

        if (a > 0 && b > 0) {
                pair_of(a, b, pair);
                fd = pool_take(pair, conf.max_pkt);
        }
        if (fd < 0)
                fd = mem_create(&conf);
        if (fd >= 0 && (r = reg_flow_attach_mem(f, fd)) < 0) {
                close(fd);
                fd = r;
        }
        if (fd < 0) {
                log_err("Cannot create flow memory: %s.", strerror(-fd));
                return fd;
        }

        f->mem->max_pkt = conf.max_pkt;
        f->mem->pair[0] = pair[0];
        f->mem->pair[1] = pair[1];

        return 0;
}

int flow_mem_new(struct reg_flow * f,
                 size_t            max_pkt)
{
        return flow_mem_new_pair(f, 0, 0, max_pkt);
}

size_t flow_max_pkt(const struct reg_flow * f)
{
        return f->mem != NULL && f->mem->max_pkt > 0 ? f->mem->max_pkt
                                                     : irmd_cfg.shm.max_pkt;
}
