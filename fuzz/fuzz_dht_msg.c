/*
 * Ouroboros - libFuzzer target for the unicast layer's directory
 * messages; the input is a key length selector (first byte: 28, 32,
 * 48 or 64) and one message as received from another member.
 *
 * Oracle: an accepted message passes dht_msg_check and encodes back to
 * exactly the bytes received (the encoding is canonical); a refused one
 * gives one of the documented errors. Then the same bytes go to a
 * member of the directory (klen 32, small caps) that lives across
 * inputs: dht_rcv must not crash, and everything it sends in answer
 * parses.
 *
 * Sources: src/ipcpd/unicast/dir/dht_msg.c src/ipcpd/unicast/dir/dht_table.c src/ipcpd/unicast/dir/dht_lookup.c src/ipcpd/unicast/dir/dht_store.c src/ipcpd/unicast/dir/dht_out.c src/ipcpd/unicast/dir/dht_rcv.c src/ipcpd/unicast/dir/dht.c
 */
#include "ipcpd/unicast/dir/dht.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct dht_msg m;
static struct dht_msg r;
static uint8_t        out[DHT_MSG_LEN_MAX];
static struct dht *   member;
static uint64_t       now;

static void check_parse(const uint8_t * data,
                        size_t          size,
                        size_t          klen)
{
        ssize_t n;
        int     ret;

        ret = dht_msg_parse(data, size, klen, &m);
        if (ret < 0) {
                switch (ret) {
                case -EMSGSIZE: case -EBADMSG: case -EPROTONOSUPPORT:
                case -EINVAL: case -EKEYREJECTED: case -EPROTO:
                case -E2BIG: case -ERANGE:
                        return;
                default:
                        abort();
                }
        }

        if (dht_msg_check(&m) != 0)
                abort();
        n = dht_msg_encode(out, sizeof(out), &m);
        if (n != (ssize_t) size || memcmp(out, data, size) != 0)
                abort();
}

static void feed_member(const uint8_t * data,
                        size_t          size)
{
        static const struct dht_cfg cfg = {
                .klen = 32, .max_keys = 64, .max_vals = 4,
                .max_reqs = 64, .max_lookups = 8, .max_out = 256
        };
        uint8_t  self[32];
        uint64_t dst;
        size_t   nq;
        ssize_t  n;

        if (member == NULL) {
                memset(self, 0x5a, sizeof(self));
                if (dht_create(&member, &cfg, self, 77, 0) < 0)
                        abort();
        }

        now += 100;
        dht_rcv(member, data, size, now);
        if (size > 0 && data[0] % 16 == 0)
                dht_query(member, data, now, &dst, 1, &nq);
        dht_tick(member, now);
        while ((n = dht_pop(member, &dst, out, sizeof(out))) > 0)
                if (dht_msg_parse(out, (size_t) n, 32, &r) != 0)
                        abort();
        if (n < 0)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t * data,
                           size_t          size)
{
        static const size_t kl[] = { 28, 32, 48, 64 };

        if (size < 1)
                return 0;

        check_parse(data + 1, size - 1, kl[data[0] % 4]);
        if (size - 1 >= 32)
                feed_member(data + 1, size - 1);

        return 0;
}
