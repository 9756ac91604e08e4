/*
 * Ouroboros - libFuzzer target for the unicast layer's enrollment
 * messages (src/ipcpd/unicast/wire_enroll.h): the first input byte
 * picks the request or the answer, the rest is the message as received
 * on an enroll flow.
 *
 * Oracle: an accepted message encodes back to exactly the bytes
 * received (the encoding is canonical); an accepted answer's
 * configuration is valid (ipcp_conf_valid) with addresses that fit.
 *
 * Sources: src/ipcpd/unicast/wire_enroll.c src/ipcpd/unicast/wire_mgmt.c src/ipcpd/unicast/wire_dt.c src/common/ipcp_conf.c src/common/args.c src/common/ipcp_type.c src/common/name_check.c src/common/msg.c
 */
#include "ipcpd/unicast/wire_enroll.h"
#include "ipcpd/unicast/wire_mgmt.h"

#include "common/ipcp_conf.h"

#include <stdlib.h>
#include <string.h>

static uint8_t out[ENR_ANS_MAX];

int LLVMFuzzerTestOneInput(const uint8_t * data,
                           size_t          size)
{
        struct enr_ans a;
        ssize_t        n;

        if (size < 1)
                return 0;

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
