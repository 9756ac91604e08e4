/*
 * Ouroboros - the data transfer header of the unicast layer.
 *
 * Every packet on a dt adjacency starts with it; widths come from the
 * layer's configuration (addr_size A, eid_size E bytes, 1..8 each), so
 * the header is A + 3 + E bytes (15 by default). Every field is
 * big-endian, no padding:
 *
 *   dst  A bytes   destination member's address (!= 0)
 *   cube u8        QoS cube (enum uni_cube), < CUBE_MAX
 *   ttl  u8        hops left; a forwarder drops a packet that arrives
 *                  with 1 or less instead of passing it on (a loop ends)
 *   ecn  u8        congestion experienced: 0, or how loaded the most
 *                  loaded queue on the path was (a forwarder writes the
 *                  larger of what came and its own mark)
 *   eid  E bytes   endpoint id at dst: a component (< DT_EID_FIRST) or
 *                  a flow
 *
 * then the payload (the rest of the packet, may be empty).
 */
#ifndef OUROBOROS_IPCPD_UNICAST_WIRE_DT_H
#define OUROBOROS_IPCPD_UNICAST_WIRE_DT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define DT_CUBES     4      /* CUBE_MAX of uni.h */
#define DT_HDR_MAX   (8 + 3 + 8)

struct dt_hdr {
        uint64_t dst;
        uint8_t  cube;
        uint8_t  ttl;
        uint8_t  ecn;
        uint64_t eid;
};

/* The widths of a layer (addr_size, eid_size: 1..8). */
struct dt_fmt {
        uint8_t addr_size;
        uint8_t eid_size;
};

static inline size_t dt_hdr_len(const struct dt_fmt * f)
{
        return (size_t) f->addr_size + 3 + f->eid_size;
}

/* Write h at buf (dt_hdr_len bytes): the length, or -EINVAL (a field
 * that does not fit its width, dst 0, cube out of range) or -EMSGSIZE
 * (len too small). */
ssize_t dt_hdr_write(const struct dt_fmt * f,
                     const struct dt_hdr * h,
                     uint8_t *             buf,
                     size_t                len);

/* Read the header at the start of a packet of len bytes: the header
 * length (the payload follows), or -EBADMSG (too short, dst 0, cube
 * out of range). */
ssize_t dt_hdr_parse(const struct dt_fmt * f,
                     const uint8_t *       buf,
                     size_t                len,
                     struct dt_hdr *       h);

/* Forwarders change only ttl and ecn, in place. */
static inline void dt_hdr_set_ttl_ecn(const struct dt_fmt * f,
                                      uint8_t *             buf,
                                      uint8_t               ttl,
                                      uint8_t               ecn)
{
        buf[f->addr_size + 1] = ttl;
        buf[f->addr_size + 2] = ecn;
}

#endif /* OUROBOROS_IPCPD_UNICAST_WIRE_DT_H */
