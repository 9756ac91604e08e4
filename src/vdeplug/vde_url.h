/*
 * Ouroboros - the libvdeplug plugin's URL: what follows "ouroboros://",
 * LAYER[/OPTION...], OPTION being mtu=N. Parsed apart from the plugin
 * so that a unit test covers it without an IRMd.
 */
#ifndef OUROBOROS_VDEPLUG_VDE_URL_H
#define OUROBOROS_VDEPLUG_VDE_URL_H

#include <stddef.h>

#define VDE_URL_LAYER_MAX 255   /* longest layer name accepted */
#define VDE_URL_MTU_MIN   68    /* IPv4's smallest MTU */
#define VDE_URL_MTU_MAX   65535
#define VDE_URL_ERR_LEN   160

struct vde_url {
        char   layer[VDE_URL_LAYER_MAX + 1];
        size_t mtu;     /* 0: not given, the layer's largest */
};

/*
 * Parse s (without the scheme) into u. Returns 0, or -EINVAL with a
 * one-line reason in err (err_len bytes, always terminated).
 */
int vde_url_parse(const char *     s,
                  struct vde_url * u,
                  char *           err,
                  size_t           err_len);

#endif /* OUROBOROS_VDEPLUG_VDE_URL_H */
