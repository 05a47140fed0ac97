/**
 * Within-file function summaries: for each function, the places it reads
 * and writes (globals, what its pointer parameters point to, its own
 * locals), the locks held at each access, the functions of the file it
 * calls and with which locks, its net effect on locks (a wrapper that takes
 * or drops one), and whether it can block, join a thread or wait for
 * another thread.
 *
 * Lock sets are must-hold sets computed by a forward dataflow over the
 * function's control-flow graph (cfg.ts, paths.ts): a lock counts at a
 * point only when every path to it took the lock and did not drop it;
 * `pthread_mutex_trylock(&m) == 0` holds `m` on its success edge only.
 * Accesses through atomics (`atomic_*`, `__atomic_*`, `__sync_*` calls;
 * objects of `_Atomic` or `atomic_*` type) are marked `atomic`: they are
 * synchronised and never race.
 *
 * `transitiveAccesses` adds the accesses of the file's functions a function
 * calls (up to a fixed depth), expressed in the caller: a callee's `p->n`
 * becomes the caller's argument's `.n`, the locks held at the call are
 * added, and the call is remembered in `via`.
 *
 * Invariants: summaries are computed once per function and file model
 * (cached), lazily; recursion between functions is cut (a function whose
 * summary is being computed has no effects seen from itself); nothing here
 * throws on any IR.
 */
import { apiEffect } from './apiEffects';
import type { Cfg, CfgNode } from './cfg';
import type { FileModel } from './fileModel';
import type { FunctionModel } from './functionModel';
import type { Expr, LoopStmt, Range } from './ir';
import {
  EMPTY_LOCKS, intersectLocks, isTryLockApi, lockOpByName, lockOpOfApi, sameLocks, translateLockKey, withLock, withoutLock,
  type LockOp, type LockSet,
} from './locks';
import { edgeFact } from './cfg';
import { macroSync, type MacroSync } from './macros';
import { reachableFrom, solveForward } from './paths';
import { lvaluePlace, pointerTarget, translatePlace, type Place } from './places';
import { stripCasts, type CallExpr } from './walk';

export type AccessKind = 'read' | 'write' | 'rmw';

export interface PlaceAccess {
  place: Place;
  kind: AccessKind;
  /** Synchronised through an atomic operation or an atomic type. */
  atomic: boolean;
  /** Locks held on every path to the access. */
  locks: LockSet;
  /** The function the access is written in (a callee for transitive accesses). */
  fn: FunctionModel;
  /** The lvalue accessed, in `fn`. */
  expr: Expr;
  /** The whole expression doing the access (`x++`, `x = v`, the call writing through a pointer), in `fn`. */
  whole: Expr;
  /** Where the access happens in the summarised function: the access itself, or the call that leads to it. */
  site: Range;
  /** The CFG node of `site` in the summarised function. */
  node: CfgNode | undefined;
  /** Calls from the summarised function down to the access, outermost first. */
  via: CallExpr[];
  /** The write is the declaration (and initialiser) of a local variable. */
  declaration?: boolean;
  /**
   * Every path from the summarised function's entry to the access first
   * joins a thread (`join`) or waits for one (`wait`: barrier, semaphore,
   * condition variable), itself or in a function it calls.
   */
  after?: SyncKind;
  /** The same, counting only the waits inside the called functions on the way (`via`). */
  afterInCallee?: SyncKind;
}

export type SyncKind = 'join' | 'wait';

export interface CallFact {
  call: CallExpr;
  /** The function of the file called. */
  callee: string;
  locks: LockSet;
  node: CfgNode | undefined;
}

export interface LockEffect {
  /** Keys held when the function returns that were not held on entry (`p:I` for a lock parameter). */
  acquires: ReadonlySet<string>;
  /** Keys the function releases without having taken them. */
  releases: ReadonlySet<string>;
}

export interface FunctionSummary {
  fn: FunctionModel;
  /** Direct accesses, in CFG node order. */
  accesses: PlaceAccess[];
  /** Calls of functions defined in the file, with the locks held at the call. */
  calls: CallFact[];
  lockEffect: LockEffect;
  /** Calls a blocking function (I/O, join, lock, sleep), itself or through the file's functions. */
  blocks: boolean;
  /** Calls `pthread_join`/`thrd_join`, itself or through the file's functions. */
  joins: boolean;
  /** Waits for another thread (semaphore, condition variable, barrier), itself or through the file's functions. */
  waits: boolean;
  /** Uses memory barriers (`smp_wmb()`, `atomic_thread_fence`): a hand-made lock-free protocol. */
  fences: boolean;
  /** Makes atomic operations itself (`atomic_store`, `__atomic_load_n`, `__sync_*`): it may publish with them. */
  atomics: boolean;
  /** Nodes that join a thread or wait for one (library calls, the file's macros and functions, `*join*` calls). */
  syncNodes: ReadonlyMap<CfgNode, SyncKind>;
  /** Locks held at an offset of the function (must-hold). */
  locksAt(offset: number): LockSet;
  /** Locks held just before a call of the function is made (its arguments evaluated). */
  locksAtCall(call: CallExpr): LockSet;
}

const MAX_DEPTH = 4;
const MAX_ACCESSES = 4000;

const JOINS = new Set(['pthread_join', 'pthread_timedjoin_np', 'pthread_tryjoin_np', 'thrd_join']);
const WAITS = new Set([
  'sem_wait', 'sem_timedwait', 'sem_clockwait', 'pthread_cond_wait', 'pthread_cond_timedwait', 'pthread_cond_clockwait',
  'pthread_barrier_wait', 'cnd_wait', 'cnd_timedwait',
]);
const BLOCKING = new Set([
  'sleep', 'usleep', 'nanosleep', 'clock_nanosleep', 'poll', 'ppoll', 'select', 'pselect', 'epoll_wait', 'epoll_pwait',
  'connect', 'waitpid', 'wait', 'fsync', 'fdatasync', 'sync', 'msync', 'flock', 'lockf', 'getchar', 'fgetc', 'getc',
  'scanf', 'fscanf', 'aio_suspend', 'io_uring_wait_cqe', 'io_uring_submit_and_wait', 'sem_wait', 'pause', 'sigwait',
]);
/** A function or macro of another file whose name says it joins a thread (`thrd_join0`, `join_workers`). */
const JOINISH = /join/i;
/** ... or waits for something another thread does (`sync_wait`, `wait_for_completion`, `waitpid`); not I/O readiness. */
const WAITISH = /wait/i;
const IO_WAIT = /poll|select|epoll|io_|aio_|uring/i;
const DATA_CATEGORIES = new Set(['copy', 'fill', 'string-copy', 'format', 'io-read', 'io-write', 'stdio-read', 'stdio-write', 'free', 'alloc']);
const ATOMIC_CALL = /^(?:atomic_|__atomic_|__sync_|__c11_atomic_|Interlocked|OSAtomic)/;
const MARKED_ACCESS = /^(?:READ_ONCE|WRITE_ONCE|ACCESS_ONCE|__READ_ONCE|__WRITE_ONCE|uatomic_read|uatomic_set|CMM_LOAD_SHARED|CMM_STORE_SHARED)$/;
/** Memory barriers: a function that uses them runs a lock-free protocol the analysis does not model. */
const FENCE = /^(?:smp_)?(?:[rw]?mb|mb__\w+)$|^barrier$|_barrier$|^__sync_synchronize$|^atomic_(?:thread|signal)_fence$|^__atomic_(?:thread|signal)_fence$|^cmm_s?mb$|^(?:smp_)?(?:load_acquire|store_release)$|^_?mm_[lsm]fence$|^MemoryBarrier$/;

interface FileSummaries {
  byName: Map<string, FunctionSummary | null>;
  inProgress: Set<string>;
}

const perFile = new WeakMap<FileModel, FileSummaries>();

function store(file: FileModel): FileSummaries {
  let s = perFile.get(file);
  if (!s) {
    s = { byName: new Map(), inProgress: new Set() };
    perFile.set(file, s);
  }
  return s;
}

/** The summary of a function of the file, by name; undefined when it is not defined here or cannot be read. */
export function summaryNamed(file: FileModel, name: string): FunctionSummary | undefined {
  const s = store(file);
  const entry = file.functionNamed(name);
  const cached = s.byName.get(name);
  if (cached !== undefined) return cached ?? undefined;
  if (s.inProgress.has(name)) return undefined;
  const fn = entry ? file.model(entry) : undefined;
  if (!fn) {
    s.byName.set(name, null);
    return undefined;
  }
  s.inProgress.add(name);
  try {
    const summary = summarise(fn);
    s.byName.set(name, summary);
    return summary;
  } finally {
    s.inProgress.delete(name);
  }
}

/** The summary of a lowered function. */
export function summaryOf(fn: FunctionModel): FunctionSummary {
  const named = fn.file.functionNamed(fn.name);
  if (named && fn.file.model(named) === fn) {
    const s = summaryNamed(fn.file, fn.name);
    if (s) return s;
  }
  return summarise(fn);
}

/**
 * The function's accesses plus those of the file's functions it calls, in
 * the function's own terms. Accesses of callees to their private variables
 * are dropped; so are those through a pointer argument the analysis cannot
 * follow.
 */
export function transitiveAccesses(summary: FunctionSummary): PlaceAccess[] {
  let out = transitiveCache.get(summary);
  if (!out) {
    out = collectTransitive(summary, 0, new Set([summary.fn.name]));
    transitiveCache.set(summary, out);
  }
  return out;
}

const transitiveCache = new WeakMap<FunctionSummary, PlaceAccess[]>();

function collectTransitive(summary: FunctionSummary, depth: number, active: Set<string>): PlaceAccess[] {
  const out: PlaceAccess[] = [...summary.accesses];
  if (depth >= MAX_DEPTH) return out;
  for (const c of summary.calls) {
    if (active.has(c.callee) || out.length > MAX_ACCESSES) continue;
    const callee = summaryNamed(summary.fn.file, c.callee);
    if (!callee) continue;
    active.add(c.callee);
    const inner = collectTransitive(callee, depth + 1, active);
    active.delete(c.callee);
    for (const a of inner) {
      const translated = translatePlace(a.place, c.call.args, summary.fn);
      if (!translated) continue;
      const place = substituteValueIndexes(translated, callee.fn, c.call.args);
      let locks = c.locks;
      for (const k of a.locks) locks = withLock(locks, translateLockKey(k, c.call, summary.fn));
      const inner = a.after;
      const site = afterOf(summary, c.node);
      out.push({
        ...a, place, locks, site: c.call.range, node: c.node, via: [c.call, ...a.via], declaration: false,
        ...(inner ?? site ? { after: strongest(inner, site) } : {}),
        ...(inner ? { afterInCallee: inner } : {}),
      });
    }
  }
  return out;
}

function strongest(a: SyncKind | undefined, b: SyncKind | undefined): SyncKind | undefined {
  return a === 'join' || b === 'join' ? 'join' : a ?? b;
}

const afterCache = new WeakMap<ReadonlyMap<CfgNode, SyncKind>, Map<CfgNode, SyncKind>>();

/** Nodes every path to which from the entry first joins or waits, with the strongest such step. */
export function afterOf(summary: Pick<FunctionSummary, 'fn' | 'syncNodes'>, node: CfgNode | undefined): SyncKind | undefined {
  if (!node) return undefined;
  const sync = summary.syncNodes;
  let map = afterCache.get(sync);
  if (!map) {
    map = new Map();
    const cfg = summary.fn.cfg;
    if (sync.size > 0) {
      const beforeAny = reachableFrom(cfg.entry, { stop: (n) => sync.has(n) });
      const beforeJoin = reachableFrom(cfg.entry, { stop: (n) => sync.get(n) === 'join' });
      for (const n of reachableFrom(cfg.entry)) {
        if (!beforeJoin.has(n)) map.set(n, 'join');
        else if (!beforeAny.has(n)) map.set(n, 'wait');
      }
    }
    afterCache.set(sync, map);
  }
  return map.get(node);
}

/** Globals a function reads and writes, itself or through the file's functions it calls. */
export function globalsOf(summary: FunctionSummary): { reads: Set<string>; writes: Set<string> } {
  const reads = new Set<string>();
  const writes = new Set<string>();
  for (const a of transitiveAccesses(summary)) {
    const m = /^g:(.*)$/.exec(a.place.root);
    if (!m) continue;
    if (a.kind !== 'write') reads.add(m[1]!);
    if (a.kind !== 'read') writes.add(m[1]!);
  }
  return { reads, writes };
}

/** What a function does to the memory its pointer parameters point to: per parameter index. */
export function paramEffects(summary: FunctionSummary): Map<number, { read: boolean; write: boolean }> {
  const out = new Map<number, { read: boolean; write: boolean }>();
  for (const a of transitiveAccesses(summary)) {
    const m = /^p:(\d+)$/.exec(a.place.root);
    if (!m) continue;
    const i = Number(m[1]);
    const e = out.get(i) ?? { read: false, write: false };
    if (a.kind !== 'write') e.read = true;
    if (a.kind !== 'read') e.write = true;
    out.set(i, e);
  }
  return out;
}

// ------------------------------------------------------------ one function

function summarise(fn: FunctionModel): FunctionSummary {
  const file = fn.file;
  const cfg = fn.cfg;
  let blocks = false;
  let joins = false;
  let waits = false;
  let fences = false;
  let atomics = false;
  const releasedUnheld = new Set<string>();

  const opsOf = (call: CallExpr): LockOp[] => {
    const api = lockOpOfApi(call, fn);
    if (api) return [api];
    if (!call.name || apiEffect(call.name)) return [];
    if (file.functionNamed(call.name)) {
      const callee = summaryNamed(file, call.name);
      const ops: LockOp[] = [];
      for (const k of callee?.lockEffect.releases ?? []) ops.push({ kind: 'release', key: translateLockKey(k, call, fn) });
      for (const k of callee?.lockEffect.acquires ?? []) ops.push({ kind: 'acquire', key: translateLockKey(k, call, fn) });
      if (ops.length > 0) return ops;
      // A lock of the file built on something else (atomics, rseq, futexes): trust its name.
      const byName = lockOpByName(call, fn);
      return byName ? [byName] : [];
    }
    const macro = macroSync(file, call.name);
    if (macro) return macroOps(macro);
    const byName = lockOpByName(call, fn);
    return byName ? [byName] : [];
  };

  /** A statement that only names a macro (`LOCK;`, `BT;`). */
  const macroOfNode = (node: CfgNode): MacroSync | undefined => {
    const e = node.event?.kind === 'expr' && node.event.expr ? stripCasts(node.event.expr) : undefined;
    return e?.kind === 'ident' && !fn.lookup(e.name, e.range.start) ? macroSync(file, e.name) : undefined;
  };

  const opsCache = new Map<CallExpr, LockOp[]>();
  const cachedOps = (call: CallExpr): LockOp[] => {
    let ops = opsCache.get(call);
    if (!ops) {
      ops = opsOf(call);
      opsCache.set(call, ops);
    }
    return ops;
  };

  const apply = (held: LockSet, call: CallExpr, noteUnheld: boolean): LockSet => {
    let out = held;
    for (const op of cachedOps(call)) {
      if (op.kind === 'release') {
        if (noteUnheld && !out.has(op.key)) releasedUnheld.add(op.key);
        out = withoutLock(out, op.key);
      } else {
        out = withLock(out, op.key);
      }
    }
    return out;
  };

  const solution = solveForward<LockSet>(cfg, {
    initial: EMPTY_LOCKS,
    transfer(node, before) {
      let held = before;
      for (const call of node.event?.calls ?? []) held = apply(held, call, true);
      const macro = macroOfNode(node);
      if (macro) for (const op of macroOps(macro)) held = op.kind === 'release' ? withoutLock(held, op.key) : withLock(held, op.key);
      return held;
    },
    edge(edge, after) {
      // `pthread_mutex_trylock(&m) == 0` takes `m` on its success edge only.
      const fact = edgeFact(edge);
      const call = fact?.call;
      if (!fact || !call || !isTryLockApi(call.name)) return after;
      const op = lockOpOfApi(call, fn);
      if (!op) return after;
      const zero = fact.valueNumber === 0 || (fact.value !== undefined && stripCasts(fact.value).kind === 'ident' && /^thrd_success$/.test((stripCasts(fact.value) as { name: string }).name));
      const success = fact.op === '==' ? zero : fact.op === '!=' ? !zero : true;
      return success ? after : withoutLock(after, op.key);
    },
    join: intersectLocks,
    equals: sameLocks,
  });

  const locksBefore = (node: CfgNode | undefined, offset: number): LockSet => {
    if (!node) return EMPTY_LOCKS;
    let held = solution.before.get(node) ?? EMPTY_LOCKS;
    for (const call of node.event?.calls ?? []) {
      if (call.range.end > offset) continue;
      held = apply(held, call, false);
    }
    return held;
  };
  /** Calls are listed in evaluation order: the arguments' calls (`f(mtx_lock(&m))`) come first. */
  const locksBeforeCall = (node: CfgNode | undefined, target: CallExpr): LockSet => {
    if (!node) return EMPTY_LOCKS;
    let held = solution.before.get(node) ?? EMPTY_LOCKS;
    for (const call of node.event?.calls ?? []) {
      if (call === target) break;
      held = apply(held, call, false);
    }
    return held;
  };

  const accesses: PlaceAccess[] = [];
  const calls: CallFact[] = [];
  const syncNodes = new Map<CfgNode, SyncKind>();
  const noteSync = (node: CfgNode, kind: SyncKind | undefined): void => {
    if (kind && syncNodes.get(node) !== 'join') syncNodes.set(node, kind);
  };
  for (const node of cfg.nodes) {
    const event = node.event;
    if (!event) continue;
    const nodeMacro = macroOfNode(node);
    if (nodeMacro) noteSync(node, nodeMacro.joins ? 'join' : nodeMacro.waits ? 'wait' : undefined);
    const collector = new Collector(fn, node, (a) => accesses.push({ ...a, locks: locksBefore(node, a.expr.range.start) }));
    if (event.kind === 'decl' && event.decl) {
      const symbol = fn.lookup(event.decl.name, event.decl.nameRange.start);
      const place = symbol ? lvaluePlace({ kind: 'ident', name: event.decl.name, range: event.decl.nameRange }, fn) : undefined;
      if (place) {
        const expr: Expr = { kind: 'ident', name: event.decl.name, range: event.decl.nameRange };
        collector.emit(place, 'write', expr, expr, false, true);
      }
    }
    if (event.expr && event.kind !== 'unknown') collector.visit(event.expr, 'read');
    for (const call of event.calls) {
      const name = call.name;
      if (!name) continue;
      const effect = apiEffect(name);
      const defined = !effect && file.functionNamed(name) !== undefined;
      const macro = !effect && !defined ? macroSync(file, name) : undefined;
      if (JOINS.has(name) || macro?.joins || (!effect && !defined && JOINISH.test(name))) {
        joins = true;
        noteSync(node, 'join');
      }
      if (WAITS.has(name) || macro?.waits || (!effect && !defined && !BLOCKING.has(name) && WAITISH.test(name) && !IO_WAIT.test(name))) {
        waits = true;
        noteSync(node, 'wait');
      }
      if (effect?.blocking || BLOCKING.has(name)) blocks = true;
      if (FENCE.test(name)) fences = true;
      if (ATOMIC_CALL.test(name)) atomics = true;
      if (defined && name !== fn.name) {
        calls.push({ call, callee: name, locks: locksBeforeCall(node, call), node });
        const callee = summaryNamed(file, name);
        if (callee) {
          blocks ||= callee.blocks;
          joins ||= callee.joins;
          waits ||= callee.waits;
          noteSync(node, callee.joins ? 'join' : callee.waits ? 'wait' : undefined);
        }
      }
    }
  }

  // A loop spinning on a volatile or atomic object (`while (step != 1) sched_yield();`), doing nothing else,
  // waits for another thread.
  for (const a of accesses) {
    const node = a.node;
    if (a.kind !== 'read' || !node || node.event?.kind !== 'test' || node.loops.length === 0) continue;
    const loop = node.loops[node.loops.length - 1]!;
    const test = 'test' in loop ? loop.test : undefined;
    if (!test || node.event.range.start < test.range.start || node.event.range.end > test.range.end) continue;
    if ((a.atomic || isVolatile(a.expr, fn)) && onlySpins(loop, cfg, accesses, test)) noteSync(node, 'wait');
  }
  // `__transaction_atomic { ... }` (GCC transactional memory): its accesses are atomic.
  for (const r of transactionRanges(fn)) for (const a of accesses) if (a.expr.range.start >= r.start && a.expr.range.end <= r.end) a.atomic = true;

  const atExit = solution.before.get(cfg.exit);
  for (const a of accesses) {
    const after = afterOf({ fn, syncNodes }, a.node);
    if (after) a.after = after;
  }
  const lockEffect: LockEffect = { acquires: new Set(atExit ?? []), releases: releasedUnheld };
  return {
    fn,
    accesses,
    calls,
    lockEffect,
    blocks,
    joins,
    waits,
    fences,
    atomics,
    syncNodes,
    locksAt(offset: number) {
      return locksBefore(cfg.nodeAt(offset), offset);
    },
    locksAtCall(call: CallExpr) {
      return locksBeforeCall(cfg.nodeOf(call), call);
    },
  };
}

type RawAccess = Omit<PlaceAccess, 'locks'>;

/** Turns one full expression into place accesses. */
class Collector {
  constructor(
    private readonly fn: FunctionModel,
    private readonly node: CfgNode,
    private readonly sink: (a: RawAccess) => void,
  ) {}

  emit(place: Place, kind: AccessKind, expr: Expr, whole: Expr, atomic: boolean, declaration = false): void {
    this.sink({
      place, kind, atomic: atomic || this.atomicType(expr) || futexWords(this.fn.file).has(place.root), fn: this.fn, expr, whole, site: whole.range, node: this.node, via: [],
      ...(declaration ? { declaration: true } : {}),
    });
  }

  /** Visits an expression whose value is used (read). */
  visit(e: Expr, mode: 'read'): void {
    switch (e.kind) {
      case 'ident':
      case 'field':
      case 'index':
        this.readLvalue(e, e);
        return;
      case 'unary':
        if (e.op === '&') return this.address(e.operand);
        if (e.op === '*') return this.readLvalue(e, e);
        return this.visit(e.operand, mode);
      case 'update':
        return this.writeLvalue(e.operand, 'rmw', e);
      case 'assign': {
        const rmw = e.op !== '=' || isSelfUpdate(e.left, e.right);
        this.writeLvalue(e.left, rmw ? 'rmw' : 'write', e);
        return this.visit(e.right, mode);
      }
      case 'call':
        return this.call(e);
      case 'sizeof':
        return;
      case 'cast':
        return this.visit(e.operand, mode);
      case 'binary':
        this.visit(e.left, mode);
        return this.visit(e.right, mode);
      case 'cond':
        this.visit(e.test, mode);
        if (e.then) this.visit(e.then, mode);
        return this.visit(e.otherwise, mode);
      case 'comma':
        for (const x of e.exprs) this.visit(x, mode);
        return;
      case 'init':
        for (const x of e.items) this.visit(x, mode);
        return;
      default:
        return;
    }
  }

  private readLvalue(e: Expr, whole: Expr): void {
    const x = stripCasts(e);
    if (x.kind === 'ident' && !this.fn.lookup(x.name, x.range.start)) return; // a function name, an enum constant, a macro
    const place = lvaluePlace(x, this.fn);
    if (place) this.emit(place, 'read', x, whole, false);
    this.address(x);
  }

  private writeLvalue(e: Expr, kind: AccessKind, whole: Expr): void {
    const x = stripCasts(e);
    const place = lvaluePlace(x, this.fn);
    if (place) this.emit(place, kind, x, whole, false);
    this.address(x);
  }

  /** The parts of an lvalue that are evaluated to find it: pointers followed and indexes. */
  private address(e: Expr): void {
    const x = stripCasts(e);
    switch (x.kind) {
      case 'field':
        if (x.arrow) this.visit(x.object, 'read');
        else this.address(x.object);
        return;
      case 'index': {
        this.visit(x.index, 'read');
        const type = this.fn.typeOf(stripCasts(x.object));
        if (type && this.fn.file.types.resolve(type).arrayDims.length > 0) this.address(x.object);
        else this.visit(x.object, 'read');
        return;
      }
      case 'unary':
        if (x.op === '*') this.visit(x.operand, 'read');
        return;
      case 'ident':
        return;
      default:
        this.visit(x, 'read');
    }
  }

  private call(call: CallExpr): void {
    const name = call.name;
    const callee = stripCasts(call.callee);
    if (callee.kind !== 'ident') this.visit(callee, 'read');
    else if (this.fn.lookup(callee.name, callee.range.start)) this.readLvalue(callee, callee);
    if (name && ATOMIC_CALL.test(name)) return this.atomicCall(call, name);
    if (name && MARKED_ACCESS.test(name) && call.args[0]) {
      // `READ_ONCE(x)`, `WRITE_ONCE(x, v)`: a marked access, part of a lock-free protocol.
      const place = lvaluePlace(call.args[0], this.fn);
      if (place) this.emit(place, /WRITE|SET/.test(name) ? 'write' : 'read', call.args[0], call, true);
      this.address(call.args[0]);
      for (const arg of call.args.slice(1)) this.visit(arg, 'read');
      return;
    }
    const effect = apiEffect(name);
    // Only calls that move data count as accesses of what their pointers designate: thread and lock calls touch
    // synchronisation objects, AIO and io_uring calls control structures made for the purpose (their own rules
    // judge them); the thread's argument is handed over, not accessed.
    const skipPointees = !effect || !DATA_CATEGORIES.has(effect.category);
    call.args.forEach((arg, i) => {
      const access = skipPointees ? undefined : effect.args[i]?.access;
      if (access === 'read' || access === 'write' || access === 'readwrite') {
        const target = pointerTarget(arg, this.fn);
        if (target) this.emit(target, access === 'readwrite' ? 'rmw' : access, arg, call, false);
      }
      this.visit(arg, 'read');
    });
  }

  private atomicCall(call: CallExpr, name: string): void {
    const [first, ...rest] = call.args;
    if (first) {
      const target = pointerTarget(first, this.fn);
      const kind: AccessKind = /load/.test(name) ? 'read' : /store|init|clear/.test(name) ? 'write' : 'rmw';
      if (target) this.emit(target, kind, first, call, true);
      this.visit(first, 'read');
    }
    for (const arg of rest) this.visit(arg, 'read');
  }

  private atomicType(e: Expr): boolean {
    const x = stripCasts(e);
    const type = this.fn.typeOf(x);
    return type !== undefined && this.fn.file.types.resolve(type).atomic;
  }
}

/** `x = x + v`, `x = v + x`, `x = x - v`, `x = x | f`: a read-modify-write written out. */
function isSelfUpdate(left: Expr, right: Expr): boolean {
  const r = stripCasts(right);
  if (r.kind !== 'binary' || !['+', '-', '*', '/', '%', '|', '&', '^', '<<', '>>'].includes(r.op)) return false;
  const l = stripCasts(left);
  const same = (a: Expr): boolean => sameLvalue(stripCasts(a), l);
  return same(r.left) || (['+', '*', '|', '&', '^'].includes(r.op) && same(r.right));
}

function sameLvalue(a: Expr, b: Expr): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'ident': return a.name === (b as typeof a).name;
    case 'field': return a.field === (b as typeof a).field && a.arrow === (b as typeof a).arrow && sameLvalue(stripCasts(a.object), stripCasts((b as typeof a).object));
    case 'index': {
      const o = b as typeof a;
      return sameLvalue(stripCasts(a.object), stripCasts(o.object)) && sameLvalue(stripCasts(a.index), stripCasts(o.index));
    }
    case 'unary': return a.op === (b as typeof a).op && sameLvalue(stripCasts(a.operand), stripCasts((b as typeof a).operand));
    case 'number': return a.value !== undefined && a.value === (b as typeof a).value;
    default: return false;
  }
}

function macroOps(macro: MacroSync): LockOp[] {
  return [...macro.releases.map((key) => ({ kind: 'release' as const, key })), ...macro.acquires.map((key) => ({ kind: 'acquire' as const, key }))];
}

const futexCache = new WeakMap<FileModel, Set<string>>();

/**
 * Globals handed to futex calls (`syscall(SYS_futex, &ftx, ...)`,
 * `futex_wait(futex, ...)`): the words a hand-made futex protocol
 * synchronises on. Their accesses count as synchronised, like atomics.
 */
function futexWords(file: FileModel): Set<string> {
  let out = futexCache.get(file);
  if (out) return out;
  out = new Set();
  if (/futex/i.test(file.text)) {
    for (const m of file.text.matchAll(/\b(?:\w*futex\w*\s*\(|syscall\s*\(\s*(?:SYS_futex|__NR_futex)\w*\s*,)([^;]*)/g)) {
      for (const a of m[1]!.matchAll(/(?:^|[(,])\s*&?\s*\(?\s*([A-Za-z_]\w*)/g)) {
        if (file.globals.has(a[1]!)) out.add(`g:${a[1]}`);
      }
    }
  }
  futexCache.set(file, out);
  return out;
}

/** Is the object an lvalue of volatile-qualified type (`volatile int step`, `*(volatile int *)p`)? */
export function isVolatile(e: Expr, fn: FunctionModel): boolean {
  const x = stripCasts(e);
  const type = fn.typeOf(x);
  if (type && fn.file.types.resolve(type).qualifiers.includes('volatile')) return true;
  // `*myp` with `volatile int *myp`: the qualifier is on the pointee.
  if (x.kind === 'unary' && x.op === '*') {
    const inner = fn.typeOf(stripCasts(x.operand));
    return inner !== undefined && fn.file.types.resolve(inner).qualifiers.includes('volatile');
  }
  return false;
}

/** Source ranges of `__transaction_atomic { ... }` and `__transaction_relaxed { ... }` blocks of a function. */
function transactionRanges(fn: FunctionModel): { start: number; end: number }[] {
  const text = fn.file.text;
  const out: { start: number; end: number }[] = [];
  const body = text.slice(fn.ir.range.start, fn.ir.range.end);
  if (!body.includes('__transaction_')) return out;
  for (const m of body.matchAll(/__transaction_(?:atomic|relaxed)\b[^{;]*\{/g)) {
    let depth = 0;
    const open = fn.ir.range.start + m.index! + m[0].length - 1;
    for (let i = open; i < fn.ir.range.end; i++) {
      if (text[i] === '{') depth++;
      else if (text[i] === '}' && --depth === 0) {
        out.push({ start: open, end: i + 1 });
        break;
      }
    }
  }
  return out;
}

const valueCache = new WeakMap<FunctionModel, Map<string, number>>();

/**
 * Names in a function that stand for the value of one of its parameters:
 * the parameter itself, or a non-pointer local initialised from a
 * parameter (`int me = (long) arg;`). Maps the name to the parameter index.
 */
export function parameterValues(fn: FunctionModel): Map<string, number> {
  let out = valueCache.get(fn);
  if (out) return out;
  out = new Map();
  // A parameter used as an index is used for its value, whatever its declared type (`void *arg` passed on).
  fn.params.forEach((p, i) => out!.set(p.name, i));
  for (const local of fn.locals) {
    const t = fn.file.types.resolve(local.type);
    if (t.pointerDepth > 0 || t.arrayDims.length > 0) continue;
    const init = local.init ? stripCasts(local.init) : undefined;
    const i = init?.kind === 'ident' ? fn.params.findIndex((p) => p.name === init.name) : -1;
    if (i >= 0) out.set(local.name, i);
  }
  valueCache.set(fn, out);
  return out;
}

/**
 * A callee's place with the indexes that are values of its parameters
 * (`slots[me]` with `me = (long) arg`) replaced by the caller's arguments
 * (`(void *) i` → `i`), so per-thread slots can be told apart.
 */
export function substituteValueIndexes(place: Place, callee: FunctionModel, args: readonly Expr[]): Place {
  const values = parameterValues(callee);
  if (values.size === 0 || !place.steps.some((st) => st.kind === 'index')) return place;
  let changed = false;
  const steps = place.steps.map((st) => {
    if (st.kind !== 'index' || !st.index) return st;
    const x = stripCasts(st.index);
    const i = x.kind === 'ident' ? values.get(x.name) : undefined;
    const arg = i === undefined ? undefined : args[i];
    if (!arg) return st;
    changed = true;
    return { kind: 'index' as const, index: stripCasts(arg), perThread: true };
  });
  return changed ? { root: place.root, steps } : place;
}

/** Calls a spin-wait loop may make while it waits. */
const SPIN_CALLS = /^(?:sched_yield|pthread_yield|thrd_yield|usleep|sleep|nanosleep|clock_nanosleep|pause|cpu_relax|barrier|syscall|\w*futex\w*|__builtin_ia32_pause|_mm_pause|assert|atomic_\w*|__atomic_\w*|__sync_\w*)$/;

/** Does the loop only wait: no calls but yielding and sleeping, no writes but to its own locals? */
function onlySpins(loop: LoopStmt, cfg: Cfg, accesses: readonly PlaceAccess[], test: Expr): boolean {
  for (const n of cfg.nodes) {
    if (!n.loops.includes(loop) || !n.event) continue;
    if (n.event.range.start >= test.range.start && n.event.range.end <= test.range.end) continue;
    if (n.event.calls.some((c) => !c.name || !SPIN_CALLS.test(c.name))) return false;
  }
  return !accesses.some((a) => a.kind !== 'read' && a.node?.loops.includes(loop) && !a.place.root.startsWith('l:') && !a.place.root.startsWith('v:'));
}
