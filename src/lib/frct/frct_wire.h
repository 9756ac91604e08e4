/*
 * Ouroboros - the FRCT header: wire format, encoder and strict parser.
 *
 * Every field is big-endian. A packet is
 *
 *   byte 0     type and flags:
 *                bits 0-1  type: 0 DATA, 1 ACK (ack only), 2 KEEPALIVE,
 *                          3 SKIP (a reliable sender that does not
 *                          retransmit, RTX cleared, gave up on every
 *                          packet before seq: the receiver stops
 *                          waiting for them)
 *                bit 2     SEQ    a sequence number follows (in_order
 *                                 and reliable flows' DATA; SKIP)
 *                bit 3     FIRST  first packet of a message  (SEQ only)
 *                bit 4     LAST   last packet of a message   (SEQ only)
 *                bit 5     ACK    acknowledgement fields follow
 *                                 (required on ACK packets)
 *                bit 6     CRC    a CRC32 trailer ends the packet
 *                bit 7     ISN    with SEQ: the sender's initial
 *                                 sequence number follows the sequence
 *                                 number (sent until the stream's start
 *                                 is known to the receiver);
 *                                 without SEQ (ACK and KEEPALIVE only):
 *                                 LIM, the sender's receive limit
 *                                 follows the ack fields
 *   [SEQ]  4   sequence number of this packet (serial arithmetic)
 *   [ISN]  4   the sender's first sequence number
 *   [ACK]  4   cumulative ack: the next sequence number expected
 *          4   receiver window: payload bytes the receiver takes from
 *              the ack on
 *          1   number of SACK blocks, 0..FRCT_SACK_MAX
 *          8n  SACK blocks: start, end (exclusive); start != end
 *   [LIM]  4   bit 31 ASK: the sender does not know the receiver's
 *              limit yet (answer with yours); bits 0-30: the largest
 *              message the sender takes (its OUROBOROS_MAX_MSG), at
 *              least 1
 *   payload    DATA only: ACK, KEEPALIVE and SKIP packets carry none; a SEQ
 *              packet carries at least a byte unless it is a whole
 *              (FIRST and LAST) empty message
 *   [CRC]  4   CRC32 (zlib's) of every byte before it
 *
 * LIM is how a writer learns the largest message the other end takes
 * (the ends of a flow may run with different OUROBOROS_MAX_MSG): an
 * in-order or reliable end sends it at the start and again, with
 * back-off, until the peer's own LIM came (so the loss of one is
 * repaired), in every keepalive, and in answer to a LIM with ASK (as
 * an ACK packet if it acks, else a KEEPALIVE). frct.c has the sender's
 * rule.
 *
 * A raw flow's data packet is the one byte 0x00 and its payload. The
 * parser is strict: a packet is accepted only in the form the encoder
 * writes, so decode then encode gives back the same bytes. What the
 * fields mean for a given flow (a SEQ packet on a raw flow, an ack out
 * of the window) is the state machine's to check.
 */
#ifndef OUROBOROS_LIB_FRCT_WIRE_H
#define OUROBOROS_LIB_FRCT_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum frct_type {
        FRCT_DATA = 0,
        FRCT_ACK  = 1,
        FRCT_KA   = 2,
        FRCT_SKIP = 3
};

#define FRCT_TYPE_MASK  0x03u
#define FRCT_FL_SEQ     0x04u
#define FRCT_FL_FIRST   0x08u
#define FRCT_FL_LAST    0x10u
#define FRCT_FL_ACK     0x20u
#define FRCT_FL_CRC     0x40u
#define FRCT_FL_ISN     0x80u

#define FRCT_SACK_MAX   4
#define FRCT_CRC_LEN    4
#define FRCT_LIM_ASK    0x80000000u
#define FRCT_LIM_MASK   0x7fffffffu
/* The largest header: type, seq, isn, ack, window, nsack, blocks (an
 * ACK with LIM is 4 bytes shorter: no seq). */
#define FRCT_HDR_MAX    (1 + 4 + 4 + 4 + 4 + 1 + 8 * FRCT_SACK_MAX)

struct frct_sack {
        uint32_t start;
        uint32_t end;          /* exclusive */
};

struct frct_hdr {
        uint8_t          flags;   /* byte 0 whole: type and flags */
        uint32_t         seq;
        uint32_t         isn;     /* ISN with SEQ */
        uint32_t         lim;     /* ISN without SEQ: LIM, ASK bit */
        uint32_t         ack;
        uint32_t         wnd;
        uint8_t          nsack;
        struct frct_sack sack[FRCT_SACK_MAX];
};

static inline enum frct_type frct_hdr_type(const struct frct_hdr * h)
{
        return (enum frct_type) (h->flags & FRCT_TYPE_MASK);
}

/* Bytes the header takes on the wire (without the CRC trailer). */
size_t  frct_hdr_len(const struct frct_hdr * h);

/* Writes the header to buf (cap bytes): its length, -EINVAL (a form
 * the parser would refuse), -ENOBUFS. */
ssize_t frct_hdr_put(uint8_t *               buf,
                     size_t                  cap,
                     const struct frct_hdr * h);

/* Appends the CRC32 of pkt[0..len) at pkt + len (room for 4 bytes is
 * the caller's): the new length. */
size_t  frct_crc_put(uint8_t * pkt,
                     size_t    len);

/*
 * Parses a whole packet: 0 and the header, the payload's offset and
 * length; -EBADMSG if the packet is malformed or its CRC is wrong.
 */
int     frct_parse(const uint8_t *   pkt,
                   size_t            len,
                   struct frct_hdr * h,
                   size_t *          off,
                   size_t *          plen);

#endif /* OUROBOROS_LIB_FRCT_WIRE_H */
