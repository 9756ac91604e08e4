/*
 * Ouroboros - ipcpd-unicast: link-state routing (uni.h, route.c). NOT
 * BUILT YET: placeholder, replaced by the real module.
 */
#include "uni.h"

int route_init(void) { return 0; }
void route_fini(void) { }
void route_adj(uint64_t addr, enum nbr_comp comp, bool up)
{ (void) addr; (void) comp; (void) up; }
void route_rcv_lsa(uint64_t from, const uint8_t * buf, size_t len)
{ (void) from; (void) buf; (void) len; }
uint64_t route_next_hop(uint64_t dst, uint64_t flow_key)
{ (void) dst; (void) flow_key; return 0; }
int route_stat(struct ipcp_stat * s) { (void) s; return 0; }
