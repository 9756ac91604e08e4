/*
 * Ouroboros - the inside of an event set (fqueue.c), shared with the
 * awake marks of fset_awake.c. Internal.
 */
#ifndef OUROBOROS_LIB_FSET_PRIV_H
#define OUROBOROS_LIB_FSET_PRIV_H

#include "evwait.h"

#include <ouroboros/fqueue.h>

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AWAKE_MAX 4 /* flows marked awake at once (ipcp_fset_awake) */

struct member {
        int      fd;
        uint32_t gen;   /* allocation of the flow when it was added */
        bool     armed; /* we armed its flow memory */
};

struct flow_set {
        pthread_mutex_t lock;   /* members */
        int             size;   /* descriptors in the table */
        size_t *        pos;    /* pos[fd]: index in m + 1, 0 = absent */
        struct member * m;
        size_t          n;
        bool            armed;  /* members are armed (set lock) */
        /* Members marked awake (set lock): up to AWAKE_MAX that
         * signals named (a unicast IPCP's application and lower
         * flows), replaced in turn. */
        int             awake_fd[AWAKE_MAX];
        uint32_t        awake_gen[AWAKE_MAX];
        size_t          awake_n;
        size_t          awake_next; /* the slot replaced next */

        /* Dispatcher lock. */
        struct ew_watch w;      /* first: the dispatch callback casts */
        int *           rdy;    /* ready list of descriptors */
        uint8_t *       inrdy;  /* inrdy[fd]: listed */
        size_t          nrdy;
        int             fdref;  /* fset_fd was called */
};


/* Dispatcher lock held: put fd on the ready list (lights the set's fd). */
void fs_rdy_push(fset_t * set,
                 int      fd);

/* Dispatcher and set lock held: has member fd something pending? */
bool fs_still_pending(fset_t * set,
                      int      fd);

/* fset_fd, and ipcp_fset_fd (self: the caller polls the process
 * eventfd itself, see ew_fd_self). */
int  fs_set_fd(fset_t * set,
               bool     self);

/* Set lock held: turn the awake mark of slot k off and drop the slot;
 * every mark off. Before a sleep, the caller then checks the members
 * (fs_awake_pending). */
void fs_awake_off(fset_t * set,
                  size_t   k);
void fs_awake_all_off(fset_t * set);

/* Dispatcher and set lock held: list member fd if it has something. */
void fs_awake_pending(fset_t * set,
                      int      fd);

#endif /* OUROBOROS_LIB_FSET_PRIV_H */
