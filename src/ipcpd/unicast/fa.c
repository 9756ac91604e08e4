/*
 * Ouroboros - ipcpd-unicast: the flow allocator (uni.h, fa.c). NOT
 * BUILT YET: placeholder, replaced by the real module.
 */
#include "uni.h"

#include <errno.h>

int fa_init(void) { return 0; }
void fa_fini(void) { }
enum uni_cube uni_cube_of(const qosspec_t * qs) { (void) qs; return CUBE_BE; }
int fa_alloc(const struct ipcp_flow_req * r) { (void) r; return -ENOTSUP; }
int fa_alloc_resp(const struct ipcp_flow_resp * r)
{ (void) r; return -ENOTSUP; }
int fa_dealloc(uint32_t flow_id) { (void) flow_id; return 0; }
void fa_rcv(uint64_t eid, const uint8_t * buf, size_t len, uint8_t ecn)
{ (void) eid; (void) buf; (void) len; (void) ecn; }
int fa_stat(struct ipcp_stat * s) { (void) s; return 0; }
