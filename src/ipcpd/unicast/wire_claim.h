/*
 * Ouroboros - the rules of the unicast layer's address claims
 * (addr_auth flat): what a member remembers of the claims it hears and
 * when it answers one with a conflict. No I/O and no clock of its own
 * (times are the caller's monotonic ms), so it is tested and fuzzed
 * alone; enroll.c sends and floods the messages (wire_mgmt.h).
 *
 * The protocol (ipcpd-unicast(8), ENROLLMENT AND ADDRESSES): a member
 * that enrolls a new one picks a random address that is not its own,
 * not a neighbour's, not in its routing table and not claimed in its
 * table, records it as its own claim with a random nonce, floods
 * CLAIM(addr, nonce) over the mgmt adjacencies and waits
 * CLAIM_WAIT_MS. Every member floods a claim it has not seen on to its
 * other mgmt neighbours, and answers (floods) CONFLICT(addr, nonce)
 * when the address is its own or a neighbour's or routed (held), or
 * when it has seen another claim of that address that has not lost: of
 * two claims of one address, each member keeps the first it heard, so
 * of two concurrent claims at least one loses everywhere it matters
 * (each claimer keeps its own) and no two both hold. A conflict is
 * flooded too; the claimer whose claim it names picks another address
 * and claims again. A claim with no conflict within CLAIM_WAIT_MS
 * holds: the address goes to the new member. Claims are remembered
 * CLAIM_HOLD_MS (at most CLAIM_TAB_MAX, the oldest forgotten first).
 */
#ifndef OUROBOROS_IPCPD_UNICAST_WIRE_CLAIM_H
#define OUROBOROS_IPCPD_UNICAST_WIRE_CLAIM_H

#include "wire_mgmt.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLAIM_WAIT_MS  500
#define CLAIM_HOLD_MS  (5 * 60 * 1000)
#define CLAIM_TAB_MAX  1024
#define CLAIM_TRIES    8     /* addresses a claimer tries at most */

enum claim_st {
        CLAIM_SEEN = 0,  /* another member's claim, not known to lose */
        CLAIM_MINE,      /* this member's own claim                  */
        CLAIM_LOST       /* a conflict named it                      */
};

struct claim_ent {
        uint64_t addr;
        uint64_t nonce;
        int64_t  t;      /* when recorded */
        uint8_t  st;     /* enum claim_st */
};

struct claim_tab {
        struct claim_ent e[CLAIM_TAB_MAX];
        size_t           n;
        uint64_t         evicted;
};

/* What to do with a message heard. */
enum claim_act {
        CLAIM_DUP = 0,       /* heard before: drop, do not flood */
        CLAIM_FLOOD,         /* new: flood it on                 */
        CLAIM_FLOOD_CONFLICT /* new: flood it on, and flood a
                                conflict for *loser              */
};

void claim_tab_init(struct claim_tab * t);

/* Forget what is older than CLAIM_HOLD_MS. */
void claim_expire(struct claim_tab * t,
                  int64_t            now);

/* Whether a claim of addr that has not lost is in the table. */
bool claim_taken(const struct claim_tab * t,
                 uint64_t                 addr);

/* Record this member's own claim: 0, -EEXIST (taken), -EINVAL (addr 0
 * or a nonce in use). */
int  claim_mine(struct claim_tab * t,
                uint64_t           addr,
                uint64_t           nonce,
                int64_t            now);

/* A CLAIM heard; held: the address is in use as far as the caller
 * knows (its own, a neighbour's, routed). */
enum claim_act claim_rcv(struct claim_tab *        t,
                         const struct mgmt_claim * c,
                         bool                      held,
                         int64_t                   now,
                         uint64_t *                loser);

/* A CONFLICT heard; *mine: it names this member's own claim. */
enum claim_act claim_rcv_conflict(struct claim_tab *        t,
                                  const struct mgmt_claim * c,
                                  int64_t                   now,
                                  bool *                    mine);

#endif /* OUROBOROS_IPCPD_UNICAST_WIRE_CLAIM_H */
