/*
 * Ouroboros IRMd - what flow.c shares with flow_reclaim.c.
 */
#ifndef OUROBOROS_IRMD_FLOW_PRIV_H
#define OUROBOROS_IRMD_FLOW_PRIV_H

#include "common/msg.h"
#include "list.h"
#include "reg_flow.h"
#include "reg_name.h"
#include "reg_proc.h"
#include "req.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FLOW_PUBKEY_LEN 32 /* T_PUBKEY: CRYPT_PUBKEY_LEN */

/* A parked M_FLOW_ACCEPT. */
struct acceptor {
        struct list_head next;
        struct req       req;
        pid_t            pid;
        int64_t          deadline; /* 0 = forever */
        bool             has_key;  /* it sent T_PUBKEY */
        bool             ack;      /* it sent T_ACK */
        uint8_t          key[FLOW_PUBKEY_LEN];
};

/* The public keys of an encrypted allocation, kept with its requester
 * half X until the requester has the acceptor's (flow_keys.c). */
struct flow_keys {
        struct list_head next;
        uint32_t         id;       /* X */
        uint8_t          req[FLOW_PUBKEY_LEN];
        bool             has_acc;
        uint8_t          acc[FLOW_PUBKEY_LEN];
};

/* Keep k (calloc'ed, id and req set) until flow_keys_drop(k->id). */
void               flow_keys_add(struct flow_keys * k);

/* The keys kept for requester half id, NULL if none. */
struct flow_keys * flow_keys_of(uint32_t id);

/* Forget (and free) the keys of requester half id, if any. */
void               flow_keys_drop(uint32_t id);

/* Optional T_PUBKEY of v into key: 0 (*has says if it was there), or
 * -EBADMSG if it is not exactly FLOW_PUBKEY_LEN bytes. */
int                flow_get_pubkey(struct msg_view v,
                                   uint8_t         key[FLOW_PUBKEY_LEN],
                                   bool *          has);

/* Parked accepts, oldest first. */
extern struct list_head flow_acceptors;

/* flow.c, shared with flow_accept.c: the optional T_TIMEO of m as an
 * absolute deadline (0: none; *zero if it was 0): 0 or -EBADMSG. */
int  flow_get_deadline(const struct msg * m,
                       int64_t *          dl,
                       bool *             zero);

/* f's layer is spliced by the IRMd itself (no IPCP on the path). */
bool flow_spliced_here(const struct reg_flow * f);

/* The request asks to confirm the flow it gets (T_ACK). */
bool flow_wants_ack(const struct msg * m);

/* Tell e (not a local IPCP) about flow id: type, with a T_RESULT res
 * if with_res, and a T_PUBKEY key if not NULL. */
void flow_ipcp_tell(struct reg_ipcp * e,
                    uint16_t          type,
                    uint32_t          id,
                    bool              with_res,
                    int               res,
                    const uint8_t *   key);

/* Eventfd of an announced process, -1 if unknown. */
int  flow_proc_evfd(pid_t pid);

/* A new reference on pid's eventfd (reg_proc.h), NULL if none. */
struct reg_evfd * flow_evref(pid_t pid);

/* y was just handed over on c: if c died meanwhile (the answer was
 * lost), reclaim y as if its acceptor had died holding it. */
void flow_check_handed(struct conn *     c,
                       struct reg_flow * y);

/* y was handed to its holder, who never got it: mark its side dead,
 * release it. */
void flow_lost(struct reg_flow * y);

/* Release a half at its IPCP and drop it from the registry. */
void flow_release(struct reg_flow * f);

/* As flow_release, refusing a queued half y at its IPCP with err
 * (M_IPCPD_FLOW_ALLOC_RESP; flow_release refuses with -ECONNREFUSED). */
void flow_refuse(struct reg_flow * y,
                 int               err);

/* The requester half x will not complete: answer err, tear down both
 * halves (marking the requester side dead if the acceptor has it). */
void flow_fail_x(struct reg_flow * x,
                 int               err);

/* Unlink, release the parked request and free. */
void flow_acceptor_free(struct acceptor * a);

/* Answer f's holder with rep on r (consumed), waiting for its M_FLOW_ACK
 * if ack; f may be gone on return (flow_accept.c). */
void flow_hand(struct reg_flow * f,
               struct req *      r,
               bool              ack,
               struct msg *      rep);

/* The answer to the accept r that gets y (its peer_pid, peer_ev and
 * memory set), with the requester's key if not NULL (flow_accept.c). */
void flow_accept_reply(struct msg *            rep,
                       const struct reg_flow * y,
                       struct req *            r,
                       const uint8_t *         key);

/* Give queued half y to an acceptor, or start one if may_start
 * (flow_accept.c). */
void flow_dispatch(struct reg_flow * y,
                   bool              may_start);

/* A new flow memory for f, attached to it (and its peer half): 0,
 * -EMFILE (the rest of our descriptors is for connections), -ENOMEM.
 * Its largest packet is the IRMd's, or max_pkt if that is smaller and
 * not 0 (flow_mem.c). */
int  flow_mem_new(struct reg_flow * f,
                  size_t            max_pkt);

/* As flow_mem_new, for a local flow between processes a and b: the
 * memory of an earlier flow between the two if one is kept. */
int  flow_mem_new_pair(struct reg_flow * f,
                       pid_t             a,
                       pid_t             b,
                       size_t            max_pkt);

/* Process pid exited: drop the memories kept for it (flow_mem.c). */
void flow_mem_proc_gone(pid_t pid);

/* The largest packet of f's flow memory (T_MAX_PKT) (flow_mem.c). */
size_t flow_max_pkt(const struct reg_flow * f);

/* Requester half x (name set) goes through e, a layer that carries
 * data: give it its memory with the IPCP as peer and send e
 * M_IPCPD_FLOW_ALLOC with the hash of x's name; the reply completes it
 * (flow_ipcp.c). 0, -EIPCP (e never announced, so it has no eventfd),
 * or as flow_mem_new; a refusal by e fails x later (flow_remote.c). */
int  flow_remote_alloc(struct reg_flow * x,
                       struct reg_ipcp * e);

/* flow_query.c: ask every layer that might reach x's name and
 * allocate through the one the rule there picks: 0 (the answer
 * completes or fails x later), -ENAME (no layer to ask), -ENOMEM. */
int  flow_query(struct reg_flow * x);

/* The next moment a query must decide without waiting longer (0:
 * none), and deciding those that are due. */
int64_t flow_query_next_deadline(void);
void    flow_query_expire(int64_t now);

/* Give queued half y, which has no peer half here (its requester is on
 * another system), to acceptor a (consumed) (flow_remote.c). */
void flow_remote_hand(struct reg_flow * y,
                      struct acceptor * a);

/* M_IPCP_FLOW_REQ_ARR m without T_PEER_FLOW on c, for name n with qos
 * qs and the requester's key (NULL if none): queue the accepting half
 * of a flow requested from another system, answer m (flow_remote.c). */
void flow_remote_req_arr(struct conn *             c,
                         const struct msg *        m,
                         const struct reg_name *   n,
                         const qosspec_t *         qs,
                         const uint8_t *           key);

/* Step 4: requester half x is complete (res 0) or failed (flow_ipcp.c). */
void flow_x_done(struct reg_flow * x,
                 int               res);

#endif /* OUROBOROS_IRMD_FLOW_PRIV_H */
