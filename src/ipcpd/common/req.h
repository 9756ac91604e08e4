/*
 * Ouroboros - the IRMd's requests to an IPCP: parse one, adopt the flow
 * memory it hands over, call the op and build the answer. See ipcp.h.
 */
#ifndef OUROBOROS_IPCPD_COMMON_REQ_H
#define OUROBOROS_IPCPD_COMMON_REQ_H

#include "ipcp.h"

/*
 * Handle request req (its fds are taken or left for msg_fini) with ops;
 * build the answer in rep (T_RESULT first, then the fields the op added,
 * T_MAX_PKT and T_INFO for bootstrap/enroll, T_ENTRY for stat), using
 * extra as scratch. Returns the op's result; IPCP_LATER: rep is not an
 * answer, the op answers later with ipcp_answer.
 */
int req_handle(const struct ipcp_ops * ops,
               struct msg *            req,
               struct msg *            rep,
               struct msg *            extra);

/* Append T_MAX_PKT (when ok) and T_INFO of at to the answer m. */
void req_put_attach(struct msg *               m,
                    const struct ipcp_attach * at,
                    bool                       ok);

#endif /* OUROBOROS_IPCPD_COMMON_REQ_H */
