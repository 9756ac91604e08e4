/*
 * Ouroboros - the IPCP framework: the start of the enroll op for IPCP
 * types that enroll over a lower flow (broadcast, unicast). Each keeps
 * one record of its own enrollment while it runs; making it and asking
 * for the lower flow to the member named is the same for every type,
 * what is said over that flow is the type's.
 */
#ifndef OUROBOROS_IPCPD_COMMON_ENROLL_LOWER_H
#define OUROBOROS_IPCPD_COMMON_ENROLL_LOWER_H

#include "ipcpd/common/ipcp.h"
#include "ipcpd/common/lower.h"

#include <ouroboros/irm.h>

#include <stdint.h>

/* This IPCP's enrollment while it runs. */
struct ipcp_enrolling {
        ipcp_tok_t          tok;   /* the enroll request's, to answer  */
        int                 fd;    /* the lower flow, -1 until it is up */
        char                dst[NAME_MAX_LEN + 1];      /* the member  */
        char                peer[IPCP_NAME_MAX_LEN + 1]; /* its IPCP   */
        struct ipcp_timer * t;     /* the type's, NULL when none       */
};

/*
 * On the loop thread, serving an enroll op: a new record in *e (the
 * request's token, dst, fd -1, the rest empty) and a lower flow to dst
 * of component comp at version proto, naming the layer the user gave
 * (`irm ipcp enroll ... layer L`; a member of another layer refuses it)
 * or none, within timeout_ms; cb(arg, ...) gets its outcome (lower.h).
 * 0, or a negative errno with *e NULL: -EINVAL (dst empty or longer
 * than NAME_MAX_LEN), -ENOMEM, or ipcp_lower_connect's. The caller
 * frees *e when the enrollment ends.
 */
int ipcp_enroll_lower(struct ipcp_enrolling ** e,
                      const char *             dst,
                      const char *             comp,
                      uint16_t                 proto,
                      int                      timeout_ms,
                      lower_conn_cb            cb,
                      void *                   arg);

#endif /* OUROBOROS_IPCPD_COMMON_ENROLL_LOWER_H */
