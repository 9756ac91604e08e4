/*
 * Ouroboros - name lookup of the udp layers (see names.h): the mapping
 * file, reloaded when it changes, and the DNS worker thread.
 */
#include "names.h"
#include "dns.h"
#include "map.h"

#include "common/hash.h"
#include "common/log.h"

#include <ouroboros/errno.h>

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct name_ent {
        uint8_t                 hash[HASH_MAX_LEN];
        struct sockaddr_storage addr;
        socklen_t               len;
};

enum job_kind {
        JOB_REG,
        JOB_UNREG,
        JOB_QUERY
};

struct job {
        struct job *            next;
        struct job *            p_next;  /* posted, answer not run  */
        struct udp_names *      n;
        enum job_kind           kind;
        uint8_t                 hash[HASH_MAX_LEN];
        size_t                  len;
        uint32_t                id;
        struct sockaddr_storage addr;   /* a lookup's answer */
        socklen_t               alen;
        int                     err;
};

/* A record the worker added (worker thread only). */
struct rec {
        struct rec * next;
        uint8_t      hash[HASH_MAX_LEN];
        size_t       len;
};

struct udp_names {
        bool                    dns;

        /* the mapping file */
        char                    path[PATH_MAX];
        int                     family;
        uint16_t                port;
        enum hash_algo          algo;
        struct name_ent *       ents;
        size_t                  n_ents;
        struct stat             st;      /* of the file last read   */
        bool                    present; /* the file existed then   */
        uint64_t                reloads;
        uint64_t                map_errors;

        /* DNS */
        struct udp_dns *        d;
        struct sockaddr_storage self;
        udp_names_cb            cb;
        udp_names_reg_cb        reg_cb;
        void *                  arg;
        pthread_t               thr;
        pthread_mutex_t         mtx;
        pthread_cond_t          cond;
        struct job *            head;
        struct job **           tail;
        struct job *            posted;  /* answers not run yet      */
        size_t                  queued;
        bool                    stop;
        struct rec *            recs;
        atomic_uint_fast64_t    updates;
        atomic_uint_fast64_t    lookups;
        atomic_uint_fast64_t    errors;
};

/* ---- the mapping file ---- */

static bool same_file(const struct stat * a,
                      const struct stat * b)
{
        return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
                a->st_size == b->st_size &&
                a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
                a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Read the file into a fresh table: 0, or an error and *line. */
static int map_read(struct udp_names * n,
                    struct name_ent ** ents,
                    size_t *           cnt,
                    int *              line)
{
        struct udp_map *        m;
        struct sockaddr_storage ss;
        socklen_t               len;
        const char *            name;
        size_t                  i;
        int                     ret;

        *ents = NULL;
        *cnt  = 0;

        ret = udp_map_load(n->path, n->family, n->port, &m, line);
        if (ret < 0)
                return ret;

        if (udp_map_count(m) > 0) {
                *ents = calloc(udp_map_count(m), sizeof(**ents));
                if (*ents == NULL) {
                        udp_map_free(m);
                        return -ENOMEM;
                }
        }

        for (i = 0; (name = udp_map_at(m, i, &ss, &len)) != NULL; ++i) {
                ret = hash_name(n->algo, name, (*ents)[i].hash);
                if (ret < 0) {
                        free(*ents);
                        *ents = NULL;
                        udp_map_free(m);
                        *line = 0;
                        return ret;
                }
                (*ents)[i].addr = ss;
                (*ents)[i].len  = len;
        }
        *cnt = i;

        udp_map_free(m);

        return 0;
}

/* Read the file again if it changed since. 0, or the error of a bad
 * file (the old table stays) and *line. */
static int map_refresh(struct udp_names * n,
                       int *              line)
{
        struct stat       st;
        struct name_ent * ents;
        size_t            cnt;
        int               ret;

        *line = 0;

        if (stat(n->path, &st) < 0) {
                if (errno != ENOENT)
                        return -errno;
                if (n->present) {  /* removed: no names any more */
                        free(n->ents);
                        n->ents    = NULL;
                        n->n_ents  = 0;
                        n->present = false;
                        ++n->reloads;
                }
                return 0;
        }

        if (n->present && same_file(&st, &n->st))
                return 0;

        n->st      = st;  /* a bad file is not read again until fixed */
        n->present = true;

        ret = map_read(n, &ents, &cnt, line);
        if (ret < 0) {
                ++n->map_errors;
                return ret;
        }

        free(n->ents);
        n->ents   = ents;
        n->n_ents = cnt;
        ++n->reloads;

        return 0;
}

int udp_names_map(struct udp_names ** out,
                  const char *        path,
                  int                 family,
                  uint16_t            port,
                  enum hash_algo      algo,
                  int *               line)
{
        struct udp_names * n;
        int                ret;

        *line = 0;
        if (strlen(path) >= PATH_MAX || hash_len(algo) < 0)
                return -EINVAL;

        n = calloc(1, sizeof(*n));
        if (n == NULL)
                return -ENOMEM;

        strcpy(n->path, path);
        n->family = family;
        n->port   = port;
        n->algo   = algo;

        ret = map_refresh(n, line);
        if (ret < 0) {
                free(n);
                return ret;
        }
        n->reloads = 0;

        *out = n;

        return 0;
}

static int map_find(struct udp_names *        n,
                    const uint8_t *           hash,
                    size_t                    len,
                    struct sockaddr_storage * addr,
                    socklen_t *               alen)
{
        int    line;
        int    ret;
        size_t i;

        ret = map_refresh(n, &line);
        if (ret < 0)
                log_warn("Mapping file %s not read again (line %d: %s); "
                         "the last good one stays.", n->path, line,
                         strerror(-ret));

        if (len != (size_t) hash_len(n->algo))
                return -EINVAL;

        for (i = 0; i < n->n_ents; ++i) {
                if (memcmp(n->ents[i].hash, hash, len) == 0) {
                        *addr = n->ents[i].addr;
                        *alen = n->ents[i].len;
                        return 0;
                }
        }

        return -ENAME;
}

/* ---- DNS: the worker thread ---- */

static void rec_add(struct udp_names * n,
                    const struct job * j)
{
        struct rec * r;

        for (r = n->recs; r != NULL; r = r->next)
                if (r->len == j->len && memcmp(r->hash, j->hash, j->len) == 0)
                        return;

        r = malloc(sizeof(*r));
        if (r == NULL)
                return;  /* not deleted at close: it expires in DNS */
        memcpy(r->hash, j->hash, j->len);
        r->len  = j->len;
        r->next = n->recs;
        n->recs = r;
}

static void rec_del(struct udp_names * n,
                    const struct job * j)
{
        struct rec ** rp;
        struct rec *  r;

        for (rp = &n->recs; *rp != NULL; rp = &(*rp)->next) {
                r = *rp;
                if (r->len == j->len && memcmp(r->hash, j->hash, j->len) == 0) {
                        *rp = r->next;
                        free(r);
                        return;
                }
        }
}

/* On the loop thread: a lookup's or a registration's answer. */
static void query_done(void * arg)
{
        struct job *       j = arg;
        struct udp_names * n = j->n;
        struct job **      jp;

        pthread_mutex_lock(&n->mtx);
        for (jp = &n->posted; *jp != NULL; jp = &(*jp)->p_next) {
                if (*jp == j) {
                        *jp = j->p_next;
                        break;
                }
        }
        pthread_mutex_unlock(&n->mtx);

        if (j->kind == JOB_REG) {
                n->reg_cb(n->arg, j->hash, j->len, j->id, j->err);
                free(j);
                return;
        }

        if (j->err == -ENOENT)
                j->err = -ENAME;

        n->cb(n->arg, j->id, j->err == 0 ? &j->addr : NULL, j->alen,
              j->err);
        free(j);
}

/* Hand j's result to the loop thread (query_done). Kept on n->posted
 * until it runs: an answer the loop never ran (the IPCP stopped) is
 * freed at close; the IRMd then times the request out. */
static void post(struct udp_names * n,
                 struct job *       j)
{
        pthread_mutex_lock(&n->mtx);
        if (n->stop || ipcp_loop_call(query_done, j) < 0) {
                pthread_mutex_unlock(&n->mtx);
                free(j);
                return;
        }
        j->p_next = n->posted;
        n->posted = j;
        pthread_mutex_unlock(&n->mtx);
}

/* What irm says of a failed update: the server's refusal as a refusal,
 * no answer as unreachable (not -ETIMEDOUT, which the IRMd reads as
 * the IPCP not answering). */
static int update_err(int err)
{
        if (err == -EPERM)
                return -ECONNREFUSED;
        if (err == -ETIMEDOUT || err == -ENETUNREACH)
                return -EHOSTUNREACH;

        return err;
}

static void run_job(struct udp_names * n,
                    struct job *       j)
{
        const struct sockaddr * self = (struct sockaddr *) &n->self;
        int                     err;

        if (j->kind == JOB_QUERY) {
                ++n->lookups;
                j->err = udp_dns_query(n->d, j->hash, j->len,
                                       n->self.ss_family, n->port,
                                       &j->addr, &j->alen);
                if (j->err < 0 && j->err != -ENOENT)
                        ++n->errors;
                post(n, j);
                return;
        }

        ++n->updates;
        if (j->kind == JOB_REG)
                err = udp_dns_reg(n->d, j->hash, j->len, self);
        else
                err = udp_dns_unreg(n->d, j->hash, j->len, self);

        if (err < 0) {
                ++n->errors;
                log_err("DNS %s of a name in zone %s failed: %s.",
                        j->kind == JOB_REG ? "registration" :
                        "unregistration", n->path, strerror(-err));
        } else if (j->kind == JOB_REG) {
                rec_add(n, j);
        } else {
                rec_del(n, j);
        }

        if (j->kind == JOB_REG) {
                j->err = update_err(err);
                post(n, j);
                return;
        }

        free(j);
}

/* Stopping: delete what we added, unless the server is gone. */
static void recs_withdraw(struct udp_names * n)
{
        const struct sockaddr * self = (struct sockaddr *) &n->self;
        struct rec *            r;
        bool                    gone = false;
        int                     err;

        while (n->recs != NULL) {
                r       = n->recs;
                n->recs = r->next;
                if (!gone) {
                        err  = udp_dns_unreg(n->d, r->hash, r->len, self);
                        gone = err == -ETIMEDOUT || err == -ENETUNREACH ||
                                err == -EHOSTUNREACH;
                }
                free(r);
        }
}

static void * worker(void * arg)
{
        struct udp_names * n = arg;
        struct job *       j;

        for (;;) {
                pthread_mutex_lock(&n->mtx);
                while (!n->stop && n->head == NULL)
                        pthread_cond_wait(&n->cond, &n->mtx);
                if (n->stop) {
                        pthread_mutex_unlock(&n->mtx);
                        break;
                }
                j       = n->head;
                n->head = j->next;
                if (n->head == NULL)
                        n->tail = &n->head;
                --n->queued;
                pthread_mutex_unlock(&n->mtx);

                run_job(n, j);
        }

        recs_withdraw(n);

        return NULL;
}

int udp_names_dns(struct udp_names **             out,
                  const char *                    server,
                  const char *                    zone,
                  const struct sockaddr_storage * self,
                  udp_names_cb                    cb,
                  udp_names_reg_cb                reg_cb,
                  void *                          arg)
{
        struct udp_names * n;
        int                ret;

        if (self->ss_family != AF_INET && self->ss_family != AF_INET6)
                return -EINVAL;

        n = calloc(1, sizeof(*n));
        if (n == NULL)
                return -ENOMEM;

        ret = udp_dns_open(&n->d, server, 0, zone);
        if (ret < 0)
                goto fail_dns;

        n->dns    = true;
        n->self   = *self;
        n->family = self->ss_family;
        n->port   = ntohs(self->ss_family == AF_INET ?
                          ((const struct sockaddr_in *) self)->sin_port :
                          ((const struct sockaddr_in6 *) self)->sin6_port);
        n->cb     = cb;
        n->reg_cb = reg_cb;
        n->arg    = arg;
        n->tail   = &n->head;
        snprintf(n->path, sizeof(n->path), "%s", zone); /* for logs */

        if (pthread_mutex_init(&n->mtx, NULL) != 0) {
                ret = -ENOMEM;
                goto fail_mtx;
        }
        if (pthread_cond_init(&n->cond, NULL) != 0) {
                ret = -ENOMEM;
                goto fail_cond;
        }
        ret = -pthread_create(&n->thr, NULL, worker, n);
        if (ret < 0)
                goto fail_thr;

        *out = n;

        return 0;

 fail_thr:
        pthread_cond_destroy(&n->cond);
 fail_cond:
        pthread_mutex_destroy(&n->mtx);
 fail_mtx:
        udp_dns_close(n->d);
 fail_dns:
        free(n);
        return ret;
}

static int enqueue(struct udp_names * n,
                   enum job_kind      kind,
                   const uint8_t *    hash,
                   size_t             len,
                   uint32_t           id)
{
        struct job * j;

        if (len == 0 || len > HASH_MAX_LEN)
                return -EINVAL;

        j = calloc(1, sizeof(*j));
        if (j == NULL)
                return -ENOMEM;

        j->n    = n;
        j->kind = kind;
        j->id   = id;
        j->len  = len;
        memcpy(j->hash, hash, len);

        pthread_mutex_lock(&n->mtx);
        if (n->queued >= UDP_NAMES_QUEUE_MAX) {
                pthread_mutex_unlock(&n->mtx);
                free(j);
                return -EAGAIN;
        }
        *n->tail = j;
        n->tail  = &j->next;
        ++n->queued;
        pthread_cond_signal(&n->cond);
        pthread_mutex_unlock(&n->mtx);

        return 0;
}

/* ---- both ---- */

void udp_names_close(struct udp_names * n)
{
        struct job * j;

        if (n == NULL)
                return;

        if (n->dns) {
                pthread_mutex_lock(&n->mtx);
                n->stop = true;
                pthread_cond_signal(&n->cond);
                pthread_mutex_unlock(&n->mtx);
                pthread_join(n->thr, NULL);
                while (n->head != NULL) {
                        j       = n->head;
                        n->head = j->next;
                        free(j);
                }
                /* The loop has stopped: these answers never run. */
                while (n->posted != NULL) {
                        j         = n->posted;
                        n->posted = j->p_next;
                        free(j);
                }
                pthread_cond_destroy(&n->cond);
                pthread_mutex_destroy(&n->mtx);
                udp_dns_close(n->d);
        }

        free(n->ents);
        free(n);
}

int udp_names_find(struct udp_names *        n,
                   const uint8_t *           hash,
                   size_t                    len,
                   uint32_t                  id,
                   struct sockaddr_storage * addr,
                   socklen_t *               alen)
{
        int ret;

        if (!n->dns)
                return map_find(n, hash, len, addr, alen);

        ret = enqueue(n, JOB_QUERY, hash, len, id);

        return ret < 0 ? ret : IPCP_LATER;
}

int udp_names_reg(struct udp_names * n,
                  const uint8_t *    hash,
                  size_t             len,
                  uint32_t           tok)
{
        int ret;

        if (!n->dns)
                return 0;

        ret = enqueue(n, JOB_REG, hash, len, tok);

        return ret < 0 ? ret : IPCP_LATER;
}

int udp_names_unreg(struct udp_names * n,
                    const uint8_t *    hash,
                    size_t             len)
{
        return n->dns ? enqueue(n, JOB_UNREG, hash, len, 0) : 0;
}

int udp_names_stat(struct udp_names * n,
                   struct ipcp_stat * s)
{
        int ret;

        if (!n->dns) {
                ret = ipcp_stat_add(s, "map_names", n->n_ents);
                if (ret == 0)
                        ret = ipcp_stat_add(s, "map_reloads", n->reloads);
                if (ret == 0)
                        ret = ipcp_stat_add(s, "map_errors", n->map_errors);
                return ret;
        }

        ret = ipcp_stat_add(s, "dns_updates", atomic_load(&n->updates));
        if (ret == 0)
                ret = ipcp_stat_add(s, "dns_lookups",
                                    atomic_load(&n->lookups));
        if (ret == 0)
                ret = ipcp_stat_add(s, "dns_errors", atomic_load(&n->errors));

        return ret;
}
