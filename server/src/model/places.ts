/**
 * Places: the storage an lvalue designates, as a root plus a path of field,
 * index and dereference steps, so that accesses made in different functions
 * (a creating thread and its start routine, a caller and its callee) can be
 * compared once the callee's parameters are replaced by the caller's
 * arguments.
 *
 * Roots:
 *   `g:NAME`        a global variable
 *   `l:NAME@POS`    a local variable of the function (POS tells shadowed ones apart)
 *   `v:NAME`        a parameter variable itself (private to the call)
 *   `t:NAME`        a thread-local global (`__thread`): private to each thread
 *   `p:I`           the object parameter I points to on entry
 *
 * `p->f` is `p:0 . f` when `p` is parameter 0; `gp->f` is `g:gp * . f` (the
 * object a global pointer points to); `a[i]` is `l:a@.. [i]`. A local pointer
 * with a single definition is an alias of what it was defined from:
 * `struct job *j = arg;` makes `j->n` the place `p:0 . n`.
 *
 * Invariants: building places never throws; `undefined` means "cannot
 * tell" and callers stay silent on it. Two places may overlap only when
 * their roots are equal (`mayOverlap`); different roots say nothing about
 * aliasing through pointers the analysis did not follow.
 */
import type { FunctionModel, VarSymbol } from './functionModel';
import type { Expr } from './ir';
import { forEachExprIn, mentions, sameExpr, stripCasts } from './walk';

export type Step =
  | { kind: 'field'; name: string }
  /** `perThread`: the index is a thread's own id, the value its creator passed (`slots[me]`, `me = (long) arg`). */
  | { kind: 'index'; index: Expr | undefined; perThread?: boolean }
  | { kind: 'deref' };

export interface Place {
  root: string;
  steps: Step[];
}

const MAX_ALIAS_DEPTH = 4;

const TLS = new Set(['__thread', '_Thread_local', 'thread_local']);

/** The root key of a variable symbol. */
export function rootOf(symbol: VarSymbol, fn: FunctionModel): string {
  switch (symbol.kind) {
    // A thread-local variable is one object per thread: never shared.
    case 'global': return symbol.type.storage.some((st) => TLS.has(st)) ? `t:${symbol.name}` : `g:${symbol.name}`;
    case 'param': return `v:${symbol.name}`;
    default:
      // A `static` local is one object shared by every call, like a global.
      return symbol.isStatic ? `s:${fn.name}:${symbol.name}@${symbol.range.start}` : `l:${symbol.name}@${symbol.range.start}`;
  }
}

/** The place an lvalue expression designates. */
export function lvaluePlace(e: Expr, fn: FunctionModel, depth = 0): Place | undefined {
  const x = stripCasts(e);
  switch (x.kind) {
    case 'ident': {
      const symbol = fn.lookup(x.name, x.range.start);
      return symbol ? { root: rootOf(symbol, fn), steps: [] } : undefined;
    }
    case 'field': {
      const base = x.arrow ? pointerTarget(x.object, fn, depth) : lvaluePlace(x.object, fn, depth);
      return base ? extend(base, { kind: 'field', name: x.field }) : undefined;
    }
    case 'index': {
      const base = isArrayValued(x.object, fn) ? lvaluePlace(x.object, fn, depth) : pointerTarget(x.object, fn, depth);
      return base ? extend(base, { kind: 'index', index: x.index }) : undefined;
    }
    case 'unary':
      return x.op === '*' ? pointerTarget(x.operand, fn, depth) : undefined;
    default:
      return undefined;
  }
}

/** The place a pointer-valued expression points to (the start of the pointee object). */
export function pointerTarget(e: Expr, fn: FunctionModel, depth = 0): Place | undefined {
  if (depth > MAX_ALIAS_DEPTH) return undefined;
  const x = stripCasts(e);
  switch (x.kind) {
    case 'unary':
      if (x.op === '&') return lvaluePlace(x.operand, fn, depth);
      if (x.op === '*') {
        const inner = lvaluePlace(x, fn, depth);
        return inner ? extend(inner, { kind: 'deref' }) : undefined;
      }
      return undefined;
    case 'ident': {
      const symbol = fn.lookup(x.name, x.range.start);
      if (!symbol) return undefined;
      const type = fn.file.types.resolve(symbol.type);
      // An array names its own storage.
      if (type.arrayDims.length > 0) return { root: rootOf(symbol, fn), steps: [] };
      if (symbol.kind === 'param') {
        const index = fn.params.findIndex((p) => p.name === symbol.name);
        return type.pointerDepth > 0 && index >= 0 ? { root: `p:${index}`, steps: [] } : undefined;
      }
      if (symbol.kind === 'local' && !symbol.isStatic) {
        const def = singleDefinition(symbol, fn);
        if (def && !isAllocation(def)) {
          const aliased = pointerTarget(def, fn, depth + 1);
          if (aliased) return aliased;
        }
      }
      return { root: rootOf(symbol, fn), steps: [{ kind: 'deref' }] };
    }
    case 'field':
    case 'index': {
      const inner = lvaluePlace(x, fn, depth);
      if (!inner) return undefined;
      // `s.arr` or `p->arr` of array type: the array member itself.
      const type = fn.typeOf(x);
      if (type && fn.file.types.resolve(type).arrayDims.length > 0) return inner;
      return extend(inner, { kind: 'deref' });
    }
    case 'binary':
      if (x.op === '+' || x.op === '-') {
        const base = pointerTarget(x.left, fn, depth);
        return base ? extend(base, { kind: 'index', index: undefined }) : undefined;
      }
      return undefined;
    case 'comma': {
      const last = x.exprs[x.exprs.length - 1];
      return last ? pointerTarget(last, fn, depth) : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * Can two places designate overlapping storage? Same root, and along the
 * common prefix of their paths: equal field names, indexes not provably
 * different. A place does not overlap what lies behind a pointer it holds
 * (`gp` and `gp->n`).
 */
export function mayOverlap(a: Place, b: Place, fold?: (e: Expr) => number | undefined): boolean {
  if (a.root !== b.root) return false;
  const n = Math.min(a.steps.length, b.steps.length);
  for (let i = 0; i < n; i++) {
    const x = a.steps[i]!;
    const y = b.steps[i]!;
    if (x.kind === 'field' && y.kind === 'field' && x.name !== y.name) return false;
    if (x.kind === 'index' && y.kind === 'index' && fold && x.index && y.index) {
      const u = fold(x.index);
      const v = fold(y.index);
      if (u !== undefined && v !== undefined && u !== v) return false;
      // A thread's own slot against an index that is not provably the same: taken as another slot.
      if ((x.perThread || y.perThread) && !(u !== undefined && u === v) && !sameExpr(x.index, y.index)) return false;
    }
  }
  const longer = a.steps.length > b.steps.length ? a : b;
  if (longer.steps.length > n && longer.steps[n]!.kind === 'deref') return false;
  return true;
}

/**
 * A callee's place expressed in the caller: `p:I` is replaced by what the
 * caller's argument I points to; globals stay; the callee's own variables
 * are private and give `undefined`.
 */
export function translatePlace(place: Place, args: readonly Expr[], caller: FunctionModel): Place | undefined {
  if (place.root.startsWith('g:') || place.root.startsWith('s:')) return place;
  const m = /^p:(\d+)$/.exec(place.root);
  if (!m) return undefined;
  const arg = args[Number(m[1])];
  if (!arg) return undefined;
  const target = pointerTarget(arg, caller);
  return target ? { root: target.root, steps: [...target.steps, ...place.steps] } : undefined;
}

/** Is the place shared storage as seen from a thread: a global, a static, or what a parameter points to? */
export function isSharedRoot(place: Place): boolean {
  return place.root.startsWith('g:') || place.root.startsWith('s:') || place.root.startsWith('p:');
}

/** Is the place a stack object of the function (a non-static local, not behind a pointer)? */
export function isStackObject(place: Place): boolean {
  return place.root.startsWith('l:') && !place.steps.some((s) => s.kind === 'deref');
}

/** The variable name at the root (for messages): `counter`, `job`, or `arg` for `p:0`. */
export function rootName(place: Place, fn?: FunctionModel): string {
  const m = /^(?:[glvs]):(?:[^:]*:)?([^@]+)/.exec(place.root);
  if (m) return m[1]!;
  const p = /^p:(\d+)$/.exec(place.root);
  if (p && fn) return fn.params[Number(p[1])]?.name ?? 'arg';
  return place.root;
}

/**
 * Is the place a different object on each iteration of a loop whose
 * assigned variables are `assigned`: an index that mentions one of them
 * (`args[i]` with `i` the loop counter), or the target of a local pointer
 * set again in the loop (`j = malloc(...)`).
 */
export function variesPerIteration(place: Place, assigned: ReadonlySet<string>): boolean {
  const root = /^l:([^@]+)@/.exec(place.root)?.[1];
  if (root && place.steps[0]?.kind === 'deref' && assigned.has(root)) return true;
  for (const s of place.steps) {
    if (s.kind === 'index' && s.index && [...assigned].some((name) => mentions(s.index, name))) return true;
  }
  return false;
}

/** Readable form of a place, for tests and debugging. */
export function placeKey(place: Place, text?: string): string {
  let out = place.root;
  for (const s of place.steps) {
    if (s.kind === 'field') out += `.${s.name}`;
    else if (s.kind === 'deref') out += '*';
    else if (s.index?.kind === 'number') out += `[${s.index.value ?? s.index.text}]`;
    else out += s.index && text ? `[${text.slice(s.index.range.start, s.index.range.end)}]` : '[]';
  }
  return out;
}

function extend(place: Place, step: Step): Place {
  return { root: place.root, steps: [...place.steps, step] };
}

function isArrayValued(e: Expr, fn: FunctionModel): boolean {
  const type = fn.typeOf(stripCasts(e));
  return type !== undefined && fn.file.types.resolve(type).arrayDims.length > 0;
}

/** A pointer defined from a call (`malloc`, `get_job()`) points to whatever the call returned. */
function isAllocation(e: Expr): boolean {
  return stripCasts(e).kind === 'call';
}

const definitionCache = new WeakMap<FunctionModel, Map<string, Expr[] | null>>();

/**
 * The one expression a local pointer is defined from (its initialiser, or
 * its only assignment when it has none), or undefined when it is defined
 * more than once, its address is taken, or it is changed by `++`/`+=`.
 */
export function singleDefinition(symbol: VarSymbol, fn: FunctionModel): Expr | undefined {
  let perFn = definitionCache.get(fn);
  if (!perFn) {
    perFn = collectDefinitions(fn);
    definitionCache.set(fn, perFn);
  }
  const defs = perFn.get(`${symbol.name}@${symbol.range.start}`);
  if (defs === null) return undefined;
  const all = [...(symbol.init ? [symbol.init] : []), ...(defs ?? [])];
  return all.length === 1 ? all[0] : undefined;
}

function collectDefinitions(fn: FunctionModel): Map<string, Expr[] | null> {
  const out = new Map<string, Expr[] | null>();
  const note = (target: Expr, value: Expr | null): void => {
    const t = stripCasts(target);
    if (t.kind !== 'ident') return;
    const symbol = fn.lookup(t.name, t.range.start);
    if (!symbol || symbol.kind !== 'local') return;
    const key = `${symbol.name}@${symbol.range.start}`;
    const list = out.get(key);
    if (list === null) return;
    if (value === null) out.set(key, null);
    else out.set(key, [...(list ?? []), value]);
  };
  const visit = (e: Expr): void => {
    switch (e.kind) {
      case 'assign': note(e.left, e.op === '=' ? e.right : null); break;
      case 'update': note(e.operand, null); break;
      case 'unary': if (e.op === '&') note(e.operand, null); break;
      default: break;
    }
  };
  forEachExprIn(fn.ir.body, (e) => visit(e));
  return out;
}
