/*
 * Ouroboros - libFuzzer target for the ouroboros:// URL parser of the
 * libvdeplug plugin (src/vdeplug/vde_url.c): the input is the URL after
 * the scheme.
 *
 * Oracle: the reason is always a terminated line; an accepted URL has a
 * layer that is its text up to the first '/' (not empty, no '/'), and an
 * mtu of 0 or within VDE_URL_MTU_MIN..MAX that appears in the URL as
 * "mtu=" and its digits; a refused one says why.
 *
 * Sources: src/vdeplug/vde_url.c
 */
#include "vdeplug/vde_url.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t * data,
                           size_t          size)
{
        struct vde_url u;
        char           err[VDE_URL_ERR_LEN];
        char           opt[32];
        char *         s;
        size_t         len;
        int            r;

        s = malloc(size + 1);
        if (s == NULL)
                return 0;
        memcpy(s, data, size);
        s[size] = '\0';

        memset(err, 'x', sizeof(err));
        r = vde_url_parse(s, &u, err, sizeof(err));
        if (memchr(err, '\0', sizeof(err)) == NULL)
                abort();

        if (r < 0) {
                if (r != -EINVAL || err[0] == '\0')
                        abort();
                free(s);
                return 0;
        }

        len = strcspn(s, "/");
        if (r != 0 || len == 0 || strlen(u.layer) != len ||
            strncmp(u.layer, s, len) != 0 || strchr(u.layer, '/') != NULL)
                abort();
        if (u.mtu != 0) {
                if (u.mtu < VDE_URL_MTU_MIN || u.mtu > VDE_URL_MTU_MAX)
                        abort();
                snprintf(opt, sizeof(opt), "mtu=%zu", u.mtu);
                if (strstr(s + len, opt) == NULL)
                        abort();
        }

        free(s);
        return 0;
}
