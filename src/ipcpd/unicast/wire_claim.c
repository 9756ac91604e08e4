/*
 * Ouroboros - the rules of the unicast layer's address claims
 * (wire_claim.h).
 */
#include "wire_claim.h"

#include <errno.h>
#include <string.h>

void claim_tab_init(struct claim_tab * t)
{
        memset(t, 0, sizeof(*t));
}

void claim_expire(struct claim_tab * t,
                  int64_t            now)
{
        size_t i = 0;

        while (i < t->n) {
                if (now - t->e[i].t >= CLAIM_HOLD_MS)
                        t->e[i] = t->e[--t->n];
                else
                        ++i;
        }
}

static struct claim_ent * find(struct claim_tab * t,
                               uint64_t           addr,
                               uint64_t           nonce)
{
        size_t i;

        for (i = 0; i < t->n; ++i)
                if (t->e[i].addr == addr && t->e[i].nonce == nonce)
                        return &t->e[i];

        return NULL;
}

bool claim_taken(const struct claim_tab * t,
                 uint64_t                 addr)
{
        size_t i;

        for (i = 0; i < t->n; ++i)
                if (t->e[i].addr == addr && t->e[i].st != CLAIM_LOST)
                        return true;

        return false;
}

/* A new entry: the oldest other than this member's own claims makes
 * room when the table is full. */
static struct claim_ent * add(struct claim_tab * t,
                              uint64_t           addr,
                              uint64_t           nonce,
                              enum claim_st      st,
                              int64_t            now)
{
        struct claim_ent * e = NULL;
        size_t             i;

        if (t->n < CLAIM_TAB_MAX) {
                e = &t->e[t->n++];
        } else {
                for (i = 0; i < t->n; ++i) {
                        if (t->e[i].st == CLAIM_MINE)
                                continue;
                        if (e == NULL || t->e[i].t < e->t)
                                e = &t->e[i];
                }
                if (e == NULL)
                        e = &t->e[0];
                ++t->evicted;
        }

        e->addr  = addr;
        e->nonce = nonce;
        e->t     = now;
        e->st    = (uint8_t) st;

        return e;
}

int claim_mine(struct claim_tab * t,
               uint64_t           addr,
               uint64_t           nonce,
               int64_t            now)
{
        size_t i;

        if (addr == 0)
                return -EINVAL;
        if (claim_taken(t, addr))
                return -EEXIST;
        for (i = 0; i < t->n; ++i)
                if (t->e[i].nonce == nonce)
                        return -EINVAL;

        add(t, addr, nonce, CLAIM_MINE, now);

        return 0;
}

enum claim_act claim_rcv(struct claim_tab *        t,
                         const struct mgmt_claim * c,
                         bool                      held,
                         int64_t                   now,
                         uint64_t *                loser)
{
        bool first;

        if (find(t, c->addr, c->nonce) != NULL)
                return CLAIM_DUP;

        first = !claim_taken(t, c->addr);
        add(t, c->addr, c->nonce, CLAIM_SEEN, now);

        if (first && !held)
                return CLAIM_FLOOD;

        *loser = c->nonce;

        return CLAIM_FLOOD_CONFLICT;
}

enum claim_act claim_rcv_conflict(struct claim_tab *        t,
                                  const struct mgmt_claim * c,
                                  int64_t                   now,
                                  bool *                    mine)
{
        struct claim_ent * e;

        *mine = false;

        e = find(t, c->addr, c->nonce);
        if (e == NULL) {
                add(t, c->addr, c->nonce, CLAIM_LOST, now);
                return CLAIM_FLOOD;
        }

        if (e->st == CLAIM_LOST)
                return CLAIM_DUP;

        *mine = e->st == CLAIM_MINE;
        e->st = CLAIM_LOST;

        return CLAIM_FLOOD;
}
