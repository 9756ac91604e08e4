/*
 * Ouroboros IRMd - the flow memory of a flow: made when a half is handed
 * out (an accept, or an allocation through a layer that carries data),
 * sized to the smaller of the IRMd's largest packet and the layer's,
 * and never taking the descriptors kept for connections.
 */
#include "irmd.h"
#include "flow_priv.h"
#include "reg_flow.h"

#include "common/flow_shm.h"
#include "common/log.h"

#include <ouroboros/errno.h>

#include <errno.h>
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

int flow_mem_new(struct reg_flow * f,
                 size_t            max_pkt)
{
        struct flow_shm_conf conf = irmd_cfg.shm;
        int                  fd;
        int                  r;

        if (max_pkt > 0 && max_pkt < conf.max_pkt)
                conf.max_pkt = max_pkt;

        fd = flow_shm_create(&conf);
        if (fd >= 0 && fd >= fd_limit() - fd_reserve()) {
                close(fd); /* the rest is for connections */
                fd = -EMFILE;
        }
        if (fd >= 0 && (r = reg_flow_attach_mem(f, fd)) < 0) {
                close(fd);
                fd = r;
        }
        if (fd < 0) {
                log_err("Cannot create flow memory: %s.", strerror(-fd));
                return fd;
        }

        f->mem->max_pkt = conf.max_pkt;

        return 0;
}

size_t flow_max_pkt(const struct reg_flow * f)
{
        return f->mem != NULL && f->mem->max_pkt > 0 ? f->mem->max_pkt
                                                     : irmd_cfg.shm.max_pkt;
}
