/*
 * Ouroboros - management API of the IRMd, used by the irm tool and by the
 * Python management module.
 *
 * Every call returns 0 (or a count) on success and a negative errno on
 * failure. Strings are NUL-terminated; names are at most NAME_MAX_LEN
 * bytes, layer names at most LAYER_MAX_LEN.
 */
#ifndef OUROBOROS_IRM_H
#define OUROBOROS_IRM_H

#include <ouroboros/qos.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define NAME_MAX_LEN  255
#define LAYER_MAX_LEN 255
#define IPCP_NAME_MAX_LEN 255
#define IPCP_INFO_MAX_LEN 255 /* an IPCP's info line */

#ifdef __cplusplus
extern "C" {
#endif

enum ipcp_type {
        IPCP_LOCAL = 0,
        IPCP_UNICAST,
        IPCP_BROADCAST,
        IPCP_UDP4,
        IPCP_UDP6,
        IPCP_ETH_LLC,
        IPCP_ETH_DIX,
        IPCP_INVALID
};

enum ipcp_state {
        IPCP_STATE_NULL = 0,    /* created, not yet in a layer */
        IPCP_STATE_BOOTING,     /* bootstrap or enroll in progress */
        IPCP_STATE_OPERATIONAL, /* member of a layer */
        IPCP_STATE_DOWN         /* process gone */
};

enum hash_algo {
        HASH_SHA3_224 = 0,
        HASH_SHA3_256,
        HASH_SHA3_384,
        HASH_SHA3_512
};

enum lb_policy {
        LB_RR = 0, /* round-robin over bound processes */
        LB_SPILL   /* first process that accepts, then the next */
};

/* Layer configuration for bootstrap; fields beyond the common ones are
 * used by the IPCP types that understand them. */
struct layer_config {
        enum ipcp_type type;
        char           layer[LAYER_MAX_LEN + 1];
        enum hash_algo hash;

        /* unicast */
        uint8_t        addr_size;   /* bytes, default 4 */
        uint8_t        eid_size;    /* bytes, default 8 */
        uint8_t        max_ttl;     /* default 60 */
        uint8_t        routing;     /* 0 link_state, 1 lfa, 2 ecmp */
        uint8_t        congestion;  /* 0 none, 1 mb-ecn */
        uint8_t        dht_alpha;
        uint8_t        dht_k;
        uint32_t       dht_t_expire;
        uint32_t       dht_t_refresh;
        uint32_t       dht_t_replicate;
        uint32_t       ls_t_recalc; /* s, default 4 */
        uint32_t       ls_t_update; /* s, default 15 */
        uint32_t       ls_t_timeo;  /* s, default 60 */

        /* udp4 / udp6 */
        char           ip[64];
        uint16_t       port;        /* default 3435 */
        char           dns[64];

        /* eth */
        char           dev[256];
        uint16_t       ethertype;   /* eth-dix, default 0xA000 */
        uint16_t       mtu;         /* eth: largest frame payload; 0: the
                                       device's (1500 for a VDE switch);
                                       broadcast: largest message (1450);
                                       unicast: largest SDU (1432) */
};

/* Fill a layer_config with the documented defaults for type t. */
void irm_layer_config_init(struct layer_config * conf,
                           enum ipcp_type        t,
                           const char *          layer);

/*
 * Set the bootstrap option opt of conf->type to val, both as written on
 * the irm command line (irm(8): "dev" "veth0", "mtu" "1500",
 * "ethertype" "0xA001", "routing" "lfa", "hash" "SHA3_512"; a word may
 * be abbreviated as there). 0; -ENOENT when opt is not an option of
 * conf->type, -EINVAL for a bad value. On failure err (if not NULL)
 * holds the one-line reason irm gives, at most len bytes with its NUL.
 */
int  irm_layer_config_set(struct layer_config * conf,
                          const char *          opt,
                          const char *          val,
                          char *                err,
                          size_t                len);

/* The options conf->type requires (udp "ip", eth "dev") are set: 0, or
 * -EINVAL and the reason in err as for irm_layer_config_set. */
int  irm_layer_config_check(const struct layer_config * conf,
                            char *                      err,
                            size_t                      len);

struct ipcp_list_info {
        pid_t           pid;
        enum ipcp_type  type;
        enum ipcp_state state;
        char            name[IPCP_NAME_MAX_LEN + 1];
        char            layer[LAYER_MAX_LEN + 1];
        char            info[IPCP_INFO_MAX_LEN + 1]; /* from the IPCP
                                   once in a layer, e.g. "dev veth0 mtu
                                   1500" or "ip 10.0.0.1 port 3435";
                                   "" if none */
};

/* One counter of an IPCP (irm_ipcp_stat). */
struct ipcp_stat_entry {
        char            name[NAME_MAX_LEN + 1];
        uint64_t        value;
};

struct name_info {
        char           name[NAME_MAX_LEN + 1];
        enum lb_policy pol;
        size_t         n_procs;    /* processes bound and running */
        size_t         n_progs;    /* programs bound */
        size_t         n_layers;   /* layers registered in */
};

/* Printable names of types, states and hashes; NULL if out of range. */
const char *   irm_ipcp_type_str(enum ipcp_type t);
const char *   irm_ipcp_state_str(enum ipcp_state s);
/* Parse a type name ("local", "unicast", ...); IPCP_INVALID if unknown. */
enum ipcp_type irm_ipcp_type_parse(const char * s);

/* True when this IRMd build provides IPCPs of type t. */
bool           irm_ipcp_type_supported(enum ipcp_type t);

/* Returns the pid of the new IPCP. */
pid_t irm_create_ipcp(const char *   name,
                      enum ipcp_type type);

int   irm_destroy_ipcp(const char * name);

/* Returns the number of entries; *ipcps is malloc'ed, caller frees. */
ssize_t irm_list_ipcps(struct ipcp_list_info ** ipcps);

int   irm_bootstrap_ipcp(const char *                name,
                         const struct layer_config * conf);

/* irm_bootstrap_ipcp, and the IPCP's info line into info (at most len
 * bytes with its NUL; "" if it gave none): on success what
 * irm_list_ipcps shows, on failure its one-line reason ("no such
 * interface veth9"). info may be NULL. */
int   irm_bootstrap_ipcp_info(const char *                name,
                              const struct layer_config * conf,
                              char *                      info,
                              size_t                      len);

int   irm_enroll_ipcp(const char * name,
                      const char * dst);

/* Project addition: irm_enroll_ipcp into the layer named layer (NULL:
 * any, as irm_enroll_ipcp), so that a member of another layer refuses
 * it (-EPERM) instead of handing over its own. */
int   irm_enroll_ipcp_layer(const char * name,
                            const char * layer,
                            const char * dst);

int   irm_connect_ipcp(const char * name,
                       const char * dst,
                       const char * component,
                       qosspec_t    qs);

int   irm_disconnect_ipcp(const char * name,
                          const char * dst,
                          const char * component);

/* The counters of IPCP name, in its order: their number; *entries is
 * malloc'ed (NULL when there are none), caller frees. -ENOENT no such
 * IPCP, -ENOTSUP a type without counters (local), -EIPCP the IPCP did
 * not answer. */
ssize_t irm_ipcp_stat(const char *              name,
                      struct ipcp_stat_entry ** entries);

/* Bind a program (resolved to an absolute path by the caller or here) to
 * a name. With autostart, the IRMd starts it with argv when a flow for
 * name arrives and no process is waiting. */
int   irm_bind_program(const char * prog,
                       const char * name,
                       bool         autostart,
                       int          argc,
                       char **      argv);

/* name NULL unbinds the program from every name. */
int   irm_unbind_program(const char * prog,
                         const char * name);

/* pid must be an Ouroboros process: one that announced itself to the
 * IRMd by using the library (the caller itself is announced first), or
 * an IPCP; else -ESRCH. */
int   irm_bind_process(pid_t        pid,
                       const char * name);

int   irm_unbind_process(pid_t        pid,
                         const char * name);

int   irm_create_name(const char *   name,
                      enum lb_policy pol);

int   irm_destroy_name(const char * name);

/* Returns the number of entries; *names is malloc'ed, caller frees. */
ssize_t irm_list_names(struct name_info ** names);

int   irm_reg_name(const char * name,
                   const char * ipcp);

int   irm_unreg_name(const char * name,
                     const char * ipcp);

/* Register / unregister with every IPCP in the layer. Returns the number
 * of IPCPs the name was (un)registered with. */
int   irm_reg_name_layer(const char * name,
                         const char * layer);

int   irm_unreg_name_layer(const char * name,
                           const char * layer);

/* Path of the IRMd socket this process talks to (for messages). */
const char * irm_sock_path(void);

#ifdef __cplusplus
}
#endif

#endif /* OUROBOROS_IRM_H */
