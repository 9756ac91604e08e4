/*
 * Ouroboros - the shim's peers: one per address we have flows (or
 * allocations in progress) with, and their liveness.
 *
 * Timer: one tick every SHIM_KA_TICK_MS, armed while some peer exists.
 * At each tick, per peer:
 *   - a frame heard since the last tick: last_heard = now;
 *   - our link down: last_heard = now (nobody times out);
 *   - silent for SHIM_KA_TIMEOUT_MS: every flow of the peer closed;
 *   - silent for SHIM_KA_PERIOD_MS and no probe for as long: a probe.
 * A frame heard during a tick period is stamped at the tick after it,
 * so a peer is declared lost between SHIM_KA_TIMEOUT_MS and
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

static void peer_lost(struct shim *  sh,
                      struct speer * p)
{
        char buf[SHIM_ADDR_STR_MAX];

        log_warn("Peer %s silent for %d ms: closing its %zu flow(s).",
                 shim_addr_str(&p->addr, buf), SHIM_KA_TIMEOUT_MS,
                 p->n_flows);
        ++sh->ctr[SHIM_C_PEERS_LOST];

        /* The last flow detached frees p. */
        while (p->n_flows > 1)
                shim_flow_fail(sh, p->flows, -EFLOWPEER);
        shim_flow_fail(sh, p->flows, -EFLOWPEER);
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
                        continue;
                }
                if (now - p->last_heard >= SHIM_KA_TIMEOUT_MS) {
                        peer_lost(sh, p); /* frees p */
                        continue;
                }
                if (now - p->last_heard >= SHIM_KA_PERIOD_MS &&
                    now - p->last_probe >= SHIM_KA_PERIOD_MS)
                        probe(sh, p, now);
        }

        tick_arm(sh);
}

void shim_peer_rcv_ka(struct shim *            sh,
                      const struct shim_addr * from,
                      const struct mgmt_msg *  m)
{
        struct speer *  p = shim_peer_get(sh, from, false);
        struct mgmt_msg r;

        ++sh->ctr[SHIM_C_KA_IN];

        /* Only an IPCP with flows to the prober answers: a restarted
         * peer must not keep flows it does not know alive. */
        if (p == NULL || (m->flags & MGMT_KA_REPLY))
                return;

        memset(&r, 0, sizeof(r));
        r.type  = MGMT_KEEPALIVE;
        r.id    = m->id;
        r.flags = MGMT_KA_REPLY;

        ++sh->ctr[SHIM_C_KA_OUT];
        shim_send_mgmt(sh, from, &r);
}

void shim_link(struct shim * sh,
               bool          up)
{
        size_t i;

        if (sh == NULL || sh->link_up == up)
                return;

        sh->link_up = up;
        log_info("Link %s.", up ? "up" : "down");

        /* Peers may have moved meanwhile (a new interface, a new MAC). */
        shim_dir_flush(sh);

        for (i = 1; i < SHIM_EIDS; ++i)
                if (sh->eids[i] != NULL && sh->eids[i]->state == SF_UP)
                        shim_flow_set_down(sh, sh->eids[i], !up);
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
