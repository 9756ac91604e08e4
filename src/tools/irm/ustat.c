/*
 * Ouroboros - irm: a unicast IPCP's stat answer as tables, and the
 * layer's topology as Graphviz DOT (ustat.h says what the names mean).
 */
#include "ustat.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define HASH_HEX_MIN 16 /* a hash or its first 8 bytes, in hex */

/* A decimal address at s up to the first '.' or the end: 0 and *end
 * after it, or -1. */
static int addr_at(const char *  s,
                   uint64_t *    out,
                   const char ** end)
{
        uint64_t v = 0;
        size_t   i;

        for (i = 0; s[i] >= '0' && s[i] <= '9'; ++i) {
                if (v > (UINT64_MAX - (uint64_t) (s[i] - '0')) / 10)
                        return -1;
                v = v * 10 + (uint64_t) (s[i] - '0');
        }
        if (i == 0 || (s[i] != '\0' && s[i] != '.'))
                return -1;

        *out = v;
        *end = s + i;

        return 0;
}

/* The rest of the name is exactly one address. */
static bool only_addr(const char * s,
                      uint64_t *   out)
{
        const char * end;

        return addr_at(s, out, &end) == 0 && *end == '\0';
}

static bool is_hash(const char * s)
{
        size_t n = strspn(s, "0123456789abcdefABCDEF");

        return s[n] == '\0' && n >= HASH_HEX_MIN && n % 2 == 0;
}

static bool skip(const char ** s,
                 const char *  prefix)
{
        size_t n = strlen(prefix);

        if (strncmp(*s, prefix, n) != 0)
                return false;
        *s += n;

        return true;
}

enum ustat_kind ustat_kind(const struct ipcp_stat_entry * e,
                           uint64_t *                     a,
                           uint64_t *                     b,
                           const char **                  key)
{
        const char * s = e->name;
        const char * end;
        uint64_t     x;
        uint64_t     y;

        if (strcmp(s, "address") == 0)
                return US_ADDRESS;

        if (skip(&s, "nbr.dt.") && only_addr(s, &x)) {
                if (a != NULL)
                        *a = x;
                return US_NBR_DT;
        }

        s = e->name;
        if (skip(&s, "nbr.mgmt.") && only_addr(s, &x)) {
                if (a != NULL)
                        *a = x;
                return US_NBR_MGMT;
        }

        s = e->name;
        if (skip(&s, "route.") && only_addr(s, &x)) {
                if (a != NULL)
                        *a = x;
                return US_ROUTE;
        }

        s = e->name;
        if (skip(&s, "route.alt.") && only_addr(s, &x)) {
                if (a != NULL)
                        *a = x;
                return US_ROUTE_ALT;
        }

        s = e->name;
        if (skip(&s, "route.paths.") && only_addr(s, &x)) {
                if (a != NULL)
                        *a = x;
                return US_ROUTE_PATHS;
        }

        s = e->name;
        if (skip(&s, "link.") && addr_at(s, &x, &end) == 0 &&
            *end == '.' && only_addr(end + 1, &y)) {
                if (a != NULL)
                        *a = x;
                if (b != NULL)
                        *b = y;
                return US_LINK;
        }

        s = e->name;
        if (skip(&s, "dir.") && is_hash(s)) {
                if (key != NULL)
                        *key = s;
                return US_DIR;
        }

        return US_COUNTER;
}

/* ---- tables */

struct row {
        uint64_t     a;
        uint64_t     b;
        const char * key;
        uint64_t     v;   /* next hop, metric, address */
        int64_t      dt;  /* neighbours: -1 none; routes: alternate */
        int64_t      mgmt;/* routes: paths */
        bool         has_v;
};

static int row_cmp(const void * x,
                   const void * y)
{
        const struct row * p = x;
        const struct row * q = y;

        if (p->key != NULL && q->key != NULL)
                return strcmp(p->key, q->key);
        if (p->a != q->a)
                return p->a < q->a ? -1 : 1;
        if (p->b != q->b)
                return p->b < q->b ? -1 : 1;

        return 0;
}

struct tables {
        struct row * nbr;
        size_t       n_nbr;
        struct row * route;
        size_t       n_route;
        struct row * dir;
        size_t       n_dir;
        struct row * link;
        size_t       n_link;
        bool         has_addr;
        uint64_t     addr;
};

static void tables_fini(struct tables * t)
{
        free(t->nbr);
        free(t->route);
        free(t->dir);
        free(t->link);
}

/* The row of address a in rows[0..*n), added if missing. */
static struct row * row_of(struct row * rows,
                           size_t *     n,
                           uint64_t     a)
{
        size_t i;

        for (i = 0; i < *n; ++i)
                if (rows[i].a == a)
                        return &rows[i];

        rows[*n].a    = a;
        rows[*n].dt   = -1;
        rows[*n].mgmt = -1;

        return &rows[(*n)++];
}

static int tables_make(struct tables *                t,
                       const struct ipcp_stat_entry * st,
                       size_t                         n)
{
        size_t       i;
        uint64_t     a;
        uint64_t     b;
        const char * key;
        struct row * r;

        memset(t, 0, sizeof(*t));
        t->nbr   = calloc(n + 1, sizeof(*t->nbr));
        t->route = calloc(n + 1, sizeof(*t->route));
        t->dir   = calloc(n + 1, sizeof(*t->dir));
        t->link  = calloc(n + 1, sizeof(*t->link));
        if (t->nbr == NULL || t->route == NULL || t->dir == NULL ||
            t->link == NULL) {
                tables_fini(t);
                return -ENOMEM;
        }

        for (i = 0; i < n; ++i) {
                a = b = 0;
                key = NULL;
                switch (ustat_kind(&st[i], &a, &b, &key)) {
                case US_ADDRESS:
                        t->has_addr = true;
                        t->addr     = st[i].value;
                        break;
                case US_NBR_DT:
                        r = row_of(t->nbr, &t->n_nbr, a);
                        r->dt = (int64_t) st[i].value;
                        break;
                case US_NBR_MGMT:
                        r = row_of(t->nbr, &t->n_nbr, a);
                        r->mgmt = (int64_t) st[i].value;
                        break;
                case US_ROUTE:
                        r = row_of(t->route, &t->n_route, a);
                        r->v     = st[i].value;
                        r->has_v = true;
                        break;
                case US_ROUTE_ALT:
                        r = row_of(t->route, &t->n_route, a);
                        r->dt = (int64_t) st[i].value;
                        break;
                case US_ROUTE_PATHS:
                        r = row_of(t->route, &t->n_route, a);
                        r->mgmt = (int64_t) st[i].value;
                        break;
                case US_DIR:
                        r = &t->dir[t->n_dir++];
                        r->key = key;
                        r->v   = st[i].value;
                        break;
                case US_LINK:
                        r = &t->link[t->n_link++];
                        r->a = a;
                        r->b = b;
                        r->v = st[i].value;
                        break;
                default:
                        break;
                }
        }

        qsort(t->nbr, t->n_nbr, sizeof(*t->nbr), row_cmp);
        qsort(t->route, t->n_route, sizeof(*t->route), row_cmp);
        qsort(t->dir, t->n_dir, sizeof(*t->dir), row_cmp);
        qsort(t->link, t->n_link, sizeof(*t->link), row_cmp);

        return 0;
}

static const char * adj_state(int64_t v,
                              char *  buf,
                              size_t  len)
{
        if (v < 0)
                return "-";
        if (v == 0)
                return "down";
        if (v == 1)
                return "up";
        snprintf(buf, len, "%" PRId64, v);

        return buf;
}

/* Width of the widest of the addresses (at least min). */
static int addr_w(const struct row * r,
                  size_t             n,
                  bool               of_v,
                  int                min)
{
        char   buf[24];
        size_t i;
        int    w = min;
        int    l;

        for (i = 0; i < n; ++i) {
                l = snprintf(buf, sizeof(buf), "%" PRIu64,
                             of_v ? r[i].v : r[i].a);
                w = l > w ? l : w;
        }

        return w;
}

static void print_nbrs(FILE *                f,
                       const struct tables * t)
{
        char   x[24];
        char   y[24];
        size_t i;
        int    w = addr_w(t->nbr, t->n_nbr, false, 7);

        fprintf(f, "neighbours: %zu\n", t->n_nbr);
        if (t->n_nbr == 0)
                return;
        fprintf(f, "  %-*s  %-4s  %s\n", w, "address", "dt", "mgmt");
        for (i = 0; i < t->n_nbr; ++i)
                fprintf(f, "  %-*" PRIu64 "  %-4s  %s\n", w, t->nbr[i].a,
                        adj_state(t->nbr[i].dt, x, sizeof(x)),
                        adj_state(t->nbr[i].mgmt, y, sizeof(y)));
}

/* v as a number, or "-" for none (< 0). */
static const char * num_or_none(int64_t v,
                                char *  buf,
                                size_t  len)
{
        if (v < 0)
                return "-";
        snprintf(buf, len, "%" PRId64, v);

        return buf;
}

static void print_routes(FILE *                f,
                         const struct tables * t)
{
        char               buf[24];
        char               alt[24];
        char               np[24];
        const char *       nh;
        const struct row * r;
        size_t             i;
        bool               has_alt   = false;
        bool               has_paths = false;
        int                w = addr_w(t->route, t->n_route, false, 11);

        fprintf(f, "routes: %zu\n", t->n_route);
        if (t->n_route == 0)
                return;
        for (i = 0; i < t->n_route; ++i) {
                has_alt   |= t->route[i].dt >= 0;
                has_paths |= t->route[i].mgmt >= 0;
        }
        fprintf(f, "  %-*s  %s%s%s\n", w, "destination",
                has_alt || has_paths ? "next hop            " : "next hop",
                has_alt ? has_paths ? "alternate           " : "alternate"
                : "", has_paths ? "paths" : "");
        for (i = 0; i < t->n_route; ++i) {
                r = &t->route[i];
                nh = num_or_none(r->has_v ? (int64_t) r->v : -1, buf,
                                 sizeof(buf));
                fprintf(f, "  %-*" PRIu64 "  ", w, r->a);
                if (!has_alt && !has_paths) {
                        fprintf(f, "%s\n", nh);
                        continue;
                }
                fprintf(f, "%-20s", nh);
                if (has_alt)
                        fprintf(f, has_paths ? "%-20s" : "%s",
                                num_or_none(r->dt, alt, sizeof(alt)));
                if (has_paths)
                        fprintf(f, "%s", num_or_none(r->mgmt < 0 ? 1 :
                                                     r->mgmt, np,
                                                     sizeof(np)));
                fprintf(f, "\n");
        }
}

static void print_dir(FILE *                f,
                      const struct tables * t)
{
        size_t i;
        int    w = 4;

        fprintf(f, "directory: %zu\n", t->n_dir);
        if (t->n_dir == 0)
                return;
        for (i = 0; i < t->n_dir; ++i)
                if ((int) strlen(t->dir[i].key) > w)
                        w = (int) strlen(t->dir[i].key);
        fprintf(f, "  %-*s  %s\n", w, "hash", "address");
        for (i = 0; i < t->n_dir; ++i)
                fprintf(f, "  %-*s  %" PRIu64 "\n", w, t->dir[i].key,
                        t->dir[i].v);
}

static void print_links(FILE *                f,
                        const struct tables * t)
{
        size_t i;
        int    w = addr_w(t->link, t->n_link, false, 4);

        fprintf(f, "links: %zu\n", t->n_link);
        if (t->n_link == 0)
                return;
        fprintf(f, "  %-*s  %-*s  %s\n", w, "from", w, "to", "metric");
        for (i = 0; i < t->n_link; ++i)
                fprintf(f, "  %-*" PRIu64 "  %-*" PRIu64 "  %" PRIu64 "\n",
                        w, t->link[i].a, w, t->link[i].b, t->link[i].v);
}

int ustat_print(FILE *                         f,
                const struct ipcp_stat_entry * st,
                size_t                         n)
{
        struct tables t;
        size_t        i;
        size_t        c = 0;

        if (tables_make(&t, st, n) < 0)
                return -ENOMEM;

        if (t.has_addr)
                fprintf(f, "address: %" PRIu64 "\n", t.addr);
        else
                fprintf(f, "address: none (not in a layer yet)\n");
        print_nbrs(f, &t);
        print_routes(f, &t);
        print_dir(f, &t);
        print_links(f, &t);

        for (i = 0; i < n; ++i)
                c += ustat_kind(&st[i], NULL, NULL, NULL) == US_COUNTER;
        fprintf(f, "counters: %zu\n", c);
        for (i = 0; i < n; ++i)
                if (ustat_kind(&st[i], NULL, NULL, NULL) == US_COUNTER)
                        fprintf(f, "  %s %llu\n", st[i].name,
                                (unsigned long long) st[i].value);

        tables_fini(&t);

        return 0;
}

/* ---- the graph */

/* s as a DOT string body (quotes and backslashes escaped). */
static void dot_str(FILE *       f,
                    const char * s)
{
        for (; *s != '\0'; ++s) {
                if (*s == '"' || *s == '\\')
                        fputc('\\', f);
                fputc(*s, f);
        }
}

/* The link b -> a, if advertised. */
static const struct row * link_back(const struct tables * t,
                                    uint64_t              a,
                                    uint64_t              b)
{
        size_t i;

        for (i = 0; i < t->n_link; ++i)
                if (t->link[i].a == b && t->link[i].b == a)
                        return &t->link[i];

        return NULL;
}

static bool has_node(const uint64_t * nodes,
                     size_t           n,
                     uint64_t         a)
{
        size_t i;

        for (i = 0; i < n; ++i)
                if (nodes[i] == a)
                        return true;

        return false;
}

static int u64_cmp(const void * x,
                   const void * y)
{
        uint64_t a = *(const uint64_t *) x;
        uint64_t b = *(const uint64_t *) y;

        return a < b ? -1 : a > b;
}

static void print_edges(FILE *                f,
                        const struct tables * t)
{
        const struct row * l;
        const struct row * back;
        size_t             i;

        for (i = 0; i < t->n_link; ++i) {
                l    = &t->link[i];
                back = link_back(t, l->a, l->b);
                if (back != NULL && back->a < l->a)
                        continue; /* drawn with the other way */
                fprintf(f, "        \"%" PRIu64 "\" -- \"%" PRIu64 "\" ",
                        l->a, l->b);
                if (back == NULL)
                        fprintf(f, "[label=\"%" PRIu64 "\", style=dashed]; "
                                "// only %" PRIu64 " -> %" PRIu64
                                " advertised\n", l->v, l->a, l->b);
                else if (back->v != l->v)
                        fprintf(f, "[label=\"%" PRIu64 "/%" PRIu64 "\"];\n",
                                l->v, back->v);
                else
                        fprintf(f, "[label=\"%" PRIu64 "\"];\n", l->v);
        }

        /* the member's own adjacencies that no link shows yet */
        for (i = 0; t->has_addr && i < t->n_nbr; ++i) {
                if (t->nbr[i].dt != 1)
                        continue;
                if (link_back(t, t->addr, t->nbr[i].a) != NULL ||
                    link_back(t, t->nbr[i].a, t->addr) != NULL)
                        continue;
                fprintf(f, "        \"%" PRIu64 "\" -- \"%" PRIu64 "\" "
                        "[style=dotted]; // adjacency, no link state yet\n",
                        t->addr, t->nbr[i].a);
        }
}

int ugraph_print(FILE *                         f,
                 const char *                   layer,
                 const char *                   ipcp,
                 const struct ipcp_stat_entry * st,
                 size_t                         n)
{
        struct tables t;
        uint64_t *    nodes;
        size_t        nn = 0;
        size_t        i;

        if (tables_make(&t, st, n) < 0)
                return -ENOMEM;

        nodes = calloc(2 * t.n_link + t.n_nbr + 1, sizeof(*nodes));
        if (nodes == NULL) {
                tables_fini(&t);
                return -ENOMEM;
        }

        if (t.has_addr)
                nodes[nn++] = t.addr;
        for (i = 0; i < t.n_link; ++i) {
                if (!has_node(nodes, nn, t.link[i].a))
                        nodes[nn++] = t.link[i].a;
                if (!has_node(nodes, nn, t.link[i].b))
                        nodes[nn++] = t.link[i].b;
        }
        for (i = 0; i < t.n_nbr; ++i)
                if (t.nbr[i].dt == 1 && !has_node(nodes, nn, t.nbr[i].a))
                        nodes[nn++] = t.nbr[i].a;
        qsort(nodes, nn, sizeof(*nodes), u64_cmp);

        fprintf(f, "// unicast layer %s as member %s sees it: %zu members, "
                "%zu links\n// render: dot -Tpng -o layer.png\ngraph \"",
                layer, ipcp, nn, t.n_link);
        dot_str(f, layer);
        fprintf(f, "\" {\n        node [shape=ellipse];\n");
        for (i = 0; i < nn; ++i) {
                fprintf(f, "        \"%" PRIu64 "\"", nodes[i]);
                if (t.has_addr && nodes[i] == t.addr) {
                        fprintf(f, " [label=\"%" PRIu64 "\\n", nodes[i]);
                        dot_str(f, ipcp);
                        fprintf(f, "\", style=filled, fillcolor=lightgrey]");
                }
                fprintf(f, ";\n");
        }
        print_edges(f, &t);
        fprintf(f, "}\n");

        free(nodes);
        tables_fini(&t);

        return 0;
}
