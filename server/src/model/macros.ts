/**
 * What the file's own macros do to threads and locks, read from their
 * `#define` bodies: `#define LOCK() pthread_mutex_lock(&m)`,
 * `#define BT e = pthread_barrier_wait(&b); ...`,
 * `#define rd_kafka_broker_lock(rkb) mtx_lock(&(rkb)->rkb_lock)`. A call of
 * such a macro, or a statement naming it, takes or drops a lock, waits for
 * another thread, or joins one, exactly as the code it expands to.
 *
 * Invariants: only the text of the file is read (one regular-expression
 * pass, cached per file model); a body that cannot be read says nothing.
 */
import type { FileModel } from './fileModel';

export interface MacroSync {
  /** Lock keys the macro takes (`g:m`, `f:rkb_lock`, or `o:NAME` when the lock cannot be named). */
  acquires: string[];
  releases: string[];
  /** Waits for another thread: barrier, semaphore, condition variable. */
  waits: boolean;
  /** Joins a thread. */
  joins: boolean;
}

const ACQUIRE = /\b(?:pthread_mutex_(?:timed)?lock|pthread_rwlock_(?:rd|wr|timedrd|timedwr)lock|pthread_spin_lock|mtx_(?:timed)?lock|sem_(?:timed)?wait)\s*\(/g;
const RELEASE = /\b(?:pthread_mutex_unlock|pthread_rwlock_unlock|pthread_spin_unlock|mtx_unlock|sem_post)\s*\(/g;
const WAITS = /\b(?:pthread_barrier_wait|sem_(?:timed|clock)?wait|pthread_cond_(?:timed|clock)?wait|cnd_(?:timed)?wait)\s*\(/;
const JOINS = /\b(?:pthread_join|pthread_timedjoin_np|thrd_join)\s*\(/;
const DEFINE = /^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)(\([^)]*\))?((?:[^\n]*\\\r?\n)*[^\n]*)/gm;

const cache = new WeakMap<FileModel, Map<string, MacroSync>>();

/** The synchronisation a macro of the file performs, if any. */
export function macroSync(file: FileModel, name: string | undefined): MacroSync | undefined {
  if (!name) return undefined;
  let table = cache.get(file);
  if (!table) {
    table = scan(file);
    cache.set(file, table);
  }
  return table.get(name);
}

function scan(file: FileModel): Map<string, MacroSync> {
  const out = new Map<string, MacroSync>();
  const text = file.text;
  // Cheap exit: most files define no macro that touches threads.
  if (!/#\s*define[^\n]*(?:\\\r?\n[^\n]*)*(?:pthread_|mtx_|sem_|thrd_|cnd_)/.test(text)) return out;
  for (const m of text.matchAll(DEFINE)) {
    const name = m[1]!;
    const body = m[3]!;
    if (!/pthread_|mtx_|sem_|thrd_|cnd_/.test(body)) continue;
    const acquires = [...body.matchAll(ACQUIRE)].map((a) => keyOf(argumentText(body, a.index! + a[0].length), name, file));
    const releases = [...body.matchAll(RELEASE)].map((a) => keyOf(argumentText(body, a.index! + a[0].length), name, file));
    // A semaphore wait counts as a lock taken only with its post in other macros; as a wait it always counts.
    const sync: MacroSync = { acquires, releases, waits: WAITS.test(body), joins: JOINS.test(body) };
    if (acquires.length || releases.length || sync.waits || sync.joins) out.set(name, sync);
  }
  return out;
}

/** A lock key for the argument text of a lock call in a macro body, consistent with locks.ts. */
function keyOf(argText: string, macro: string, file: FileModel): string {
  const arg = argText.replace(/\s+/g, '');
  const member = /->\(?(\w+)\)?$|\.(\w+)$/.exec(arg);
  if (member) return `f:${member[1] ?? member[2]}`;
  const global = /^&\(?(\w+)\)?$/.exec(arg);
  if (global && file.globals.has(global[1]!)) return `g:${global[1]}`;
  return `o:${macro.replace(/_?(?:un)?lock|_?(?:UN)?LOCK|_?(?:enter|leave|acquire|release)$/g, '')}`;
}

/** The text of the first argument of a call whose `(` ends just before `from`. */
function argumentText(body: string, from: number): string {
  let depth = 0;
  for (let i = from; i < body.length; i++) {
    const c = body[i];
    if (c === '(') depth++;
    else if (c === ')' || c === ',') {
      if (depth === 0) return body.slice(from, i);
      if (c === ')') depth--;
    }
  }
  return body.slice(from);
}
