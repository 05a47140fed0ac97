/*
 * Helpers shared by the CopyScope calibration and validation programs:
 * a monotonic clock, best-of-n and median statistics, temporary files that are removed on exit,
 * and failing loudly. Each program prints exactly one JSON line on stdout;
 * diagnostics go to stderr.
 */
#ifndef COPYSCOPE_CALIBRATION_COMMON_H
#define COPYSCOPE_CALIBRATION_COMMON_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static inline double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static inline void die(const char *what) {
    fprintf(stderr, "%s: %s\n", what, strerror(errno));
    exit(1);
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/*
 * The best of n samples: the shortest time, or the highest rate. Other work on
 * the machine only ever makes a run slower, so the best run is the one least
 * disturbed; calibration and validation use the same statistic.
 */
static inline double best_time(const double *samples, int n) {
    double best = samples[0];
    for (int i = 1; i < n; i++) if (samples[i] < best) best = samples[i];
    return best;
}

static inline double best_rate(const double *samples, int n) {
    double best = samples[0];
    for (int i = 1; i < n; i++) if (samples[i] > best) best = samples[i];
    return best;
}

/* Median of n samples (sorts them in place), for counts rather than times. */
static inline double median(double *samples, int n) {
    qsort(samples, (size_t)n, sizeof samples[0], compare_doubles);
    return n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
}

/* Busy-waits for ns nanoseconds: a computation of known duration. */
static inline void spin_ns(double ns) {
    double end = now_ns() + ns;
    while (now_ns() < end) {
    }
}

/*
 * Creates a file of `bytes` bytes in directory `dir` and returns an open
 * descriptor. The name is unlinked at once, so the file disappears when the
 * program exits, even if it crashes. The pages stay in the page cache.
 */
static inline int make_temp_file(const char *dir, size_t bytes) {
    char path[4096];
    snprintf(path, sizeof path, "%s/copyscope-XXXXXX", dir);
    int fd = mkstemp(path);
    if (fd < 0) die("mkstemp");
    if (unlink(path) != 0) die("unlink");
    size_t block = 1 << 20;
    char *buf = malloc(block);
    if (!buf) die("malloc");
    for (size_t i = 0; i < block; i++) buf[i] = (char)(i * 131 + 7);
    for (size_t done = 0; done < bytes;) {
        size_t n = bytes - done < block ? bytes - done : block;
        ssize_t w = write(fd, buf, n);
        if (w <= 0) die("write temp file");
        done += (size_t)w;
    }
    free(buf);
    return fd;
}

/* Reads the whole file once so that every page is in the page cache. */
static inline void warm_file(int fd, size_t bytes) {
    static char buf[1 << 16];
    for (off_t off = 0; (size_t)off < bytes;) {
        ssize_t r = pread(fd, buf, sizeof buf, off);
        if (r <= 0) die("pread warm");
        off += r;
    }
}

#endif
