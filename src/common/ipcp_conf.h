/*
 * Ouroboros - the bootstrap options of every IPCP type: one table, and
 * what is built from it.
 *
 * The table says, per option: its word, which IPCP types accept it, the
 * kind and range of its value, its default, where it goes in struct
 * layer_config and under which tag in the T_CONF block of a bootstrap
 * request. The irm tool (command line) and the IRMd (configuration
 * file) both resolve, check and store option values here, and the
 * library and the IRMd both encode T_CONF here, so the two front-ends
 * accept the same options, give the same errors and send the same
 * bytes. It holds the options of types not built yet (udp, eth): a
 * bootstrap of such a type is checked in full before it is refused.
 *
 * Words resolve as in the rest of the irm grammar (common/args.h): an
 * exact word first, else the first option in table order that the word
 * abbreviates, among the options the IPCP type accepts (those of all
 * types included). The table keeps the classic order and appends the
 * project's options, so every classic abbreviation keeps its meaning
 * ('a' is autobind) and the type decides the rest ('d' is directory for
 * unicast, dev for eth, dns for udp).
 */
#ifndef OUROBOROS_COMMON_IPCP_CONF_H
#define OUROBOROS_COMMON_IPCP_CONF_H

#include "msg.h"

#include <ouroboros/irm.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Sets of IPCP types: a bit per enum ipcp_type. */
#define IPCP_T(t)  (1u << (t))
#define IPCP_T_ALL ((1u << IPCP_INVALID) - 1)

enum ipcp_opt_kind {
        IPCP_OPT_FLAG = 0, /* no value                                   */
        IPCP_OPT_NUM,      /* decimal in [min, max]                      */
        IPCP_OPT_HEX,      /* decimal or 0x-hexadecimal in [min, max]    */
        IPCP_OPT_WORD,     /* one of words[]; the index is stored        */
        IPCP_OPT_ADDR,     /* an IP address of the type's family         */
        IPCP_OPT_STR       /* 1 byte up to the size of the field less 1  */
};

struct ipcp_opt {
        const char *         word;
        enum ipcp_opt_kind   kind;
        unsigned             types;    /* IPCP_T() set that accepts it   */
        unsigned long        min;      /* NUM, HEX                       */
        unsigned long        max;
        unsigned long        def;      /* NUM, HEX, WORD (an index)      */
        const char * const * words;    /* WORD, NULL-terminated          */
        bool                 icase;    /* WORD: case does not matter     */
        bool                 required; /* ADDR, STR: no default          */
        bool                 omit_0;   /* not sent when 0 or ""          */
        const char *         arg;      /* usage: "<bytes>"               */
        const char *         note;     /* usage: the default, or NULL    */
        uint16_t             tag;      /* T_C_* in T_CONF, 0: not sent   */
        size_t               off;      /* in struct layer_config         */
        size_t               size;     /* of that field, 0: none         */
};

/* The i'th option in table order, NULL past the end. */
const struct ipcp_opt * ipcp_opt_at(size_t i);

/* Whether IPCP type t accepts o (IPCP_INVALID: some type does). */
bool                    ipcp_opt_applies(const struct ipcp_opt * o,
                                         enum ipcp_type          t);

/* The options of type t in the order an abbreviation resolves among
 * them: t's own, then the common ones (IPCP_INVALID: every option, in
 * the table's order). At most cap into out; returns the count. */
size_t                  ipcp_opt_order(enum ipcp_type            t,
                                       const struct ipcp_opt ** out,
                                       size_t                   cap);

/* The option word w names for type t (IPCP_INVALID: among all), or
 * NULL: the first of ipcp_opt_order(t) that w is, or else begins.
 * Records no error. */
const struct ipcp_opt * ipcp_opt_match(const char *   w,
                                       enum ipcp_type t);

/* "link_state|lfa|ecmp" for a WORD option, o->arg otherwise. This and
 * ipcp_types_str return a buffer of the calling thread, valid until its
 * next call. */
const char *            ipcp_opt_arg(const struct ipcp_opt * o);

/* "unicast", "udp4/udp6", ... for a set of types ("all" for all). */
const char *            ipcp_types_str(unsigned types);

/* conf set to type t, layer (if it fits) and every default. */
void                    ipcp_conf_init(struct layer_config * conf,
                                       enum ipcp_type        t,
                                       const char *          layer);

/* Check val as the value of o for conf->type and store it in conf.
 * 0, or -EINVAL with the one-line error in args_last_err(). */
int                     ipcp_conf_set(struct layer_config *   conf,
                                      const struct ipcp_opt * o,
                                      const char *            val);

/* The options conf->type requires are set: 0, or -EINVAL and an
 * error. */
int                     ipcp_conf_check(const struct layer_config * conf);

/* Whether conf is a valid configuration of its type, every field its
 * type uses in range (for the library; no message, thread-safe). */
bool                    ipcp_conf_valid(const struct layer_config * conf);

/* Append conf as the T_CONF block (only the fields of its type):
 * 0 or -EMSGSIZE. */
int                     ipcp_conf_put(struct msg *                m,
                                      const struct layer_config * conf);

/* Read a T_CONF block (as ipcp_conf_put writes it) into conf, with the
 * defaults for what is absent: 0, -EBADMSG or -EINVAL (out of range). */
int                     ipcp_conf_get(struct msg_view       v,
                                      struct layer_config * conf);

#endif /* OUROBOROS_COMMON_IPCP_CONF_H */
