/*
 * Ouroboros - the routing table of the directory (Kademlia DHT): the
 * contacts (node id and address) a member knows, in k-buckets by XOR
 * distance from its own id (dht_key.h).
 *
 * Bucket i holds the contacts whose id shares exactly i leading bits
 * with the member's; at most k each, least recently seen first. A
 * contact heard from (any message or reply) moves to the end of its
 * bucket. A newcomer to a full bucket:
 *   - replaces a stale contact of that bucket (one with DHT_STALE_FAILS
 *     requests in a row that got no answer), if there is one;
 *   - otherwise waits as the bucket's candidate (the latest newcomer
 *     wins), and dht_table_update returns DHT_TBL_PING with the oldest
 *     contact: the caller pings it. If it answers (dht_table_update),
 *     it stays and the candidate is dropped; if the ping fails
 *     (dht_table_fail), it is evicted and the candidate takes its place.
 * A bucket has at most one ping in flight, so a flood of newcomers
 * costs one ping per bucket per round trip.
 *
 * Stale contacts stay (one may come back: any message from it makes it
 * fresh) but dht_table_closest leaves them out.
 *
 * Time is an argument (the caller's monotonic ms). Not thread-safe.
 */
#ifndef OUROBOROS_IPCPD_UNICAST_DHT_TABLE_H
#define OUROBOROS_IPCPD_UNICAST_DHT_TABLE_H

#include "dht_msg.h"

#include <stddef.h>
#include <stdint.h>

#define DHT_STALE_FAILS  2
#define DHT_TBL_PING     1
#define DHT_TBL_ADDED    2

struct dht_table;

struct dht_table_stats {
        size_t   contacts;  /* in all buckets */
        size_t   stale;     /* of which stale */
        uint64_t evicted;   /* oldest contacts that failed their ping */
        uint64_t replaced;  /* stale contacts replaced by a newcomer */
        uint64_t dropped;   /* candidates dropped: the oldest answered */
};

/* A table for the member with id self (klen bytes, dht_klen_ok) and
 * buckets of k (1..255) contacts. Returns 0, -EINVAL or -ENOMEM. */
int    dht_table_create(struct dht_table ** t,
                        const uint8_t *     self,
                        size_t              klen,
                        size_t              k);

void   dht_table_destroy(struct dht_table * t);

/* The member heard from contact c at now. Returns 0 (known:
 * refreshed), DHT_TBL_ADDED (new in the table), DHT_TBL_PING with the
 * contact to ping in *ping (the newcomer waits; if the ping fails it
 * takes the oldest's place without another word), or -EINVAL (c is the
 * member itself or address 0), -ENOMEM. */
int    dht_table_update(struct dht_table *         t,
                        const struct dht_contact * c,
                        uint64_t                   now,
                        struct dht_contact *       ping);

/* A request to contact id got no answer. Returns 1 if the contact was
 * evicted (a failed ping, or stale with a candidate waiting), 0 if it
 * is only counted, -ENOENT if unknown. */
int    dht_table_fail(struct dht_table * t,
                      const uint8_t *    id);

/* Forget contact id. Returns 0 or -ENOENT. */
int    dht_table_remove(struct dht_table * t,
                        const uint8_t *    id);

/* Up to n fresh contacts closest to key, closest first, leaving out
 * skip (NULL: none). Returns how many. */
size_t dht_table_closest(const struct dht_table * t,
                         const uint8_t *          key,
                         const uint8_t *          skip,
                         struct dht_contact *     out,
                         size_t                   n);

/* How many fresh contacts are closer to key than id, counting up to
 * max at most. */
size_t dht_table_closer(const struct dht_table * t,
                        const uint8_t *          key,
                        const uint8_t *          id,
                        size_t                   max);

/* 1 if id is in the table and fresh, 0 otherwise. */
int    dht_table_has(const struct dht_table * t,
                     const uint8_t *          id);

void   dht_table_stats(const struct dht_table * t,
                       struct dht_table_stats * st);

#endif /* OUROBOROS_IPCPD_UNICAST_DHT_TABLE_H */
