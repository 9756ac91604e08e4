/*
 * Ouroboros - ipcpd-unicast: the directory (uni.h, dir.c). NOT BUILT
 * YET: placeholder, replaced by the real module.
 */
#include "uni.h"

#include <errno.h>

int dir_init(void) { return 0; }
void dir_fini(void) { }
int dir_reg(struct ipcp_hash h) { (void) h; return -ENOTSUP; }
int dir_unreg(struct ipcp_hash h) { (void) h; return -ENOTSUP; }
int dir_query_op(struct ipcp_hash h, ipcp_tok_t tok)
{ (void) h; (void) tok; return -ENOTSUP; }
int dir_resolve(struct ipcp_hash h, uint64_t * addr, dir_cb cb, void * arg)
{ (void) h; (void) addr; (void) cb; (void) arg; return -ENOTSUP; }
int dir_stat(struct ipcp_stat * s) { (void) s; return 0; }
