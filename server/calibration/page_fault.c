/*
 * Calibration: minor page faults on a shared file mapping whose pages are in
 * the page cache. Touches one byte per page of a 64 MiB mapping, counts the
 * faults with getrusage, and times munmap of the populated mapping.
 * Usage: page_fault TMPDIR. Output: one JSON line: ns per fault, pages mapped
 * per fault (fault-around), ns per page unmapped.
 */
#include "common.h"
#include <sys/mman.h>
#include <sys/resource.h>

#define BYTES (64u << 20)

static long minor_faults(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_minflt;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s TMPDIR\n", argv[0]);
        return 2;
    }
    int fd = make_temp_file(argv[1], BYTES);
    warm_file(fd, BYTES);
    long page = sysconf(_SC_PAGESIZE);
    double fault_samples[5], around_samples[5], unmap_samples[5];
    volatile char sink = 0;
    for (int s = 0; s < 5; s++) {
        char *map = mmap(NULL, BYTES, PROT_READ, MAP_SHARED, fd, 0);
        if (map == MAP_FAILED) die("mmap");
        long before = minor_faults();
        double t0 = now_ns();
        for (size_t off = 0; off < BYTES; off += (size_t)page) sink += map[off];
        double t1 = now_ns();
        long faults = minor_faults() - before;
        if (faults < 1) faults = 1;
        if (munmap(map, BYTES) != 0) die("munmap");
        double t2 = now_ns();
        fault_samples[s] = (t1 - t0) / (double)faults;
        around_samples[s] = (double)(BYTES / (size_t)page) / (double)faults;
        unmap_samples[s] = (t2 - t1) / (double)(BYTES / (size_t)page);
    }
    (void)sink;
    printf("{\"bench\":\"page_fault\",\"faultNs\":%.1f,\"pagesPerFault\":%.2f,\"unmapPageNs\":%.2f}\n",
           best_time(fault_samples, 5), median(around_samples, 5), best_time(unmap_samples, 5));
    return 0;
}
