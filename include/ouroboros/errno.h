/*
 * Ouroboros - error codes of the project, numbered above the system's.
 * Every call returns a negative value of one of these or of <errno.h>.
 * The numbers are those of the 0.21 API (0.22 later swapped ECRYPT and
 * ENAME); programs built against 0.21 headers rely on them.
 */
#ifndef OUROBOROS_ERRNO_H
#define OUROBOROS_ERRNO_H

#include <errno.h>

#define ENOTALLOC  1000 /* flow is not allocated */
#define EIPCPTYPE  1001 /* unknown IPCP type */
#define EIRMD      1002 /* failed to communicate with the IRMd */
#define EIPCP      1003 /* failed to communicate with an IPCP */
#define EIPCPSTATE 1004 /* IPCP is in the wrong state */
#define EFLOWDOWN  1005 /* flow is down */
#define EFLOWPEER  1006 /* flow peer is unresponsive */
#define ECRYPT     1007 /* cryptographic error */
#define ENAME      1008 /* naming error */

#endif /* OUROBOROS_ERRNO_H */
