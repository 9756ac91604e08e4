/*
 * Ouroboros IRMd - the flow registry.
 *
 * A flow allocation has two halves, each with its own IRMd flow id: the
 * requester's half (side 0 of the flow memory) and the acceptor's half
 * (side 1). The local layer splices them: both halves share one flow
 * memory (a memfd), referenced by both and closed when both are gone.
 * The holder of a half is a pid (an application). A layer that carries
 * data does not splice: its half has no peer half here, and the other
 * side of its memory is the IPCP's (side 0 the application's, side 1
 * the IPCP's, for the requester's half and the acceptor's alike).
 *
 *   requester half:  ALLOC_PENDING --(reply)--> ALLOCATED
 *   acceptor half:   ACCEPT_PENDING --(accept)--> ALLOCATED
 */
#ifndef OUROBOROS_IRMD_REG_FLOW_H
#define OUROBOROS_IRMD_REG_FLOW_H

#include "list.h"
#include "req.h"

#include <ouroboros/irm.h>
#include <ouroboros/qos.h>

#include <stdint.h>
#include <sys/types.h>

#define REG_FLOW_MAX 65536 /* flows in the registry at once */

enum flow_state {
        FLOW_ALLOC_PENDING = 0, /* requester waits for the IPCP */
        FLOW_ACCEPT_PENDING,    /* queued for an acceptor */
        FLOW_ALLOCATED          /* handed to its holder */
};

struct flow_mem {
        int    fd;      /* memfd, owned */
        int    refs;    /* halves referencing it */
        size_t max_pkt; /* its largest packet, 0: the IRMd's default */
        pid_t  pair[2]; /* the two processes it may be recycled between
                           (flow_mem.c), 0: none */
};

struct reg_ipcp;
struct reg_evfd;

struct reg_flow {
        struct list_head  next;      /* all halves */
        struct list_head  hnext;     /* its id's hash bucket */
        struct list_head  pnext;     /* pending halves (not ALLOCATED) */
        uint32_t          id;
        enum flow_state   state;
        int               side;      /* side of the memory this half holds */
        pid_t             pid;       /* holder, 0 while queued */
        struct reg_flow * peer;      /* other half when spliced */
        struct flow_mem * mem;       /* NULL until accepted */
        qosspec_t         qos;
        char              name[NAME_MAX_LEN + 1];
        struct reg_ipcp * ipcp;      /* NULL once the IPCP is gone */
        int64_t           deadline;  /* ns, 0 = none */
        struct req        req;       /* requester waiting (ALLOC_PENDING) */
        struct req        ack;       /* ALLOCATED, handed over, its holder
                                        has yet to confirm (M_FLOW_ACK);
                                        kept on the pending list */
        pid_t             peer_pid;  /* holder of the other side */
        struct reg_evfd * peer_ev;   /* its eventfd (a reference), NULL */
        bool              acked;     /* IPCP accepted M_IPCPD_FLOW_ALLOC */
        bool              ack_wanted; /* requester sent T_ACK */
        bool              hand_sess; /* handed on its holder's session */
        uint32_t          hand_id;   /* ... as the answer to this request
                                        (M_FLOW_CANCEL names it) */
};

const char *      reg_flow_state_str(enum flow_state s);

/* A new half in state st with a fresh id: -ENOSPC, -ENOMEM. */
int               reg_flow_add(enum flow_state    st,
                               int                side,
                               pid_t              pid,
                               struct reg_flow ** out);

struct reg_flow * reg_flow_get(uint32_t id);

/* Splice two halves (both unspliced): -EBUSY otherwise. */
int               reg_flow_splice(struct reg_flow * a,
                                  struct reg_flow * b);

/* Give the spliced pair a new memory (takes memfd): -EINVAL, -ENOMEM. */
int               reg_flow_attach_mem(struct reg_flow * f,
                                      int               memfd);

void              reg_flow_set_state(struct reg_flow * f,
                                     enum flow_state   s);

/* Who takes a flow memory no half references any more (its fd, the
 * struct is freed after): NULL (the default) closes the fd. */
void              reg_flow_on_mem_free(void (*fn)(struct flow_mem * m));

/* Remove a half: unsplices it, drops its memory reference and its
 * reference on peer_ev. */
void              reg_flow_del(struct reg_flow * f);

struct list_head * reg_flow_all(void);

/* The halves not yet ALLOCATED (linked by pnext), oldest first: the only
 * ones with deadlines, queued or waiting for an answer; also those
 * ALLOCATED halves that wait for their holder's ack (flow.c). */
struct list_head * reg_flow_pending(void);

size_t            reg_flow_count(void);

void              reg_flow_fini(void);

#endif /* OUROBOROS_IRMD_REG_FLOW_H */
