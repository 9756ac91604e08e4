/*
 * Ouroboros - ipcpd-unicast: the layer's configuration and this
 * member's address (uni.h). A configuration comes from a bootstrap
 * (T_CONF) or from the member that enrolled this one (wire_enroll.h);
 * both go through conf_set, so both are checked the same way.
 */
#include "uni.h"
#include "uenroll.h"

#include "routing/routing.h"

#include "common/hash.h"
#include "common/ipcp_conf.h"

#include <errno.h>
#include <string.h>

struct uni_conf uni_conf;

static uint64_t self_addr;

uint64_t uni_addr(void)
{
        return self_addr;
}

void uni_set_addr(uint64_t addr)
{
        self_addr = addr;
}

static const char * const routing_names[] = { "link_state", "lfa", "ecmp" };

int conf_set(const struct layer_config * lc)
{
        const char * r;
        int          n;

        if (lc->type != IPCP_UNICAST || !ipcp_conf_valid(lc))
                return -EINVAL;

        if (lc->routing >= sizeof(routing_names) / sizeof(routing_names[0]))
                return -EINVAL;

        n = hash_len(lc->hash);
        if (n <= 0)
                return -EINVAL;

        r = routing_policy(routing_names[lc->routing]);
        if (r == NULL)
                return -EINVAL;

        memset(&uni_conf, 0, sizeof(uni_conf));
        uni_conf.lc       = *lc;
        uni_conf.hash_len = (size_t) n;
        uni_conf.routing  = r;

        return 0;
}

int conf_from_msg(struct msg_view v)
{
        struct layer_config lc;
        int                 err;

        err = ipcp_conf_get(v, &lc);
        if (err < 0)
                return err;

        return conf_set(&lc);
}
