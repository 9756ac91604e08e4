/*
 * Ouroboros - the shim's peers: one per address we have flows (or
 * allocations in progress) with, and their liveness.
 *
 * Timer: one tick every SHIM_KA_TICK_MS, armed while some peer exists.
 * At each tick, per peer:
 *   - a frame heard since the last tick: last_heard = now;
 *   - our link down: last_heard = now (nobody times out: the link
 *     already took every flow down);
 *   - silent for SHIM_KA_TIMEOUT_MS: the peer is down; its allocated
 *     flows are marked down (FLOW_DOWN at the applications, reads and
 *     writes fail with -EFLOWDOWN) and kept, its allocations in
 *     progress fail (-EFLOWPEER);
 *   - silent for SHIM_KA_PERIOD_MS and no probe for as long: a probe
 *     (also while the peer is down, so it is found again);
 *   - a flow down (peer or link) for longer than its bound is
 *     deallocated (FLOW_DEALLOC at the application): its QoS timeout
 *     plus SHIM_KA_TIMEOUT_MS (so that FRCT's peer timer, which runs on
 *     while the flow is down, gives FLOW_PEER first), or
 *     SHIM_DOWN_MAX_MS when the flow has no peer timeout (timeout 0).
 * Any frame from a down peer (shim_peer_heard: data, a probe, its
 * answer) brings it up at once: its flows go up (FLOW_UP) and carry on
 * where they were (FRCT retransmits what the outage lost).
 * A frame heard during a tick period is stamped at the tick after it,
 * so a peer goes down between SHIM_KA_TIMEOUT_MS and
 * SHIM_KA_TIMEOUT_MS + SHIM_KA_TICK_MS after its last frame.
 * A peer without flows is freed at once (shim_peer_detach).
 */
#include "shim_priv.h"

#include "common/log.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SHIM_KA_TICK_MS 500

static void tick(void * arg);

static void tick_arm(struct shim * sh)
{
        if (sh->tick != NULL || sh->peers == NULL)
                return;

        sh->tick = ipcp_timer_add(SHIM_KA_TICK_MS, tick, sh);
        if (sh->tick == NULL)
                log_err("No memory for the keepalive timer.");
}

struct speer * shim_peer_get(struct shim *            sh,
                             const struct shim_addr * a,
                             bool                     create)
{
        struct speer * p;

        for (p = sh->peers; p != NULL; p = p->next)
                if (shim_addr_eq(&p->addr, a))
                        return p;

        if (!create)
                return NULL;

        p = calloc(1, sizeof(*p));
        if (p == NULL)
                return NULL;

        p->addr       = *a;
        p->last_heard = ipcp_now_ms();
        p->last_probe = p->last_heard;
        p->next       = sh->peers;
        sh->peers     = p;

        tick_arm(sh);

        return p;
}

static void peer_free(struct shim *  sh,
                      struct speer * p)
{
        struct speer ** pp;

        for (pp = &sh->peers; *pp != NULL; pp = &(*pp)->next) {
                if (*pp == p) {
                        *pp = p->next;
                        break;
                }
        }

        free(p);
}

void shim_peer_attach(struct shim *  sh,
                      struct speer * p,
                      struct sflow * f)
{
        (void) sh;

        f->peer   = p;
        f->p_next = p->flows;
        f->p_prev = &p->flows;
        if (p->flows != NULL)
                p->flows->p_prev = &f->p_next;
        p->flows = f;
        ++p->n_flows;
}

void shim_peer_detach(struct shim *  sh,
                      struct sflow * f)
{
        struct speer * p = f->peer;

        if (p == NULL)
                return;

        *f->p_prev = f->p_next;
        if (f->p_next != NULL)
                f->p_next->p_prev = f->p_prev;
        f->peer   = NULL;
        f->p_next = NULL;
        f->p_prev = NULL;

        if (--p->n_flows == 0)
                peer_free(sh, p);
}

static void probe(struct shim *  sh,
                  struct speer * p,
                  int64_t        now)
{
        struct mgmt_msg m;

        memset(&m, 0, sizeof(m));
        m.type = MGMT_KEEPALIVE;
        m.id   = ++p->ka_seq;

        p->last_probe = now;
        ++sh->ctr[SHIM_C_KA_OUT];
        shim_send_mgmt(sh, &p->addr, &m);
}

/* The longest f may stay down before it is deallocated. */
static int64_t down_max(const struct sflow * f)
{
        if (f->qs.timeout == 0)
                return SHIM_DOWN_MAX_MS;

        return (int64_t) f->qs.timeout + SHIM_KA_TIMEOUT_MS;
}

/* p went silent: its flows down, its allocations in progress failed.
 * True if that freed p (it had no allocated flow). */
static bool peer_lost(struct shim *  sh,
                      struct speer * p)
{
        char           buf[SHIM_ADDR_STR_MAX];
        struct sflow * f;
        struct sflow * next;
        size_t         up = 0;

        for (f = p->flows; f != NULL; f = f->p_next)
                if (f->state == SF_UP)
                        ++up;

        log_warn("Peer %s silent for %d ms: %zu flow(s) down, %zu "
                 "allocation(s) failed.", shim_addr_str(&p->addr, buf),
                 SHIM_KA_TIMEOUT_MS, up, p->n_flows - up);
        ++sh->ctr[SHIM_C_PEERS_LOST];

        if (up == 0) { /* the last flow detached frees p */
                while (p->n_flows > 1)
                        shim_flow_fail(sh, p->flows, -EFLOWPEER);
                shim_flow_fail(sh, p->flows, -EFLOWPEER);
                return true;
        }

        p->down = true;
        for (f = p->flows; f != NULL; f = next) {
                next = f->p_next;
                if (f->state == SF_UP)
                        shim_flow_set_down(sh, f, true);
                else /* an allocated flow is left: p stays */
                        shim_flow_fail(sh, f, -EFLOWPEER);
        }

        return false;
}

/* Deallocate p's flows that have been down too long. True if that
 * freed p. */
static bool expire(struct shim *  sh,
                   struct speer * p,
                   int64_t        now)
{
        struct sflow * f;
        struct sflow * next;
        bool           last;

        for (f = p->flows; f != NULL; f = next) {
                next = f->p_next;
                if (f->state != SF_UP || f->down_at == 0 ||
                    now - f->down_at < down_max(f))
                        continue;
                log_warn("Flow %u down for %lld ms: deallocating it.",
                         f->flow_id, (long long) (now - f->down_at));
                ++sh->ctr[SHIM_C_FLOWS_EXPIRED];
                last = p->n_flows == 1;
                shim_flow_close(sh, f, true);
                if (last)
                        return true;
        }

        return false;
}

static void tick(void * arg)
{
        struct shim *  sh  = arg;
        int64_t        now = ipcp_now_ms();
        struct speer * p;
        struct speer * next;

        sh->tick     = NULL; /* fired: freed by the framework */
        sh->rst_left = SHIM_RST_MAX;

        for (p = sh->peers; p != NULL; p = next) {
                next = p->next;
                if (p->heard || !sh->link_up) {
                        p->heard      = false;
                        p->last_heard = now;
                } else if (!p->down &&
                           now - p->last_heard >= SHIM_KA_TIMEOUT_MS &&
                           peer_lost(sh, p)) {
                        continue; /* freed */
                }
                if ((p->down || !sh->link_up) && expire(sh, p, now))
                        continue; /* freed */
                if (sh->link_up &&
                    now - p->last_heard >= SHIM_KA_PERIOD_MS &&
                    now - p->last_probe >= SHIM_KA_PERIOD_MS)
                        probe(sh, p, now);
        }

        tick_arm(sh);
}

void shim_peer_back(struct shim *  sh,
                    struct speer * p)
{
        char           buf[SHIM_ADDR_STR_MAX];
        struct sflow * f;

        p->down       = false;
        p->last_heard = ipcp_now_ms();

        log_info("Peer %s heard again: its %zu flow(s) up.",
                 shim_addr_str(&p->addr, buf), p->n_flows);

        if (!sh->link_up)
                return;

        for (f = p->flows; f != NULL; f = f->p_next)
                if (f->state == SF_UP)
                        shim_flow_set_down(sh, f, false);
}

/* p's IPCP has no flow with us (KA_NONE): it restarted, or closed them
 * while we could not hear it. Its allocated flows are gone. */
static void peer_forgot(struct shim *  sh,
                        struct speer * p)
{
        char           buf[SHIM_ADDR_STR_MAX];
        struct sflow * f;
        struct sflow * next;
        bool           last;

        log_info("Peer %s has no flow with us: closing ours.",
                 shim_addr_str(&p->addr, buf));

        for (f = p->flows; f != NULL; f = next) {
                next = f->p_next;
                if (f->state != SF_UP)
                        continue; /* in allocation: its own exchange */
                last = p->n_flows == 1;
                shim_flow_close(sh, f, false);
                if (last)
                        return; /* p freed */
        }

        if (p->down) /* only allocations left: heard, so up */
                shim_peer_back(sh, p);
}

void shim_peer_rcv_ka(struct shim *            sh,
                      const struct shim_addr * from,
                      const struct mgmt_msg *  m)
{
        struct speer *  p = shim_peer_get(sh, from, false);
        struct mgmt_msg r;

        ++sh->ctr[SHIM_C_KA_IN];

        if (m->flags & MGMT_KA_REPLY) {
                if (p != NULL && (m->flags & MGMT_KA_NONE))
                        peer_forgot(sh, p);
                return;
        }

        /* A probe from an IPCP we have no flow with: its flows with us
         * are stale (we restarted, or closed them while it could not
         * hear us); say so, at most SHIM_RST_MAX such answers a tick.
         * Only an IPCP with flows to the prober answers plainly: a
         * restarted peer must not keep flows it does not know alive. */
        if (p == NULL && sh->rst_left == 0)
                return;

        memset(&r, 0, sizeof(r));
        r.type  = MGMT_KEEPALIVE;
        r.id    = m->id;
        r.flags = MGMT_KA_REPLY;
        if (p == NULL) {
                --sh->rst_left;
                r.flags |= MGMT_KA_NONE;
        }

        ++sh->ctr[SHIM_C_KA_OUT];
        shim_send_mgmt(sh, from, &r);
}

void shim_link(struct shim * sh,
               bool          up)
{
        struct sflow * f;
        struct speer * p;
        int64_t        now;
        size_t         i;

        if (sh == NULL || sh->link_up == up)
                return;

        sh->link_up = up;
        log_info("Link %s.", up ? "up" : "down");

        /* Peers may have moved meanwhile (a new interface, a new MAC). */
        shim_dir_flush(sh);

        /* Up again: the flows of the peers that are not down (those
         * follow when they are heard: probed now). */
        for (i = 1; i < SHIM_EIDS; ++i) {
                f = sh->eids[i];
                if (f != NULL && f->state == SF_UP)
                        shim_flow_set_down(sh, f, !up || (f->peer != NULL &&
                                                          f->peer->down));
        }

        if (!up)
                return;

        now = ipcp_now_ms();
        for (p = sh->peers; p != NULL; p = p->next) {
                p->last_heard = now; /* a fresh SHIM_KA_TIMEOUT_MS */
                if (p->down)
                        probe(sh, p, now);
        }
}

void shim_peer_fini(struct shim * sh)
{
        struct speer * p;

        if (sh->tick != NULL)
                ipcp_timer_cancel(sh->tick);
        sh->tick = NULL;

        while (sh->peers != NULL) {
                p         = sh->peers;
                sh->peers = p->next;
                free(p);
        }
}
