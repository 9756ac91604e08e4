/*
 * Ouroboros - per-flow authenticated encryption (qos cypher_s > 0).
 *
 * Allocation: each side makes an ephemeral X25519 key pair (crypt_kex_new)
 * and sends its public key with the allocation request / reply; the IRMd
 * only relays public keys. With the peer's public key, crypt_flow_new runs
 * X25519, derives one AES-256-GCM key per direction with HKDF-SHA3-256 and
 * destroys the ephemeral private key (forward secrecy).
 *
 * Data: every packet is
 *
 *   u64 counter (little-endian) | AES-256-GCM ciphertext | 16-byte tag
 *
 * The counter is the sender's per-direction transmission counter (0, 1,
 * 2, ...; never reused, a retransmission is a new transmission); the GCM
 * nonce is 4 zero bytes followed by the counter (LE), so the counter is
 * authenticated through the nonce. Keys rotate every 2^CRYPT_EPOCH_BITS
 * counters (below). The receiver drops forged, truncated and replayed
 * packets (sliding window of CRYPT_REPLAY_WINDOW counters) and counts
 * them (crypt_stats).
 * Wire format, key schedule and threat model: doc/crypto.md.
 *
 * Errors: 0 or a length on success, a negative errno on failure; nothing
 * is printed. -ECRYPT (<ouroboros/errno.h>) is a libcrypto failure.
 *
 * Threads: a crypt_flow keeps separate transmit and receive state (own
 * EVP_CIPHER_CTX, counter, window, cache line). One thread may be in
 * crypt_encrypt while another is in crypt_decrypt on the same flow; two
 * concurrent crypt_encrypt (or two crypt_decrypt) calls on one flow are
 * not allowed: the caller serialises them (the flow's SPSC ring already
 * forces one writer and one reader at a time).
 *
 * Buffers: in and out must not overlap, except exactly in place:
 * encrypt with in == out + CRYPT_HDR_LEN (the payload sits in reserved
 * header room), decrypt with out == in + CRYPT_HDR_LEN. Otherwise -EINVAL.
 */
#ifndef OUROBOROS_COMMON_CRYPT_H
#define OUROBOROS_COMMON_CRYPT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CRYPT_PUBKEY_LEN    32    /* X25519 public key                   */
#define CRYPT_PRIVKEY_LEN   32    /* X25519 private key (tests only)     */
#define CRYPT_HDR_LEN       8     /* u64 LE counter                       */
#define CRYPT_TAG_LEN       16    /* GCM tag                              */
#define CRYPT_OVERHEAD      (CRYPT_HDR_LEN + CRYPT_TAG_LEN)
#define CRYPT_REPLAY_WINDOW 960   /* counters accepted behind the newest */
/* Largest plaintext of one packet (EVP's int lengths). */
#define CRYPT_MAX_LEN       ((size_t) 0x7fffffff - CRYPT_OVERHEAD)
/* The sender stops (-EKEYEXPIRED) before the counter could wrap. */
#define CRYPT_CTR_LIMIT     (UINT64_MAX - (1ULL << 16))
/*
 * Key rotation: counter c is sealed under the key of epoch
 * c >> CRYPT_EPOCH_BITS (a new key every 2^20 packets per direction);
 * k(e + 1) = HKDF-SHA3-256(ikm = k(e), no salt, "ouroboros rekey").
 * Both ends know the epoch from the counter in every packet: nothing
 * is exchanged. A receiver keeps the current and the previous epoch's
 * key (stragglers reordered across a rotation) and derives up to
 * CRYPT_EPOCH_AHEAD epochs ahead (packets lost in a row); older keys
 * are wiped (forward secrecy within a flow).
 */
#define CRYPT_EPOCH_BITS    20
#define CRYPT_EPOCH_AHEAD   4

struct crypt_kex;   /* an ephemeral X25519 key pair during allocation   */
struct crypt_flow;  /* keys, counters and replay window of one flow side */

/*
 * Generate an ephemeral key pair; its public key is copied to pub.
 * 0, -EINVAL, -ENOMEM or -ECRYPT. Free with crypt_kex_free or pass to
 * crypt_flow_new.
 */
int     crypt_kex_new(struct crypt_kex ** kex,
                      uint8_t             pub[CRYPT_PUBKEY_LEN]);

/*
 * A key pair from a fixed private key: for known-answer tests only (the
 * RFC 7748 vectors); a flow must use crypt_kex_new.
 */
int     crypt_kex_from_priv(struct crypt_kex ** kex,
                            const uint8_t       priv[CRYPT_PRIVKEY_LEN],
                            uint8_t             pub[CRYPT_PUBKEY_LEN]);

/* Wipes and frees the key pair; NULL is a no-op. */
void    crypt_kex_free(struct crypt_kex * kex);

/*
 * Derive the flow keys from our key pair and the peer's public key.
 * side is the role of this end: 0 in flow_alloc (the requester), 1 in
 * flow_accept. It is not T_SIDE (the side of the local flow memory: both
 * ends of a flow through a remote layer may hold memory side 0). If both
 * ends wrongly pick the same side nothing decrypts, but no key is ever
 * shared by the two directions (the salt orders the keys by side).
 * Always consumes (wipes and frees) kex, also on failure.
 * 0, -EINVAL (bad argument, peer key equals ours), -ENOMEM, -ECRYPT
 * (includes a peer key of small order, which gives an all-zero secret).
 */
int     crypt_flow_new(struct crypt_kex *  kex,
                       const uint8_t       peer_pub[CRYPT_PUBKEY_LEN],
                       int                 side,
                       struct crypt_flow ** cf);

/* Wipes keys and state and frees; NULL is a no-op. */
void    crypt_flow_free(struct crypt_flow * cf);

/*
 * Encrypt len bytes into out (out_len >= len + CRYPT_OVERHEAD) under the
 * next transmit counter. Returns len + CRYPT_OVERHEAD, or -EINVAL,
 * -EMSGSIZE (out too small or len > CRYPT_MAX_LEN), -EKEYEXPIRED
 * (counter exhausted: reallocate the flow) or -ECRYPT. A counter is
 * consumed even on -ECRYPT, so a nonce is never used twice.
 */
ssize_t crypt_encrypt(struct crypt_flow * cf,
                      const void *        in,
                      size_t              len,
                      void *              out,
                      size_t              out_len);

/* Counters of one flow side, read while others use it (relaxed). */
struct crypt_stats {
        uint64_t tx_pkts;   /* packets sealed                            */
        uint64_t rx_pkts;   /* packets opened                            */
        uint64_t rx_bad;    /* dropped: tampered, truncated, forged,
                               an epoch out of reach (-EBADMSG)        */
        uint64_t rx_replay; /* dropped: replayed or too old (-ESTALE)    */
};

void    crypt_stats(const struct crypt_flow * cf,
                    struct crypt_stats *      st);

/*
 * Authenticate and decrypt one packet of len bytes into out
 * (out_len >= len - CRYPT_OVERHEAD). Returns the plaintext length, or
 *   -EBADMSG  shorter than CRYPT_OVERHEAD or authentication failed
 *             (tampered, wrong key); out is wiped,
 *   -ESTALE   a counter already received or older than the window (a
 *             replay; checked before authentication, so it says nothing
 *             about authenticity: just drop it),
 *   -EMSGSIZE out too small, -EINVAL, -ECRYPT.
 * Only an authentic packet moves the replay window.
 */
ssize_t crypt_decrypt(struct crypt_flow * cf,
                      const void *        in,
                      size_t              len,
                      void *              out,
                      size_t              out_len);

/*
 * As crypt_decrypt, for a packet in memory that someone else can write
 * (the flow's shared memory, which the peer, the IRMd or an IPCP maps):
 * the packet is copied once into private memory of the flow side and
 * authenticated and decrypted from that copy, so the bytes checked are
 * the bytes decrypted. out must be private memory. Also -ENOMEM.
 */
ssize_t crypt_decrypt_shared(struct crypt_flow * cf,
                             const void *        in,
                             size_t              len,
                             void *              out,
                             size_t              out_len);

#endif /* OUROBOROS_COMMON_CRYPT_H */
