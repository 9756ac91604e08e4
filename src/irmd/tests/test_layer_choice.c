/*
 * Ouroboros IRMd tests - the layer a flow to a name registered on no
 * IPCP of this host goes through (flow_query.c): the first layer to
 * answer the query, unless the QoS asks for availability, which waits
 * (OUROBOROS_QUERY_GRACE_MS) for a unicast layer. Fake IPCPs: an
 * eth-dix one that answers at once ("ans") and a unicast one that
 * answers 300 ms late ("slowu"); the grace is 2 s here so the timing
 * of a loaded machine cannot decide.
 */
#include "tp.h"

#include "common/timeutil.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static pid_t create(struct th_irmd * d,
                    const char *     name,
                    uint32_t         type)
{
        uint32_t pid = 0;

        CHECK_EQ(tp_ipcp_create(d, name, type), 0);
        CHECK_EQ(msg_get_u32(msg_body(&tp_r), T_PID, &pid), 0);

        return (pid_t) pid;
}

/* Allocate to "far" (served by a child) with qs: the pid of the IPCP
 * the flow went through, and the time it took in *ms. */
static pid_t alloc_via(struct th_irmd *  d,
                       const qosspec_t * qs,
                       int64_t *         ms)
{
        struct child c;
        struct flow  fa;
        struct flow  fc;
        int64_t      t0;

        tp_child_start(d, &c, "/test/far", 5000);
        t0 = now_ns();
        tp_flow_alloc_qos(d, "far", 5000, qs, &fa);
        *ms = (now_ns() - t0) / 1000000;
        CHECK_EQ(fa.res, 0);
        tp_child_result(&c, &fc);
        CHECK_EQ(fc.res, 0);
        CHECK_EQ(fa.peer_pid, fc.peer_pid);
        CHECK_EQ(tp_flow_dealloc(d, fa.id), 0);
        close(fa.memfd);
        close(fa.peer_evfd);
        CHECK_EQ(tp_child_cmd(&c, 'q'), 0);

        return (pid_t) fa.peer_pid;
}

void t_layer_choice(void)
{
        struct th_irmd d;
        struct app     a;
        qosspec_t      qs;
        pid_t          eth;
        pid_t          uni;
        int64_t        ms;
        int            off;

        setenv("OUROBOROS_QUERY_GRACE_MS", "2000", 1);
        th_mkdir(&d);
        th_start(&d, NULL);
        unsetenv("OUROBOROS_QUERY_GRACE_MS");
        tp_local_layer(&d);

        eth = create(&d, "ans", IPCP_ETH_DIX);
        msg_init(&tp_m, M_IPCP_BOOTSTRAP, 0, 30);
        msg_put_str(&tp_m, T_IPCP_NAME, "ans");
        off = msg_open_sub(&tp_m, T_CONF);
        msg_put_u32(&tp_m, T_IPCP_TYPE, IPCP_ETH_DIX);
        msg_put_str(&tp_m, T_LAYER, "eth");
        msg_put_str(&tp_m, T_C_DEV, "veth0");
        msg_close_sub(&tp_m, off);
        CHECK_EQ(th_req(&d, &tp_m, &tp_r), 0);

        uni = create(&d, "slowu", IPCP_UNICAST);
        msg_init(&tp_m, M_IPCP_ENROLL, 0, 31);
        msg_put_str(&tp_m, T_IPCP_NAME, "slowu");
        msg_put_str(&tp_m, T_DST, "peer");
        CHECK_EQ(th_req(&d, &tp_m, &tp_r), 0);

        CHECK_EQ(tp_bind_prog(&d, "/test/far", "far", false, NULL), 0);
        CHECK_EQ(tp_announce(&d, &a, "/test/cli"), 0);

        /* availability 0: the first layer to answer */
        CHECK_EQ(alloc_via(&d, &qos_data, &ms), eth);
        printf("qos_data: through eth-dix (first answer), %lld ms\n",
               (long long) ms);

        /* availability > 0: the unicast layer, 300 ms later */
        CHECK_EQ(alloc_via(&d, &qos_voice, &ms), uni);
        CHECK(ms >= 250);
        printf("qos_voice: through unicast (routed), %lld ms\n",
               (long long) ms);
        qs = qos_data;
        qs.availability = 1;
        CHECK_EQ(alloc_via(&d, &qs, &ms), uni);

        /* no unicast layer: the first answer, without waiting the grace
         * once every layer answered */
        msg_init(&tp_m, M_IPCP_DESTROY, 0, 32);
        msg_put_str(&tp_m, T_IPCP_NAME, "slowu");
        CHECK_EQ(th_req(&d, &tp_m, &tp_r), 0);
        CHECK_EQ(alloc_via(&d, &qos_voice, &ms), eth);
        CHECK(ms < 1500);
        printf("qos_voice, no unicast layer: through eth-dix, %lld ms\n",
               (long long) ms);

        CHECK_EQ(th_stop(&d), 0);
}
