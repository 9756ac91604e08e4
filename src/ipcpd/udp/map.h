/*
 * Ouroboros - the static name mapping file of the udp4 and udp6 layers:
 * which address (and port) serves a name, hosts-style.
 *
 *   # comment to the end of the line
 *   ADDRESS NAME [NAME...]
 *
 * Fields are separated by spaces or tabs; blank lines and comments are
 * skipped. ADDRESS is numeric: A.B.C.D or A.B.C.D:PORT in a udp4 file,
 * an IPv6 address, [ADDR] or [ADDR]:PORT in a udp6 file (no zone
 * index). Without a port the IPCP's own port is meant. A NAME is an
 * Ouroboros name (1..255 bytes of UTF-8, no control characters); names
 * with a space, tab or '#' cannot be written here. A name appears at
 * most once in a file.
 *
 * Errors name the first bad line (numbered from 1):
 *   -EINVAL        ADDRESS is not a numeric address
 *   -EAFNOSUPPORT  ADDRESS is of the other family (IPv6 in udp4, ...)
 *   -ERANGE        PORT not 1..65535
 *   -EDESTADDRREQ  an ADDRESS with no NAME
 *   -EILSEQ        a NAME (or the line) with a byte a name may not
 *                  hold (a control character, invalid UTF-8, NUL)
 *   -ENAMETOOLONG  a NAME above 255 bytes
 *   -EEXIST        a NAME mapped before
 *   -EFBIG         (line 0) file above UDP_MAP_FILE_MAX bytes
 * and, reading a file, the errno of open/read with line 0.
 */
#ifndef OUROBOROS_IPCPD_UDP_MAP_H
#define OUROBOROS_IPCPD_UDP_MAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define UDP_MAP_FILE_MAX  (1 << 20)
#define UDP_MAP_NAME_MAX  255

struct udp_map;

/* Parse len bytes of text for family AF_INET or AF_INET6; port is the
 * one an address without a port gets. On success *out holds the map
 * (free with udp_map_free) and 0 is returned; on failure *line is the
 * bad line's number and a negative errno (above) is returned. */
int    udp_map_parse(const char *      text,
                     size_t            len,
                     int               family,
                     uint16_t          port,
                     struct udp_map ** out,
                     int *             line);

/* The same for the file at path. */
int    udp_map_load(const char *      path,
                    int               family,
                    uint16_t          port,
                    struct udp_map ** out,
                    int *             line);

void   udp_map_free(struct udp_map * m);

size_t udp_map_count(const struct udp_map * m);

/* The address serving name: 0 and *addr, *len filled, or -ENOENT.
 * A linear search: mapping files are small. */
int    udp_map_lookup(const struct udp_map *    m,
                      const char *              name,
                      struct sockaddr_storage * addr,
                      socklen_t *               len);

/* The i'th entry in file order: its name (NULL past the end) and
 * address in *addr, *len. */
const char * udp_map_at(const struct udp_map *    m,
                        size_t                    i,
                        struct sockaddr_storage * addr,
                        socklen_t *               len);

#endif /* OUROBOROS_IPCPD_UDP_MAP_H */
