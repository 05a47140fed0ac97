/*
 * Calibration: memcpy bandwidth by block size (one block each for source and
 * destination), one thread at L1, L2, L3 and DRAM sizes, and all cores
 * together at DRAM size, and from a DRAM-sized source into a 64 KiB
 * destination that stays in cache (what read() of a large file does). Also reports the core count and cache sizes.
 * Output: one JSON line, bandwidths in GB/s (bytes per ns).
 */
#include "common.h"
#include <pthread.h>

static void *(*volatile copy_fn)(void *, const void *, size_t) = memcpy;

/* Best bandwidth of repeated copies of `bytes`, each sample running about 50 ms. */
static double copy_gbps(char *dst, const char *src, size_t bytes) {
    size_t reps = 1;
    for (;;) {
        double t0 = now_ns();
        for (size_t r = 0; r < reps; r++) copy_fn(dst, src, bytes);
        if (now_ns() - t0 > 5e6) break;
        reps *= 2;
    }
    reps = reps * 10 + 1;
    double samples[5];
    for (int s = 0; s < 5; s++) {
        double t0 = now_ns();
        for (size_t r = 0; r < reps; r++) copy_fn(dst, src, bytes);
        samples[s] = (double)bytes * (double)reps / (now_ns() - t0);
    }
    return best_rate(samples, 5);
}

static char *block(size_t bytes) {
    char *p = aligned_alloc(4096, (bytes + 4095) / 4096 * 4096);
    if (!p) die("aligned_alloc");
    memset(p, 1, bytes);
    return p;
}

static double level_gbps(size_t bytes) {
    char *src = block(bytes), *dst = block(bytes);
    double gbps = copy_gbps(dst, src, bytes);
    free(src);
    free(dst);
    return gbps;
}

/*
 * Copy from a source streaming out of DRAM into a small destination that
 * stays in cache, the way read() copies a large cached file into a buffer:
 * `src_bytes` are copied `dst_bytes` at a time into the same destination.
 */
static double dram_to_cache_gbps(size_t src_bytes, size_t dst_bytes) {
    char *src = block(src_bytes), *dst = block(dst_bytes);
    double samples[5];
    for (int s = 0; s < 5; s++) {
        double t0 = now_ns();
        for (size_t off = 0; off + dst_bytes <= src_bytes; off += dst_bytes) copy_fn(dst, src + off, dst_bytes);
        samples[s] = (double)(src_bytes / dst_bytes * dst_bytes) / (now_ns() - t0);
    }
    free(src);
    free(dst);
    return best_rate(samples, 5);
}

struct worker {
    size_t bytes;
    pthread_barrier_t *barrier;
    double end_ns;
    char *src, *dst;
};

static void *dram_worker(void *arg) {
    struct worker *w = arg;
    pthread_barrier_wait(w->barrier);
    for (int r = 0; r < 4; r++) copy_fn(w->dst, w->src, w->bytes);
    w->end_ns = now_ns();
    return NULL;
}

/* Aggregate bandwidth of `threads` threads each copying its own `bytes` block four times. */
static double all_cores_gbps(int threads, size_t bytes) {
    double samples[3];
    struct worker *ws = calloc((size_t)threads, sizeof *ws);
    pthread_t *ids = calloc((size_t)threads, sizeof *ids);
    for (int i = 0; i < threads; i++) {
        ws[i].src = block(bytes);
        ws[i].dst = block(bytes);
        ws[i].bytes = bytes;
    }
    for (int s = 0; s < 3; s++) {
        pthread_barrier_t barrier;
        pthread_barrier_init(&barrier, NULL, (unsigned)threads + 1);
        for (int i = 0; i < threads; i++) {
            ws[i].barrier = &barrier;
            if (pthread_create(&ids[i], NULL, dram_worker, &ws[i]) != 0) die("pthread_create");
        }
        pthread_barrier_wait(&barrier);
        double t0 = now_ns(), end = t0;
        for (int i = 0; i < threads; i++) {
            pthread_join(ids[i], NULL);
            if (ws[i].end_ns > end) end = ws[i].end_ns;
        }
        samples[s] = 4.0 * (double)bytes * threads / (end - t0);
        pthread_barrier_destroy(&barrier);
    }
    for (int i = 0; i < threads; i++) {
        free(ws[i].src);
        free(ws[i].dst);
    }
    free(ws);
    free(ids);
    return best_rate(samples, 3);
}

/*
 * Cache size from sysfs (what lscpu shows: the cache of this core or core
 * complex), else sysconf, else the fallback. sysconf's L3 figure can be the
 * whole package's on virtual machines, which is not what one core streams into.
 */
static long cache_size(int index, int name, long fallback) {
    char path[128];
    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", index);
    FILE *f = fopen(path, "r");
    if (f) {
        long v = 0;
        char unit = 0;
        int n = fscanf(f, "%ld%c", &v, &unit);
        fclose(f);
        if (n >= 1 && v > 0) return unit == 'K' ? v * 1024 : unit == 'M' ? v * 1048576 : v;
    }
    long v = sysconf(name);
    return v > 0 ? v : fallback;
}

int main(void) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    long l1 = cache_size(0, _SC_LEVEL1_DCACHE_SIZE, 32768);
    long l2 = cache_size(2, _SC_LEVEL2_CACHE_SIZE, 1048576);
    long l3 = cache_size(3, _SC_LEVEL3_CACHE_SIZE, 33554432);
    /* A block a third of the cache keeps source and destination inside it. */
    size_t l1_block = (size_t)l1 / 3, l2_block = (size_t)l2 / 3, l3_block = (size_t)l3 / 3;
    size_t dram_block = (size_t)l3 * 4 > (256u << 20) ? (size_t)l3 * 4 : (256u << 20);
    double l1_gbps = level_gbps(l1_block);
    double l2_gbps = level_gbps(l2_block);
    double l3_gbps = level_gbps(l3_block);
    double dram_gbps = level_gbps(dram_block);
    double all_gbps = all_cores_gbps((int)cores, dram_block);
    double to_cache_gbps = dram_to_cache_gbps(dram_block, 65536);
    printf("{\"bench\":\"memcpy\",\"cores\":%ld,\"l1Bytes\":%ld,\"l2Bytes\":%ld,\"l3Bytes\":%ld,"
           "\"blocks\":{\"l1\":%zu,\"l2\":%zu,\"l3\":%zu,\"dram\":%zu},"
           "\"l1Gbps\":%.3f,\"l2Gbps\":%.3f,\"l3Gbps\":%.3f,\"dramGbps\":%.3f,\"dramAllCoresGbps\":%.3f,\"dramToCacheGbps\":%.3f}\n",
           cores, l1, l2, l3, l1_block, l2_block, l3_block, dram_block, l1_gbps, l2_gbps, l3_gbps, dram_gbps, all_gbps, to_cache_gbps);
    return 0;
}
