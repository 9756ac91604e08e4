/*
 * obc: joining the layer, with errors in the layer's terms.
 */
#include "obc.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>

#include <errno.h>
#include <stdio.h>

static const char * why(int err)
{
        switch (err) {
        case EIPCPTYPE:
                return "not a broadcast layer (this host has no broadcast "
                       "IPCP)";
        case ENAME:
                return "not a broadcast layer (no broadcast IPCP on this "
                       "host is in it, or it is not bootstrapped or "
                       "enrolled yet)";
        case ETIMEDOUT:
                return "timed out";
        default:
                return tool_strerror(err);
        }
}

int obc_join(const struct obc_cfg * cfg,
             size_t *               max)
{
        struct timespec to = tool_ms_ts(cfg->timeout_ms);
        int             fd;

        fd = flow_join(cfg->layer, NULL, &to);
        if (fd < 0) {
                fprintf(stderr, "obc: cannot join %s: %s\n", cfg->layer,
                        why(-fd));
                return fd;
        }

        if (fccntl(fd, FLOWGMAXPKT, max) < 0 || *max == 0) {
                fprintf(stderr, "obc: cannot get the largest packet of "
                        "%s\n", cfg->layer);
                flow_dealloc(fd);
                return -EIPCP;
        }

        return fd;
}
