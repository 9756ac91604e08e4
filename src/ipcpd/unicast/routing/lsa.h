/*
 * Ouroboros - link-state advertisements (LSAs) of the unicast layer: what
 * one member says about its adjacencies, flooded over the management
 * adjacencies of the layer and kept in the link-state database (lsdb.h).
 *
 * Wire format (version 1), every field big-endian, no padding:
 *
 *   offset  size  field
 *        0     1  version     LSA_VERSION (1); others are refused
 *        1     1  flags       0 (no flag is defined; any bit is refused)
 *        2     2  n           number of neighbours, 0..LSA_NBRS_MAX
 *        4     8  origin      address of the member that wrote it (!= 0)
 *       12     4  seqno       sequence number, serial arithmetic (below)
 *       16     4  lifetime    milliseconds left before the LSA expires,
 *                             1..LSA_LIFETIME_MAX; 0 withdraws the origin
 *                             (a member leaving the layer), with n = 0
 *       20  12*n  neighbours  address u64 (!= 0, != origin) | metric u32
 *                             (1..LSA_METRIC_MAX, 1 by default), in
 *                             strictly increasing address order
 *
 * So an LSA is exactly LSA_LEN(n) = 20 + 12 n bytes. The strictly
 * increasing order makes the encoding canonical (one LSA, one byte
 * string) and refuses duplicate neighbours in one pass.
 *
 * Sequence numbers: the origin starts anywhere and adds 1 for each new
 * LSA; a receiver compares them as RFC 1982 serial numbers: a is newer
 * than b when (int32_t) (a - b) > 0, i.e. a is ahead of b by 1..2^31-1
 * (mod 2^32). So 0 is newer than 0xffffffff (wrap-around), and a number
 * exactly 2^31 away is newer in neither direction (refused as older).
 * The lifetime is a relative time so that members need no common clock;
 * a member forwarding an LSA writes the time it has left (lsdb_get).
 *
 * lsa_parse is strict: exactly one well-formed LSA filling the buffer.
 */
#ifndef OUROBOROS_IPCPD_UNICAST_LSA_H
#define OUROBOROS_IPCPD_UNICAST_LSA_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LSA_VERSION       1
#define LSA_HDR_LEN       20
#define LSA_NBR_LEN       12
#define LSA_NBRS_MAX      1024        /* neighbours in one LSA */
#define LSA_METRIC_MAX    0xffffffU   /* 2^24 - 1: sums stay exact */
#define LSA_METRIC_DEF    1
#define LSA_LIFETIME_MAX  86400000U   /* one day, in ms */
#define LSA_LEN(n)        (LSA_HDR_LEN + (size_t) (n) * LSA_NBR_LEN)
#define LSA_LEN_MAX       LSA_LEN(LSA_NBRS_MAX)

struct lsa_nbr {
        uint64_t addr;
        uint32_t metric;
};

/* A decoded LSA; nbrs[0..n) in strictly increasing address order.
 * About 16 KiB: keep one per thread, not one per node. */
struct lsa {
        uint64_t       origin;
        uint32_t       seqno;
        uint32_t       lifetime;  /* ms left; 0: withdrawal */
        uint16_t       n;
        struct lsa_nbr nbrs[LSA_NBRS_MAX];
};

/* Check l the way lsa_parse checks what it reads. Returns 0, or:
 *   -EINVAL  origin or a neighbour address 0
 *   -ERANGE  lifetime > LSA_LIFETIME_MAX, metric 0 or > LSA_METRIC_MAX
 *   -E2BIG   n > LSA_NBRS_MAX
 *   -ELOOP   a neighbour is the origin itself (a self-loop)
 *   -ENOTUNIQ a neighbour listed twice, or the list out of order
 *   -EPROTO  a withdrawal (lifetime 0) that lists neighbours */
int     lsa_check(const struct lsa * l);

/* Sort l's neighbours by address (for a writer that filled them in any
 * order); duplicates stay and lsa_check refuses them. */
void    lsa_sort(struct lsa * l);

/* Encode l into buf (cap bytes). Returns LSA_LEN(l->n), an error of
 * lsa_check, or -ENOBUFS if cap is too small. */
ssize_t lsa_encode(uint8_t *          buf,
                   size_t             cap,
                   const struct lsa * l);

/* Decode the n bytes at buf into l. Returns 0, an error of lsa_check,
 * or:
 *   -EBADMSG          shorter than its header or its neighbour count
 *                     says (a length that lies)
 *   -EPROTONOSUPPORT  version is not LSA_VERSION
 *   -EINVAL           a flag set
 *   -EPROTO           bytes left after the last neighbour */
int     lsa_parse(const uint8_t * buf,
                  size_t          n,
                  struct lsa *    l);

/* Serial-number order of LSA sequence numbers (see above): 1 when a is
 * newer than b, 0 otherwise (equal, older, or exactly 2^31 apart). */
static inline int lsa_seq_newer(uint32_t a,
                                uint32_t b)
{
        return (int32_t) (a - b) > 0;
}

#endif /* OUROBOROS_IPCPD_UNICAST_LSA_H */
