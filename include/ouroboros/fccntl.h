/*
 * Ouroboros - flow control: timeouts, flags, QoS and queue lengths.
 */
#ifndef OUROBOROS_FCCNTL_H
#define OUROBOROS_FCCNTL_H

#include <sys/time.h>
#include <stddef.h>
#include <stdint.h>

/* Flow flags */
#define FLOWFRDONLY   00000000
#define FLOWFWRONLY   00000001
#define FLOWFRDWR     00000002
#define FLOWFACCMODE  00000003

#define FLOWFDOWN     00000004

#define FLOWFRNOBLOCK 00001000
#define FLOWFWNOBLOCK 00002000
#define FLOWFNONBLOCK (FLOWFRNOBLOCK | FLOWFWNOBLOCK)

#define FLOWFRNOPART  00010000
#define FLOWFWNOPART  00020000

#define FLOWFDEFAULT  (FLOWFRDWR | FLOWFWNOPART)

#define FLOWFINVALID  (FLOWFWRONLY | FLOWFRDWR)

/* FRCT flags */
#define FRCTFRTX      00000001 /* reliable */
#define FRCTFRESCNTL  00000002 /* flow control feedback */
#define FRCTFLINGER   00000004 /* deliver unsent data on dealloc */

/* Commands */
#define FLOWSRCVTIMEO 00000001 /* set read timeout */
#define FLOWGRCVTIMEO 00000002 /* get read timeout */
#define FLOWSSNDTIMEO 00000003 /* set send timeout */
#define FLOWGSNDTIMEO 00000004 /* get send timeout */
#define FLOWGQOSSPEC  00000005 /* get qosspec_t */
#define FLOWSFLAGS    00000006 /* set flow flags */
#define FLOWGFLAGS    00000007 /* get flow flags */
#define FLOWGRXQLEN   00000010 /* get packets waiting to be read */
#define FLOWGTXQLEN   00000011 /* get packets not yet taken by peer */
#define FLOWGMAXPKT   00000012 /* get largest packet a flow_write takes */
#define FLOWGCRYPTST  00000040 /* get struct flow_crypt_stats (project
                                  addition; -EPERM if not encrypted) */
#define FRCTSFLAGS    00001000 /* set FRCT flags */
#define FRCTGFLAGS    00002000 /* get FRCT flags */

/* The encryption counters of a flow (FLOWGCRYPTST). */
struct flow_crypt_stats {
        uint64_t tx_pkts;    /* packets sealed */
        uint64_t rx_pkts;    /* packets opened */
        uint64_t rx_bad;     /* dropped: tampered, truncated, forged */
        uint64_t rx_replay;  /* dropped: replayed or too old */
};

#ifdef __cplusplus
extern "C" {
#endif

/* Returns 0 on success, a negative errno on failure. */
int fccntl(int fd,
           int cmd,
           ...);

#ifdef __cplusplus
}
#endif

#endif /* OUROBOROS_FCCNTL_H */
