/**
 * Threads of one file: where threads are created (`pthread_create`,
 * `thrd_create`), which functions of the file they run (a function name,
 * `&fn`, a cast, or a local or global function pointer whose definitions
 * name functions of the file), what their argument points to, where they
 * are joined, and which code of the creating function runs while they do.
 *
 * "While the thread runs" is a path question on the creating function's
 * CFG: a node runs concurrently with a thread created at node C when some
 * path leads from C to it without passing a join of that thread. Paths on
 * which the creation failed (`if (pthread_create(...) != 0) return;`,
 * `rc = pthread_create(...); if (rc) ...`) are not followed. Where the
 * analysis cannot tell, it assumes the thread was joined (so rules stay
 * silent): a join inside an `if` or a loop counts from the test of that
 * statement on; waiting for another thread (`sem_wait`,
 * `pthread_cond_wait`, `pthread_barrier_wait`, `cnd_wait`) counts as the
 * handshake it usually is; a call of a function of the file that joins or
 * waits counts as a join; a join whose handle cannot be read matches every
 * thread.
 *
 * Invariants: computed once per file model (cached); only functions whose
 * text mentions a creation are lowered for discovery; nothing here throws.
 */
import type { Cfg, CfgEdge, CfgNode, CompareOp } from './cfg';
import { edgeFact, testFact, type EdgeFact } from './cfg';
import { apiEffect } from './apiEffects';
import { macroSync } from './macros';
import type { FileModel } from './fileModel';
import type { FunctionModel, VarSymbol } from './functionModel';
import { isLoop, type Expr, type LoopStmt, type Stmt } from './ir';
import { lockKey } from './locks';
import { pathAvoiding, reachableFrom } from './paths';
import { pointerTarget, translatePlace, variesPerIteration, type Place } from './places';
import { valueAt } from './values';
import { substituteValueIndexes, summaryNamed, summaryOf, transitiveAccesses, type FunctionSummary, type PlaceAccess } from './summaries';
import { childStmts, forEachExpr, forEachExprIn, forEachStmt, mentions, stmtExprs, stripCasts, type CallExpr } from './walk';

/** Functions whose text may create a thread. */
export const CREATES_THREADS = /\b(?:pthread_create|thrd_create)\s*\(/;
/** The calls CREATES_THREADS looks for (rules' `triggers`). */
export const THREAD_CREATE_CALLS = ['pthread_create', 'thrd_create'];

export interface ThreadCreate {
  /** The creating function. */
  fn: FunctionModel;
  call: CallExpr;
  api: 'pthread' | 'c11';
  /** The handle argument (`&t`, `&threads[i]`). */
  handle: Expr | undefined;
  /** Canonical key of the handle object: `t`, `threads[]`, `.tid`; undefined when unreadable. */
  handleKey: string | undefined;
  /** The attributes argument (pthread only). */
  attr: Expr | undefined;
  routineExpr: Expr | undefined;
  /** Functions of the file the thread may start in. */
  routines: string[];
  /** The argument handed to the start routine. */
  arg: Expr | undefined;
  node: CfgNode | undefined;
  /** Loops around the creation, outermost first. */
  loops: readonly LoopStmt[];
  /** The variable the creation's result is stored in (`rc = pthread_create(...)`), if any. */
  resultVar: string | undefined;
}

export interface ThreadJoin {
  call: CallExpr;
  handleKey: string | undefined;
  node: CfgNode | undefined;
}

export interface FileThreads {
  creates: ThreadCreate[];
  /** Creations by start routine name. */
  byRoutine: Map<string, ThreadCreate[]>;
}

const JOIN_CALLS = new Set(['pthread_join', 'pthread_timedjoin_np', 'pthread_tryjoin_np', 'thrd_join']);
const WAIT_CALLS = new Set([
  'sem_wait', 'sem_timedwait', 'sem_clockwait', 'pthread_cond_wait', 'pthread_cond_timedwait', 'pthread_cond_clockwait',
  'pthread_barrier_wait', 'cnd_wait', 'cnd_timedwait',
]);

const fileCache = new WeakMap<FileModel, FileThreads>();

/** Every thread creation of the file, with its start routines. */
export function threadsOf(file: FileModel): FileThreads {
  let out = fileCache.get(file);
  if (out) return out;
  const creates: ThreadCreate[] = [];
  for (const entry of file.functions) {
    if (!CREATES_THREADS.test(entry.text)) continue;
    const fn = file.model(entry);
    if (fn) creates.push(...createsIn(fn));
  }
  const byRoutine = new Map<string, ThreadCreate[]>();
  for (const c of creates) for (const r of c.routines) byRoutine.set(r, [...(byRoutine.get(r) ?? []), c]);
  out = { creates, byRoutine };
  fileCache.set(file, out);
  return out;
}

const createCache = new WeakMap<FunctionModel, ThreadCreate[]>();

/** The thread creations of one function, in source order. */
export function createsIn(fn: FunctionModel): ThreadCreate[] {
  let out = createCache.get(fn);
  if (out) return out;
  out = [];
  for (const site of fn.calls) {
    const api = site.name === 'pthread_create' ? 'pthread' : site.name === 'thrd_create' ? 'c11' : undefined;
    if (!api) continue;
    const call = site.call;
    const [handle, second, third, fourth] = call.args;
    const routineExpr = api === 'pthread' ? third : second;
    const node = fn.cfg.nodeOf(call);
    out.push({
      fn,
      call,
      api,
      handle,
      handleKey: handle ? handleKeyOf(handle, true) : undefined,
      attr: api === 'pthread' ? second : undefined,
      routineExpr,
      routines: routineExpr ? resolveRoutines(routineExpr, fn) : [],
      arg: api === 'pthread' ? fourth : third,
      node,
      loops: node?.loops ?? site.loops,
      resultVar: resultVariable(call, node),
    });
  }
  createCache.set(fn, out);
  return out;
}

/** The joins of one function, in source order. */
export function joinsIn(fn: FunctionModel): ThreadJoin[] {
  const out: ThreadJoin[] = [];
  for (const site of fn.calls) {
    if (!site.name || !JOIN_CALLS.has(site.name)) continue;
    const handle = site.call.args[0];
    out.push({ call: site.call, handleKey: handle ? handleKeyOf(handle, false) : undefined, node: fn.cfg.nodeOf(site.call) });
  }
  return out;
}

/** Does a join of `joinKey` join the thread created with `createKey`? Unreadable handles match. */
export function handlesMatch(createKey: string | undefined, joinKey: string | undefined): boolean {
  if (createKey === undefined || joinKey === undefined) return true;
  return createKey === joinKey;
}

/** The joins of the function that join this creation's thread. */
export function joinsOf(create: ThreadCreate): ThreadJoin[] {
  return joinsIn(create.fn).filter((j) => handlesMatch(create.handleKey, j.handleKey));
}

// ------------------------------------------------------------ path questions

export interface ThreadWindow {
  create: ThreadCreate;
  /** Nodes after which the thread is taken as joined (or handed its data over). */
  joined: (n: CfgNode) => boolean;
  /** Nodes that join it (a join, or a function or macro that joins), not merely wait for it. */
  joinedStrictly: (n: CfgNode) => boolean;
  /** Edges that can be followed after the creation (not its failure branch). */
  edge: (e: CfgEdge) => boolean;
}

const windowCache = new WeakMap<ThreadCreate, ThreadWindow>();

/** The path predicates describing when the thread of `create` runs. */
export function windowOf(create: ThreadCreate): ThreadWindow {
  let w = windowCache.get(create);
  if (w) return w;
  const fn = create.fn;
  const cfg = fn.cfg;
  const joinedNodes = new Set<CfgNode>();
  const strictNodes = new Set<CfgNode>();
  // A join inside `if`s and loops counts from the tests of those statements on: a loop of joins is taken to run
  // at least once (`for (i = 0; i < n; i++) pthread_join(t[i], NULL);`), even inside another loop.
  const markStatementTests = (at: CallExpr | { start: number; end: number }): void => {
    const range = 'kind' in at ? at.range : at;
    const ancestors = enclosingStatements(fn.ir.body, range);
    for (let i = ancestors.length - 1; i >= 0; i--) {
      const a = ancestors[i]!;
      if (a.range.start <= create.call.range.start && create.call.range.end <= a.range.end) break;
      const test = testOf(a);
      // Conditions are split into leaves (`!done`, `a && b`): every leaf of the test counts.
      if (test) {
        for (const n of cfg.nodes) {
          if (n.event?.kind === 'test' && n.event.range.start >= test.range.start && n.event.range.end <= test.range.end) joinedNodes.add(n);
        }
      }
    }
  };
  const summary = summaryOf(fn);
  for (const node of cfg.nodes) {
    if (!summary.syncNodes.has(node)) continue;
    const calls = node.event?.calls ?? [];
    // A join of another thread does not end this one; anything else that joins or waits does.
    const joinsOthers = calls.length > 0 && calls.every((c) => {
      const name = c.name;
      if (!name || !JOIN_CALLS.has(name)) return !isSyncCall(c, fn);
      return !handlesMatch(create.handleKey, c.args[0] ? handleKeyOf(c.args[0], false) : undefined);
    });
    if (joinsOthers) continue;
    joinedNodes.add(node);
    if (summary.syncNodes.get(node) === 'join') strictNodes.add(node);
    for (const call of calls) if (isSyncCall(call, fn)) markStatementTests(call);
    if (calls.length === 0 && node.event) markStatementTests(node.event.range);
  }
  const failure = failureEdges(create, cfg);
  const child = forkChildEdges(fn, cfg);
  w = { create, joined: (n) => joinedNodes.has(n), joinedStrictly: (n) => strictNodes.has(n), edge: (e) => !failure.has(e) && !child.has(e) };
  windowCache.set(create, w);
  return w;
}

/** May `target` run while the thread of `create` runs (some path from the creation to it passes no join)? */
export function runsConcurrently(create: ThreadCreate, target: CfgNode | undefined): boolean {
  if (!create.node || !target || target === create.node) return false;
  const w = windowOf(create);
  return pathAvoiding(create.node, target, w.joined, { edge: w.edge }) !== undefined;
}

/** May the thread still run at `target`, counting only joins (not handshakes) as its end? */
export function mayStillRun(create: ThreadCreate, target: CfgNode | undefined): boolean {
  if (!create.node || !target || target === create.node) return false;
  const w = windowOf(create);
  return pathAvoiding(create.node, target, w.joinedStrictly, { edge: w.edge }) !== undefined;
}

/**
 * Is `target` reached from the creation only through a later iteration of a
 * loop around the creation (it runs before the creation in the loop body)?
 */
export function onlyInLaterIterations(create: ThreadCreate, target: CfgNode): boolean {
  if (!create.node || create.loops.length === 0) return false;
  // Only a node of the loop body runs again before the creation; code after the loop is not "a later iteration".
  const innermost = create.loops[create.loops.length - 1]!;
  if (!target.loops.includes(innermost)) return false;
  const w = windowOf(create);
  const loops = new Set<Stmt>(create.loops);
  const sameIteration = (e: CfgEdge): boolean => {
    if (!w.edge(e)) return false;
    const inner = e.to.loops[e.to.loops.length - 1];
    return !(e.kind === 'back' && inner !== undefined && loops.has(inner));
  };
  return pathAvoiding(create.node, target, w.joined, { edge: sameIteration }) === undefined;
}

/** May two threads of this creation run at once (it is in a loop, and a path returns to it without a join)? */
export function mayRunTwice(create: ThreadCreate): boolean {
  if (!create.node || create.loops.length === 0) return false;
  const w = windowOf(create);
  return pathAvoiding(create.node, create.node, w.joined, { edge: w.edge }) !== undefined;
}

/** Can the creating function return while the thread may still run (a path to its exit passes no join)? */
export function mayReturnWhileRunning(create: ThreadCreate): CfgNode[] | undefined {
  if (!create.node) return undefined;
  const w = windowOf(create);
  const cfg = create.fn.cfg;
  return pathAvoiding(create.node, cfg.exit, (n) => n !== cfg.exit && w.joined(n), { edge: w.edge });
}

/**
 * Per-thread storage: the creating thread's access at `node` happens only in
 * a later iteration of the loop around the creation, and both places are a
 * different object on each iteration (`args[i]` on both sides), so they are
 * never the same object at the same time.
 */
export function distinctPerIteration(create: ThreadCreate, node: CfgNode | undefined, mine: Place, theirs: Place): boolean {
  if (!node || !onlyInLaterIterations(create, node)) return false;
  const assigned = assignedInLoop(create.loops[create.loops.length - 1]!, create.fn);
  return variesPerIteration(mine, assigned) && variesPerIteration(theirs, assigned);
}

/** Variables assigned (or declared) inside a loop: what may differ between its iterations. */
export function assignedInLoop(loop: LoopStmt, fn: FunctionModel): Set<string> {
  const out = new Set<string>();
  forEachStmt(loop, (s) => {
    if (s.kind === 'decl') for (const d of s.decls) out.add(d.name);
  });
  forEachExprIn(loop, (e) => {
    if (e.kind === 'assign' || e.kind === 'update') {
      const target = stripCasts(e.kind === 'assign' ? e.left : e.operand);
      if (target.kind === 'ident') out.add(target.name);
    }
  });
  void fn;
  return out;
}

// ------------------------------------------------------------ the thread's side

export interface ThreadAccess extends PlaceAccess {
  /** The start routine the access is made from. */
  routine: string;
  /**
   * The access comes after the routine's service loop (`while (!stop) {...}`
   * around blocking work): teardown code, which runs once the thread was
   * told to stop, after what the creating thread did at start-up.
   */
  teardown: boolean;
}

/**
 * What the thread started at `create` accesses, expressed in the creating
 * function: globals and statics as they are, what the routine's parameter
 * points to as the object the creation's argument points to. Accesses to
 * the routine's private variables are left out.
 */
export function threadAccesses(create: ThreadCreate): ThreadAccess[] {
  const out: ThreadAccess[] = [];
  const args = create.arg ? [create.arg] : [];
  for (const routine of create.routines) {
    const summary = summaryNamed(create.fn.file, routine);
    if (!summary) continue;
    const teardown = afterServiceLoop(summary);
    for (const a of transitiveAccesses(summary)) {
      const translated = translatePlace(a.place, args, create.fn);
      if (!translated) continue;
      // `int me = (long) arg; ... slots[me]`: the index is the value the creator passed, `(void *) i`,
      // and that value, when it is known at the creation (`i` is 0 here, 1 at the next creation).
      const place = knownIndexes(substituteValueIndexes(translated, summary.fn, args), create.fn, create.node);
      const locks = new Set([...a.locks].map((k) => (k === 'p:0' && create.arg ? lockKey(create.arg, create.fn) : k)));
      out.push({ ...a, place, locks, routine, teardown: a.node !== undefined && teardown.has(a.node) });
    }
  }
  return out;
}

const teardownCache = new WeakMap<FunctionSummary, Set<CfgNode>>();

/**
 * Nodes of a routine that run only after one of its service loops ended: a
 * `while`/`do` loop or `for (;;)` (not a counted `for`) whose body calls
 * something (waits, serves requests, does the work).
 */
function afterServiceLoop(summary: FunctionSummary): Set<CfgNode> {
  let out = teardownCache.get(summary);
  if (out) return out;
  out = new Set();
  const fn = summary.fn;
  const cfg = fn.cfg;
  const loops: LoopStmt[] = [];
  forEachStmt(fn.ir.body, (st) => {
    if (isLoop(st) && !(st.kind === 'for' && st.test && st.update)) loops.push(st);
  });
  if (loops.length > 0) {
    const reachable = reachableFrom(cfg.entry);
    for (const loop of loops) {
      const inside = cfg.nodes.filter((n) => n.loops.includes(loop));
      const serves = inside.some((n) => (n.event?.calls ?? []).length > 0);
      if (!serves) continue;
      const before = reachableFrom(cfg.entry, { stop: (n) => n.loops.includes(loop) });
      for (const n of reachable) if (!before.has(n) && !n.loops.includes(loop)) out.add(n);
    }
  }
  teardownCache.set(summary, out);
  return out;
}

/**
 * The values a counted loop around the creation gives its counter:
 * `for (i = A; i < B; i++)` or `i <= B` with constant bounds.
 */
export function counterRange(create: ThreadCreate): { name: string; lo: number; hi: number } | undefined {
  const loop = create.loops[create.loops.length - 1];
  if (!loop || loop.kind !== 'for' || !loop.test || !loop.update) return undefined;
  const fn = create.fn;
  let name: string | undefined;
  let start: Expr | undefined;
  if (loop.init?.kind === 'decl' && loop.init.decls.length === 1) {
    name = loop.init.decls[0]!.name;
    start = loop.init.decls[0]!.init;
  } else if (loop.init?.kind === 'expr') {
    const e = stripCasts(loop.init.expr);
    if (e.kind === 'assign' && e.op === '=' && stripCasts(e.left).kind === 'ident') {
      name = (stripCasts(e.left) as { name: string }).name;
      start = e.right;
    }
  }
  const lo = start ? fn.fold(start) : undefined;
  const test = stripCasts(loop.test);
  const update = stripCasts(loop.update);
  if (!name || lo === undefined || test.kind !== 'binary' || (test.op !== '<' && test.op !== '<=')) return undefined;
  if (stripCasts(test.left).kind !== 'ident' || (stripCasts(test.left) as { name: string }).name !== name) return undefined;
  if (!(update.kind === 'update' && update.op === '++' && stripCasts(update.operand).kind === 'ident')) return undefined;
  const bound = fn.fold(test.right);
  if (bound === undefined) return undefined;
  return { name, lo, hi: test.op === '<' ? bound - 1 : bound };
}

/**
 * Does the creator's place designate another element than every thread of
 * this creation gets (`args[0]` when the threads get `args[i]` for `i` in
 * 1..N)?
 */
export function outsideThreadSlots(create: ThreadCreate, mine: Place, theirs: Place): boolean {
  const range = counterRange(create);
  if (!range) return false;
  const n = Math.min(mine.steps.length, theirs.steps.length);
  for (let i = 0; i < n; i++) {
    const a = mine.steps[i]!;
    const b = theirs.steps[i]!;
    if (a.kind !== 'index' || b.kind !== 'index' || !a.index || !b.index) continue;
    const t = stripCasts(b.index);
    if (t.kind !== 'ident' || t.name !== range.name) continue;
    const k = create.fn.fold(a.index);
    if (k !== undefined && (k < range.lo || k > range.hi)) return true;
    // `args[i]` after the loop, `i` untouched since: its exit value, one past every thread's.
    const c = stripCasts(a.index);
    if (c.kind === 'ident' && c.name === range.name && counterUntouchedAfterLoop(create, c.range.start)) return true;
  }
  return false;
}

/** Is `at` after the creation's counted loop, with no assignment to its counter in between? */
function counterUntouchedAfterLoop(create: ThreadCreate, at: number): boolean {
  const loop = create.loops[create.loops.length - 1];
  const range = counterRange(create);
  if (!loop || !range || at < loop.range.end) return false;
  let touched = false;
  forEachExprIn(create.fn.ir.body, (e) => {
    if (touched || e.range.start < loop.range.end || e.range.start > at) return;
    const target = e.kind === 'assign' ? stripCasts(e.left) : e.kind === 'update' ? stripCasts(e.operand) : e.kind === 'unary' && e.op === '&' ? stripCasts(e.operand) : undefined;
    if (target?.kind === 'ident' && target.name === range.name) touched = true;
  });
  return !touched;
}

/** A place with the indexes whose value is known at `node` replaced by that value (`args[i]` → `args[1]`). */
export function knownIndexes(place: Place, fn: FunctionModel, node: CfgNode | undefined): Place {
  if (!node || !place.steps.some((st) => st.kind === 'index' && st.index)) return place;
  let changed = false;
  const steps = place.steps.map((st) => {
    if (st.kind !== 'index' || !st.index || stripCasts(st.index).kind === 'number') return st;
    const v = valueAt(fn, node, st.index);
    if (v === undefined) return st;
    changed = true;
    return { ...st, index: { kind: 'number' as const, value: v, text: String(v), range: st.index.range } };
  });
  return changed ? { root: place.root, steps } : place;
}

/** The object the thread's argument points to, in the creating function. */
export function argTarget(create: ThreadCreate): Place | undefined {
  return create.arg ? pointerTarget(create.arg, create.fn) : undefined;
}

/** Does the start routine use its parameter at all (unknown routines are assumed to)? */
export function routineUsesArg(create: ThreadCreate): boolean {
  if (create.routines.length === 0) return true;
  return create.routines.some((name) => {
    const entry = create.fn.file.functionNamed(name);
    const fn = entry ? create.fn.file.model(entry) : undefined;
    const param = fn?.params[0];
    if (!fn || !param) return false;
    let used = false;
    forEachStmt(fn.ir.body, (s) => {
      // `(void)arg;` only silences a warning.
      if (s.kind === 'expr' && s.expr.kind === 'cast' && s.expr.type.base === 'void' && s.expr.type.pointerDepth === 0) return;
      if (stmtExprs(s).some((e) => mentions(e, param.name))) used = true;
    });
    return used;
  });
}

/** The summary of the creating function (accesses with their nodes and locks). */
export function creatorAccesses(create: ThreadCreate): PlaceAccess[] {
  return transitiveAccesses(summaryOf(create.fn));
}

// ------------------------------------------------------------ helpers

/**
 * Canonical key of a thread handle: from the create's `&t` (address) or the
 * join's `t` (value). `t`, `threads[]` for any element, `.tid` for a member.
 */
export function handleKeyOf(e: Expr, address: boolean): string | undefined {
  let x = stripCasts(e);
  if (address) {
    if (x.kind === 'unary' && x.op === '&') x = stripCasts(x.operand);
    else if (x.kind === 'binary' && x.op === '+') return objectKey(stripCasts(x.left)) ? `${objectKey(stripCasts(x.left))}[]` : undefined;
    else return x.kind === 'ident' ? `*${x.name}` : undefined;
  }
  return objectKey(x);
}

function objectKey(x: Expr): string | undefined {
  switch (x.kind) {
    case 'ident': return x.name;
    case 'index': {
      const inner = objectKey(stripCasts(x.object));
      return inner === undefined ? undefined : `${inner}[]`;
    }
    case 'field': return `.${x.field}`;
    case 'unary': {
      if (x.op !== '*') return undefined;
      const inner = stripCasts(x.operand);
      return inner.kind === 'ident' ? `*${inner.name}` : undefined;
    }
    default: return undefined;
  }
}

/** Functions of the file a routine expression may designate. */
function resolveRoutines(e: Expr, fn: FunctionModel, depth = 0): string[] {
  const x = stripCasts(e);
  if (depth > 3) return [];
  if (x.kind === 'unary' && x.op === '&') return resolveRoutines(x.operand, fn, depth + 1);
  if (x.kind === 'cond') return [...new Set([...(x.then ? resolveRoutines(x.then, fn, depth + 1) : []), ...resolveRoutines(x.otherwise, fn, depth + 1)])];
  if (x.kind !== 'ident') return [];
  const symbol = fn.lookup(x.name, x.range.start);
  if (!symbol) return fn.file.functionNamed(x.name) ? [x.name] : [];
  if (symbol.kind === 'param') return [];
  // A function pointer variable: every function it is defined from in this function (or its initialiser).
  const out = new Set<string>();
  if (symbol.init) for (const r of resolveRoutines(symbol.init, fn, depth + 1)) out.add(r);
  forEachExprIn(fn.ir.body, (a) => {
    if (a.kind !== 'assign' || a.op !== '=') return;
    const left = stripCasts(a.left);
    if (left.kind !== 'ident' || left.name !== x.name) return;
    if (fn.lookup(left.name, left.range.start)?.range.start !== symbol.range.start) return;
    for (const r of resolveRoutines(a.right, fn, depth + 1)) out.add(r);
  });
  return [...out];
}

/** `rc = pthread_create(...)` or `int rc = pthread_create(...)`: the variable holding the result. */
function resultVariable(call: CallExpr, node: CfgNode | undefined): string | undefined {
  const event = node?.event;
  if (!event) return undefined;
  if (event.kind === 'decl' && event.decl?.init && stripCasts(event.decl.init) === call) return event.decl.name;
  const e = event.expr ? stripCasts(event.expr) : undefined;
  if (e?.kind === 'assign' && e.op === '=' && stripCasts(e.right) === call) {
    const left = stripCasts(e.left);
    return left.kind === 'ident' ? left.name : undefined;
  }
  return undefined;
}

/** Branch edges taken only when the creation failed. */
function failureEdges(create: ThreadCreate, cfg: Cfg): Set<CfgEdge> {
  const out = new Set<CfgEdge>();
  const isResultExpr = (e: Expr): boolean => {
    const x = stripCasts(e);
    return x === create.call || (create.resultVar !== undefined && x.kind === 'ident' && x.name === create.resultVar);
  };
  for (const node of cfg.nodes) {
    const tests = node.succs.filter((e) => e.cond?.kind === 'test');
    if (tests.length === 0) continue;
    let understood = false;
    for (const e of tests) {
      const fact = branchFact(e);
      if (!fact) continue;
      const isResult = isResultExpr(fact.subject) || fact.call === create.call || (create.resultVar !== undefined && fact.assigned === create.resultVar);
      if (!isResult) continue;
      understood = true;
      if (meansFailure(fact.op, fact.valueNumber, fact.value)) out.add(e);
    }
    if (understood) continue;
    // `if (!ASSERT_OK(err, ...)) goto out;`, `if (CHECK_FAIL(pthread_create(...)))`: a macro tests the result in a way
    // the analysis cannot read. The branch that leaves at once (return, goto, exit) is taken as the failure;
    // when that cannot be told either, neither branch is followed.
    const test = (tests[0]!.cond as { test: Expr }).test;
    let mentionsResult = false;
    forEachExpr(test, (x) => {
      if (isResultExpr(x)) mentionsResult = true;
    });
    if (!mentionsResult) continue;
    const leaving = tests.filter((e) => leavesAtOnce(e, cfg));
    if (leaving.length === 1) out.add(leaving[0]!);
    else for (const e of tests) out.add(e);
  }
  return out;
}

/** Calls that report an error or release resources on a failure path. */
const ERROR_PATH_CALLS = /^(?:printf|fprintf|dprintf|puts|fputs|perror|syslog|warn|warnx|free|close|fclose|munmap|pthread_attr_destroy|strerror|\w*(?:log|err|error|warn|fail|cleanup|free|destroy|close)\w*)$/i;

/**
 * Branches taken in the child of a `fork()` (`if (pid == 0)`, `if (!fork())`):
 * the child process has no copy of the threads, so nothing there races
 * with them.
 */
function forkChildEdges(fn: FunctionModel, cfg: Cfg): Set<CfgEdge> {
  const out = new Set<CfgEdge>();
  const vars = new Set<string>();
  forEachExprIn(fn.ir.body, (e) => {
    if (e.kind === 'assign' && isForkCall(e.right) && stripCasts(e.left).kind === 'ident') vars.add((stripCasts(e.left) as { name: string }).name);
  });
  for (const l of fn.locals) if (l.init && isForkCall(l.init)) vars.add(l.name);
  for (const node of cfg.nodes) {
    for (const e of node.succs) {
      const fact = branchFact(e);
      if (!fact || fact.op !== '==' || fact.valueNumber !== 0) continue;
      const subject = stripCasts(fact.subject);
      const inner = subject.kind === 'assign' ? stripCasts(subject.right) : subject;
      if (isForkCall(inner) || (subject.kind === 'ident' && vars.has(subject.name)) || (fact.assigned !== undefined && vars.has(fact.assigned))) out.add(e);
    }
  }
  return out;
}

function isForkCall(e: Expr): boolean {
  const x = stripCasts(e);
  return x.kind === 'call' && (x.name === 'fork' || x.name === 'vfork');
}

/** Does the branch go straight to a return, a goto, or the end of the function (only error reporting and cleanup on the way)? */
function leavesAtOnce(edge: CfgEdge, cfg: Cfg): boolean {
  let e: CfgEdge | undefined = edge;
  for (let steps = 0; e && steps < 4; steps++) {
    if (e.kind === 'jump') return true;
    const n: CfgNode = e.to;
    if (n === cfg.exit || n === cfg.trap || n.event?.kind === 'return') return true;
    if ((n.event?.calls ?? []).some((c) => !c.name || !ERROR_PATH_CALLS.test(c.name))) return false;
    e = n.succs.length === 1 ? n.succs[0] : undefined;
  }
  return false;
}

/** Does `result op value` say the call failed (it returns 0, or `thrd_success`, on success)? */
function meansFailure(op: CompareOp, value: number | undefined, valueExpr: Expr | undefined): boolean {
  const success = value === 0 || (valueExpr !== undefined && stripCasts(valueExpr).kind === 'ident' && (stripCasts(valueExpr) as { name: string }).name === 'thrd_success');
  if (value === undefined && !success) return false;
  switch (op) {
    case '!=': return success;
    case '==': return !success;
    case '<': case '>': return value === 0;
    default: return false;
  }
}

const EXPECT_WRAPPERS = /^(?:__builtin_expect|__glibc_(?:un)?likely|(?:un)?likely|(?:UN)?LIKELY|\w+_(?:un)?likely)$/;

/** The comparison on a branch edge, seeing through `__builtin_expect(x, 0)`, `unlikely(x)` and the like. */
export function branchFact(edge: CfgEdge): EdgeFact | undefined {
  const cond = edge.cond;
  if (cond?.kind !== 'test') return undefined;
  let test = stripCasts(cond.test);
  for (let guard = 0; guard < 4 && test.kind === 'call' && test.name && EXPECT_WRAPPERS.test(test.name) && test.args[0]; guard++) test = stripCasts(test.args[0]);
  return test === stripCasts(cond.test) ? edgeFact(edge) : testFact(test, cond.value);
}

/** Does the call join or wait for another thread (library, the file's macros and functions, `*join*` names)? */
function isSyncCall(call: CallExpr, fn: FunctionModel): boolean {
  const name = call.name;
  if (!name) return false;
  if (JOIN_CALLS.has(name) || WAIT_CALLS.has(name)) return true;
  if (fn.file.functionNamed(name)) {
    const s = name === fn.name ? undefined : summaryNamed(fn.file, name);
    return s !== undefined && (s.joins || s.waits);
  }
  const macro = macroSync(fn.file, name);
  if (macro) return macro.joins || macro.waits;
  return !apiEffect(name) && /join/i.test(name);
}

/** Statements enclosing a range, outermost first. */
function enclosingStatements(root: Stmt, range: { start: number; end: number }): Stmt[] {
  const out: Stmt[] = [];
  forEachStmt(root, (s, ancestors) => {
    if (out.length === 0 && s.range.start <= range.start && range.end <= s.range.end && !childStmts(s).some((c) => c.range.start <= range.start && range.end <= c.range.end)) {
      out.push(...ancestors, s);
    }
  });
  return out;
}

function testOf(s: Stmt): Expr | undefined {
  switch (s.kind) {
    case 'if': case 'while': case 'switch': return s.test;
    case 'for': return s.test;
    default: return undefined;
  }
}

// ------------------------------------------------------------ the argument

export interface ArgHazard {
  create: ThreadCreate;
  /** The local variable whose address is the thread's argument. */
  variable: VarSymbol;
  /**
   * `scope`: the variable is declared in a loop body around the creation, a
   * new object on every iteration while the thread may still read the old
   * one; `loop`: a loop around the creation changes it (`i++`); `changed`:
   * it is assigned again later while the thread may still read it.
   */
  kind: 'scope' | 'loop' | 'changed';
  /** The write (or the declaration) that changes what the thread reads. */
  at: PlaceAccess;
  /** The loop whose iterations change the variable (for `scope` and `loop`). */
  loop: LoopStmt | undefined;
}

/**
 * `pthread_create(..., &v)` where the local `v` changes (or ends its
 * lifetime and starts again) while the thread may still read it.
 */
export function argHazard(create: ThreadCreate): ArgHazard | undefined {
  const target = argTarget(create);
  // Only the whole variable: `&args[i]` is per-thread storage, judged by thread-shared-write.
  if (!target || !target.root.startsWith('l:') || target.steps.length > 0) return undefined;
  const variable = create.fn.locals.find((l) => `l:${l.name}@${l.range.start}` === target.root);
  if (!variable || !routineUsesArg(create)) return undefined;
  const innermost = create.loops[create.loops.length - 1];
  const writes = creatorAccesses(create)
    .filter((a) => a.kind !== 'read' && a.place.root === target.root && !a.atomic && runsConcurrently(create, a.node))
    // A reassignment of the whole variable (`i++`, `v = 2`), or a member written on every iteration of the loop
    // (`job.id = i`); a member written later or on some path only is thread-shared-write's.
    .filter((a) => a.declaration || wholeReassignment(a) || (innermost !== undefined && a.node?.loops.includes(innermost) && a.via.length === 0 && unconditionalIn(a.whole, innermost, create.fn)))
    .sort((a, b) => a.site.start - b.site.start);
  // The re-declaration in a loop body first, then a write in the loop around the creation (`i++`), then a later write.
  const inLoop = writes.filter((a) => !a.declaration && innermost !== undefined && a.node?.loops.includes(innermost));
  const after = writes.filter((a) => a.site.start > create.call.range.end && !a.declaration);
  const at = writes.find((a) => a.declaration) ?? inLoop[0] ?? after[0] ?? writes[0];
  if (!at) return undefined;
  const loop = [...create.loops].reverse().find((l) => at.node?.loops.includes(l));
  const kind = at.declaration ? 'scope' : loop ? 'loop' : 'changed';
  return { create, variable, kind, at, loop };
}

function wholeReassignment(a: PlaceAccess): boolean {
  return a.place.steps.length === 0 && a.via.length === 0 && (a.whole.kind === 'assign' || a.whole.kind === 'update');
}

/** Is the expression evaluated on every iteration of the loop (no `if`, `switch` or `?:` between them)? */
function unconditionalIn(e: Expr, loop: LoopStmt, fn: FunctionModel): boolean {
  const chain = enclosingStatements(fn.ir.body, e.range);
  const inLoop = chain.slice(chain.indexOf(loop) + 1);
  return chain.includes(loop) && !inLoop.some((st) => st.kind === 'if' || st.kind === 'switch' || st.kind === 'case');
}
