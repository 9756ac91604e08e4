/*
 * Ouroboros - an IPCP's copy of a flow's key-exchange blob (struct
 * ipcp_key, ipcp.h): the eth/udp shim and the unicast flow allocator
 * keep the one of a request or reply until the other side answers.
 */
#include "ipcp.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

int ipcp_key_dup(const struct ipcp_key * k,
                 size_t                  max,
                 uint8_t **              dst,
                 size_t *                dst_len)
{
        bool      absent = k == NULL || k->p == NULL || k->len == 0;
        uint8_t * p;

        if (!absent && k->len > max)
                return -EINVAL; /* *dst left as it was */

        free(*dst);
        *dst     = NULL;
        *dst_len = 0;

        if (absent)
                return 0;

        p = malloc(k->len);
        if (p == NULL)
                return -ENOMEM;
        memcpy(p, k->p, k->len);
        *dst     = p;
        *dst_len = k->len;

        return 0;
}
