/*
 * Ouroboros - the names of IPCP types and states (see ipcp_type.h).
 */
#include "ipcp_type.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

static const char * type_names[] = {
        [IPCP_LOCAL]     = "local",
        [IPCP_UNICAST]   = "unicast",
        [IPCP_BROADCAST] = "broadcast",
        [IPCP_UDP4]      = "udp4",
        [IPCP_UDP6]      = "udp6",
        [IPCP_ETH_LLC]   = "eth-llc",
        [IPCP_ETH_DIX]   = "eth-dix",
};

static const char * state_names[] = {
        [IPCP_STATE_NULL]        = "null",
        [IPCP_STATE_BOOTING]     = "booting",
        [IPCP_STATE_OPERATIONAL] = "operational",
        [IPCP_STATE_DOWN]        = "down",
};

#define N_TYPES  (sizeof(type_names) / sizeof(type_names[0]))
#define N_STATES (sizeof(state_names) / sizeof(state_names[0]))

_Static_assert(N_TYPES == IPCP_INVALID, "a name for every IPCP type");
_Static_assert(N_STATES == IPCP_STATE_DOWN + 1, "a name for every state");

const char * ipcp_type_name(enum ipcp_type t)
{
        if ((unsigned) t >= N_TYPES)
                return NULL;

        return type_names[t];
}

int ipcp_type_from_name(const char * s)
{
        size_t i;

        if (s == NULL)
                return -EINVAL;

        for (i = 0; i < N_TYPES; ++i)
                if (strcmp(s, type_names[i]) == 0)
                        return (int) i;

        return -EINVAL;
}

const char * ipcp_state_name(enum ipcp_state s)
{
        if ((unsigned) s >= N_STATES)
                return NULL;

        return state_names[s];
}
