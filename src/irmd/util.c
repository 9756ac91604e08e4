/*
 * Ouroboros IRMd - error strings for log lines and config errors,
 * including the project's own codes.
 */
#include "irmd.h"

#include <ouroboros/errno.h>

#include <string.h>

const char * irmd_strerror(int err)
{
        if (err < 0)
                err = -err;

        switch (err) {
        case ENOTALLOC:  return "flow is not allocated";
        case EIPCPTYPE:  return "IPCP type not available in this build";
        case EIRMD:      return "IRMd failure";
        case EIPCP:      return "IPCP failed or unreachable";
        case EIPCPSTATE: return "IPCP is in the wrong state";
        case EFLOWDOWN:  return "flow is down";
        case EFLOWPEER:  return "flow peer is unresponsive";
        case ENAME:      return "no such name";
        case ECRYPT:     return "cryptographic error";
        default:         return strerror(err);
        }
}
