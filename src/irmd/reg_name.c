/*
 * Ouroboros IRMd - the name registry (see reg_name.h).
 */
#include "reg_name.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct list_head names = LIST_HEAD_INIT(names);
static size_t           n_names;

int reg_name_create(const char *       name,
                    enum lb_policy     pol,
                    struct reg_name ** out)
{
        struct reg_name * n;

        if (name == NULL || *name == '\0' || strlen(name) > NAME_MAX_LEN)
                return -EINVAL;
        if (pol != LB_RR && pol != LB_SPILL)
                return -EINVAL;
        if (reg_name_get(name) != NULL)
                return -EEXIST;

        n = calloc(1, sizeof(*n));
        if (n == NULL)
                return -ENOMEM;

        strcpy(n->name, name);
        n->pol = pol;
        list_init(&n->ipcps);
        list_add_tail(&n->next, &names);
        ++n_names;

        if (out != NULL)
                *out = n;

        return 0;
}

struct reg_name * reg_name_get(const char * name)
{
        struct list_head * p;

        list_for_each(p, &names) {
                struct reg_name * n = list_entry(p, struct reg_name, next);
                if (strcmp(n->name, name) == 0)
                        return n;
        }

        return NULL;
}

void reg_name_destroy(struct reg_name * n)
{
        struct list_head * p;
        struct list_head * t;

        list_for_each_safe(p, t, &n->ipcps) {
                list_del(p);
                free(list_entry(p, struct reg_name_ipcp, next));
        }

        list_del(&n->next);
        --n_names;
        free(n->pids);
        free(n);
}

int reg_name_hash(struct reg_name * n,
                  enum hash_algo    algo,
                  uint8_t *         out)
{
        int len;

        if ((unsigned) algo > HASH_SHA3_512)
                return -EINVAL;

        if (n->hash_len[algo] == 0) {
                len = hash_name(algo, n->name, n->hash[algo]);
                if (len < 0)
                        return len;
                n->hash_len[algo] = len;
        }

        if (out != NULL)
                memcpy(out, n->hash[algo], (size_t) n->hash_len[algo]);

        return n->hash_len[algo];
}

struct reg_name * reg_name_by_hash(enum hash_algo  algo,
                                   const uint8_t * h,
                                   size_t          len)
{
        struct list_head * p;

        list_for_each(p, &names) {
                struct reg_name * n = list_entry(p, struct reg_name, next);
                int               l = reg_name_hash(n, algo, NULL);
                if (l > 0 && (size_t) l == len &&
                    memcmp(n->hash[algo], h, len) == 0)
                        return n;
        }

        return NULL;
}

bool reg_name_has_pid(const struct reg_name * n,
                      pid_t                   pid)
{
        size_t i;

        for (i = 0; i < n->n_pids; ++i)
                if (n->pids[i] == pid)
                        return true;

        return false;
}

int reg_name_bind_pid(struct reg_name * n,
                      pid_t             pid)
{
        if (pid <= 0)
                return -EINVAL;
        if (reg_name_has_pid(n, pid))
                return -EEXIST;
        if (n->n_pids >= REG_NAME_MAX_PIDS)
                return -ENOSPC;

        if (n->n_pids == n->cap) {
                size_t  cap = n->cap == 0 ? 4 : n->cap * 2;
                pid_t * p   = realloc(n->pids, cap * sizeof(*p));
                if (p == NULL)
                        return -ENOMEM;
                n->pids = p;
                n->cap  = cap;
        }

        n->pids[n->n_pids++] = pid;

        return 0;
}

int reg_name_unbind_pid(struct reg_name * n,
                        pid_t             pid)
{
        size_t i;

        for (i = 0; i < n->n_pids; ++i) {
                if (n->pids[i] != pid)
                        continue;
                memmove(n->pids + i, n->pids + i + 1,
                        (n->n_pids - i - 1) * sizeof(*n->pids));
                --n->n_pids;
                if (n->rr > i)
                        --n->rr;
                if (n->rr >= n->n_pids)
                        n->rr = 0;
                return 0;
        }

        return -ENOENT;
}

size_t reg_name_unbind_pid_all(pid_t pid)
{
        struct list_head * p;
        size_t             cnt = 0;

        list_for_each(p, &names)
                if (reg_name_unbind_pid(list_entry(p, struct reg_name, next),
                                        pid) == 0)
                        ++cnt;

        return cnt;
}

static struct reg_name_ipcp * find_ipcp(const struct reg_name * n,
                                        const char *            ipcp)
{
        struct list_head * p;

        list_for_each(p, &n->ipcps) {
                struct reg_name_ipcp * r;
                r = list_entry(p, struct reg_name_ipcp, next);
                if (strcmp(r->ipcp, ipcp) == 0)
                        return r;
        }

        return NULL;
}

bool reg_name_has_ipcp(const struct reg_name * n,
                       const char *            ipcp)
{
        return find_ipcp(n, ipcp) != NULL;
}

int reg_name_add_ipcp(struct reg_name * n,
                      const char *      ipcp,
                      const char *      layer)
{
        struct reg_name_ipcp * r;

        if (strlen(ipcp) > IPCP_NAME_MAX_LEN || strlen(layer) > LAYER_MAX_LEN)
                return -EINVAL;
        if (find_ipcp(n, ipcp) != NULL)
                return -EEXIST;

        r = calloc(1, sizeof(*r));
        if (r == NULL)
                return -ENOMEM;

        strcpy(r->ipcp, ipcp);
        strcpy(r->layer, layer);
        list_add_tail(&r->next, &n->ipcps);
        ++n->n_ipcps;

        return 0;
}

int reg_name_del_ipcp(struct reg_name * n,
                      const char *      ipcp)
{
        struct reg_name_ipcp * r = find_ipcp(n, ipcp);

        if (r == NULL)
                return -ENOENT;

        list_del(&r->next);
        --n->n_ipcps;
        free(r);

        return 0;
}

size_t reg_name_del_ipcp_all(const char * ipcp)
{
        struct list_head * p;
        size_t             cnt = 0;

        list_for_each(p, &names)
                if (reg_name_del_ipcp(list_entry(p, struct reg_name, next),
                                      ipcp) == 0)
                        ++cnt;

        return cnt;
}

size_t reg_name_n_layers(const struct reg_name * n)
{
        struct list_head * p;
        struct list_head * q;
        size_t             cnt = 0;

        list_for_each(p, &n->ipcps) {
                struct reg_name_ipcp * r;
                bool                   seen = false;
                r = list_entry(p, struct reg_name_ipcp, next);
                list_for_each(q, &n->ipcps) {
                        struct reg_name_ipcp * s;
                        if (q == p)
                                break;
                        s = list_entry(q, struct reg_name_ipcp, next);
                        if (strcmp(s->layer, r->layer) == 0)
                                seen = true;
                }
                if (!seen)
                        ++cnt;
        }

        return cnt;
}

pid_t reg_name_pick(struct reg_name * n,
                    bool           (* ok)(pid_t, void *),
                    void *            arg)
{
        size_t i;

        if (n->n_pids == 0)
                return 0;

        if (n->pol == LB_SPILL) {
                for (i = 0; i < n->n_pids; ++i)
                        if (ok(n->pids[i], arg))
                                return n->pids[i];
                return 0;
        }

        for (i = 0; i < n->n_pids; ++i) {
                size_t k = (n->rr + i) % n->n_pids;
                if (ok(n->pids[k], arg)) {
                        n->rr = (k + 1) % n->n_pids;
                        return n->pids[k];
                }
        }

        return 0;
}

struct list_head * reg_name_all(void)
{
        return &names;
}

size_t reg_name_count(void)
{
        return n_names;
}

void reg_name_fini(void)
{
        struct list_head * p;
        struct list_head * t;

        list_for_each_safe(p, t, &names)
                reg_name_destroy(list_entry(p, struct reg_name, next));
}
