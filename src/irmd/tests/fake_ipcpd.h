/*
 * Ouroboros IRMd tests - what the fake IPCP's main file (fake_ipcpd.c)
 * shares with its data-carrying mode (fake_ipcpd_data.c).
 */
#ifndef OUROBOROS_IRMD_TESTS_FAKE_IPCPD_H
#define OUROBOROS_IRMD_TESTS_FAKE_IPCPD_H

#include "common/msg.h"

#include <stdbool.h>
#include <stdint.h>

extern int          sock;    /* the IPCP connection to the IRMd */
extern uint32_t     next_id; /* of our next request */
extern struct msg   in;      /* the message being handled */
extern struct msg   out;

/* Answer in with res. */
void reply(int res);

/* Data mode (every type but local): announce through the library, as a
 * real IPCP does; 0 or the library's error. */
int  data_init(void);

/* Adopt the side of flow id handed with in (T_SIDE, T_PEER_PID,
 * memfd, evfd): the descriptor, or the library's error. */
int  data_adopt(uint32_t          id,
                const qosspec_t * qs);

/* M_IPCPD_FLOW_DEALLOC (in): answered and logged ("fake ipcpd: dealloc
 * ID"), its T_FLOW_ID in id; -EBADMSG (answered so) without one. */
int  data_dealloc_id(uint32_t * id);

/* A request (in) of the data mode: true if handled. */
bool data_request(void);

/* A reply (in) to one of the data mode's requests: true if handled. */
bool data_reply(void);

/* Move what waits in the flows, then wait for more or for a message
 * on sock: true when sock is readable. */
bool data_wait(int sock);

/* As a broadcast IPCP (fake_ipcpd_bcast.c): a request (in), true if
 * handled; moving packets and waiting as data_wait. */
bool bc_request(void);
bool bc_wait(int sock);

#endif /* OUROBOROS_IRMD_TESTS_FAKE_IPCPD_H */
