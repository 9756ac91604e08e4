/*
 * Ouroboros - libFuzzer target for the unicast layer's LSA decoder;
 * the input is one LSA as received from a neighbour.
 *
 * Oracle: an accepted LSA passes lsa_check and encodes back to exactly
 * the bytes received (the encoding is canonical); a refused one gives
 * one of the documented errors.
 *
 * Sources: src/ipcpd/unicast/routing/lsa.c
 */
#include "ipcpd/unicast/routing/lsa.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct lsa l;
static uint8_t    out[LSA_LEN_MAX];

int LLVMFuzzerTestOneInput(const uint8_t * data,
                           size_t          size)
{
        ssize_t n;
        int     ret;

        ret = lsa_parse(data, size, &l);
        if (ret < 0) {
                switch (ret) {
                case -EBADMSG: case -EPROTONOSUPPORT: case -EINVAL:
                case -EPROTO: case -ERANGE: case -E2BIG: case -ELOOP:
                case -ENOTUNIQ:
                        return 0;
                default:
                        abort();
                }
        }

        if (lsa_check(&l) != 0)
                abort();
        n = lsa_encode(out, sizeof(out), &l);
        if (n != (ssize_t) size || memcmp(out, data, size) != 0)
                abort();

        return 0;
}
