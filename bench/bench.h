/* bench.h - helpers shared by the benchmark programs bench/bench_*.c:
 * clocks (wall, process CPU, thread CPU), a fixed-seed xorshift64 generator
 * and a fatal-error exit. Header-only (static inline): each benchmark is one
 * translation unit linked against libunspin.a. */
#ifndef BENCH_H
#define BENCH_H

#include "unspin.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double bench_clock_seconds(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Wall time (monotonic), seconds. */
static inline double bench_wall(void)
{
    return bench_clock_seconds(CLOCK_MONOTONIC);
}

/* CPU time of the process, seconds: stable while other processes share the cores. */
static inline double bench_cpu(void)
{
    return bench_clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
}

/* CPU time of the calling thread, seconds. */
static inline double bench_thread_cpu(void)
{
    return bench_clock_seconds(CLOCK_THREAD_CPUTIME_ID);
}

/* xorshift64 step: *state must be non-zero; returns the new state. */
static inline uint64_t bench_xorshift64(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

/* Print "prog: what[: err->message]" to stderr and exit(1). */
static inline void bench_die(const char *prog, const char *what, const unspin_error *err)
{
    fprintf(stderr, "%s: %s%s%s\n", prog, what, err ? ": " : "", err ? err->message : "");
    exit(1);
}

#endif
