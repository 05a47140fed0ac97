/**
 * Small, flow-insensitive dataflow facts over a statement tree: every
 * assignment (declaration initialisers, `=`, compound assignments, `++`/`--`)
 * with its target, where a call's result is stored, and the parent of each
 * expression.
 *
 * Invariants: plain reads of the IR, never mutated; source order is kept, so
 * "before"/"after" follow the text; nothing here decides paths (use the CFG
 * for that). Targets are keyed with `exprKey` (`n`, `c->fd`, `fds[0]`).
 */
import type { Expr, Range, Stmt } from './ir';
import { exprKey } from './regions';
import { childExprs, forEachExpr, forEachStmt, stmtExprs, stripCasts, type CallExpr } from './walk';

export interface Assignment {
  /** The assigned lvalue. */
  target: Expr;
  /** `exprKey` of the target. */
  key: string;
  /** `=` (also for declaration initialisers), `+=`, `-=`, ..., `++`, `--`. */
  op: string;
  /** The assigned value (`undefined` for `++`/`--`). */
  value: Expr | undefined;
  /** The assignment expression, or the declarator for an initialiser. */
  range: Range;
  /** The statement that owns the expression. */
  stmt: Stmt;
  isDecl: boolean;
}

/** Every assignment in `root`, in source order. */
export function assignmentsIn(root: Stmt): Assignment[] {
  const out: Assignment[] = [];
  forEachStmt(root, (s) => {
    if (s.kind === 'decl') {
      for (const d of s.decls) {
        if (!d.init) continue;
        out.push({ target: { kind: 'ident', name: d.name, range: d.nameRange }, key: d.name, op: '=', value: d.init, range: d.range, stmt: s, isDecl: true });
      }
    }
    for (const e of stmtExprs(s)) {
      forEachExpr(e, (x) => {
        if (x.kind === 'assign') out.push({ target: x.left, key: exprKey(x.left), op: x.op, value: x.right, range: x.range, stmt: s, isDecl: false });
        else if (x.kind === 'update') out.push({ target: x.operand, key: exprKey(x.operand), op: x.op, value: undefined, range: x.range, stmt: s, isDecl: false });
      });
    }
  });
  return out.sort((a, b) => a.range.start - b.range.start);
}

/**
 * Where the value of `call` is stored: `n = read(...)`, `ssize_t n = read(...)`,
 * `(n = read(...)) > 0`. Casts around the call are looked through. Returns
 * the assignment, or undefined when the result is discarded or used directly.
 */
export function resultAssignment(call: CallExpr, assignments: readonly Assignment[]): Assignment | undefined {
  return assignments.find((a) => a.op === '=' && a.value !== undefined && stripCasts(a.value) === call);
}

/** Parent of every expression below the statements of `root` (statement-owned roots map to undefined). */
export function expressionParents(root: Stmt): Map<Expr, Expr | undefined> {
  const parents = new Map<Expr, Expr | undefined>();
  forEachStmt(root, (s) => {
    for (const e of stmtExprs(s)) {
      parents.set(e, undefined);
      const stack: Expr[] = [e];
      while (stack.length > 0) {
        const current = stack.pop()!;
        for (const child of childExprs(current)) {
          parents.set(child, current);
          stack.push(child);
        }
      }
    }
  });
  return parents;
}

/** Does the expression have side effects the model can see (assignment, `++`, call)? */
export function hasSideEffects(e: Expr): boolean {
  let found = false;
  forEachExpr(e, (x) => {
    if (x.kind === 'assign' || x.kind === 'update' || x.kind === 'call' || x.kind === 'unknown') found = true;
  });
  return found;
}

/** Names of the identifiers an expression mentions. */
export function identifiersOf(e: Expr | undefined): Set<string> {
  const names = new Set<string>();
  if (e) forEachExpr(e, (x) => {
    if (x.kind === 'ident') names.add(x.name);
  });
  return names;
}

/** Is `inner` inside `outer` (by source range)? */
export function within(inner: Range, outer: Range): boolean {
  return inner.start >= outer.start && inner.end <= outer.end;
}
