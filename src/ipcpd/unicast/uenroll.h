/*
 * Ouroboros - ipcpd-unicast: what main/conf, enroll and nbr (one
 * helper's modules) say to each other beyond uni.h. All on the loop
 * thread.
 */
#ifndef OUROBOROS_IPCPD_UNICAST_UENROLL_H
#define OUROBOROS_IPCPD_UNICAST_UENROLL_H

#include "uni.h"

#include <stdint.h>

/* conf.c: take lc as the layer's configuration: 0 or -EINVAL. */
int  conf_set(const struct layer_config * lc);

/* main.c: an enrollment that returned IPCP_LATER failed; the IPCP may
 * enroll or bootstrap again. */
void uni_enroll_failed(void);

/* main.c: what bootstrap and enroll report (max_pkt: the layer's mtu;
 * info "addr N mtu M"). */
void uni_attach(struct ipcp_attach * at);

/* nbr.c: connect as the connect op does (comp NULL: dt and mgmt), but
 * tell cb (once, on the loop thread, with 0 or the first error)
 * instead of answering the IRMd: 1 (cb will run), 0 (adjacent
 * already: it will not) or a negative errno (it will not). */
typedef void (* nbr_done_cb)(void * arg,
                             int    err);
int  nbr_connect_cb(const char *      dst,
                    const char *      comp,
                    const qosspec_t * qs,
                    nbr_done_cb       cb,
                    void *            arg);

/* enroll.c: a CLAIM or CONFLICT (the whole mgmt packet) from
 * neighbour from. */
void enroll_rcv_mgmt(uint64_t        from,
                     const uint8_t * buf,
                     size_t          len);

/* enroll.c: release what enrollment holds (at exit). */
void enroll_fini(void);

#endif /* OUROBOROS_IPCPD_UNICAST_UENROLL_H */
