/*
 * Ouroboros - ipcpd-unicast: a member of a unicast layer. The ops
 * table, bootstrap, and the stat answer; uni.h says what each other
 * module does. Bootstrap takes the configuration (conf.c) and a random
 * address (the first member has nobody to ask), enroll is enroll.c's;
 * both report the layer's mtu as the largest packet of its flows and
 * "addr N mtu M" for irm ipcp list.
 */
#include "uni.h"
#include "uenroll.h"

#include "common/log.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

enum uni_state {
        UNI_INIT = 0,
        UNI_ENROLLING,
        UNI_OPER
};

static enum uni_state state;

/* A random address that fits addr_size bytes, neither 0 nor all ones
 * (wire_mgmt.h). */
static uint64_t random_addr(void)
{
        uint64_t a   = 0;
        uint64_t max = uni_max_for(uni_conf.lc.addr_size);

        while (a == 0 || a == max) {
                if (getrandom(&a, sizeof(a), 0) != sizeof(a))
                        a = (uint64_t) ipcp_now_ms() * 2654435761u;
                a &= max;
        }

        return a;
}

void uni_attach(struct ipcp_attach * at)
{
        at->max_pkt = uni_conf.lc.mtu;
        snprintf(at->info, sizeof(at->info), "addr %llu mtu %u",
                 (unsigned long long) uni_addr(), uni_conf.lc.mtu);
}

void uni_enroll_failed(void)
{
        state = UNI_INIT;
}

int uni_operate(void)
{
        int err;

        err = dt_init();
        if (err < 0)
                goto fail_dt;
        err = route_init();
        if (err < 0)
                goto fail_route;
        err = dir_init();
        if (err < 0)
                goto fail_dir;
        err = fa_init();
        if (err < 0)
                goto fail_fa;
        err = nbr_init();
        if (err < 0)
                goto fail_nbr;

        state = UNI_OPER;
        log_info("Member %llu of unicast layer %s.",
                 (unsigned long long) uni_addr(), uni_conf.lc.layer);

        return 0;

 fail_nbr:
        fa_fini();
 fail_fa:
        dir_fini();
 fail_dir:
        route_fini();
 fail_route:
        dt_fini();
 fail_dt:
        return err;
}

static int uni_bootstrap(struct msg_view      conf,
                         struct ipcp_attach * at)
{
        int err;

        if (state != UNI_INIT)
                return -EIPCPSTATE;

        err = conf_from_msg(conf);
        if (err < 0) {
                snprintf(at->info, sizeof(at->info), "bad configuration");
                return err;
        }

        uni_set_addr(random_addr());

        err = uni_operate();
        if (err < 0) {
                uni_set_addr(0);
                return err;
        }

        uni_attach(at);

        return 0;
}

static int uni_enroll(const char *         dst,
                      struct msg *         rep,
                      struct ipcp_attach * at)
{
        int r;

        if (state != UNI_INIT)
                return -EIPCPSTATE;

        r = enroll_op(dst, rep, at);
        if (r == IPCP_LATER && state == UNI_INIT)
                state = UNI_ENROLLING;

        return r;
}

static int uni_connect(const char *      dst,
                       const char *      comp,
                       const qosspec_t * qs)
{
        if (state != UNI_OPER)
                return -EIPCPSTATE;

        return nbr_connect(dst, comp, qs);
}

static int uni_disconnect(const char * dst,
                          const char * comp)
{
        if (state != UNI_OPER)
                return -EIPCPSTATE;

        return nbr_disconnect(dst, comp);
}

static int uni_reg(struct ipcp_hash h)
{
        return state == UNI_OPER ? dir_reg(h) : -EIPCPSTATE;
}

static int uni_unreg(struct ipcp_hash h)
{
        return state == UNI_OPER ? dir_unreg(h) : -EIPCPSTATE;
}

static int uni_query(struct ipcp_hash h,
                     ipcp_tok_t       tok)
{
        return state == UNI_OPER ? dir_query_op(h, tok) : -EIPCPSTATE;
}

static int uni_flow_alloc(const struct ipcp_flow_req * r)
{
        return fa_alloc(r);
}

static int uni_flow_alloc_resp(const struct ipcp_flow_resp * r)
{
        return fa_alloc_resp(r);
}

static int uni_flow_dealloc(uint32_t flow_id)
{
        return fa_dealloc(flow_id);
}

static int uni_stat(struct ipcp_stat * s)
{
        int r = 0;

        if (state != UNI_OPER)
                return enroll_stat(s);

        r |= ipcp_stat_add(s, "address", uni_addr());
        r |= nbr_stat(s);
        r |= dt_stat(s);
        r |= route_stat(s);
        r |= dir_stat(s);
        r |= fa_stat(s);
        r |= enroll_stat(s);
        r |= ipcp_lower_stat(s);

        return r < 0 ? -EMSGSIZE : 0;
}

static void uni_fini(void)
{
        if (state != UNI_OPER) {
                enroll_fini();
                return;
        }

        nbr_fini();
        enroll_fini();
        fa_fini();
        dir_fini();
        route_fini();
        dt_fini();
        state = UNI_INIT;
}

int main(int    argc,
         char * argv[])
{
        struct ipcp_ops ops;

        memset(&ops, 0, sizeof(ops));
        ops.bootstrap       = uni_bootstrap;
        ops.enroll          = uni_enroll;
        ops.connect         = uni_connect;
        ops.disconnect      = uni_disconnect;
        ops.reg             = uni_reg;
        ops.unreg           = uni_unreg;
        ops.query           = uni_query;
        ops.flow_alloc      = uni_flow_alloc;
        ops.flow_alloc_resp = uni_flow_alloc_resp;
        ops.flow_dealloc    = uni_flow_dealloc;
        ops.stat            = uni_stat;
        ops.fini            = uni_fini;
        ops.carries_data    = true;

        return ipcp_main(argc, argv, IPCP_UNICAST, &ops);
}
