/*
 * Ouroboros IRMd - which layer gets a flow to a name that is not
 * registered on this host (a registered one goes through the local
 * layer, flow.c). Every operational IPCP of a layer that carries
 * unicast flows (not local, not broadcast) is asked (M_IPCPD_QUERY)
 * at once; the rule among those that answer yes, documented in
 * flow_alloc(3) and doc/qos.md:
 *
 *   availability > 0 (the video and voice presets): a unicast layer,
 *     which routes around a failed link where an eth or udp layer
 *     rides one: the first unicast IPCP to answer yes. The choice waits
 *     for one at most OUROBOROS_QUERY_GRACE_MS (default 5) after the
 *     first yes, or until every IPCP answered, then takes the first
 *     layer that said yes.
 *   otherwise: the first layer to answer yes, at once. Its query's
 *     round trip is the allocation's own measure of the path's delay,
 *     so this also serves delay.
 *   bandwidth chooses no layer: no layer type reports its capacity (a
 *     unicast layer maps it, with delay and availability, to a cube).
 *
 * No answer yes from anyone: -ENAME. A chosen IPCP that died during
 * the grace gives way to the other candidate, if any.
 */
#include "irmd.h"
#include "flow_priv.h"
#include "reg_flow.h"
#include "reg_ipcp.h"

#include "common/hash.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/timeutil.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#define QUERY_GRACE_MS     5
#define QUERY_GRACE_MAX_MS 10000

struct query {
        struct list_head next;        /* queries                        */
        uint32_t         x;           /* requester half                 */
        int              outstanding; /* answers still to come (+1 hold) */
        bool             decided;
        bool             want_routed; /* availability > 0               */
        int64_t          grace;       /* decide by then; 0: no yes yet  */
        pid_t            first;       /* first IPCP to answer yes       */
        pid_t            routed;      /* first unicast IPCP to say yes  */
};

static struct list_head queries = LIST_HEAD_INIT(queries);

/* OUROBOROS_QUERY_GRACE_MS, 0..QUERY_GRACE_MAX_MS, read once. */
static int64_t grace_ns(void)
{
        static int64_t ns = -1;
        const char *   s;
        char *         end;
        long           v;

        if (ns >= 0)
                return ns;

        ns = QUERY_GRACE_MS * 1000000LL;
        s  = getenv("OUROBOROS_QUERY_GRACE_MS");
        if (s == NULL || *s == '\0')
                return ns;
        v = strtol(s, &end, 10);
        if (*end != '\0' || v < 0 || v > QUERY_GRACE_MAX_MS) {
                log_warn("OUROBOROS_QUERY_GRACE_MS=%s is not 0..%d, using "
                         "%d.", s, QUERY_GRACE_MAX_MS, QUERY_GRACE_MS);
                return ns;
        }
        ns = v * 1000000LL;

        return ns;
}

static struct reg_ipcp * usable(pid_t pid)
{
        struct reg_ipcp * e = pid != 0 ? reg_ipcp_by_pid(pid) : NULL;

        return e != NULL && e->state == IPCP_STATE_OPERATIONAL ? e : NULL;
}

/* Allocate x through the layer the rule picks (q->first answered). */
static void decide(struct query * q)
{
        struct reg_flow * x = reg_flow_get(q->x);
        struct reg_ipcp * e = NULL;
        int               r;

        q->decided = true;
        if (x == NULL || x->state != FLOW_ALLOC_PENDING)
                return;

        if (q->want_routed)
                e = usable(q->routed);
        if (e == NULL)
                e = usable(q->first);
        if (e == NULL)
                e = usable(q->routed);
        if (e == NULL) {
                flow_fail_x(x, -ENAME);
                return;
        }

        log_dbg("Flow %u to %s through IPCP %s (%s).", x->id, x->name,
                e->name, q->want_routed && e->pid == q->routed ?
                "a routed layer, availability asked" : "first to answer");
        r = flow_remote_alloc(x, e);
        if (r < 0)
                flow_fail_x(x, r);
}

static void query_done(void *             ctx,
                       struct reg_ipcp *  e,
                       int                res,
                       const struct msg * rep)
{
        struct query * q = ctx;

        (void) rep;

        if (res == 0 && !q->decided && e != NULL &&
            e->state == IPCP_STATE_OPERATIONAL) {
                if (q->first == 0)
                        q->first = e->pid;
                if (q->routed == 0 && e->type == IPCP_UNICAST)
                        q->routed = e->pid;
                if (!q->want_routed || q->routed != 0)
                        decide(q);
                else if (q->grace == 0)
                        q->grace = now_ns() + grace_ns();
        }

        if (--q->outstanding > 0)
                return;

        if (!q->decided)
                decide(q); /* the first yes, or -ENAME */

        list_del(&q->next);
        free(q);
}

int flow_query(struct reg_flow * x)
{
        struct list_head * p;
        struct query *     q;
        uint8_t            h[HASH_MAX_LEN];

        q = calloc(1, sizeof(*q));
        if (q == NULL)
                return -ENOMEM;
        q->x           = x->id;
        q->outstanding = 1; /* held while sending */
        q->want_routed = x->qos.availability > 0;
        list_add_tail(&q->next, &queries);

        list_for_each(p, reg_ipcp_all()) {
                struct reg_ipcp * e = list_entry(p, struct reg_ipcp, next);
                struct msg        out;
                int               len;
                if (e->state != IPCP_STATE_OPERATIONAL ||
                    e->type == IPCP_LOCAL || e->type == IPCP_BROADCAST)
                        continue;
                len = hash_name(e->hash, x->name, h);
                if (len < 0)
                        continue;
                msg_init(&out, M_IPCPD_QUERY, 0, 0);
                msg_put_bytes(&out, T_HASH, h, (size_t) len);
                ++q->outstanding;
                if (ipcp_send_req(e, &out, IRMD_IPCP_REQ_NS, query_done,
                                  q) < 0)
                        --q->outstanding;
        }

        if (q->outstanding == 1) { /* no layer to ask */
                list_del(&q->next);
                free(q);
                return -ENAME;
        }

        query_done(q, NULL, -ENOENT, NULL); /* drop the hold */

        return 0;
}

int64_t flow_query_next_deadline(void)
{
        struct list_head * p;
        int64_t            dl = 0;

        list_for_each(p, &queries) {
                struct query * q = list_entry(p, struct query, next);
                if (!q->decided && q->grace != 0 &&
                    (dl == 0 || q->grace < dl))
                        dl = q->grace;
        }

        return dl;
}

void flow_query_expire(int64_t now)
{
        struct list_head * p;

        list_for_each(p, &queries) {
                struct query * q = list_entry(p, struct query, next);
                if (!q->decided && q->grace != 0 && q->grace <= now)
                        decide(q); /* no unicast layer said yes in time */
        }
}
