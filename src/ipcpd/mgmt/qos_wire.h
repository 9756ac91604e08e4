/*
 * Ouroboros - a QoS spec on the wire, as the flow requests of every
 * layer carry it (the eth and udp management messages, mgmt.h; the
 * unicast flow allocator's REQ, unicast/wire_fa.h). 32 bytes, every
 * field big-endian, no padding:
 *
 *   delay u32 | bandwidth u64 | availability u8 | loss u32 | ber u32
 *   | in_order u8 | max_gap u32 | cypher_s u16 | timeout u32
 *
 * Every value of every field parses; what a field may hold is the
 * message's parser's to check.
 */
#ifndef OUROBOROS_IPCPD_MGMT_QOS_WIRE_H
#define OUROBOROS_IPCPD_MGMT_QOS_WIRE_H

#include <ouroboros/qos.h>

#include <stdint.h>

#define QOS_WIRE_LEN 32

/* Write q at p (QOS_WIRE_LEN bytes): the byte after it. */
uint8_t * qos_wire_put(uint8_t *         p,
                       const qosspec_t * q);

/* Read q from p (QOS_WIRE_LEN bytes); fields not on the wire are 0. */
void      qos_wire_get(const uint8_t * p,
                       qosspec_t *     q);

#endif /* OUROBOROS_IPCPD_MGMT_QOS_WIRE_H */
