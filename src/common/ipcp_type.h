/*
 * Ouroboros - the names of IPCP types and states, as the IRMd config,
 * the irm tool and the logs spell them ("local", "eth-dix", ...).
 *
 * One table for the library (irm_ipcp_type_str and friends), the IRMd
 * (reg_ipcp.c, config.c) and the IPCPs' own logs.
 */
#ifndef OUROBOROS_COMMON_IPCP_TYPE_H
#define OUROBOROS_COMMON_IPCP_TYPE_H

#include <ouroboros/irm.h>

/* The name of t, or NULL when t is not a valid type. */
const char * ipcp_type_name(enum ipcp_type t);

/* The type named s (an enum ipcp_type), or -EINVAL for NULL or an
 * unknown name. Names are matched exactly (case matters). */
int          ipcp_type_from_name(const char * s);

/* The name of state s, or NULL when s is not a valid state. */
const char * ipcp_state_name(enum ipcp_state s);

#endif /* OUROBOROS_COMMON_IPCP_TYPE_H */
