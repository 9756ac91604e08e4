/*
 * Ouroboros - a QoS spec on the wire (qos_wire.h).
 */
#include "qos_wire.h"
#include "be.h"

#include <string.h>

uint8_t * qos_wire_put(uint8_t *         p,
                       const qosspec_t * q)
{
        be_put32(p, q->delay);
        be_put64(p + 4, q->bandwidth);
        p[12] = q->availability;
        be_put32(p + 13, q->loss);
        be_put32(p + 17, q->ber);
        p[21] = q->in_order;
        be_put32(p + 22, q->max_gap);
        be_put16(p + 26, q->cypher_s);
        be_put32(p + 28, q->timeout);

        return p + QOS_WIRE_LEN;
}

void qos_wire_get(const uint8_t * p,
                  qosspec_t *     q)
{
        memset(q, 0, sizeof(*q));
        q->delay        = be_get32(p);
        q->bandwidth    = be_get64(p + 4);
        q->availability = p[12];
        q->loss         = be_get32(p + 13);
        q->ber          = be_get32(p + 17);
        q->in_order     = p[21];
        q->max_gap      = be_get32(p + 22);
        q->cypher_s     = be_get16(p + 26);
        q->timeout      = be_get32(p + 28);
}
