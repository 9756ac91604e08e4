/*
 * Ouroboros - the link-state database of a unicast IPCP: the newest LSA
 * of every origin (lsa.h), so every member holds the same picture of
 * the layer's graph.
 *
 * Nodes are addresses; each live node holds the adjacencies its newest
 * LSA advertised (src = origin, dst = neighbour, seqno, age, metric).
 * Whether an adjacency is usable (both ends advertise it) is decided
 * when the graph is built (graph.h), not here.
 *
 * lsdb_update takes an LSA only if its sequence number is newer (serial
 * order with wrap-around, lsa.h) than the one held for its origin; an
 * equal one is a duplicate (normal in flooding), an older one a replay
 * or a late copy: both ignored and counted. An LSA that fails lsa_check
 * is refused and counted as bogus. A new origin beyond max_nodes is
 * refused with -ENOSPC and counted, so a member flooding made-up
 * origins costs bounded memory.
 *
 * Time is an argument (ms on any monotonic clock, the caller's), so
 * tests are deterministic. An LSA lives for its lifetime from the
 * moment it is taken; when it runs out (lsdb_expire) or the origin
 * withdraws (lifetime 0), the origin leaves the graph but is remembered
 * for `hold` ms more as a tombstone with its sequence number, so copies
 * of its old LSAs still in flight cannot bring it back. A hold of at
 * least the longest lifetime in use makes that sure. Tombstones count
 * towards max_nodes.
 *
 * The member's own LSA goes through lsdb_update like any other. If one
 * with its own address comes back newer than the last it wrote (an
 * instance from before a restart still in flight), lsdb_update takes
 * it like any other: the owner must notice (origin == its address)
 * and write its LSA again with that sequence number + 1.
 *
 * Not thread-safe: one thread (the routing thread) owns a database.
 */
#ifndef OUROBOROS_IPCPD_UNICAST_LSDB_H
#define OUROBOROS_IPCPD_UNICAST_LSDB_H

#include "lsa.h"

#include <stddef.h>
#include <stdint.h>

#define LSDB_NODES_DEF  4096
#define LSDB_HOLD_DEF   3600000  /* ms: an hour */

struct lsdb;

struct lsdb_cfg {
        size_t   max_nodes;  /* origins kept (tombstones too); 0: default */
        uint64_t hold;       /* ms a gone origin is remembered; 0: default */
};

struct lsdb_stats {
        uint64_t accepted;   /* newer LSAs taken */
        uint64_t duplicate;  /* same sequence number again */
        uint64_t old;        /* older sequence number: replay, late copy */
        uint64_t bogus;      /* refused by lsa_check */
        uint64_t full;       /* new origins refused: max_nodes reached */
        uint64_t expired;    /* origins whose LSA's lifetime ran out */
        uint64_t withdrawn;  /* origins that withdrew (lifetime 0) */
        size_t   nodes;      /* origins with a live LSA */
        size_t   tombstones; /* origins gone, still remembered */
};

/* A live origin as lsdb_foreach shows it; nbrs sorted by address,
 * valid until the next call that changes the database. */
struct lsdb_entry {
        uint64_t               origin;
        uint32_t               seqno;
        uint64_t               age;   /* ms since it was taken */
        uint64_t               left;  /* ms of lifetime left (> 0) */
        size_t                 n;
        const struct lsa_nbr * nbrs;
};

/* Returns 0 and the database in *db, -EINVAL (max_nodes above 2^24),
 * or -ENOMEM. cfg may be NULL (defaults). */
int      lsdb_create(struct lsdb **          db,
                     const struct lsdb_cfg * cfg);

void     lsdb_destroy(struct lsdb * db);

/* Offer l, received (or originated) at now. Returns 1 when l was taken
 * (flood it on), 0 when it was ignored (duplicate or older), or an
 * error of lsa_check, or -ENOSPC (a new origin and the database full),
 * or -ENOMEM. */
int      lsdb_update(struct lsdb *      db,
                     const struct lsa * l,
                     uint64_t           now);

/* Drop what ran out by now: live LSAs past their lifetime become
 * tombstones, tombstones past their hold are forgotten. Returns the
 * number of origins that left the graph. */
size_t   lsdb_expire(struct lsdb * db,
                     uint64_t      now);

/* The earliest time lsdb_expire has work (UINT64_MAX: none). */
uint64_t lsdb_next_expiry(const struct lsdb * db);

/* The newest LSA of origin with the lifetime it has left at now (for
 * flooding it on or answering a database sync). Returns 0, or -ENOENT
 * (unknown, gone, or expired by now). */
int      lsdb_get(const struct lsdb * db,
                  uint64_t            origin,
                  uint64_t            now,
                  struct lsa *        l);

/* Call fn for every live origin, in no particular order, until it
 * returns non-zero; returns that value or 0. */
int      lsdb_foreach(const struct lsdb * db,
                      uint64_t            now,
                      int              (* fn)(const struct lsdb_entry * e,
                                              void *                    arg),
                      void *              arg);

/* A number that changes whenever the set of advertised adjacencies or
 * their metrics change (not on a refresh that says the same): the
 * routing thread recomputes when it differs from the last one seen. */
uint64_t lsdb_gen(const struct lsdb * db);

void     lsdb_stats(const struct lsdb * db,
                    struct lsdb_stats * st);

#endif /* OUROBOROS_IPCPD_UNICAST_LSDB_H */
