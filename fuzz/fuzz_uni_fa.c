/*
 * Ouroboros - libFuzzer target for the unicast layer's flow allocator
 * messages (src/ipcpd/unicast/wire_fa.h); the input is one message as
 * received from another member.
 *
 * Oracle: an accepted message encodes back to exactly the bytes
 * received (the encoding is canonical) and its views lie inside the
 * input; a refused one gives one of the documented errors.
 *
 * Sources: src/ipcpd/unicast/wire_fa.c src/ipcpd/mgmt/qos_wire.c
 */
#include "ipcpd/unicast/wire_fa.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint8_t out[FA_MSG_MAX];

static int inside(const uint8_t * v,
                  size_t          n,
                  const uint8_t * data,
                  size_t          size)
{
        if (n == 0)
                return 1;

        return v != NULL && v >= data && v + n <= data + size;
}

int LLVMFuzzerTestOneInput(const uint8_t * data,
                           size_t          size)
{
        struct fa_msg m;
        ssize_t       n;
        int           ret;

        ret = fa_msg_parse(data, size, &m);
        if (ret < 0) {
                switch (ret) {
                case -EBADMSG: case -EPROTONOSUPPORT: case -EPROTO:
                        return 0;
                default:
                        abort();
                }
        }

        if (!inside(m.hash, m.hash_len, data, size) ||
            !inside(m.key, m.key_len, data, size))
                abort();

        n = fa_msg_write(&m, out, sizeof(out));
        if (n != (ssize_t) size || memcmp(out, data, size) != 0)
                abort();

        return 0;
}
