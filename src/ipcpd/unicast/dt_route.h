/*
 * Ouroboros - ipcpd-unicast: what data transfer (dt.c) and routing
 * (route.c) tell each other beyond uni.h. Both run on the loop thread.
 *
 * dt.c watches the dt lower flows, so it is the first to see one
 * report FLOW_DOWN (or fail a read): it stops using the flow at once,
 * and routing drops that adjacency from this member's LSA at once too
 * (the failure is routed around on the event, before nbr.c's keepalive
 * timeout tears the adjacency down).
 */
#ifndef OUROBOROS_IPCPD_UNICAST_DT_ROUTE_H
#define OUROBOROS_IPCPD_UNICAST_DT_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* dt.c: whether a lower flow to neighbour addr is up as far as dt.c
 * knows (handed over by dt_adj_up and not reported down since). */
bool   dt_nb_live(uint64_t addr);

/* dt.c: the addresses of the neighbours dt_nb_live says are up, each
 * once, in no order: how many there are (max written at most). This
 * member's LSA advertises exactly these. */
size_t dt_nb_list(uint64_t * addrs,
                  size_t     max);

/* route.c: dt.c saw the lower flow to addr go down (live false) or
 * come back (true): originate this member's LSA again now. */
void route_dt_event(uint64_t addr,
                    bool     live);

#endif /* OUROBOROS_IPCPD_UNICAST_DT_ROUTE_H */
