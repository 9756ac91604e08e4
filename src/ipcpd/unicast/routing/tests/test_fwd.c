/*
 * Unit test of the forwarding tables and their lock-free swap: lookup
 * and pick, reader ids, a publish that waits for a reader still inside
 * its read section (the grace period) and not for one that left, and
 * readers on several threads checking every table they see while the
 * writer swaps thousands of them. A freed table is reused by the next
 * one's allocation at once, so a reader still on it would see it
 * change under its eyes (and ASan would name the use after free).
 */
#include "fwd.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>

#include "../../../../../tests/check.h"

#define ENTRIES  64
#define READERS  3
#define SWAPS    3000

static struct fwd  f;
static atomic_bool stop;
static atomic_long sections;  /* read sections that saw a table */

static struct fwd_table * table(uint64_t gen)
{
        struct fwd_table * t = fwd_table_alloc(ENTRIES);
        size_t             i;

        CHECK(t != NULL);
        t->gen = gen;
        for (i = 0; i < ENTRIES; ++i) {
                t->e[i].dst   = 2 * i + 2;
                t->e[i].dist  = gen;
                t->e[i].alt   = gen;
                t->e[i].n     = 1;
                t->e[i].nh[0] = gen;
        }
        t->n = ENTRIES;

        return t;
}

static void test_lookup(void)
{
        struct fwd_table * t = table(7);

        CHECK(fwd_lookup(t, 2) == &t->e[0]);
        CHECK(fwd_lookup(t, 2 * ENTRIES) == &t->e[ENTRIES - 1]);
        CHECK(fwd_lookup(t, 3) == NULL);
        CHECK(fwd_lookup(t, 0) == NULL);
        CHECK(fwd_lookup(t, 1000) == NULL);
        t->n = 0;
        CHECK(fwd_lookup(t, 2) == NULL);
        fwd_table_free(t);
}

static void * reader(void * arg)
{
        int      r     = fwd_reader(&f);
        uint64_t last  = 0;

        (void) arg;
        CHECK(r >= 0);
        while (!atomic_load(&stop)) {
                const struct fwd_table * t = fwd_enter(&f, r);
                uint64_t                 g;
                size_t                   i;

                if (t == NULL) {
                        fwd_leave(&f, r);
                        continue;
                }
                g = t->gen;
                CHECK(g >= last);  /* never an older table */
                for (i = 0; i < t->n; ++i) {
                        const struct fwd_entry * e = fwd_lookup(t, 2 * i + 2);
                        if (e == NULL || e->dist != g || e->nh[0] != g) {
                                CHECK(false);
                                break;
                        }
                }
                CHECK(t->gen == g);
                fwd_leave(&f, r);
                last = g;
                atomic_fetch_add(&sections, 1);
        }

        return NULL;
}

static void test_concurrent(void)
{
        pthread_t tid[READERS];
        int64_t   end = check_now_ms() + 20000;
        uint64_t  g;
        int       i;

        fwd_init(&f);
        atomic_store(&stop, false);
        for (i = 0; i < READERS; ++i)
                CHECK_EQ(pthread_create(&tid[i], NULL, reader, NULL), 0);
        /* At least SWAPS swaps, and as many read sections meanwhile
         * (the readers may be slow to start on a busy machine). */
        for (g = 1; g <= SWAPS || (atomic_load(&sections) < SWAPS &&
                                   check_now_ms() < end); ++g)
                fwd_publish(&f, table(g));
        printf("%llu swaps, %ld read sections\n", (unsigned long long) g - 1,
               atomic_load(&sections));
        atomic_store(&stop, true);
        for (i = 0; i < READERS; ++i)
                CHECK_EQ(pthread_join(tid[i], NULL), 0);
        CHECK(atomic_load(&sections) > 0);
        fwd_fini(&f);
}

static atomic_bool published;

static void * writer(void * arg)
{
        fwd_publish(&f, arg);
        atomic_store(&published, true);

        return NULL;
}

static void test_grace(void)
{
        const struct fwd_table * t;
        pthread_t                tid;
        int                      r;
        int                      i;

        fwd_init(&f);
        r = fwd_reader(&f);
        CHECK_EQ(r, 0);
        CHECK(fwd_enter(&f, r) == NULL);  /* nothing published yet */
        fwd_leave(&f, r);

        fwd_publish(&f, table(1));        /* nobody inside: no wait */
        t = fwd_enter(&f, r);
        CHECK(t != NULL && t->gen == 1);

        /* Inside with table 1: the writer must wait for us. */
        atomic_store(&published, false);
        CHECK_EQ(pthread_create(&tid, NULL, writer, table(2)), 0);
        for (i = 0; i < 50; ++i) {
                struct timespec ts = { 0, 1000000 };
                nanosleep(&ts, NULL);
        }
        CHECK(!atomic_load(&published));
        CHECK(t->gen == 1 && fwd_lookup(t, 2)->dist == 1);
        fwd_leave(&f, r);
        CHECK_EQ(pthread_join(tid, NULL), 0);
        CHECK(atomic_load(&published));
        t = fwd_enter(&f, r);
        CHECK(t->gen == 2);
        fwd_leave(&f, r);

        for (i = 1; i < FWD_READERS_MAX; ++i)
                CHECK_EQ(fwd_reader(&f), i);
        CHECK_EQ(fwd_reader(&f), -EMFILE);
        fwd_fini(&f);
}

int main(void)
{
        test_lookup();
        test_grace();
        test_concurrent();

        return check_report("routing fwd");
}
