/*
 * Ouroboros - the IPCP framework: what every IPCP type shares.
 *
 * ipcp_main() parses "--name NAME [--stdout]", announces the process to
 * the library (ipcp_dev_init, for types that carry data), connects to
 * the IRMd, says hello (M_IPCP_HELLO) and runs the event loop until the
 * IRMd closes the connection or SIGTERM / SIGINT arrive; then it stops
 * the workers of lower flows (lower.h: ipcp_lower_fini) and calls
 * ops->fini.
 *
 * The event loop (one thread, "the loop thread") waits with one poll()
 * on: the IRMd connection, a signalfd, the pollable descriptor of the
 * framework's event set (fset_fd) holding every flow an op watches
 * (ipcp_flow_watch: upper flows adopted from the IRMd and lower flows
 * taken with flow_alloc/flow_accept alike), every descriptor an op
 * added (ipcp_fd_add: sockets, timerfds of its own...), a wake-up
 * eventfd for ipcp_loop_call, and the earliest timer as its timeout.
 * Every callback and every op runs on the loop thread, so none needs a
 * lock for the framework's state; none may block. A type that needs
 * blocking work (DNS, enrollment over a lower flow) does it in a worker
 * thread of its own and posts the result back with ipcp_loop_call.
 *
 * IRMd requests: each is answered with the op's result, unless the op
 * returns IPCP_LATER; then it must answer once, later, with
 * ipcp_answer(tok, ...). Requests an op sends to the IRMd (ipcp_send)
 * go out after the answer being built, so the IRMd always sees the
 * answer first; their replies are matched by id and handed to the
 * callback given.
 *
 * Flows: for a type that carries data, the framework adopts the flow
 * memory the IRMd hands over (M_IPCPD_FLOW_ALLOC, accepting
 * M_IPCPD_FLOW_ALLOC_RESP) with ipcp_flow_adopt and gives the op a
 * flow descriptor; for the local type (no memory handed) fd is -1.
 */
#ifndef OUROBOROS_IPCPD_COMMON_IPCP_H
#define OUROBOROS_IPCPD_COMMON_IPCP_H

#include "common/msg.h"

#include <ouroboros/fccntl.h>
#include <ouroboros/irm.h>
#include <ouroboros/qos.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IPCP_LATER  1     /* op result: ipcp_answer() comes later */
#define IPCP_INFO_MAX 255 /* bytes of T_INFO */

struct ipcp_hash {
        const uint8_t * p;
        size_t          len;
};

/* An opaque key-exchange blob carried end to end (T_PUBKEY). */
struct ipcp_key {
        const uint8_t * p;   /* NULL when absent */
        size_t          len;
};

/* What bootstrap and enroll report: the largest packet of the layer's
 * flows (0: not a layer that carries data) and a line for
 * `irm ipcp list` ("dev veth0 mtu 1500"), both optional. */
struct ipcp_attach {
        size_t max_pkt;
        char   info[IPCP_INFO_MAX + 1];
};

/* A flow allocation asked of this IPCP (requester side). */
struct ipcp_flow_req {
        uint32_t          flow_id;  /* the IRMd's id of the app's half */
        int               fd;       /* adopted upper flow, -1 if none  */
        struct ipcp_hash  hash;     /* destination name's hash         */
        qosspec_t         qs;
        struct ipcp_key   key;      /* requester's public key          */
};

/* An answer to M_IPCPD_FLOW_ALLOC_RESP (acceptor side). */
struct ipcp_flow_resp {
        uint32_t          flow_id;  /* the accepting half's id        */
        int               result;   /* 0 accepted, < 0 refused         */
        int               fd;       /* adopted upper flow if accepted
                                       and the IPCP carries data, else
                                       -1                              */
        struct ipcp_key   key;      /* acceptor's public key           */
};

/* Counters for M_IPCPD_STAT: an op adds them with ipcp_stat_add. */
struct ipcp_stat;

/* The id of a request answered later (IPCP_LATER). */
typedef uint32_t ipcp_tok_t;

/* Every op returns 0, IPCP_LATER (where said) or a negative errno (the
 * answer's T_RESULT). A NULL op answers -ENOTSUP. rep may receive extra
 * reply fields. */
struct ipcp_ops {
        int  (* bootstrap)(struct msg_view      conf,
                           struct ipcp_attach * at);
        int  (* enroll)(const char *         dst,
                        struct msg *         rep,
                        struct ipcp_attach * at);
        int  (* connect)(const char *      dst,
                         const char *      comp,
                         const qosspec_t * qs);
        int  (* disconnect)(const char * dst,
                            const char * comp);
        int  (* reg)(struct ipcp_hash h);
        int  (* unreg)(struct ipcp_hash h);
        /* may return IPCP_LATER */
        int  (* query)(struct ipcp_hash h,
                       ipcp_tok_t       tok);
        /* the op owns r->fd from here, even when it fails */
        int  (* flow_alloc)(const struct ipcp_flow_req * r);
        /* the op owns r->fd from here, even when it fails */
        int  (* flow_alloc_resp)(const struct ipcp_flow_resp * r);
        int  (* flow_dealloc)(uint32_t flow_id);
        int  (* stat)(struct ipcp_stat * s);
        void (* fini)(void);
        bool carries_data; /* adopt flow memory; announce at start */
};

/* Called with the IRMd's reply, or NULL if the connection closed. */
typedef void (* ipcp_reply_cb)(void * arg, const struct msg * rep);

/* Run the IPCP; returns the process exit status. */
int          ipcp_main(int                     argc,
                       char **                 argv,
                       enum ipcp_type          type,
                       const struct ipcp_ops * ops);

/* Name given with --name. */
const char * ipcp_name(void);

/* The type given to ipcp_main. */
enum ipcp_type ipcp_type(void);

/* ---- requests to and answers for the IRMd ---- */

/* A request to the IRMd of type with a fresh id: fill it, then pass it
 * to ipcp_send, which takes ownership. NULL when out of memory. */
struct msg * ipcp_msg_new(uint16_t type);

/* Queue m; cb (may be NULL) gets the reply. 0 or -ENOMEM. */
int          ipcp_send(struct msg *  m,
                       ipcp_reply_cb cb,
                       void *        arg);

/* Answer the request tok (an op returned IPCP_LATER for it) with res:
 * 0, -ENOENT (not waiting: answered, or the IRMd went away), -ENOMEM
 * (still waiting: try again) or the send's error. */
int          ipcp_answer(ipcp_tok_t tok,
                         int        res);

/* The id of the request whose op runs now (valid inside an op only):
 * the tok for an op that returns IPCP_LATER and has none (enroll). */
ipcp_tok_t   ipcp_req_tok(void);

/* Inside the enroll op: the layer the user named (`irm ipcp enroll ...
 * layer L dst D`), so that a member of another layer can refuse: 0 with
 * it in buf (len bytes with the NUL), -ENOENT when none was named (the
 * classic request: dst only), -ENAMETOOLONG. */
int          ipcp_req_layer(char * buf,
                            size_t len);

/* ipcp_answer with the fields of an op's answer: on success the body
 * of extra (may be NULL; fields the op would have added to rep), and
 * for bootstrap / enroll the layer's report at (may be NULL; T_INFO
 * also on failure). Results as for ipcp_answer. */
int          ipcp_answer_ext(ipcp_tok_t                 tok,
                             int                        res,
                             const struct msg *         extra,
                             const struct ipcp_attach * at);

/* M_IPCP_FLOW_REQ_ARR: hash, qos and key of the request, peer_flow the
 * requester's flow id (local splice) or 0 (a remote requester); cb gets
 * the reply (T_FLOW_ID, the accepting half's id). */
int          ipcp_flow_req_arr(struct ipcp_hash        h,
                               const qosspec_t *       qs,
                               const struct ipcp_key * key,
                               uint32_t                peer_flow,
                               ipcp_reply_cb           cb,
                               void *                  arg);

/* M_IPCP_FLOW_ALLOC_REPLY for the requester's flow_id: result, the
 * acceptor's key (may be NULL), peer_flow added when not 0. */
int          ipcp_flow_alloc_reply(uint32_t                flow_id,
                                   int                     result,
                                   const struct ipcp_key * key,
                                   uint32_t                peer_flow);

/* Replace *dst (*dst_len bytes) with a copy of k: 0 (an absent or
 * empty k leaves *dst NULL), -EINVAL when k is longer than max (*dst
 * unchanged), -ENOMEM (*dst NULL). */
int          ipcp_key_dup(const struct ipcp_key * k,
                          size_t                  max,
                          uint8_t **              dst,
                          size_t *                dst_len);

/* Add a counter to a stat answer: 0 or -EMSGSIZE (answer full). */
int          ipcp_stat_add(struct ipcp_stat * s,
                           const char *       name,
                           uint64_t           value);

/* ---- the event loop ---- */

/* poll() revents for fd. */
typedef void (* ipcp_fd_cb)(void * arg, int fd, short revents);

/* Watch fd for events (POLLIN/POLLOUT); cb runs on the loop thread.
 * 0, -EEXIST, -ENOMEM or -EINVAL (fd < 0, cb NULL). */
int          ipcp_fd_add(int        fd,
                         short      events,
                         ipcp_fd_cb cb,
                         void *     arg);

/* Change the events of a watched fd: 0 or -ENOENT. */
int          ipcp_fd_mod(int   fd,
                         short events);

/* Stop watching fd (does not close it). Safe from its own callback. */
void         ipcp_fd_del(int fd);

/* Events of a flow (enum fqtype bits: FLOW_PKT, FLOW_DOWN, FLOW_UP,
 * FLOW_DEALLOC...). A callback should read what is waiting; the set is
 * level-triggered, so a packet left unread calls it again. */
typedef void (* ipcp_flow_cb)(void * arg, int fd, int events);

/* Add flow fd to the framework's event set: 0, -EEXIST, -EBADF,
 * -ENOMEM, -EINVAL (cb NULL). */
int          ipcp_flow_watch(int          fd,
                             ipcp_flow_cb cb,
                             void *       arg);

/* Remove it (before flow_dealloc). Safe from its own callback. */
void         ipcp_flow_unwatch(int fd);

/* Make fd's reads and writes non-blocking, its other flags kept: the
 * loop's thread must never wait in a flow (a flow that refuses the
 * flags keeps its own; its calls then say what is wrong). */
static inline void ipcp_flow_nonblock(int fd)
{
        uint32_t fl;

        if (fccntl(fd, FLOWGFLAGS, &fl) == 0)
                fccntl(fd, FLOWSFLAGS, fl | FLOWFNONBLOCK);
}

typedef void (* ipcp_timer_cb)(void * arg);
struct ipcp_timer;

/* Run cb once, delay_ms from now (CLOCK_MONOTONIC), on the loop
 * thread. NULL when out of memory. */
struct ipcp_timer * ipcp_timer_add(int64_t       delay_ms,
                                   ipcp_timer_cb cb,
                                   void *        arg);

/* Cancel a timer that has not fired (a fired one is freed by the
 * framework after its callback returns; do not cancel it). */
void         ipcp_timer_cancel(struct ipcp_timer * t);

/* From any thread: run cb(arg) on the loop thread soon. 0 or -ENOMEM. */
int          ipcp_loop_call(ipcp_timer_cb cb,
                            void *        arg);

/* Milliseconds of CLOCK_MONOTONIC, for types that keep their own times. */
int64_t      ipcp_now_ms(void);

#endif /* OUROBOROS_IPCPD_COMMON_IPCP_H */
