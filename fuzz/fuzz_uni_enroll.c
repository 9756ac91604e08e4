/*
 * Ouroboros - libFuzzer target for the unicast layer's enrollment
 * messages (src/ipcpd/unicast/wire_enroll.h): the first input byte
 * picks the request or the answer, the rest is the message as received
 * on an enroll flow.
 *
 * Oracle: an accepted message encodes back to exactly the bytes
 * received (the encoding is canonical); an accepted answer's
 * configuration is valid (ipcp_conf_valid) with addresses that fit;
 * an answer the writer takes parses back to the same fields.
 *
 * Sources: src/ipcpd/unicast/wire_enroll.c src/ipcpd/unicast/wire_mgmt.c src/ipcpd/unicast/wire_dt.c src/common/ipcp_conf.c src/common/args.c src/common/ipcp_type.c src/common/name_check.c src/common/msg.c
 */
#include "ipcpd/unicast/wire_enroll.h"
#include "ipcpd/unicast/wire_mgmt.h"

#include "common/ipcp_conf.h"

#include "fuzz_input.h"

#include <stdlib.h>
#include <string.h>

static uint8_t out[ENR_ANS_MAX];

/* An answer built from the input (a valid configuration with fields
 * taken from it): what the writer accepts, the parser reads back the
 * same. */
static void build(const uint8_t * p,
                  size_t          n)
{
        struct input   in = { p, n };
        struct enr_ans a;
        struct enr_ans b;
        ssize_t        len;
        size_t         ln;

        memset(&a, 0, sizeof(a));
        ipcp_conf_init(&a.lc, IPCP_UNICAST, NULL);
        a.addr               = take(&in, 8);
        a.enroller           = take(&in, 8);
        a.lc.hash            = (enum hash_algo) (take(&in, 1) % 4);
        a.lc.addr_size       = (uint8_t) take(&in, 1);
        a.lc.eid_size        = (uint8_t) take(&in, 1);
        a.lc.max_ttl         = (uint8_t) take(&in, 1);
        a.lc.routing         = (uint8_t) take(&in, 1);
        a.lc.congestion      = (uint8_t) take(&in, 1);
        a.lc.dht_alpha       = (uint8_t) take(&in, 1);
        a.lc.dht_k           = (uint8_t) take(&in, 1);
        a.lc.dht_t_expire    = (uint32_t) take(&in, 4);
        a.lc.ls_t_timeo      = (uint32_t) take(&in, 4);
        a.lc.mtu             = (uint16_t) take(&in, 2);
        ln = in.n > LAYER_MAX_LEN ? LAYER_MAX_LEN : in.n;
        memcpy(a.lc.layer, in.p, ln);
        a.lc.layer[ln] = '\0';
        ln = strlen(a.lc.layer); /* the rest zero, as the parser leaves */
        memset(a.lc.layer + ln, 0, sizeof(a.lc.layer) - ln);

        len = enr_ans_write(&a, out, sizeof(out));
        if (len < 0)
                return;
        if (enr_ans_parse(out, (size_t) len, &b) < 0 || b.result != 0 ||
            b.addr != a.addr || b.enroller != a.enroller ||
            memcmp(&a.lc, &b.lc, sizeof(a.lc)) != 0)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t * data,
                           size_t          size)
{
        struct enr_ans a;
        ssize_t        n;

        if (size < 1)
                return 0;

        if ((data[0] & 3) == 2) {
                build(data + 1, size - 1);
                return 0;
        }

        if (data[0] & 1) {
                if (enr_req_parse(data + 1, size - 1) < 0)
                        return 0;
                n = enr_req_write(out, sizeof(out));
        } else {
                if (enr_ans_parse(data + 1, size - 1, &a) < 0)
                        return 0;
                if (a.result == 0 &&
                    (!ipcp_conf_valid(&a.lc) ||
                     !mgmt_addr_ok(a.lc.addr_size, a.addr) ||
                     !mgmt_addr_ok(a.lc.addr_size, a.enroller)))
                        abort();
                n = enr_ans_write(&a, out, sizeof(out));
        }

        if (n != (ssize_t) (size - 1) || memcmp(out, data + 1, size - 1))
                abort();

        return 0;
}
