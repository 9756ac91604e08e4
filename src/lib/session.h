/*
 * Ouroboros - the process's session with the IRMd.
 *
 * On first use the library creates the process eventfd (woken by the
 * peers of armed flows, see evwait.h), creates the flow table, connects
 * to the IRMd and announces the process (M_PROC_ANNOUNCE: program, argv
 * and the eventfd). The session connection stays open for the life of
 * the process: its EOF tells the IRMd that the process is gone. Flow
 * requests and their replies go over it too (session_flow_call).
 *
 * Initialisation is lazy and thread safe; a failed connection is retried
 * on the next call. After fork() the child forgets everything (flows
 * inherited from the parent are not usable in the child) and announces
 * itself again on first use.
 */
#ifndef OUROBOROS_LIB_SESSION_H
#define OUROBOROS_LIB_SESSION_H

#include "common/msg.h"

#include <stdbool.h>

/* Flow table and eventfd (no IRMd needed): 0 or -ENOMEM / -EMFILE. */
int  session_local_init(void);

/* Everything, including the announce: 0, -EIRMD (no IRMd), -ETIMEDOUT
 * (it did not answer within 5 s) or -ENOMEM. */
int  session_init(void);

/* The process eventfd (-1 before session_local_init). */
int  session_efd(void);

/*
 * One request on its own short connection: send req, wait for the reply
 * (same type and id, MSG_F_REPLY) up to timeo_ms (-1: forever) into rep.
 * Returns the reply's T_RESULT, -ETIMEDOUT, -EIRMD (no IRMd, or it went
 * away) or -EBADMSG. rep must be msg_fini'ed by the caller in all cases.
 */
int  session_request(struct msg * req,
                     struct msg * rep,
                     int          timeo_ms);

/*
 * A flow request (M_FLOW_ALLOC, _ACCEPT, _JOIN; without T_ACK) and its
 * reply, as session_request, on the session connection shared by the
 * process's threads (announcing first if need be): *ack_sock is -1.
 * When SES_MAX_WAITERS requests already wait there, on a connection of
 * its own with T_ACK added: *ack_sock is that connection on success.
 * A request that times out on the session is cancelled (M_FLOW_CANCEL:
 * the IRMd takes back a flow it may hand to it). Either way the caller
 * then calls session_flow_done once it got a flow.
 */
int  session_flow_call(struct msg * req,
                       struct msg * rep,
                       int          timeo_ms,
                       int *        ack_sock);

/* The flow flow_id of a successful session_flow_call is set up (res 0)
 * or could not be (res < 0: the IRMd marks our side dead for the peer
 * and releases it); m is scratch space. Closes ack_sock if >= 0. */
void session_flow_done(int          ack_sock,
                       struct msg * m,
                       uint32_t     flow_id,
                       int          res);

/* Send m, which expects no answer, on the session connection: 0, or
 * -EIRMD if there is no session (the caller may use a request). */
int  session_post(const struct msg * m);

/* Fresh request id. */
uint32_t session_next_id(void);

#endif /* OUROBOROS_LIB_SESSION_H */
