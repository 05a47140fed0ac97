/*
 * Validation pair: copy one large buffer with a single memcpy, or split it
 * between the calling thread and one new pthread (create, copy halves, join).
 * Usage: memcpy_threads TOTAL_BYTES. Output: one JSON line, best (shortest) ns of each.
 */
#include "common.h"
#include <pthread.h>

#define REPEATS 5

static void *(*volatile copy_fn)(void *, const void *, size_t) = memcpy;

struct half {
    char *dst;
    const char *src;
    size_t bytes;
};

static void *copy_half(void *arg) {
    struct half *h = arg;
    copy_fn(h->dst, h->src, h->bytes);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s TOTAL_BYTES\n", argv[0]);
        return 2;
    }
    size_t total = strtoull(argv[1], NULL, 0);
    char *src = aligned_alloc(4096, total), *dst = aligned_alloc(4096, total);
    if (!src || !dst) die("aligned_alloc");
    memset(src, 1, total);
    memset(dst, 2, total);
    double one[REPEATS], two[REPEATS];
    for (int r = 0; r < REPEATS; r++) {
        double t0 = now_ns();
        copy_fn(dst, src, total);
        one[r] = now_ns() - t0;

        size_t first = total / 2;
        struct half worker = {dst + first, src + first, total - first};
        pthread_t thread;
        t0 = now_ns();
        if (pthread_create(&thread, NULL, copy_half, &worker) != 0) die("pthread_create");
        copy_fn(dst, src, first);
        pthread_join(thread, NULL);
        two[r] = now_ns() - t0;
    }
    printf("{\"bench\":\"memcpy_threads\",\"totalBytes\":%zu,\"ns\":{\"memcpy-one-thread\":%.0f,\"memcpy-two-threads\":%.0f}}\n",
           total, best_time(one, REPEATS), best_time(two, REPEATS));
    return 0;
}
