/*
 * Ouroboros - what every IPCP shares: the connection to the IRMd and the
 * dispatch of the IRMd's requests to an ops table of the IPCP type.
 *
 * ipcp_main() parses "--name NAME [--stdout]", connects to the IRMd,
 * says hello (M_IPCP_HELLO) and then serves M_IPCPD_* requests, one at a
 * time, until the IRMd closes the connection or SIGTERM / SIGINT arrive.
 * Each request is answered with the op's result. Requests an op sends to
 * the IRMd (ipcp_send) are queued and go out after the answer to the
 * request being handled, so the IRMd always sees the answer first; their
 * replies are matched by id and handed to the callback given.
 *
 * Single-threaded: ops must not block.
 */
#ifndef OUROBOROS_IPCPD_COMMON_IPCP_H
#define OUROBOROS_IPCPD_COMMON_IPCP_H

#include "common/msg.h"

#include <ouroboros/irm.h>
#include <ouroboros/qos.h>

#include <stddef.h>
#include <stdint.h>

struct ipcp_hash {
        const uint8_t * p;
        size_t          len;
};

/* Every op returns 0 or a negative errno (the answer's T_RESULT).
 * A NULL op answers -ENOTSUP. rep may receive extra reply fields. */
struct ipcp_ops {
        int (* bootstrap)(struct msg_view conf);
        int (* enroll)(const char * dst, struct msg * rep);
        int (* connect)(const char * dst, const char * comp,
                        const qosspec_t * qs);
        int (* disconnect)(const char * dst, const char * comp);
        int (* reg)(struct ipcp_hash h);
        int (* unreg)(struct ipcp_hash h);
        int (* query)(struct ipcp_hash h);
        int (* flow_alloc)(uint32_t flow_id, struct ipcp_hash h,
                           const qosspec_t * qs);
        int (* flow_alloc_resp)(uint32_t flow_id, int result);
        int (* flow_dealloc)(uint32_t flow_id);
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

/* A request to the IRMd of type with a fresh id: fill it, then pass it
 * to ipcp_send, which takes ownership. NULL when out of memory. */
struct msg * ipcp_msg_new(uint16_t type);

/* Queue m; cb (may be NULL) gets the reply. 0 or -ENOMEM. */
int          ipcp_send(struct msg *  m,
                       ipcp_reply_cb cb,
                       void *        arg);

/* M_IPCP_FLOW_REQ_ARR: hash and qos of the request, peer_flow the
 * requester's flow id (local splice), cb gets the reply (T_FLOW_ID). */
int          ipcp_flow_req_arr(struct ipcp_hash  h,
                               const qosspec_t * qs,
                               uint32_t          peer_flow,
                               ipcp_reply_cb     cb,
                               void *            arg);

/* M_IPCP_FLOW_ALLOC_REPLY for the requester's flow_id. peer_flow is
 * added when it is not 0. */
int          ipcp_flow_alloc_reply(uint32_t flow_id,
                                   int      result,
                                   uint32_t peer_flow);

#endif /* OUROBOROS_IPCPD_COMMON_IPCP_H */
