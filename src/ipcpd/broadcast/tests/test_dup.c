/*
 * Unit test of the broadcast layer's duplicate filter: in-order and
 * reordered seqs within the window are taken once, seqs below the
 * window refused as too old, a jump beyond the window clears it, seqs
 * wrap, the table of origins evicts the least recently seen only when
 * it has been silent for hold_ms (else a new origin is refused), and
 * idle origins expire.
 */
#include "dup.h"

#include "../../../../tests/check.h"

static void test_order(void)
{
        struct bc_dup * d = bc_dup_create(4, 1000, 100);
        uint32_t        s;

        CHECK(d != NULL);
        for (s = 1; s <= 3000; ++s)
                CHECK(bc_dup_check(d, 7, s, 0) == BC_DUP_NEW);
        for (s = 3000 - BC_DUP_WIN + 1; s <= 3000; ++s)
                CHECK(bc_dup_check(d, 7, s, 0) == BC_DUP_SEEN);
        CHECK(bc_dup_check(d, 7, 3000 - BC_DUP_WIN, 0) == BC_DUP_OLD);
        CHECK(bc_dup_check(d, 7, 1, 0) == BC_DUP_OLD);
        CHECK(bc_dup_count(d) == 1);
        bc_dup_destroy(d);
}

static void test_reorder(void)
{
        struct bc_dup * d = bc_dup_create(4, 1000, 100);
        uint32_t        s;

        /* Evens first, then odds: every odd is new, once. */
        for (s = 100; s < 100 + BC_DUP_WIN; s += 2)
                CHECK(bc_dup_check(d, 1, s, 0) == BC_DUP_NEW);
        for (s = 101; s < 100 + BC_DUP_WIN; s += 2)
                CHECK(bc_dup_check(d, 1, s, 0) == BC_DUP_NEW);
        for (s = 100; s < 100 + BC_DUP_WIN; ++s)
                CHECK(bc_dup_check(d, 1, s, 0) == BC_DUP_SEEN);

        /* The first seq of an origin need not be its lowest. */
        CHECK(bc_dup_check(d, 2, 500, 0) == BC_DUP_NEW);
        CHECK(bc_dup_check(d, 2, 499, 0) == BC_DUP_NEW);
        CHECK(bc_dup_check(d, 2, 499, 0) == BC_DUP_SEEN);
        CHECK(bc_dup_check(d, 2, 500 - BC_DUP_WIN, 0) == BC_DUP_OLD);

        /* A jump beyond the window clears it; a gap stays open. */
        CHECK(bc_dup_check(d, 2, 500 + 5 * BC_DUP_WIN, 0) == BC_DUP_NEW);
        CHECK(bc_dup_check(d, 2, 500 + 4 * BC_DUP_WIN + 1, 0)
              == BC_DUP_NEW);
        CHECK(bc_dup_check(d, 2, 500 + 4 * BC_DUP_WIN + 1, 0)
              == BC_DUP_SEEN);
        CHECK(bc_dup_check(d, 2, 500 + 4 * BC_DUP_WIN, 0) == BC_DUP_OLD);

        /* A slide of less than a window clears what it passes over. */
        CHECK(bc_dup_check(d, 3, 10, 0) == BC_DUP_NEW);
        CHECK(bc_dup_check(d, 3, 10 + BC_DUP_WIN - 1, 0) == BC_DUP_NEW);
        CHECK(bc_dup_check(d, 3, 10 + BC_DUP_WIN, 0) == BC_DUP_NEW);
        CHECK(bc_dup_check(d, 3, 10, 0) == BC_DUP_OLD);
        CHECK(bc_dup_check(d, 3, 11, 0) == BC_DUP_NEW);
        bc_dup_destroy(d);
}

static void test_wrap(void)
{
        struct bc_dup * d = bc_dup_create(1, 1000, 100);
        uint32_t        s = UINT32_MAX - 10;
        int             i;

        for (i = 0; i < 20; ++i, ++s)
                CHECK(bc_dup_check(d, 9, s, 0) == BC_DUP_NEW);
        CHECK(bc_dup_check(d, 9, UINT32_MAX, 0) == BC_DUP_SEEN);
        CHECK(bc_dup_check(d, 9, 0, 0) == BC_DUP_SEEN);
        CHECK(bc_dup_check(d, 9, 9, 0) == BC_DUP_NEW);
        bc_dup_destroy(d);
}

static void test_evict(void)
{
        struct bc_dup * d = bc_dup_create(3, 1000, 100);

        CHECK(bc_dup_check(d, 1, 1, 0) == BC_DUP_NEW);
        CHECK(bc_dup_check(d, 2, 1, 10) == BC_DUP_NEW);
        CHECK(bc_dup_check(d, 3, 1, 20) == BC_DUP_NEW);
        CHECK(bc_dup_count(d) == 3);

        /* Full, all younger than hold: a new origin is refused. */
        CHECK(bc_dup_check(d, 4, 1, 50) == BC_DUP_FULL);
        CHECK(bc_dup_evicted(d) == 0);

        /* 1 seen again: 2 is the least recently seen. */
        CHECK(bc_dup_check(d, 1, 1, 60) == BC_DUP_SEEN);
        CHECK(bc_dup_check(d, 4, 1, 115) == BC_DUP_NEW);
        CHECK(bc_dup_evicted(d) == 1);
        CHECK(bc_dup_count(d) == 3);
        CHECK(bc_dup_check(d, 1, 1, 116) == BC_DUP_SEEN);
        CHECK(bc_dup_check(d, 3, 1, 117) == BC_DUP_SEEN);
        CHECK(bc_dup_check(d, 4, 1, 118) == BC_DUP_SEEN);

        /* 2 was forgotten: its seq 1 looks new now (documented); it
         * takes the place of 1, seen last at 116. */
        CHECK(bc_dup_check(d, 2, 1, 300) == BC_DUP_NEW);
        CHECK(bc_dup_evicted(d) == 2);

        /* Idle expiry: 3 (117) goes at 1117, 4 (118) not yet. */
        CHECK(bc_dup_expire(d, 1000) == 0);
        CHECK(bc_dup_expire(d, 1117) == 1);
        CHECK(bc_dup_count(d) == 2);
        CHECK(bc_dup_expire(d, 5000) == 2);
        CHECK(bc_dup_count(d) == 0);
        CHECK(bc_dup_check(d, 5, 1, 5000) == BC_DUP_NEW);
        CHECK(bc_dup_check(d, 5, 1, 5000) == BC_DUP_SEEN);
        bc_dup_destroy(d);
}

static void test_many(void)
{
        struct bc_dup * d = bc_dup_create(BC_DUP_ORIGINS, 1000, 0);
        uint64_t        o;

        for (o = 1; o <= 3 * BC_DUP_ORIGINS; ++o)
                CHECK(bc_dup_check(d, o * 0x100000001ull, 1, 0)
                      == BC_DUP_NEW);
        CHECK(bc_dup_count(d) == BC_DUP_ORIGINS);
        CHECK(bc_dup_evicted(d) == 2 * BC_DUP_ORIGINS);
        for (o = 2 * BC_DUP_ORIGINS + 1; o <= 3 * BC_DUP_ORIGINS; ++o)
                CHECK(bc_dup_check(d, o * 0x100000001ull, 1, 0)
                      == BC_DUP_SEEN);
        CHECK(bc_dup_create(0, 1, 1) == NULL);
        bc_dup_destroy(d);
}

int main(void)
{
        test_order();
        test_reorder();
        test_wrap();
        test_evict();
        test_many();

        printf("dup: %d checks passed\n", (int) check_passed);

        return 0;
}
