/**
 * Locks: which calls acquire or release which lock (a semaphore counts as
 * one when it is waited for and posted around an access), how locks are named so
 * that two threads' lock sets can be compared, and when two lock sets
 * protect a pair of accesses.
 *
 * Lock operations come from three sources, most trusted first: the POSIX
 * and C11 lock functions (mutex, rwlock, spinlock, `mtx_*`); functions of the
 * same file whose net effect is to take or drop a lock (summaries.ts
 * computes it); and functions or macros that are not defined in the file but
 * whose names say they lock (`sqlite3_mutex_enter`, `LOCK()`,
 * `lock_queue(q)`). The last kind gets an opaque key: it protects, but
 * cannot be compared with anything else.
 *
 * Lock keys: `g:m` (a global mutex `m`, or `g:m.f`, `g:m[]`), `f:lock` (a
 * member `lock` of some struct, `&j->lock` or `&s.lock`), `p:I` (the lock
 * parameter I points to, inside a wrapper), `o:...` (anything else). Only
 * two sets made of global keys alone can be proven disjoint; in every other
 * case two non-empty sets are assumed to share a lock, so the rules stay
 * silent where the analysis cannot tell.
 */
import type { FunctionModel } from './functionModel';
import type { Expr } from './ir';
import type { CallExpr } from './walk';
import { stripCasts } from './walk';

export type LockOpKind = 'acquire' | 'release' | 'try';

export interface LockOp {
  kind: LockOpKind;
  key: string;
}

/** A set of lock keys held at a point (must-hold: on every path). */
export type LockSet = ReadonlySet<string>;

export const EMPTY_LOCKS: LockSet = new Set();

const ACQUIRE = new Set([
  'pthread_mutex_lock', 'pthread_mutex_timedlock', 'pthread_mutex_clocklock', 'pthread_rwlock_rdlock', 'pthread_rwlock_wrlock',
  'pthread_rwlock_timedrdlock', 'pthread_rwlock_timedwrlock', 'pthread_rwlock_clockrdlock', 'pthread_rwlock_clockwrlock',
  'pthread_spin_lock', 'mtx_lock', 'mtx_timedlock',
  // A semaphore taken and given back around an access (`sem_wait(&s); ...; sem_post(&s);`) is a lock.
  'sem_wait', 'sem_timedwait', 'sem_clockwait',
]);
const TRY = new Set(['pthread_mutex_trylock', 'pthread_rwlock_tryrdlock', 'pthread_rwlock_trywrlock', 'pthread_spin_trylock', 'mtx_trylock', 'sem_trywait']);
const RELEASE = new Set(['pthread_mutex_unlock', 'pthread_rwlock_unlock', 'pthread_spin_unlock', 'mtx_unlock', 'sem_post']);

/** Names of library lock functions (acquire, try or release). */
export function isLockApi(name: string | undefined): boolean {
  return name !== undefined && (ACQUIRE.has(name) || TRY.has(name) || RELEASE.has(name));
}

/** Is `name` a library call that tries a lock and reports failure instead of blocking? */
export function isTryLockApi(name: string | undefined): boolean {
  return name !== undefined && TRY.has(name);
}

/**
 * Names that say "lock" or "unlock" for functions and macros defined
 * elsewhere: `lock`, `LOCK`, `foo_lock`, `lock_foo`, `mutex_enter`,
 * `EnterCriticalSection`, `acquire_lock`, `spin_lock_irqsave`. Names that only
 * contain the word (`block_size`, `clock_gettime`, `is_locked`, `lockf`) do not.
 */
const SEM_LOCKISH = /(?:sem|mutex|lock)\w*_(?:down|up)$/i;
const LOCKISH = /^(?:[A-Za-z0-9]+_)*(?:un|rd|wr)?lock(?:_[A-Za-z0-9]+)*$|^(?:[A-Za-z0-9]+_)*(?:UN|RD|WR)?LOCK(?:_[A-Za-z0-9]+)*$|mutex_(?:enter|leave|acquire|release|lock|unlock)$|(?:Enter|Leave)CriticalSection$|^(?:[a-z0-9]+_)*(?:acquire|release)(?:_[a-z0-9]+)*$/;
const RELEASING = /unlock|UNLOCK|leave|Leave|release/;
const NOT_LOCKS = /^(?:is_|has_|try_|get_|set_|init_|destroy_|free_)|(?:_init|_destroy|_free|_new|_create|_alloc|_held|_owned|_locked|_trylock)$|^(?:lockf|flock|fcntl|mlock|munlock|mlockall|munlockall)$/i;

/** A lock operation a call to a function not defined in the file performs, judged by its name. */
export function lockOpByName(call: CallExpr, fn: FunctionModel): LockOp | undefined {
  const name = call.name;
  if (!name || NOT_LOCKS.test(name)) return undefined;
  const first = call.args[0];
  const key = `o:${first ? opaqueText(first, fn) : ''}`;
  // `fio_sem_down(lock)` ... `fio_sem_up(lock)`: a semaphore used as a lock.
  if (SEM_LOCKISH.test(name)) return { kind: /up$/i.test(name) ? 'release' : 'acquire', key };
  if (!LOCKISH.test(name)) return undefined;
  return { kind: RELEASING.test(name) ? 'release' : 'acquire', key };
}

/** The lock operation of a library lock call, if it is one. */
export function lockOpOfApi(call: CallExpr, fn: FunctionModel): LockOp | undefined {
  const name = call.name;
  if (!name) return undefined;
  const kind: LockOpKind | undefined = ACQUIRE.has(name) ? 'acquire' : TRY.has(name) ? 'try' : RELEASE.has(name) ? 'release' : undefined;
  if (!kind) return undefined;
  const arg = call.args[0];
  return { kind, key: arg ? lockKey(arg, fn) : 'o:' };
}

/** The key of the lock a pointer expression designates (`&m`, `&j->lock`, `m` when `m` is a pointer). */
export function lockKey(e: Expr, fn: FunctionModel): string {
  const x = stripCasts(e);
  if (x.kind === 'unary' && x.op === '&') return objectKey(x.operand, fn);
  return pointeeKey(x, fn);
}

function objectKey(e: Expr, fn: FunctionModel): string {
  const x = stripCasts(e);
  switch (x.kind) {
    case 'ident': {
      const symbol = fn.lookup(x.name, x.range.start);
      if (symbol?.kind === 'global' || symbol?.isStatic) return `g:${x.name}`;
      return `o:${x.name}`;
    }
    case 'field': {
      if (!x.arrow) {
        const inner = objectKey(x.object, fn);
        if (inner.startsWith('g:')) return `${inner}.${x.field}`;
      }
      return `f:${x.field}`;
    }
    case 'index': {
      const inner = objectKey(x.object, fn);
      return inner.startsWith('g:') ? `${inner}[]` : inner;
    }
    case 'unary':
      return x.op === '*' ? pointeeKey(x.operand, fn) : `o:${opaqueText(x, fn)}`;
    default:
      return `o:${opaqueText(x, fn)}`;
  }
}

function pointeeKey(e: Expr, fn: FunctionModel): string {
  const x = stripCasts(e);
  if (x.kind === 'ident') {
    const symbol = fn.lookup(x.name, x.range.start);
    if (symbol?.kind === 'param') {
      const index = fn.params.findIndex((p) => p.name === x.name);
      if (index >= 0) return `p:${index}`;
    }
    // An array of mutexes decays to its first element.
    if (symbol && fn.file.types.resolve(symbol.type).arrayDims.length > 0) return objectKey(x, fn);
    return `o:*${x.name}`;
  }
  if (x.kind === 'field') return `f:*${x.field}`;
  if (x.kind === 'binary' && (x.op === '+' || x.op === '-')) return pointeeKey(x.left, fn);
  return `o:*${opaqueText(x, fn)}`;
}

function opaqueText(e: Expr, fn: FunctionModel): string {
  return fn.file.text.slice(e.range.start, e.range.end).replace(/\s+/g, '');
}

/**
 * A lock key of a callee, seen at a call: `p:I` becomes the key of the
 * caller's argument I; other keys are unchanged.
 */
export function translateLockKey(key: string, call: CallExpr, caller: FunctionModel): string {
  const m = /^p:(\d+)$/.exec(key);
  if (!m) return key;
  const arg = call.args[Number(m[1])];
  return arg ? lockKey(arg, caller) : 'o:';
}

/** Does the pair of lock sets protect two accesses from each other? */
export function commonLock(a: LockSet, b: LockSet): boolean {
  if (a.size === 0 || b.size === 0) return false;
  for (const k of a) if (b.has(k)) return true;
  // Two sets of global mutexes with no member in common are provably different locks.
  const onlyGlobals = (s: LockSet): boolean => [...s].every((k) => k.startsWith('g:'));
  return !(onlyGlobals(a) && onlyGlobals(b));
}

export function withLock(set: LockSet, key: string): LockSet {
  if (set.has(key)) return set;
  const out = new Set(set);
  out.add(key);
  return out;
}

export function withoutLock(set: LockSet, key: string): LockSet {
  if (!set.has(key)) return set;
  const out = new Set(set);
  out.delete(key);
  return out;
}

export function intersectLocks(a: LockSet, b: LockSet): LockSet {
  if (a === b) return a;
  const out = new Set<string>();
  for (const k of a) if (b.has(k)) out.add(k);
  return out;
}

export function sameLocks(a: LockSet, b: LockSet): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const k of a) if (!b.has(k)) return false;
  return true;
}
