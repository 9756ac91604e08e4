/*
 * Ouroboros - an iterative Kademlia lookup of the directory as a state
 * machine with no I/O: it says which contacts to ask, the caller sends
 * the requests (FIND_NODE or FIND_VALUE, dht_msg.h), matches the
 * replies, and feeds back answers and timeouts.
 *
 * The shortlist holds the closest contacts heard of so far (at most
 * 2k + alpha), seeded from the routing table. At most alpha requests
 * are in flight; each goes to the closest contact not yet asked among
 * the k closest that have not failed. A contact whose request timed
 * out is asked again, DHT_LOOKUP_TRIES times in all, then it failed. A contact learnt from a reply
 * of a contact at depth d has depth d + 1 (seeds: 1); contacts deeper
 * than rounds_max are never asked, which bounds the rounds. The lookup
 * ends:
 *   DHT_LK_VALUE    a FIND_VALUE reply carried values;
 *   DHT_LK_CLOSEST  the k closest contacts that have not failed have
 *                   all answered, or there is no one left to ask;
 *   DHT_LK_TIMEOUT  dht_lookup_expire after its deadline (the caller's
 *                   bound in time); what was found so far stays
 *                   readable.
 * The member itself (self) is never put on the shortlist.
 *
 * Time is an argument (the caller's monotonic ms). Not thread-safe;
 * lookups are independent, so any number may run at once.
 */
#ifndef OUROBOROS_IPCPD_UNICAST_DHT_LOOKUP_H
#define OUROBOROS_IPCPD_UNICAST_DHT_LOOKUP_H

#include "dht_msg.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DHT_ROUNDS_DEF    16
#define DHT_LOOKUP_TRIES  2   /* requests to a contact before it failed */

enum dht_lk_state {
        DHT_LK_RUNNING = 0,
        DHT_LK_VALUE,
        DHT_LK_CLOSEST,
        DHT_LK_TIMEOUT
};

struct dht_lookup_cfg {
        const uint8_t * self;        /* the member's id */
        size_t          klen;
        size_t          k;           /* 1..255 */
        size_t          alpha;       /* 1..255 */
        size_t          rounds_max;  /* 0: DHT_ROUNDS_DEF */
        uint64_t        deadline;    /* absolute ms; dht_lookup_expire */
};

struct dht_lookup_stats {
        size_t sent;     /* requests asked for */
        size_t answers;
        size_t timeouts;
        size_t rounds;   /* the deepest contact that answered */
};

struct dht_lookup;

/* Start a lookup of key of kind (DHT_FIND_NODE or DHT_FIND_VALUE)
 * from the seeds (the routing table's closest). Up to alpha contacts
 * to ask are written to out (room for cfg->alpha), their count to
 * *nout. Returns 0 and the lookup in *lk, -EINVAL, or -ENOMEM. With
 * no seeds the lookup is done at once (DHT_LK_CLOSEST, nothing found). */
int    dht_lookup_start(struct dht_lookup **          lk,
                        const struct dht_lookup_cfg * cfg,
                        const uint8_t *               key,
                        int                           kind,
                        const struct dht_contact *    seeds,
                        size_t                        nseeds,
                        struct dht_contact *          out,
                        size_t *                      nout);

void   dht_lookup_destroy(struct dht_lookup * lk);

/* Contact id answered with contacts (and values, for FIND_VALUE).
 * Writes the contacts to ask next to out (room for alpha). Returns the
 * state, or -ENOENT if id was not asked (or already answered or
 * failed: a late or forged reply changes nothing). */
int    dht_lookup_reply(struct dht_lookup *        lk,
                        const uint8_t *            id,
                        const struct dht_contact * contacts,
                        size_t                     nc,
                        const struct dht_val *     vals,
                        size_t                     nv,
                        struct dht_contact *       out,
                        size_t *                   nout);

/* The request to contact id got no answer in time: as reply. */
int    dht_lookup_timeout(struct dht_lookup *  lk,
                          const uint8_t *      id,
                          struct dht_contact * out,
                          size_t *             nout);

/* Ends a running lookup at or after its deadline (DHT_LK_TIMEOUT).
 * Returns the state. */
int    dht_lookup_expire(struct dht_lookup * lk,
                         uint64_t            now);

int    dht_lookup_state(const struct dht_lookup * lk);

uint64_t dht_lookup_deadline(const struct dht_lookup * lk);

const uint8_t * dht_lookup_key(const struct dht_lookup * lk);

/* The contacts that answered (all: every contact on the shortlist,
 * asked or not), closest first, at most n (the shortlist keeps up to
 * 2k + alpha). */
size_t dht_lookup_closest(const struct dht_lookup * lk,
                          struct dht_contact *      out,
                          size_t                    n,
                          bool                      all);

/* The values found (distinct addresses, largest ttl), at most n. */
size_t dht_lookup_values(const struct dht_lookup * lk,
                         struct dht_val *          out,
                         size_t                    n);

void   dht_lookup_stats(const struct dht_lookup * lk,
                        struct dht_lookup_stats * st);

#endif /* OUROBOROS_IPCPD_UNICAST_DHT_LOOKUP_H */
