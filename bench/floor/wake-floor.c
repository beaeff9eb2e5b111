/*
 * wake-floor: what one wake-up of an idle thread costs on this machine, and how much of it is where the woken thread
 * runs (docs/benchmarks.md, "Where the sleeping engine's wake-up lands").
 *
 *   cc -O2 -pthread bench/floor/wake-floor.c -o /tmp/wake-floor
 *   /tmp/wake-floor futex   # the scheduler places the wakee
 *   /tmp/wake-floor steer   # the waker narrows the wakee's affinity to its own CPU first; the wakee widens it back
 *   /tmp/wake-floor pipe    # a pipe write (a "sync" wake-up)
 *
 * A sleeper thread waits for a counter to pass its last value; the main thread idles GAP_US spinning (so its own CPU
 * stays awake), bumps the counter, wakes the sleeper, and spins until the sleeper answers. The figure is bump → answer.
 */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum { SAMPLES = 3000, GAP_US = 200 };
enum mode { FUTEX, STEER, PIPE };

static atomic_int request_seq, answer_seq;
static enum mode mode;
static int pipe_fds[2];
static pid_t sleeper_tid;
static cpu_set_t home;

static double now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void *sleeper(void *unused)
{
	(void)unused;
	sleeper_tid = (pid_t)syscall(SYS_gettid);
	for (int seen = 0;;) {
		while (atomic_load(&request_seq) == seen) {
			if (mode == PIPE) {
				char c;
				if (read(pipe_fds[0], &c, 1) < 0)
					return NULL;
			} else {
				syscall(SYS_futex, &request_seq, FUTEX_WAIT_PRIVATE, seen, NULL, NULL, 0);
			}
		}
		if (mode == STEER)
			sched_setaffinity(0, sizeof(home), &home);
		seen = atomic_load(&request_seq);
		atomic_store(&answer_seq, seen);
	}
	return NULL;
}

static int by_value(const void *a, const void *b)
{
	double d = *(const double *)a - *(const double *)b;
	return (d > 0) - (d < 0);
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "futex";
	mode = !strcmp(name, "steer") ? STEER : !strcmp(name, "pipe") ? PIPE : FUTEX;
	if (mode == PIPE && pipe(pipe_fds) != 0)
		return 1;
	sched_getaffinity(0, sizeof(home), &home);
	pthread_t t;
	pthread_create(&t, NULL, sleeper, NULL);
	usleep(10000);

	static double lat[SAMPLES];
	for (int i = 1; i <= SAMPLES; i++) {
		for (double until = now_us() + GAP_US; now_us() < until;)
			;
		double t0 = now_us();
		if (mode == STEER) {
			cpu_set_t one;
			CPU_ZERO(&one);
			CPU_SET(sched_getcpu(), &one);
			sched_setaffinity(sleeper_tid, sizeof(one), &one);
		}
		atomic_store(&request_seq, i);
		if (mode == PIPE) {
			char c = 1;
			if (write(pipe_fds[1], &c, 1) != 1)
				return 1;
		} else {
			syscall(SYS_futex, &request_seq, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
		}
		while (atomic_load(&answer_seq) != i)
			sched_yield();
		lat[i - 1] = now_us() - t0;
	}
	qsort(lat, SAMPLES, sizeof(lat[0]), by_value);
	printf("%s: median %.1f us, p99 %.1f us (%d samples, %d us idle before each)\n", name, lat[SAMPLES / 2],
	       lat[SAMPLES * 99 / 100], SAMPLES, GAP_US);
	return 0;
}
