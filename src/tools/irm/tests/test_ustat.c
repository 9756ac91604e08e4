/*
 * Ouroboros - unit test of irm's unicast views (ustat.c): stat answers
 * made by hand go through ustat_print (tables) and ugraph_print (DOT),
 * and the output is compared whole. Needs no IRMd.
 */
#define _POSIX_C_SOURCE 200809L

#include "ustat.h"

#include "../../../../tests/check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HASH "0123456789abcdef0123456789abcdef0123456789abcdef01234567"

static struct ipcp_stat_entry st[64];
static size_t                 n_st;

static void add(const char * name,
                uint64_t     v)
{
        snprintf(st[n_st].name, sizeof(st[n_st].name), "%s", name);
        st[n_st++].value = v;
}

/* Run fn over the entries into a string (the caller frees it). */
static char * out_of(int (* fn)(FILE *, const struct ipcp_stat_entry *,
                                size_t))
{
        char * buf = NULL;
        size_t len = 0;
        FILE * f   = open_memstream(&buf, &len);

        CHECK(f != NULL);
        CHECK_EQ(fn(f, st, n_st), 0);
        fclose(f);

        return buf;
}

static int graph(FILE * f, const struct ipcp_stat_entry * s, size_t n)
{
        return ugraph_print(f, "l\"x", "u1", s, n);
}

static void same(const char * got,
                 const char * want)
{
        if (strcmp(got, want) == 0) {
                CHECK(true);
                return;
        }
        fprintf(stderr, "got:\n%s\nwanted:\n%s\n", got, want);
        CHECK(false);
}

static void test_kind(void)
{
        struct ipcp_stat_entry e;
        uint64_t               a = 0;
        uint64_t               b = 0;
        const char *           k = NULL;

#define KIND(s) (snprintf(e.name, sizeof(e.name), "%s", s), \
                 ustat_kind(&e, &a, &b, &k))
        CHECK_EQ(KIND("address"), US_ADDRESS);
        CHECK_EQ(KIND("nbr.dt.17"), US_NBR_DT);
        CHECK_EQ(a, 17);
        CHECK_EQ(KIND("nbr.mgmt.18446744073709551615"), US_NBR_MGMT);
        CHECK(a == UINT64_MAX);
        CHECK_EQ(KIND("nbr.dt.18446744073709551616"), US_COUNTER);
        CHECK_EQ(KIND("route.5"), US_ROUTE);
        CHECK_EQ(a, 5);
        CHECK_EQ(KIND("route.computations"), US_COUNTER);
        CHECK_EQ(KIND("route.alt.9"), US_ROUTE_ALT);
        CHECK_EQ(a, 9);
        CHECK_EQ(KIND("route.paths.8"), US_ROUTE_PATHS);
        CHECK_EQ(a, 8);
        CHECK_EQ(KIND("route.alt.x"), US_COUNTER);
        CHECK_EQ(KIND("route.5x"), US_COUNTER);
        CHECK_EQ(KIND("route."), US_COUNTER);
        CHECK_EQ(KIND("link.3.4"), US_LINK);
        CHECK_EQ(a, 3);
        CHECK_EQ(b, 4);
        CHECK_EQ(KIND("link.3"), US_COUNTER);
        CHECK_EQ(KIND("link.3.4.5"), US_COUNTER);
        CHECK_EQ(KIND("link.3."), US_COUNTER);
        CHECK_EQ(KIND("dir." HASH), US_DIR);
        CHECK(strcmp(k, HASH) == 0);
        CHECK_EQ(KIND("dir.lookups"), US_COUNTER);
        CHECK_EQ(KIND("dir.abcdef"), US_COUNTER);   /* too short */
        CHECK_EQ(KIND("dir.0123456789abcdef"), US_DIR); /* a prefix */
        CHECK_EQ(KIND("dir.0123456789abcde"), US_COUNTER);
        CHECK_EQ(KIND("dir." HASH "0"), US_COUNTER); /* odd */
        CHECK_EQ(KIND("dt.tx.3"), US_COUNTER);
        CHECK_EQ(KIND("lower_accepted"), US_COUNTER);
#undef KIND
}

static void test_tables(void)
{
        char * s;

        n_st = 0;
        add("address", 10);
        add("lower_accepted", 2);
        add("nbr.mgmt.30", 1);
        add("nbr.dt.30", 1);
        add("nbr.dt.2", 0);
        add("route.30", 30);
        add("route.2", 30);
        add("route.computations", 4);
        add("dir." HASH, 2);
        add("link.10.30", 1);
        add("link.30.10", 1);
        add("link.2.30", 5);
        add("dt.tx.30", 1234);

        s = out_of(ustat_print);
        same(s,
             "address: 10\n"
             "neighbours: 2\n"
             "  address  dt    mgmt\n"
             "  2        down  -\n"
             "  30       up    up\n"
             "routes: 2\n"
             "  destination  next hop\n"
             "  2            30\n"
             "  30           30\n"
             "directory: 1\n"
             "  hash" "                                                    "
             "  address\n"
             "  " HASH "  2\n"
             "links: 3\n"
             "  from  to    metric\n"
             "  2     30    5\n"
             "  10    30    1\n"
             "  30    10    1\n"
             "counters: 3\n"
             "  lower_accepted 2\n"
             "  route.computations 4\n"
             "  dt.tx.30 1234\n");
        free(s);

        s = out_of(graph);
        same(s,
             "// unicast layer l\"x as member u1 sees it: 3 members, "
             "3 links\n"
             "// render: dot -Tpng -o layer.png\n"
             "graph \"l\\\"x\" {\n"
             "        node [shape=ellipse];\n"
             "        \"2\";\n"
             "        \"10\" [label=\"10\\nu1\", style=filled, "
             "fillcolor=lightgrey];\n"
             "        \"30\";\n"
             "        \"2\" -- \"30\" [label=\"5\", style=dashed]; "
             "// only 2 -> 30 advertised\n"
             "        \"10\" -- \"30\" [label=\"1\"];\n"
             "}\n");
        free(s);
}

/* A lone member: no tables; a member whose adjacencies are up before
 * any link state: dotted edges; different metrics each way. */
static void test_edges(void)
{
        char * s;

        n_st = 0;
        add("address", 7);
        s = out_of(ustat_print);
        same(s, "address: 7\nneighbours: 0\nroutes: 0\ndirectory: 0\n"
             "links: 0\ncounters: 0\n");
        free(s);
        s = out_of(graph);
        CHECK(strstr(s, "        \"7\" [label=\"7\\nu1\"") != NULL);
        CHECK(strstr(s, " -- ") == NULL);
        free(s);

        add("nbr.dt.8", 1);
        add("nbr.dt.9", 0);
        add("link.1.2", 3);
        add("link.2.1", 4);
        s = out_of(graph);
        CHECK(strstr(s, "\"7\" -- \"8\" [style=dotted];") != NULL);
        CHECK(strstr(s, "\"9\"") == NULL);
        CHECK(strstr(s, "\"1\" -- \"2\" [label=\"3/4\"];") != NULL);
        CHECK(strstr(s, "\"2\" -- \"1\"") == NULL);
        CHECK(strstr(s, "5 members, 2 links") == NULL);
        CHECK(strstr(s, "4 members, 2 links") != NULL);
        free(s);

        n_st = 0;
        add("lower_accepted", 0);
        s = out_of(ustat_print);
        CHECK(strncmp(s, "address: none", 13) == 0);
        free(s);
}

/* lfa's alternates and ecmp's path counts: columns of the routes. */
static void test_routes(void)
{
        char * s;

        n_st = 0;
        add("address", 1);
        add("route.2", 2);
        add("route.alt.2", 3);
        add("route.3", 3);
        add("route.alt.4", 2);
        s = out_of(ustat_print);
        CHECK(strstr(s, "routes: 3\n"
                     "  destination  next hop            alternate\n"
                     "  2            2                   3\n"
                     "  3            3                   -\n"
                     "  4            -                   2\n"
                     "directory") != NULL);
        CHECK(strstr(s, "counters: 0\n") != NULL);
        free(s);

        n_st = 0;
        add("address", 1);
        add("route.4", 2);
        add("route.paths.4", 2);
        add("route.5", 2);
        s = out_of(ustat_print);
        CHECK(strstr(s, "routes: 2\n"
                     "  destination  next hop            paths\n"
                     "  4            2                   2\n"
                     "  5            2                   1\n") != NULL);
        free(s);
}

int main(void)
{
        check_keep_going = true;

        test_kind();
        test_tables();
        test_edges();
        test_routes();

        return check_report("unit_irm_ustat");
}
