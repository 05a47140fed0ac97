/**
 * Constant values of integer locals along the CFG: `long i = 0; create(...,
 * (void *) i); i++; create(..., (void *) i);` hands the threads 0 and 1. A
 * small forward constant propagation (solveForward in paths.ts) over the
 * function's locals, used to tell per-thread slots apart.
 *
 * Invariants: a value is known only when every path gives the same one; a
 * local whose address is taken, or that is assigned anything but a constant
 * or `x ± constant` of a known local, is unknown from there on. Cached per
 * function model.
 */
import type { CfgNode } from './cfg';
import type { FunctionModel } from './functionModel';
import type { Expr } from './ir';
import { solveForward } from './paths';
import { forEachExpr, stripCasts } from './walk';

type Values = ReadonlyMap<string, number | null>;

const EMPTY: Values = new Map();
const cache = new WeakMap<FunctionModel, Map<CfgNode, Values>>();

/** The known constant value of each local just before a node runs. */
export function valuesAt(fn: FunctionModel, node: CfgNode | undefined): Values {
  if (!node) return EMPTY;
  let before = cache.get(fn);
  if (!before) {
    before = compute(fn);
    cache.set(fn, before);
  }
  return before.get(node) ?? EMPTY;
}

/** `e` folded with the constants known at `node` (a local, a constant, `x + 1` of a known local). */
export function valueAt(fn: FunctionModel, node: CfgNode | undefined, e: Expr): number | undefined {
  return evaluate(stripCasts(e), fn, valuesAt(fn, node));
}

function evaluate(e: Expr, fn: FunctionModel, values: Values): number | undefined {
  const x = stripCasts(e);
  if (x.kind === 'ident') {
    const v = values.get(x.name);
    if (v !== undefined) return v ?? undefined;
    return fn.fold(x);
  }
  if (x.kind === 'binary' && (x.op === '+' || x.op === '-')) {
    const l = evaluate(x.left, fn, values);
    const r = l === undefined ? undefined : evaluate(x.right, fn, values);
    return l === undefined || r === undefined ? undefined : x.op === '+' ? l + r : l - r;
  }
  return fn.fold(x);
}

function compute(fn: FunctionModel): Map<CfgNode, Values> {
  const locals = new Set(fn.locals.filter((l) => !l.isStatic && l.type.pointerDepth === 0 && l.type.arrayDims.length === 0).map((l) => l.name));
  if (locals.size === 0) return new Map();
  const solution = solveForward<Values>(fn.cfg, {
    initial: EMPTY,
    transfer(node, before) {
      const event = node.event;
      if (!event) return before;
      let out: Map<string, number | null> | undefined;
      const set = (name: string, v: number | null): void => {
        if (!locals.has(name)) return;
        out ??= new Map(before);
        out.set(name, v);
      };
      const current = (): Values => out ?? before;
      if (event.kind === 'decl' && event.decl) set(event.decl.name, event.decl.init ? evaluate(event.decl.init, fn, before) ?? null : null);
      if (event.expr && event.kind !== 'unknown') {
        forEachExpr(event.expr, (x) => {
          if (x.kind === 'assign') {
            const t = stripCasts(x.left);
            if (t.kind !== 'ident') return;
            const old = current().get(t.name);
            const r = evaluate(x.right, fn, current());
            const v = x.op === '=' ? r : x.op === '+=' && old != null && r !== undefined ? old + r : x.op === '-=' && old != null && r !== undefined ? old - r : undefined;
            set(t.name, v ?? null);
          } else if (x.kind === 'update') {
            const t = stripCasts(x.operand);
            if (t.kind !== 'ident') return;
            const old = current().get(t.name);
            set(t.name, old == null ? null : x.op === '++' ? old + 1 : old - 1);
          } else if (x.kind === 'unary' && x.op === '&') {
            const t = stripCasts(x.operand);
            if (t.kind === 'ident') set(t.name, null);
          }
        });
      }
      return out ?? before;
    },
    join(a, b) {
      if (a === b) return a;
      const out = new Map<string, number | null>();
      for (const [k, v] of a) {
        const w = b.get(k);
        if (w === undefined) continue;
        out.set(k, v !== null && v === w ? v : null);
      }
      for (const [k] of b) if (!a.has(k)) out.set(k, null);
      return out;
    },
    equals(a, b) {
      if (a === b) return true;
      if (a.size !== b.size) return false;
      for (const [k, v] of a) if (b.get(k) !== v) return false;
      return true;
    },
  });
  return solution.before;
}
