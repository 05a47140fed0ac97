/*
 * Splitting work across threads, with the classic races.
 */
#include <pthread.h>
#include <stdio.h>

#define NTHREADS 4

static long processed;

static void *worker(void *arg)
{
    int id = *(int *)arg;
    for (int k = 0; k < 1000; k++)
        processed++;
    printf("worker %d done\n", id);
    return NULL;
}

int run_workers(void)
{
    pthread_t threads[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        pthread_create(&threads[i], NULL, worker, &i);
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(threads[i], NULL);
    return (int)processed;
}

static void *background_sum(void *arg)
{
    long *out = arg;
    *out = processed * 2;
    return NULL;
}

long sum_in_thread(void)
{
    pthread_t t;
    long result = 0;
    pthread_create(&t, NULL, background_sum, &result);
    pthread_join(t, NULL);
    return result;
}
