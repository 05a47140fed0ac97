/**
 * A control-flow graph per function, built from the IR (ir.ts), never from
 * the tree, so it can be built after the tree is gone.
 *
 * Shape. One node evaluates at most one full expression (its `event`): an
 * expression statement, one declarator, one leaf of a branch condition, a
 * `return` value, a `for` update, a `switch` value, or a statement the
 * lowering did not understand (`unknown`: assume it may do anything).
 * Conditions are split at `&&`, `||`, `!` and `,`, so every branch edge
 * carries the one leaf it tested and the truth value taken (`edge.cond`):
 * `if (aio_read(&cb) == -1) return -1;` gives an edge "`aio_read(&cb) == -1`
 * is true" into the return and one "... is false" onward. `edgeFact` turns
 * such an edge into a comparison fact (`subject op value`).
 *
 * Special nodes: `entry`; `exit`, reached by `return` and by falling off the
 * end (the function returns to its caller); `trap`, reached by calls that do
 * not return (`exit`, `abort`, `pthread_exit`, `longjmp`, `assert(0)`, and
 * functions of the same file that never return): the function does not
 * return from there. Code after `return`, `break`, `goto` starts a node with
 * no predecessors (unreachable until a label or `case` joins it).
 *
 * API (read-only for rules; see also paths.ts for the path queries):
 *   buildCfg(ir, options)       -> Cfg (FunctionModel.cfg builds it lazily, once)
 *   cfg.entry / exit / trap / nodes
 *   cfg.nodeAt(offset)          the node whose event contains an offset
 *   cfg.nodeOf(expr)            the node whose event contains an expression
 *   node.event                  { kind, expr, decl?, stmt, calls, range }
 *   node.succs / node.preds     edges { from, to, kind, cond? }
 *   node.loops                  loop statements enclosing the node
 *   edgeFact(edge)              `subject op value` holding on a branch edge
 *   dumpCfg(cfg, text)          a readable listing, for tests and debugging
 *
 * Invariants: plain data once built; node ids are dense and in creation
 * order, which follows source order; events do not nest, so at most one
 * node contains a given offset; building never throws on any IR.
 */
import type { Expr, FunctionIR, LoopStmt, Range, Stmt, VarDecl } from './ir';
import { childExprs, stripCasts, type CallExpr } from './walk';

export type EventKind = 'expr' | 'decl' | 'test' | 'return' | 'update' | 'switch' | 'unknown';

export interface CfgEvent {
  kind: EventKind;
  /** The full expression evaluated (for `decl`: the initialiser, if any; for `unknown`: an `unknown` expression). */
  expr: Expr | undefined;
  /** For `decl`: the declarator. */
  decl?: VarDecl;
  /** The statement that owns the expression. */
  stmt: Stmt;
  /** Calls evaluated, in evaluation order (arguments before the call that uses them). */
  calls: CallExpr[];
  range: Range;
}

export type NodeKind = 'entry' | 'exit' | 'trap' | 'event' | 'join';

export type EdgeKind = 'flow' | 'true' | 'false' | 'case' | 'back' | 'jump';

/** What a branch edge knows: a condition leaf and its truth value, or a `switch` case taken. */
export type BranchCondition =
  | { kind: 'test'; test: Expr; value: boolean }
  /** `value` undefined: no case matched (the edge to `default` or past the switch). */
  | { kind: 'case'; test: Expr; value: Expr | undefined; others: Expr[] };

export interface CfgEdge {
  from: CfgNode;
  to: CfgNode;
  kind: EdgeKind;
  cond?: BranchCondition;
}

export interface CfgNode {
  id: number;
  kind: NodeKind;
  event?: CfgEvent;
  succs: CfgEdge[];
  preds: CfgEdge[];
  /** Loops enclosing the node, outermost first (a loop's test and update are inside it). */
  loops: readonly LoopStmt[];
}

export interface Cfg {
  entry: CfgNode;
  exit: CfgNode;
  trap: CfgNode;
  /** All nodes, by id. */
  nodes: CfgNode[];
  /** The node whose event contains `offset`, if any. */
  nodeAt(offset: number): CfgNode | undefined;
  /** The node whose event contains the expression. */
  nodeOf(e: { range: Range }): CfgNode | undefined;
}

export interface CfgOptions {
  /** Does this call never return? Defaults to `isNoReturnCall`. */
  isNoReturn?: (call: CallExpr) => boolean;
  /** Folds a condition to a constant (`while (1)`, `if (0)`); defaults to literal numbers only. */
  fold?: (e: Expr) => number | undefined;
}

/** Library calls that never return to their caller. */
export const NO_RETURN_FUNCTIONS: ReadonlySet<string> = new Set([
  'exit', '_exit', '_Exit', 'quick_exit', 'abort', 'pthread_exit', 'thrd_exit', 'longjmp', 'siglongjmp', '_longjmp',
  '__builtin_unreachable', '__builtin_trap', 'unreachable', '__assert_fail', '__assert_perror_fail', '__assert', 'err', 'errx', 'verr', 'verrx',
  '__stack_chk_fail', 'panic',
]);

/** The default no-return test: the library list, and `assert(0)` / `assert(!"...")` / `assert(false)`. */
export function isNoReturnCall(call: CallExpr, fold?: (e: Expr) => number | undefined): boolean {
  if (!call.name) return false;
  if (NO_RETURN_FUNCTIONS.has(call.name)) return true;
  if (call.name === 'assert' && call.args.length === 1) return constantTruth(call.args[0]!, fold) === false;
  return false;
}

export function buildCfg(ir: FunctionIR, options: CfgOptions = {}): Cfg {
  return new Builder(options).build(ir);
}

/** Can the function return to its caller (is `exit` reachable from `entry`)? */
export function canReturn(cfg: Cfg): boolean {
  const seen = new Set<CfgNode>();
  const stack = [cfg.entry];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n === cfg.exit) return true;
    if (seen.has(n)) continue;
    seen.add(n);
    for (const e of n.succs) stack.push(e.to);
  }
  return false;
}

// ------------------------------------------------------------- facts on edges

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

/**
 * A comparison known to hold on an edge: `subject op value`. The subject is
 * the tested expression with casts removed (an assignment `(r = f()) < 0`
 * stays an assignment: `assigned` names `r`); `value` is the other operand,
 * `valueNumber` its value when it is a literal (negative literals included).
 * A bare `if (x)` gives `x != 0`; `!x` was already turned into the opposite
 * edge when the graph was built.
 */
export interface EdgeFact {
  subject: Expr;
  op: CompareOp;
  value: Expr | undefined;
  valueNumber: number | undefined;
  /** The call at the heart of the subject, if it is one: `f()` for `f()`, `(r = f())`, `(int)f()`. */
  call: CallExpr | undefined;
  /** The variable assigned inside the subject, for `(r = f()) < 0`. */
  assigned: string | undefined;
}

const NEGATE: Record<CompareOp, CompareOp> = { '==': '!=', '!=': '==', '<': '>=', '<=': '>', '>': '<=', '>=': '<' };
const MIRROR: Record<CompareOp, CompareOp> = { '==': '==', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };
const COMPARE = new Set(['==', '!=', '<', '<=', '>', '>=']);

/** The comparison that holds on a branch edge, or undefined for other edges. */
export function edgeFact(edge: CfgEdge): EdgeFact | undefined {
  const cond = edge.cond;
  if (!cond || cond.kind !== 'test') return undefined;
  return testFact(cond.test, cond.value);
}

/** The comparison that holds when `test` evaluates to `value`. */
export function testFact(test: Expr, value: boolean): EdgeFact | undefined {
  const t = stripCasts(test);
  let subject: Expr;
  let op: CompareOp;
  let other: Expr | undefined;
  if (t.kind === 'binary' && COMPARE.has(t.op)) {
    const leftNum = literalNumber(t.left);
    const rightNum = literalNumber(t.right);
    if (leftNum !== undefined && rightNum === undefined) {
      subject = t.right;
      op = MIRROR[t.op as CompareOp];
      other = t.left;
    } else {
      subject = t.left;
      op = t.op as CompareOp;
      other = t.right;
    }
  } else {
    subject = t;
    op = '!=';
    other = undefined;
  }
  if (!value) op = NEGATE[op];
  const s = stripCasts(subject);
  const inner = s.kind === 'assign' && s.op === '=' ? stripCasts(s.right) : s;
  return {
    subject: s,
    op,
    value: other,
    valueNumber: other ? literalNumber(other) : 0,
    call: inner.kind === 'call' ? inner : undefined,
    assigned: s.kind === 'assign' && s.op === '=' && stripCasts(s.left).kind === 'ident' ? (stripCasts(s.left) as { name: string }).name : undefined,
  };
}

/** Value of a literal number, `-1`, `+1`, or a cast of one. */
export function literalNumber(e: Expr): number | undefined {
  const x = stripCasts(e);
  if (x.kind === 'number') return x.value;
  if (x.kind === 'char') return x.value;
  if (x.kind === 'unary' && (x.op === '-' || x.op === '+')) {
    const v = literalNumber(x.operand);
    return v === undefined ? undefined : x.op === '-' ? -v : v;
  }
  return undefined;
}

/** Does `n op k` hold for the number n? */
export function compareHolds(n: number, op: CompareOp, k: number): boolean {
  switch (op) {
    case '==': return n === k;
    case '!=': return n !== k;
    case '<': return n < k;
    case '<=': return n <= k;
    case '>': return n > k;
    case '>=': return n >= k;
  }
}

// -------------------------------------------------------------------- builder

interface SwitchContext {
  test: Expr;
  dispatch: CfgNode;
  values: Expr[];
  hasDefault: boolean;
}

class Builder {
  private readonly nodes: CfgNode[] = [];
  private readonly eventNodes: CfgNode[] = [];
  private readonly breakTargets: CfgNode[] = [];
  private readonly continueTargets: CfgNode[] = [];
  private readonly switches: SwitchContext[] = [];
  private readonly loops: LoopStmt[] = [];
  private readonly labels = new Map<string, CfgNode>();
  private readonly gotos: { from: CfgNode; label: string }[] = [];
  private readonly isNoReturn: (call: CallExpr) => boolean;
  private readonly fold: (e: Expr) => number | undefined;
  private exitNode!: CfgNode;
  private trapNode!: CfgNode;

  constructor(options: CfgOptions) {
    this.fold = options.fold ?? ((e) => literalNumber(e));
    this.isNoReturn = options.isNoReturn ?? ((c) => isNoReturnCall(c, this.fold));
  }

  build(ir: FunctionIR): Cfg {
    const entry = this.node('entry');
    this.exitNode = this.node('exit');
    this.trapNode = this.node('trap');
    const end = this.stmt(ir.body, entry);
    this.edge(end, this.exitNode, 'flow');
    for (const g of this.gotos) {
      const target = this.labels.get(g.label);
      // A label we could not see (inside a macro): the jump may leave the function.
      this.edge(g.from, target ?? this.exitNode, 'jump');
    }
    const sorted = [...this.eventNodes].sort((a, b) => a.event!.range.start - b.event!.range.start);
    const nodeAt = (offset: number): CfgNode | undefined => {
      let lo = 0;
      let hi = sorted.length - 1;
      let found: CfgNode | undefined;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const n = sorted[mid]!;
        if (n.event!.range.start <= offset) {
          found = n;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      return found && offset < found.event!.range.end ? found : undefined;
    };
    return {
      entry,
      exit: this.exitNode,
      trap: this.trapNode,
      nodes: this.nodes,
      nodeAt,
      nodeOf: (e) => {
        const n = nodeAt(e.range.start);
        return n && e.range.end <= n.event!.range.end ? n : undefined;
      },
    };
  }

  private node(kind: NodeKind, event?: CfgEvent): CfgNode {
    const n: CfgNode = { id: this.nodes.length, kind, succs: [], preds: [], loops: [...this.loops] };
    if (event) {
      n.event = event;
      this.eventNodes.push(n);
    }
    this.nodes.push(n);
    return n;
  }

  private edge(from: CfgNode, to: CfgNode, kind: EdgeKind, cond?: BranchCondition): void {
    const e: CfgEdge = cond ? { from, to, kind, cond } : { from, to, kind };
    from.succs.push(e);
    to.preds.push(e);
  }

  /** A node that nothing reaches yet (after `return`, `break`, `goto`). */
  private unreachable(): CfgNode {
    return this.node('join');
  }

  private event(cur: CfgNode, kind: EventKind, stmt: Stmt, expr: Expr | undefined, range: Range, decl?: VarDecl): CfgNode {
    const ev: CfgEvent = { kind, expr, stmt, calls: expr ? callsInOrder(expr) : [], range };
    if (decl) ev.decl = decl;
    const n = this.node('event', ev);
    this.edge(cur, n, 'flow');
    return n;
  }

  private stmt(s: Stmt, cur: CfgNode): CfgNode {
    switch (s.kind) {
      case 'block': {
        let c = cur;
        for (const child of s.body) c = this.stmt(child, c);
        return c;
      }
      case 'expr': {
        const n = this.event(cur, s.expr.kind === 'unknown' ? 'unknown' : 'expr', s, s.expr, s.expr.range);
        if (this.endsInNoReturn(s.expr)) {
          this.edge(n, this.trapNode, 'flow');
          return this.unreachable();
        }
        return n;
      }
      case 'decl': {
        let c = cur;
        for (const d of s.decls) c = this.event(c, 'decl', s, d.init, d.range, d);
        return c;
      }
      case 'if': {
        const { whenTrue, whenFalse } = this.condition(s.test, s, cur);
        const thenEnd = this.stmt(s.then, whenTrue);
        const elseEnd = s.otherwise ? this.stmt(s.otherwise, whenFalse) : whenFalse;
        const join = this.node('join');
        this.edge(thenEnd, join, 'flow');
        this.edge(elseEnd, join, 'flow');
        return join;
      }
      case 'while': {
        this.loops.push(s);
        const head = this.node('join');
        this.edge(cur, head, 'flow');
        const { whenTrue, whenFalse } = this.condition(s.test, s, head);
        const out = this.node('join');
        this.loops.pop();
        this.edge(whenFalse, out, 'flow');
        const bodyEnd = this.loopBody(s, whenTrue, out, head);
        this.edge(bodyEnd, head, 'back');
        return out;
      }
      case 'do': {
        this.loops.push(s);
        const start = this.node('join');
        const test = this.node('join');
        this.loops.pop();
        const out = this.node('join');
        this.edge(cur, start, 'flow');
        const bodyEnd = this.loopBody(s, start, out, test);
        this.edge(bodyEnd, test, 'flow');
        this.loops.push(s);
        const { whenTrue, whenFalse } = this.condition(s.test, s, test);
        this.loops.pop();
        this.edge(whenTrue, start, 'back');
        this.edge(whenFalse, out, 'flow');
        return out;
      }
      case 'for': {
        const afterInit = s.init ? this.stmt(s.init, cur) : cur;
        this.loops.push(s);
        const head = this.node('join');
        this.edge(afterInit, head, 'flow');
        let whenTrue = head;
        let whenFalse: CfgNode | undefined;
        if (s.test) ({ whenTrue, whenFalse } = this.condition(s.test, s, head));
        const cont = this.node('join');
        this.loops.pop();
        const out = this.node('join');
        if (whenFalse) this.edge(whenFalse, out, 'flow');
        const bodyEnd = this.loopBody(s, whenTrue, out, cont);
        this.edge(bodyEnd, cont, 'flow');
        this.loops.push(s);
        const updateEnd = s.update ? this.event(cont, 'update', s, s.update, s.update.range) : cont;
        this.loops.pop();
        this.edge(updateEnd, head, 'back');
        return out;
      }
      case 'switch': {
        const dispatch = this.event(cur, 'switch', s, s.test, s.test.range);
        const out = this.node('join');
        const ctx: SwitchContext = { test: s.test, dispatch, values: [], hasDefault: false };
        collectCaseValues(s.body, ctx.values);
        this.switches.push(ctx);
        this.breakTargets.push(out);
        // Statements before the first label are never reached.
        const bodyEnd = this.stmt(s.body, this.unreachable());
        this.breakTargets.pop();
        this.switches.pop();
        this.edge(bodyEnd, out, 'flow');
        if (!ctx.hasDefault) this.edge(dispatch, out, 'case', { kind: 'case', test: s.test, value: undefined, others: ctx.values });
        return out;
      }
      case 'case': {
        const label = this.node('join');
        this.edge(cur, label, 'flow');
        const ctx = this.switches[this.switches.length - 1];
        if (ctx) {
          if (!s.value) ctx.hasDefault = true;
          this.edge(ctx.dispatch, label, 'case', { kind: 'case', test: ctx.test, value: s.value, others: s.value ? [] : ctx.values });
        }
        let c = label;
        for (const child of s.body) c = this.stmt(child, c);
        return c;
      }
      case 'break': {
        const target = this.breakTargets[this.breakTargets.length - 1];
        if (target) this.edge(cur, target, 'jump');
        return this.unreachable();
      }
      case 'continue': {
        const target = this.continueTargets[this.continueTargets.length - 1];
        if (target) this.edge(cur, target, 'back');
        return this.unreachable();
      }
      case 'return': {
        const n = this.event(cur, 'return', s, s.value, s.value?.range ?? s.range);
        this.edge(n, this.exitNode, 'flow');
        return this.unreachable();
      }
      case 'goto':
        this.gotos.push({ from: cur, label: s.label });
        return this.unreachable();
      case 'label': {
        let target = this.labels.get(s.name);
        if (!target) {
          target = this.node('join');
          this.labels.set(s.name, target);
        }
        this.edge(cur, target, 'flow');
        return this.stmt(s.body, target);
      }
      case 'unknown':
        return this.event(cur, 'unknown', s, { kind: 'unknown', range: s.range }, s.range);
    }
  }

  private loopBody(loop: LoopStmt, start: CfgNode, breakTo: CfgNode, continueTo: CfgNode): CfgNode {
    this.loops.push(loop);
    this.breakTargets.push(breakTo);
    this.continueTargets.push(continueTo);
    const end = this.stmt(loop.body, start);
    this.continueTargets.pop();
    this.breakTargets.pop();
    this.loops.pop();
    return end;
  }

  /** Builds the decision graph of a condition from `cur`; returns where flow goes when it is true and when false. */
  private condition(test: Expr, owner: Stmt, cur: CfgNode): { whenTrue: CfgNode; whenFalse: CfgNode } {
    const whenTrue = this.node('join');
    const whenFalse = this.node('join');
    this.branch(test, owner, cur, whenTrue, whenFalse);
    return { whenTrue, whenFalse };
  }

  private branch(test: Expr, owner: Stmt, cur: CfgNode, whenTrue: CfgNode, whenFalse: CfgNode): void {
    const e = test;
    if (e.kind === 'binary' && (e.op === '&&' || e.op === '||')) {
      const mid = this.node('join');
      if (e.op === '&&') this.branch(e.left, owner, cur, mid, whenFalse);
      else this.branch(e.left, owner, cur, whenTrue, mid);
      this.branch(e.right, owner, mid, whenTrue, whenFalse);
      return;
    }
    if (e.kind === 'unary' && e.op === '!') {
      this.branch(e.operand, owner, cur, whenFalse, whenTrue);
      return;
    }
    if (e.kind === 'comma' && e.exprs.length > 0) {
      let c = cur;
      for (const x of e.exprs.slice(0, -1)) c = this.event(c, 'expr', owner, x, x.range);
      this.branch(e.exprs[e.exprs.length - 1]!, owner, c, whenTrue, whenFalse);
      return;
    }
    const truth = constantTruth(e, this.fold);
    if (truth !== undefined) {
      this.edge(cur, truth ? whenTrue : whenFalse, 'flow');
      return;
    }
    const n = this.event(cur, 'test', owner, e, e.range);
    this.edge(n, whenTrue, 'true', { kind: 'test', test: e, value: true });
    this.edge(n, whenFalse, 'false', { kind: 'test', test: e, value: false });
  }

  /** An expression statement that is a call that does not return (possibly cast to void or after a comma). */
  private endsInNoReturn(e: Expr): boolean {
    let x = stripCasts(e);
    if (x.kind === 'comma' && x.exprs.length > 0) x = stripCasts(x.exprs[x.exprs.length - 1]!);
    return x.kind === 'call' && this.isNoReturn(x);
  }
}

function constantTruth(e: Expr, fold?: (e: Expr) => number | undefined): boolean | undefined {
  const x = stripCasts(e);
  if (x.kind === 'string') return true;
  if (x.kind === 'unary' && x.op === '!' && stripCasts(x.operand).kind === 'string') return false;
  const v = fold ? fold(x) : literalNumber(x);
  return v === undefined ? undefined : v !== 0;
}

/** The `case` values of one switch body (not those of nested switches). */
function collectCaseValues(s: Stmt, into: Expr[]): void {
  if (s.kind === 'case' && s.value) into.push(s.value);
  switch (s.kind) {
    case 'block': for (const c of s.body) collectCaseValues(c, into); return;
    case 'case': for (const c of s.body) collectCaseValues(c, into); return;
    case 'if': collectCaseValues(s.then, into); if (s.otherwise) collectCaseValues(s.otherwise, into); return;
    case 'while': case 'do': case 'for': collectCaseValues(s.body, into); return;
    case 'label': collectCaseValues(s.body, into); return;
    default: return;
  }
}

/** Calls of an expression in evaluation order: operands first, then the call. */
export function callsInOrder(e: Expr): CallExpr[] {
  const out: CallExpr[] = [];
  const visit = (x: Expr, depth: number): void => {
    if (depth > 400) return;
    for (const c of childExprs(x)) visit(c, depth + 1);
    if (x.kind === 'call') out.push(x);
  };
  visit(e, 0);
  return out;
}

// ------------------------------------------------------------------ debugging

/**
 * A readable listing: one line per reachable event node (plus entry, exit and
 * trap), with the next event nodes it flows to, join nodes skipped:
 * `test 'aio_read(&cb) == -1' -> [true] return '-1' | [false] expr 'use(buf)'`.
 */
export function dumpCfg(cfg: Cfg, text: string): string {
  const label = (n: CfgNode): string =>
    n.event ? `${n.event.kind} '${text.slice(n.event.range.start, n.event.range.end).replace(/\s+/g, ' ')}'` : n.kind;
  const reachable = new Set<CfgNode>();
  const stack = [cfg.entry];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (reachable.has(n)) continue;
    reachable.add(n);
    for (const e of n.succs) stack.push(e.to);
  }
  const lines: string[] = [];
  for (const n of cfg.nodes) {
    if (n.kind === 'join' || !reachable.has(n)) continue;
    const targets: string[] = [];
    for (const e of n.succs) {
      const tag = e.kind === 'true' || e.kind === 'false' || e.kind === 'case' ? `[${e.kind === 'case' ? `case ${e.cond?.kind === 'case' && e.cond.value ? text.slice(e.cond.value.range.start, e.cond.value.range.end) : 'default'}` : e.kind}] ` : '';
      for (const t of skipJoins(e.to)) targets.push(`${tag}${label(t)}`);
    }
    lines.push(`${label(n)}${targets.length > 0 ? ` -> ${targets.join(' | ')}` : ''}`);
  }
  return lines.join('\n');
}

function skipJoins(start: CfgNode): CfgNode[] {
  const out: CfgNode[] = [];
  const seen = new Set<CfgNode>();
  const stack = [start];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    if (n.kind !== 'join') out.push(n);
    else for (let i = n.succs.length - 1; i >= 0; i--) stack.push(n.succs[i]!.to);
  }
  return out;
}
