/*
 * Ouroboros - libFuzzer target for the handshake of lower flows
 * (src/ipcpd/common/lower_info.c), the first packet either end of a
 * broadcast or unicast IPCP's lower flow takes from a peer. What
 * parses is canonical: written back, it gives the very bytes it came
 * from, every string a valid name. And the writer never produces what
 * the parser refuses: the input also fills a struct lower_info field
 * by field; if it writes, it parses back to the same.
 *
 * Sources: src/ipcpd/common/lower_info.c src/common/name_check.c
 * Build and run: fuzz/run [seconds] fuzz_lower_info
 */
#include "ipcpd/common/lower.h"
#include "common/name_check.h"

#include "fuzz_input.h"

#include <stdlib.h>
#include <string.h>

static void fill(char *         s,
                 size_t         size,
                 struct input * in)
{
        size_t n = (size_t) take(in, 1) % size;
        size_t k;

        for (k = 0; k < n; ++k)
                s[k] = (char) take(in, 1);
        s[n] = '\0';
}

static void check_round_trip(const uint8_t * data,
                             size_t          size)
{
        struct lower_info i;
        uint8_t           buf[LOWER_INFO_MAX];
        ssize_t           n;

        if (lower_info_parse(data, size, &i) < 0)
                return;

        if (size > LOWER_INFO_MAX ||
            name_check(i.comp, IPCP_COMP_MAX) < 0 ||
            (i.layer[0] != '\0' && name_check(i.layer, LAYER_MAX_LEN) < 0) ||
            name_check(i.name, IPCP_NAME_MAX_LEN) < 0)
                abort();

        n = lower_info_write(&i, buf, sizeof(buf));
        if (n != (ssize_t) size || memcmp(buf, data, size) != 0)
                abort();
}

static void check_writer(const uint8_t * data,
                         size_t          size)
{
        struct input      in = { data, size };
        struct lower_info i;
        struct lower_info o;
        uint8_t           buf[LOWER_INFO_MAX];
        ssize_t           n;

        memset(&i, 0, sizeof(i));
        i.kind   = (enum lower_kind) take(&in, 1);
        i.result = (int16_t) take(&in, 2);
        i.type   = (enum ipcp_type) take(&in, 1);
        i.proto  = (uint16_t) take(&in, 2);
        fill(i.comp, sizeof(i.comp), &in);
        fill(i.layer, sizeof(i.layer), &in);
        fill(i.name, sizeof(i.name), &in);

        n = lower_info_write(&i, buf, sizeof(buf));
        if (n < 0)
                return;

        if (lower_info_parse(buf, (size_t) n, &o) < 0 ||
            o.kind != i.kind || o.result != i.result ||
            o.type != i.type || o.proto != i.proto ||
            strcmp(o.comp, i.comp) != 0 || strcmp(o.layer, i.layer) != 0 ||
            strcmp(o.name, i.name) != 0)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t * data,
                           size_t          size)
{
        check_round_trip(data, size);
        check_writer(data, size);

        return 0;
}
