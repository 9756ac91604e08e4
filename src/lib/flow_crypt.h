/*
 * Ouroboros - the data path of encrypted flows (qos cypher_s > 0).
 *
 * dev.c calls these instead of flow_shm_write / the plain read when the
 * flow has a crypt_flow (f->cf != NULL): one predictable branch, so a
 * clear flow costs what it did. Key exchange and state: dev.c and
 * flow_table.h; packet format and threat model: doc/crypto.md.
 *
 * Write: the packet is sealed (counter | AES-GCM ciphertext | tag,
 * CRYPT_OVERHEAD more bytes) straight into room reserved in the ring:
 * plaintext never enters shared memory, and no copy is made. The caller
 * holds wr_lock.
 *
 * Read: the packet is copied once from shared memory into private
 * memory of the flow (crypt_decrypt_shared), authenticated and decrypted
 * from that copy into the caller's buffer when it fits; otherwise (a
 * partial read) into rx_buf, once per packet, and the rest is served
 * from there by later reads.
 * A packet that fails authentication or is a replay is consumed, counted
 * in rx_drops and never shown: the read goes on waiting for the next one
 * within its deadline. The caller holds rd_lock.
 */
#ifndef OUROBOROS_LIB_FLOW_CRYPT_H
#define OUROBOROS_LIB_FLOW_CRYPT_H

#include "flow_table.h"
#include "common/crypt.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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

/*
 * For FRCT (a flow whose packets carry an FRCT header): the library
 * seals each packet frct_pop hands out (every call a fresh nonce: a
 * retransmission is a new transmission) and opens each packet before
 * frct_rcv. Keys rotate every 2^CRYPT_EPOCH_BITS packets per direction
 * without any exchange (common/crypt.h).
 *
 * fc_seal: in (len bytes, private memory) into out (cap >= len +
 * CRYPT_OVERHEAD, may be the ring's reserved slot): len + CRYPT_OVERHEAD,
 * -EMSGSIZE, -EKEYEXPIRED or -ECRYPT. The caller holds wr_lock.
 *
 * fc_open: a packet as it lies in shared memory (pkt, len) is copied to
 * private memory, authenticated and decrypted into out (private memory,
 * cap >= len - CRYPT_OVERHEAD): the plaintext length, or -EBADMSG
 * (tampered, truncated, forged) / -ESTALE (replayed): drop it, it is
 * counted (rx_drops and fc_stats); -EMSGSIZE, -ENOMEM, -ECRYPT. The
 * caller holds rd_lock.
 */
ssize_t fc_seal(struct ft_flow * f,
                const void *     in,
                size_t           len,
                void *           out,
                size_t           cap);

ssize_t fc_open(struct ft_flow * f,
                const void *     pkt,
                size_t           len,
                void *           out,
                size_t           cap);

/* The flow's encryption counters (common/crypt.h: struct crypt_stats;
 * all zero on a clear flow), for fccntl(fd, FLOWGCRYPTST, ...). */
void    fc_stats(const struct ft_flow * f,
                 struct crypt_stats *   st);

#endif /* OUROBOROS_LIB_FLOW_CRYPT_H */
