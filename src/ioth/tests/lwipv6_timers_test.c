/*
 * lwipv6_timers_test.c - liblwipv6, as patched by lwipv6_fix.c, runs no
 * timer inside its locks.
 *
 * The library's sys_sem_wait() (its lock: the socket and select locks
 * that the stack thread takes in the middle of tcp_input()) ran the
 * calling thread's expired timers while it waited; the stack thread
 * then ran TCP timers nested in the processing of a segment, which
 * corrupted the heap about once in 100 runs of walk_methods.py.  This
 * test reaches that wait deterministically: a thread with a 20 ms timer
 * of its own calls a library function that takes a semaphore through
 * the library's sys_sem_wait() (sys_sem_wait_timeout(sem, 0)), and
 * another thread gives the semaphore after WAIT_MS.  The timer must not
 * have run inside (unpatched, it runs at 20 ms).  Then a timed wait of
 * the library (sys_msleep) must still end on time, timers or not.
 * Exit 0 pass, 1 fail, 77 skip (liblwipv6 not installed).
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "ioth.h"

#define WAIT_MS 300
#define TIMER_MS 20
#define SLEEP_MS 100

struct lib6 {
	void *(*sem_new)(uint8_t count);
	void (*sem_signal)(void *sem);
	void (*sem_free)(void *sem);
	int (*sem_wait_timeout)(void *sem, uint32_t ms);
	void (*timeout)(uint32_t ms, void (*h)(void *), void *arg);
	void (*untimeout)(void (*h)(void *), void *arg);
	void (*msleep)(uint32_t ms);
};

static struct lib6 l6;
static volatile int fired;      /* the timer ran */
static volatile int fired_early;        /* ... before the semaphore came */
static volatile int given;      /* the semaphore was given */

static double ms_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void on_timer(void *arg)
{
	(void) arg;
	fired = 1;
	if (!given)
		fired_early = 1;
}

static void *giver(void *sem)
{
	usleep(WAIT_MS * 1000);
	given = 1;
	l6.sem_signal(sem);
	return NULL;
}

/* A thread of the library's kind: timers of its own, then a lock wait. */
static void *waiter(void *res)
{
	void *sem = l6.sem_new(0);
	pthread_t g;
	double t0;
	double t;

	if (sem == NULL) {
		*(int *) res = -ENOMEM;
		return NULL;
	}
	l6.timeout(TIMER_MS, on_timer, NULL);
	if (pthread_create(&g, NULL, giver, sem) != 0) {
		*(int *) res = -EAGAIN;
		return NULL;
	}
	l6.sem_wait_timeout(sem, 0);    /* -> the library's sys_sem_wait */
	pthread_join(g, NULL);
	l6.untimeout(on_timer, NULL);
	l6.sem_free(sem);
	t0 = ms_now();
	l6.msleep(SLEEP_MS);
	t = ms_now() - t0;
	if (t < SLEEP_MS - 1 || t > SLEEP_MS + 2000) {
		fprintf(stderr, "FAIL: sys_msleep(%d) took %.0f ms\n",
		        SLEEP_MS, t);
		*(int *) res = 1;
		return NULL;
	}
	*(int *) res = 0;
	return NULL;
}

#define SYM(f, n) { (void **) &l6.f, n }

int main(void)
{
	static const struct { void **f; const char *name; } tab[] = {
		SYM(sem_new, "sys_sem_new"),
		SYM(sem_signal, "sys_sem_signal"),
		SYM(sem_free, "sys_sem_free"),
		SYM(sem_wait_timeout, "sys_sem_wait_timeout"),
		SYM(timeout, "sys_timeout"),
		SYM(untimeout, "sys_untimeout"),
		SYM(msleep, "sys_msleep"),
	};
	struct ioth *st;
	pthread_t w;
	void *h;
	size_t i;
	int res = -1;
	int r;

	/* the first lwipv6 stack loads and patches the library */
	r = ioth_new("lwipv6", &st);
	if (r == -ENOSYS) {
		printf("SKIP: liblwipv6 not installed\n");
		return 77;
	}
	if (r < 0) {
		fprintf(stderr, "FAIL: lwipv6 stack: %d\n", r);
		return 1;
	}
	h = dlopen("liblwipv6.so.2", RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND |
	           RTLD_NOLOAD);
	if (h == NULL) {
		fprintf(stderr, "FAIL: liblwipv6 not loaded: %s\n", dlerror());
		return 1;
	}
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		*tab[i].f = dlsym(h, tab[i].name);
		if (*tab[i].f == NULL) {
			fprintf(stderr, "FAIL: no %s\n", tab[i].name);
			return 1;
		}
	}
	if (pthread_create(&w, NULL, waiter, &res) != 0) {
		fprintf(stderr, "FAIL: pthread_create\n");
		return 1;
	}
	pthread_join(w, NULL);
	ioth_delete(st);
	if (res != 0) {
		fprintf(stderr, "FAIL: waiter: %d\n", res);
		return 1;
	}
	if (fired_early) {
		fprintf(stderr, "FAIL: a %d ms timer ran inside the library's "
		        "lock wait (sys_sem_wait)\n", TIMER_MS);
		return 1;
	}
	printf("PASS: no timer inside lock waits (timer %s), sys_msleep "
	       "on time\n", fired ? "ran later" : "removed unrun");
	return 0;
}
