/**
 * The concurrency model: function summaries (globals, parameter effects,
 * lock effects, blocking), lock sets at each access, atomics, thread
 * creations and their start routines, the flow of `arg` into the routine,
 * and which code runs while a thread runs.
 */
import { describe, expect, it } from 'vitest';
import { FileModel } from '../../server/src/model/fileModel';
import { placeKey } from '../../server/src/model/places';
import { globalsOf, paramEffects, summaryNamed, transitiveAccesses, type PlaceAccess } from '../../server/src/model/summaries';
import {
  argHazard, argTarget, createsIn, creatorAccesses, mayReturnWhileRunning, mayRunTwice, runsConcurrently, threadAccesses, threadsOf,
} from '../../server/src/model/threads';
import { apiEffect } from '../../server/src/model/apiEffects';
import { valueAt } from '../../server/src/model/values';
import { syntax } from '../helpers/engine';

async function withFile<T>(text: string, body: (file: FileModel) => T): Promise<T> {
  const tree = (await syntax()).parse(text);
  try {
    return body(new FileModel(text, tree));
  } finally {
    tree.delete();
  }
}

const fnOf = (file: FileModel, name: string) => file.model(file.functionNamed(name)!)!;
const lineOf = (text: string, offset: number): number => text.slice(0, offset).split('\n').length;
const describeAccess = (text: string) => (a: PlaceAccess): string =>
  `${lineOf(text, a.expr.range.start)} ${a.kind} ${placeKey(a.place, text)}${a.locks.size ? ` [${[...a.locks].sort().join(',')}]` : ''}${a.atomic ? ' atomic' : ''}`;

describe('thread API effects', () => {
  it('are part of the effects table', () => {
    expect(apiEffect('pthread_create')?.category).toBe('thread');
    expect(apiEffect('pthread_create')?.args[3]).toEqual({ role: 'arg', access: 'submit' });
    expect(apiEffect('pthread_join')?.blocking).toBe(true);
    expect(apiEffect('pthread_mutex_lock')?.category).toBe('lock');
    expect(apiEffect('mtx_unlock')?.args[0]?.role).toBe('lock');
    expect(apiEffect('thrd_create')?.args.map((a) => a.role)).toEqual(['thread', 'routine', 'arg']);
  });
});

describe('function summaries', () => {
  const text = `
#include <pthread.h>
int hits, misses, limit;
pthread_mutex_t m;
struct job { int input; int result; };
static void lock_all(void) { pthread_mutex_lock(&m); }
static void unlock_all(void) { pthread_mutex_unlock(&m); }
static void store(struct job *j, int v) { j->result = v; }
int lookup(struct job *j) {
    lock_all();
    hits++;
    unlock_all();
    store(j, limit);
    return j->input;
}
void nap(void) { sleep(1); }
void outer(void) { nap(); }
`;

  it('records globals read and written, through calls too', async () => {
    await withFile(text, (file) => {
      const g = globalsOf(summaryNamed(file, 'lookup')!);
      expect([...g.reads].sort()).toEqual(['hits', 'limit']);
      expect([...g.writes].sort()).toEqual(['hits']);
    });
  });

  it('records what a function does to memory its parameters point to', async () => {
    await withFile(text, (file) => {
      expect(paramEffects(summaryNamed(file, 'store')!).get(0)).toEqual({ read: false, write: true });
      expect(paramEffects(summaryNamed(file, 'lookup')!).get(0)).toEqual({ read: true, write: true });
    });
  });

  it('computes lock wrappers and the locks held at each access', async () => {
    await withFile(text, (file) => {
      expect([...summaryNamed(file, 'lock_all')!.lockEffect.acquires]).toEqual(['g:m']);
      expect([...summaryNamed(file, 'unlock_all')!.lockEffect.releases]).toEqual(['g:m']);
      const accesses = transitiveAccesses(summaryNamed(file, 'lookup')!).map(describeAccess(text));
      expect(accesses).toContain('11 rmw g:hits [g:m]');
      expect(accesses).toContain('13 read g:limit');
      expect(accesses).toContain('8 write p:0.result');
    });
  });

  it('knows which functions can block', async () => {
    await withFile(text, (file) => {
      expect(summaryNamed(file, 'outer')!.blocks).toBe(true);
      expect(summaryNamed(file, 'store')!.blocks).toBe(false);
    });
  });
});

describe('lock sets', () => {
  const text = `
#include <pthread.h>
#include <threads.h>
#include <errno.h>
int a, b, c, d, e, f, g;
pthread_mutex_t m;
pthread_rwlock_t rw;
pthread_spinlock_t s;
mtx_t cm;
struct box { pthread_mutex_t lock; int n; };
void LOCK(void);
void UNLOCK(void);
void kinds(struct box *x, int cond) {
    pthread_rwlock_rdlock(&rw);
    a = 1;
    pthread_rwlock_unlock(&rw);
    pthread_spin_lock(&s);
    b = 1;
    pthread_spin_unlock(&s);
    mtx_lock(&cm);
    c = 1;
    mtx_unlock(&cm);
    pthread_mutex_lock(&x->lock);
    x->n++;
    pthread_mutex_unlock(&x->lock);
    if (cond)
        pthread_mutex_lock(&m);
    d = 1;
    if (pthread_mutex_trylock(&m) == 0) {
        e = 1;
        pthread_mutex_unlock(&m);
    } else {
        f = 1;
    }
    LOCK();
    g = 1;
    UNLOCK();
}
`;

  it('tracks mutexes, rwlocks, spinlocks, C11 mutexes, members, trylock and lock-named macros', async () => {
    await withFile(text, (file) => {
      const writes = summaryNamed(file, 'kinds')!.accesses.filter((x) => x.kind !== 'read').map(describeAccess(text));
      expect(writes).toEqual([
        '15 write g:a [g:rw]',
        '18 write g:b [g:s]',
        '21 write g:c [g:cm]',
        '24 rmw p:0.n [f:lock]',
        '28 write g:d',
        '30 write g:e [g:m]',
        '33 write g:f',
        '36 write g:g [o:]',
      ]);
    });
  });
});

describe('atomics', () => {
  const text = `
#include <stdatomic.h>
atomic_int ready;
_Atomic long total;
int plain, flags;
void f(void) {
    atomic_store(&ready, 1);
    total += 2;
    __sync_fetch_and_add(&plain, 1);
    __atomic_fetch_or(&flags, 4, __ATOMIC_SEQ_CST);
    plain++;
}
`;

  it('marks atomic operations and atomic objects as synchronised', async () => {
    await withFile(text, (file) => {
      const writes = summaryNamed(file, 'f')!.accesses.filter((x) => x.kind !== 'read').map(describeAccess(text));
      expect(writes).toEqual(['7 write g:ready atomic', '8 rmw g:total atomic', '9 rmw g:plain atomic', '10 rmw g:flags atomic', '11 rmw g:plain']);
    });
  });
});

describe('threads', () => {
  const text = `
#include <pthread.h>
#include <stdlib.h>
struct job { int input; int result; };
int counter;
static void *by_struct(void *arg) { struct job *j = arg; j->result = j->input; return NULL; }
static void *by_int(void *arg) { counter = *(int *)arg; return NULL; }
static void *by_cast(void *arg) { ((struct job *)arg)->result = 1; return NULL; }
static void *other(void *arg) { return arg; }
void spawn(int which) {
    pthread_t t[4];
    struct job jobs[4];
    int n = 3;
    void *(*fn)(void *) = by_int;
    if (which)
        fn = other;
    for (int i = 0; i < 4; i++) {
        jobs[i].input = i;
        pthread_create(&t[i], NULL, by_struct, &jobs[i]);
    }
    pthread_create(&t[0], NULL, &by_cast, &jobs[0]);
    pthread_create(&t[1], NULL, (void *(*)(void *))fn, &n);
    n = 4;
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    counter = 0;
}
`;

  it('finds start routines by name, by address, through casts and through a local function pointer', async () => {
    await withFile(text, (file) => {
      const creates = threadsOf(file).creates;
      expect(creates.map((c) => c.routines)).toEqual([['by_struct'], ['by_cast'], ['by_int', 'other']]);
      expect(creates.map((c) => c.handleKey)).toEqual(['t[]', 't[]', 't[]']);
      expect(threadsOf(file).byRoutine.get('other')).toHaveLength(1);
    });
  });

  it('follows the argument into the routine', async () => {
    await withFile(text, (file) => {
      const [byStruct, byCast, byInt] = createsIn(fnOf(file, 'spawn'));
      expect(placeKey(argTarget(byStruct!)!, text)).toMatch(/^l:jobs@\d+\[i\]$/);
      expect(threadAccesses(byStruct!).map(describeAccess(text))).toEqual([
        expect.stringMatching(/^6 write l:jobs@\d+\[i\]\.result$/),
        expect.stringMatching(/^6 read l:jobs@\d+\[i\]\.input$/),
      ]);
      expect(threadAccesses(byCast!).map(describeAccess(text))).toEqual([expect.stringMatching(/^8 write l:jobs@\d+\[0\]\.result$/)]);
      expect(threadAccesses(byInt!).map(describeAccess(text))).toEqual(['7 write g:counter', expect.stringMatching(/^7 read l:n@\d+$/)]);
    });
  });

  it('knows what runs while a thread runs', async () => {
    await withFile(text, (file) => {
      const [byStruct, , byInt] = createsIn(fnOf(file, 'spawn'));
      const during = (c: typeof byStruct) =>
        creatorAccesses(c!).filter((a) => a.kind !== 'read' && runsConcurrently(c!, a.node)).map((a) => lineOf(text, a.expr.range.start));
      // The loop's next `jobs[i].input = i` (line 18) runs while the thread runs; `counter = 0` after the joins does not.
      expect(during(byStruct)).toContain(18);
      expect(during(byStruct)).toContain(23);
      expect(during(byStruct)).not.toContain(26);
      expect(mayRunTwice(byStruct!)).toBe(true);
      expect(mayRunTwice(byInt!)).toBe(false);
      expect(mayReturnWhileRunning(byInt!)).toBeUndefined();
      expect(argHazard(byInt!)?.kind).toBe('changed');
      expect(argHazard(byStruct!)).toBeUndefined();
    });
  });

  it('does not follow the path where the creation failed', async () => {
    const failing = `
#include <pthread.h>
int g;
static void *w(void *arg) { g = 1; return arg; }
int start(void) {
    pthread_t t;
    int rc = pthread_create(&t, NULL, w, NULL);
    if (rc != 0) {
        g = 2;
        return -1;
    }
    pthread_detach(t);
    return 0;
}
`;
    await withFile(failing, (file) => {
      const [create] = createsIn(fnOf(file, 'start'));
      expect(create!.resultVar).toBe('rc');
      const during = creatorAccesses(create!).filter((a) => a.kind === 'write' && runsConcurrently(create!, a.node));
      expect(during.map((a) => lineOf(failing, a.expr.range.start))).toEqual([]);
      expect(mayReturnWhileRunning(create!)).toBeDefined();
    });
  });

  it('reads locks, waits and joins hidden in the macros of the file', async () => {
    const macros = `
#include <pthread.h>
int g, h;
pthread_mutex_t m;
pthread_barrier_t b;
#define LOCK() pthread_mutex_lock(&m)
#define UNLOCK() pthread_mutex_unlock(&m)
#define BT pthread_barrier_wait(&b)
static void *w(void *arg) {
    LOCK();
    g = 1;
    UNLOCK();
    BT;
    h = 1;
    return arg;
}
`;
    await withFile(macros, (file) => {
      const writes = summaryNamed(file, 'w')!.accesses.filter((a) => a.kind === 'write');
      expect(writes.map((a) => `${placeKey(a.place)} [${[...a.locks].join(',')}] ${a.after ?? ''}`)).toEqual(['g:g [g:m] ', 'g:h [] wait']);
    });
  });

  it('keeps thread-local globals private to each thread', async () => {
    const tls = `
static __thread int mine;
int shared;
void f(void) { mine = 1; shared = 1; }
`;
    await withFile(tls, (file) => {
      expect(summaryNamed(file, 'f')!.accesses.map((a) => placeKey(a.place))).toEqual(['t:mine', 'g:shared']);
    });
  });

  it('takes the branch of an unreadable check that leaves at once as the failure', async () => {
    const checked = `
#include <pthread.h>
#define CHECK(x) ((x) != 0)
int g;
void work(void);
static void *w(void *arg) { g = 1; return arg; }
int start(void) {
    pthread_t t;
    if (CHECK(pthread_create(&t, NULL, w, NULL))) {
        g = 2;
        return -1;
    }
    g = 3;
    work();
    pthread_join(t, NULL);
    return 0;
}
`;
    await withFile(checked, (file) => {
      const [create] = createsIn(fnOf(file, 'start'));
      const during = creatorAccesses(create!).filter((a) => a.kind === 'write' && runsConcurrently(create!, a.node));
      expect(during.map((a) => lineOf(checked, a.expr.range.start))).toEqual([13]);
    });
  });

  it('tells per-thread slots apart by the id each thread is passed, with constants along paths', async () => {
    const slots = `
#include <pthread.h>
int args[3];
static void *w(void *arg) {
    long me = (long) arg;
    args[me]++;
    return NULL;
}
void start(void) {
    pthread_t t[2];
    long i = 0;
    pthread_create(&t[0], NULL, w, (void *) i);
    i++;
    pthread_create(&t[1], NULL, w, (void *) i);
    args[2] = 0;
}
`;
    await withFile(slots, (file) => {
      const [first, second] = createsIn(fnOf(file, 'start'));
      const slotOf = (c: typeof first) => threadAccesses(c!).filter((a) => a.kind === 'rmw').map((a) => placeKey(a.place, slots));
      expect(slotOf(first)).toEqual(['g:args[0]']);
      expect(slotOf(second)).toEqual(['g:args[1]']);
      expect(valueAt(fnOf(file, 'start'), second!.node, { kind: 'ident', name: 'i', range: second!.call.range })).toBe(1);
    });
  });
});
