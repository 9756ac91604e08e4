/*
 * Ouroboros - ipcpd-unicast: data transfer (uni.h, dt.c). NOT BUILT YET:
 * placeholder, replaced by the real module.
 */
#include "uni.h"

#include <errno.h>

int dt_init(void) { return 0; }
void dt_fini(void) { }
void dt_adj_up(uint64_t addr, int fd) { (void) addr; (void) fd; }
void dt_adj_down(uint64_t addr, int fd) { (void) addr; (void) fd; }
int dt_keepalive(uint64_t addr) { (void) addr; return -ENOTSUP; }
int dt_send(uint64_t dst, enum uni_cube cube, uint64_t eid,
            const void * buf, size_t len)
{ (void) dst; (void) cube; (void) eid; (void) buf; (void) len;
  return -EHOSTUNREACH; }
size_t dt_max_sdu(void) { return 0; }
int dt_reg_comp(uint64_t eid, dt_comp_cb cb)
{ (void) eid; (void) cb; return 0; }
void dt_routes_changed(void) { }
int dt_stat(struct ipcp_stat * s) { (void) s; return 0; }
