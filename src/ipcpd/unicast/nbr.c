/*
 * Ouroboros - ipcpd-unicast: adjacencies (uni.h, nbr.c). NOT BUILT YET:
 * placeholder that refuses every request, replaced by the real module.
 */
#include "uni.h"

#include <errno.h>

int nbr_init(void) { return 0; }
void nbr_fini(void) { }
int nbr_connect(const char * dst, const char * comp, const qosspec_t * qs)
{ (void) dst; (void) comp; (void) qs; return -ENOTSUP; }
int nbr_disconnect(const char * dst, const char * comp)
{ (void) dst; (void) comp; return -ENOTSUP; }
int nbr_dt_fd(uint64_t addr) { (void) addr; return -1; }
bool nbr_dt_up(uint64_t addr) { (void) addr; return false; }
int nbr_mgmt_send(uint64_t addr, enum mgmt_type t, const void * body,
                  size_t len)
{ (void) addr; (void) t; (void) body; (void) len; return -ENOTCONN; }
int nbr_mgmt_flood(uint64_t except, enum mgmt_type t, const void * body,
                   size_t len)
{ (void) except; (void) t; (void) body; (void) len; return 0; }
size_t nbr_list(enum nbr_comp comp, uint64_t * addrs, size_t max)
{ (void) comp; (void) addrs; (void) max; return 0; }
void nbr_heard(int fd) { (void) fd; }
int nbr_stat(struct ipcp_stat * s) { (void) s; return 0; }
