/*
 * Ouroboros - ipcpd-unicast: enrollment (uni.h, enroll.c). NOT BUILT
 * YET: placeholder, replaced by the real module.
 */
#include "uni.h"

#include <errno.h>

int enroll_op(const char * dst, struct msg * rep, struct ipcp_attach * at)
{ (void) dst; (void) rep; (void) at; return -ENOTSUP; }
int enroll_accept(int fd, const qosspec_t * qs, const struct lower_info * req,
                  struct lower_info * ans)
{ (void) fd; (void) qs; (void) req; (void) ans; return -ENOTSUP; }
int enroll_stat(struct ipcp_stat * s) { (void) s; return 0; }
