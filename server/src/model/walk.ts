/**
 * Traversals over the IR that rules share: every expression, every call with
 * the loops around it, structural equality of expressions.
 *
 * Invariant: traversal order is source order, so "before"/"after" in a
 * straight-line block means what a reader of the code expects.
 */
import type { Expr, LoopStmt, Stmt } from './ir';
import { isLoop } from './ir';

export type CallExpr = Extract<Expr, { kind: 'call' }>;

/** Direct sub-expressions of an expression, in source order. */
export function childExprs(e: Expr): Expr[] {
  switch (e.kind) {
    case 'call': return [e.callee, ...e.args];
    case 'field': return [e.object];
    case 'index': return [e.object, e.index];
    case 'unary': case 'update': case 'cast': return [e.operand];
    case 'binary': case 'assign': return [e.left, e.right];
    case 'cond': return e.then ? [e.test, e.then, e.otherwise] : [e.test, e.otherwise];
    case 'sizeof': return e.operand ? [e.operand] : [];
    case 'comma': return e.exprs;
    case 'init': return e.items;
    default: return [];
  }
}

/** Expressions directly owned by a statement (not those of nested statements). */
export function stmtExprs(s: Stmt): Expr[] {
  switch (s.kind) {
    case 'expr': return [s.expr];
    case 'decl': {
      const out: Expr[] = [];
      for (const d of s.decls) {
        if (d.init) out.push(d.init);
        for (const dim of d.type.arrayDims) if (dim) out.push(dim);
      }
      return out;
    }
    case 'if': case 'while': case 'do': case 'switch': return [s.test];
    case 'for': return [s.test, s.update].filter((e): e is Expr => e !== undefined);
    case 'case': return s.value ? [s.value] : [];
    case 'return': return s.value ? [s.value] : [];
    default: return [];
  }
}

/** Direct child statements, in source order. */
export function childStmts(s: Stmt): Stmt[] {
  switch (s.kind) {
    case 'block': return s.body;
    case 'if': return s.otherwise ? [s.then, s.otherwise] : [s.then];
    case 'while': case 'do': case 'switch': return [s.body];
    case 'for': return s.init ? [s.init, s.body] : [s.body];
    case 'case': return s.body;
    case 'label': return [s.body];
    default: return [];
  }
}

/** Calls `visit` for `e` and every expression below it (pre-order). */
export function forEachExpr(e: Expr, visit: (e: Expr) => void): void {
  const stack: Expr[] = [e];
  while (stack.length > 0) {
    const current = stack.pop()!;
    visit(current);
    const children = childExprs(current);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
}

/** Every statement below and including `root`, pre-order, with its ancestors. */
export function forEachStmt(root: Stmt, visit: (s: Stmt, ancestors: readonly Stmt[]) => void): void {
  const ancestors: Stmt[] = [];
  const walk = (s: Stmt): void => {
    visit(s, ancestors);
    ancestors.push(s);
    for (const child of childStmts(s)) walk(child);
    ancestors.pop();
  };
  walk(root);
}

/** Every expression in a statement tree, including nested statements'. */
export function forEachExprIn(root: Stmt, visit: (e: Expr, owner: Stmt) => void): void {
  forEachStmt(root, (s) => {
    for (const e of stmtExprs(s)) forEachExpr(e, (x) => visit(x, s));
  });
}

export interface CallSite {
  call: CallExpr;
  /** Callee name for direct calls. */
  name: string | undefined;
  /** The innermost statement that owns the call. */
  stmt: Stmt;
  /** Statements enclosing `stmt`, outermost first. */
  ancestors: readonly Stmt[];
  /** Loops enclosing the call, outermost first (a `for` header counts as inside its loop). */
  loops: LoopStmt[];
}

/** All calls of a statement tree in source order, with their context. */
export function collectCalls(root: Stmt): CallSite[] {
  const out: CallSite[] = [];
  forEachStmt(root, (s, ancestors) => {
    const exprs = stmtExprs(s);
    if (exprs.length === 0) return;
    const chain = [...ancestors];
    const loops = chain.filter(isLoop);
    if (isLoop(s)) loops.push(s);
    for (const e of exprs) {
      forEachExpr(e, (x) => {
        if (x.kind === 'call') out.push({ call: x, name: x.name, stmt: s, ancestors: chain, loops });
      });
    }
  });
  return out.sort((a, b) => a.call.range.start - b.call.range.start);
}

/** Removes casts and reports whether any were removed. */
export function stripCasts(e: Expr): Expr {
  let current = e;
  while (current.kind === 'cast') current = current.operand;
  return current;
}

/** Structural equality of two expressions, ignoring ranges and casts. */
export function sameExpr(a: Expr | undefined, b: Expr | undefined): boolean {
  if (!a || !b) return false;
  const x = stripCasts(a);
  const y = stripCasts(b);
  if (x.kind !== y.kind) return false;
  switch (x.kind) {
    case 'ident': return x.name === (y as typeof x).name;
    case 'number': return x.value !== undefined && x.value === (y as typeof x).value;
    case 'string': return x.value === (y as typeof x).value;
    case 'char': return x.value === (y as typeof x).value;
    case 'field': return x.field === (y as typeof x).field && x.arrow === (y as typeof x).arrow && sameExpr(x.object, (y as typeof x).object);
    case 'unary': return x.op === (y as typeof x).op && sameExpr(x.operand, (y as typeof x).operand);
    case 'binary': return x.op === (y as typeof x).op && sameExpr(x.left, (y as typeof x).left) && sameExpr(x.right, (y as typeof x).right);
    case 'index': return sameExpr(x.object, (y as typeof x).object) && sameExpr(x.index, (y as typeof x).index);
    case 'sizeof': {
      const o = y as typeof x;
      if (x.operand || o.operand) return sameExpr(x.operand, o.operand);
      return !!x.type && !!o.type && x.type.base === o.type.base && x.type.pointerDepth === o.type.pointerDepth;
    }
    case 'call': {
      const o = y as typeof x;
      return x.name !== undefined && x.name === o.name && x.args.length === o.args.length && x.args.every((arg, i) => sameExpr(arg, o.args[i]));
    }
    default: return false;
  }
}

/** Does `e` mention the variable `name` anywhere? */
export function mentions(e: Expr | undefined, name: string): boolean {
  if (!e) return false;
  let found = false;
  forEachExpr(e, (x) => {
    if (x.kind === 'ident' && x.name === name) found = true;
  });
  return found;
}

/** The variable at the root of an lvalue or pointer expression: `p` for `p->data[i]`, `&buf[4]`, `buf + 4`. */
export function rootName(e: Expr): string | undefined {
  let current = stripCasts(e);
  for (let guard = 0; guard < 64; guard++) {
    switch (current.kind) {
      case 'ident': return current.name;
      case 'field': case 'index': current = stripCasts(current.object); continue;
      case 'unary': if (current.op !== '&' && current.op !== '*') return undefined; current = stripCasts(current.operand); continue;
      case 'binary': if (current.op !== '+' && current.op !== '-') return undefined; current = stripCasts(current.left); continue;
      default: return undefined;
    }
  }
  return undefined;
}
