/*
 * Ouroboros - the forwarding table a routing policy computes
 * (destination -> next hops) and the way it reaches the data path.
 *
 * A table is immutable once published: entries sorted by destination,
 * looked up by binary search. Per entry, nh[0..n) are the next hops of
 * the shortest paths (n = 1 for link_state and lfa, up to FWD_NH_MAX
 * equal-cost ones for ecmp, lowest addresses first) and alt the
 * loop-free alternate of lfa (0: none). fwd_pick chooses among them
 * with what the data path knows right now about its neighbours, so a
 * neighbour that goes down is avoided at once, before any
 * recomputation.
 *
 * Swapping tables (struct fwd): the routing thread computes a new
 * table and publishes it with one atomic pointer exchange; forwarding
 * threads read it without locks, RCU-like. A reader marks the start of
 * its read section in its own slot with the current epoch (the global
 * counter), loads the table pointer, uses it, and clears the slot. The
 * writer exchanges the pointer, then advances the epoch to g, and
 * waits (the grace period) until no slot holds an epoch below g: a
 * reader that loaded the old pointer entered before the advance, so
 * its slot holds an older epoch (or 0 only once it has left). Then the
 * old table is freed. Every access is sequentially consistent; the
 * argument, for a reader whose slot the writer read as 0: that read
 * comes before the reader's store in the single order of seq_cst
 * operations, so the reader's later load of the pointer comes after
 * the writer's exchange and returns the new table.
 *
 * Costs: a reader does two stores and two loads per section, no
 * lock, no shared write; the writer sleeps in steps of 50 us until
 * the readers that started before the swap have left. Read sections
 * must be short (one lookup and pick, never a blocking call), or the
 * routing thread waits for them.
 */
#ifndef OUROBOROS_IPCPD_UNICAST_FWD_H
#define OUROBOROS_IPCPD_UNICAST_FWD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FWD_NH_MAX       8   /* next hops kept per destination */
#define FWD_READERS_MAX  64  /* forwarding threads per struct fwd */

struct fwd_entry {
        uint64_t dst;
        uint64_t dist;            /* path cost */
        uint64_t alt;             /* lfa: loop-free alternate, 0: none */
        uint32_t n;               /* next hops in nh, >= 1 */
        uint64_t nh[FWD_NH_MAX];
};

struct fwd_table {
        uint64_t         self;    /* the source the paths start from */
        uint64_t         gen;     /* lsdb_gen of the database used */
        size_t           n;       /* entries */
        size_t           cap;
        struct fwd_entry e[];     /* sorted by dst */
};

/* An empty table with room for cap entries, or NULL (out of memory). */
struct fwd_table *       fwd_table_alloc(size_t cap);

void                     fwd_table_free(struct fwd_table * t);

/* The entry of dst, or NULL (unreachable or unknown). */
const struct fwd_entry * fwd_lookup(const struct fwd_table * t,
                                    uint64_t                 dst);

/* The next hop for a packet of a flow with hash h: one of the next
 * hops that up(addr, arg) says is up (h spreads flows over equal-cost
 * ones), else the alternate if it is up, else 0 (drop). */
uint64_t                 fwd_pick(const struct fwd_entry * e,
                                  uint32_t                 h,
                                  bool                  (* up)(uint64_t a,
                                                               void *   arg),
                                  void *                   arg);

struct fwd {
        _Atomic(struct fwd_table *) cur;
        atomic_uint_fast64_t        epoch;
        atomic_int                  readers;
        struct {
                _Alignas(64) atomic_uint_fast64_t in;  /* 0: outside */
        } slot[FWD_READERS_MAX];
};

/* Start with no table (fwd_enter returns NULL until a publish). */
void                     fwd_init(struct fwd * f);

/* Free the current table; no reader may be inside any more. */
void                     fwd_fini(struct fwd * f);

/* A reader id for one forwarding thread, or -EMFILE (all taken). */
int                      fwd_reader(struct fwd * f);

/* Enter a read section as reader r: the table to use until fwd_leave
 * (NULL if none was published yet). */
const struct fwd_table * fwd_enter(struct fwd * f,
                                   int          r);

void                     fwd_leave(struct fwd * f,
                                   int          r);

/* Make t the current table (the caller gives it up), wait for the
 * readers that may still use the previous one, and free that one.
 * One writer at a time (the routing thread). */
void                     fwd_publish(struct fwd *       f,
                                     struct fwd_table * t);

#endif /* OUROBOROS_IPCPD_UNICAST_FWD_H */
