/*
 * Ouroboros - the data path of encrypted flows (qos cypher_s > 0).
 *
 * dev.c calls these instead of flow_shm_write / the plain read when the
 * flow has a crypt_flow (f->cf != NULL): one predictable branch, so a
 * clear flow costs what it did. Key exchange and state: dev.c and
 * flow_table.h; packet format and threat model: doc/crypto.md.
 *
 * Write: the packet is sealed into the flow's tx_buf (counter | AES-GCM
 * ciphertext | tag, CRYPT_OVERHEAD more bytes) and that is written to the
 * ring: plaintext never enters shared memory. The caller holds wr_lock.
 *
 * Read: the packet is opened straight from shared memory into the
 * caller's buffer when it fits; otherwise (a partial read) into rx_buf,
 * once per packet, and the rest is served from there by later reads.
 * A packet that fails authentication or is a replay is consumed, counted
 * in rx_drops and never shown: the read goes on waiting for the next one
 * within its deadline. The caller holds rd_lock.
 */
#ifndef OUROBOROS_LIB_FLOW_CRYPT_H
#define OUROBOROS_LIB_FLOW_CRYPT_H

#include "flow_table.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

/* As flow_shm_write; count is at most max_pkt - CRYPT_OVERHEAD (dev.c
 * checks). Also -EKEYEXPIRED (counter exhausted) or -ECRYPT. */
ssize_t fc_write(struct ft_flow *        f,
                 const void *            buf,
                 size_t                  count,
                 bool                    nonblock,
                 const struct timespec * abstime);

/* As flow_read after the lock: the plaintext length read, or -EMSGSIZE
 * (nopart and buf too small: the packet stays queued), or an error of
 * flow_shm_peek. */
ssize_t fc_read(struct ft_flow *        f,
                void *                  buf,
                size_t                  count,
                bool                    nopart,
                bool                    nonblock,
                const struct timespec * abstime);

#endif /* OUROBOROS_LIB_FLOW_CRYPT_H */
