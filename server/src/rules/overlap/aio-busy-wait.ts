/**
 * overlap/aio-busy-wait: a loop that waits for an AIO request by polling
 * `aio_error` without ever blocking. The thread spins at 100% of a core for
 * the whole I/O; `aio_suspend` sleeps until the request completes.
 *
 * A loop is a polling loop when one of its exits is taken only once
 * `aio_error` (called in the loop, directly in a test or through a variable)
 * no longer reports EINPROGRESS, and its body does nothing else: no call
 * that blocks (`aio_suspend`, `nanosleep`, `usleep`, `poll`, ...), no work
 * (calls other than `aio_error`, `sched_yield` and logging; inner loops;
 * statements the model cannot read).
 */
import type { Rule, RuleFix } from '../../engine/rule';
import { callsInOrder, compareHolds, edgeFact, type CfgEdge, type CfgNode, type EdgeFact } from '../../model/cfg';
import type { FunctionModel } from '../../model/functionModel';
import { isLoop, type Expr, type LoopStmt, type Stmt } from '../../model/ir';
import { forEachStmt, stmtExprs, stripCasts, type CallExpr } from '../../model/walk';
import { slice } from '../race/aio-shared';

/** Calls that put the thread to sleep: a loop containing one is not busy. */
export const BLOCKING_CALLS = new Set([
  'aio_suspend', 'aio_suspend64', 'nanosleep', 'clock_nanosleep', 'usleep', 'sleep', 'select', 'pselect', 'poll', 'ppoll',
  'epoll_wait', 'epoll_pwait', 'pthread_cond_wait', 'pthread_cond_timedwait', 'sem_wait', 'sem_timedwait', 'sigwait',
  'sigwaitinfo', 'sigtimedwait', 'sigsuspend', 'pause', 'read', 'recv', 'futex', 'syscall', 'thrd_sleep', 'cnd_wait',
  'cnd_timedwait', 'io_uring_wait_cqe', 'io_getevents', 'SleepEx', 'Sleep',
]);

/** Calls that are not work: yielding and progress output. `sched_yield` does not block: the spinning thread is rescheduled at once when nothing else wants the core. */
const SPIN_CALLS = new Set([
  'aio_error', 'aio_error64', 'sched_yield', 'pthread_yield', 'thrd_yield', '__builtin_ia32_pause', '_mm_pause', 'cpu_relax',
  'printf', 'fprintf', 'putchar', 'fputc', 'puts', 'fputs', 'fflush', 'clock_gettime', 'gettimeofday', 'time',
]);

const YIELDS = new Set(['sched_yield', 'pthread_yield', 'thrd_yield']);

const EINPROGRESS = 115;

export const aioBusyWait: Rule = {
  id: 'overlap/aio-busy-wait',
  summary: "A loop that polls 'aio_error' without blocking burns a core for the whole I/O; 'aio_suspend' sleeps until the request completes.",
  defaultSeverity: 'warning',
  fix: 'unsafe',
  scenario: 'aio-busy-wait→aio-suspend',
  messages: {
    spin: "this loop polls 'aio_error' on '{{control}}' without blocking{{yield}}: it keeps a core at 100% for as long as the I/O takes (0.1–10 ms for a disk read) and competes with the AIO helper thread; block in 'aio_suspend' on '{{control}}' instead",
  },
  scope: 'calls',
  triggers: ['aio_error', 'aio_error64'],
  candidates: /\baio_error(64)?\s*\(/,
  check(ctx) {
    for (const fn of ctx.functions()) {
      const loops = new Set<LoopStmt>();
      for (const site of fn.calls) {
        if (site.name !== 'aio_error' && site.name !== 'aio_error64') continue;
        const loop = site.loops[site.loops.length - 1];
        if (loop) loops.add(loop);
      }
      for (const loop of loops) {
        const polled = polledControls(loop, fn);
        if (polled.length === 0) continue; // no exit waits for aio_error to change
        if (!isBusy(loop)) continue; // the body blocks or does work
        // All control blocks polled in the loop's own test (`aio_error(a) == EINPROGRESS || aio_error(b) == ...`).
        const inTest = loop.test ? callsInOrder(loop.test).filter((c) => pollCall(c) && c.args[0]).map((c) => c.args[0]!) : [];
        const controls = uniqueByText([...inTest, ...polled], ctx.text);
        const control = controls.map((c) => slice(ctx.text, stripAddress(c).range)).join("', '");
        const yields = bodyCalls(loop).some((c) => YIELDS.has(c.name ?? ''));
        const fix = suspendFix(loop, controls, ctx.text);
        ctx.report({
          messageId: 'spin',
          data: { control, yield: yields ? " ('sched_yield' does not block)" : '' },
          range: loop.headerRange,
          functionName: fn.name,
          ...(fix ? { fixes: [fix] } : {}),
        });
      }
    }
  },
};

/** Control blocks whose completion some exit of the loop waits for, as `aio_error` arguments. */
function polledControls(loop: LoopStmt, fn: FunctionModel): Expr[] {
  const cfg = fn.cfg;
  const inLoop = (n: CfgNode): boolean => n.loops.includes(loop);
  // Variables assigned from aio_error inside the loop: `e = aio_error(&cb)`.
  const polledVars = new Map<string, Expr>();
  forEachStmt(loop, (s) => {
    for (const e of stmtExprs(s)) collectAssignedPolls(e, polledVars);
    if (s.kind === 'decl') for (const d of s.decls) if (d.init) {
      const call = pollCall(d.init);
      if (call?.args[0]) polledVars.set(d.name, call.args[0]);
    }
  });
  const out: Expr[] = [];
  for (const node of cfg.nodes) {
    if (node.event?.kind !== 'test' || !inLoop(node)) continue;
    for (const edge of node.succs) {
      if (!leavesLoop(edge, inLoop)) continue;
      const fact = edgeFact(edge);
      if (!fact) continue;
      const control = fact.call && pollCall(fact.call) ? fact.call.args[0] : stripCasts(fact.subject).kind === 'ident' ? polledVars.get((stripCasts(fact.subject) as { name: string }).name) : undefined;
      if (!control) continue;
      if (!excludesInProgress(fact, fn)) continue;
      out.push(control);
    }
  }
  return out;
}

function collectAssignedPolls(e: Expr, into: Map<string, Expr>): void {
  const stack = [e];
  while (stack.length > 0) {
    const x = stack.pop()!;
    if (x.kind === 'assign' && x.op === '=') {
      const l = stripCasts(x.left);
      const call = pollCall(x.right);
      if (l.kind === 'ident' && call?.args[0]) into.set(l.name, call.args[0]);
    }
    if (x.kind === 'binary' || x.kind === 'assign') stack.push(x.left, x.right);
    else if (x.kind === 'comma') stack.push(...x.exprs);
  }
}

function pollCall(e: Expr): CallExpr | undefined {
  let x = stripCasts(e);
  if (x.kind === 'assign') x = stripCasts(x.right);
  return x.kind === 'call' && (x.name === 'aio_error' || x.name === 'aio_error64') ? x : undefined;
}

/** Does the edge lead out of the loop (through join nodes only)? */
function leavesLoop(edge: CfgEdge, inLoop: (n: CfgNode) => boolean): boolean {
  const seen = new Set<CfgNode>();
  const stack = [edge.to];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    if (!inLoop(n)) return true;
    if (n.kind === 'join') for (const e of n.succs) stack.push(e.to);
  }
  return false;
}

/** The fact on the exit edge rules out EINPROGRESS: the loop leaves once the request is no longer in progress. */
function excludesInProgress(fact: EdgeFact, fn: FunctionModel): boolean {
  const v = fact.value === undefined ? 0 : fact.valueNumber ?? constantValue(fact.value, fn);
  if (v === undefined) return false;
  return !compareHolds(EINPROGRESS, fact.op, v);
}

function constantValue(e: Expr, fn: FunctionModel): number | undefined {
  const x = stripCasts(e);
  if (x.kind === 'ident' && x.name === 'EINPROGRESS') return EINPROGRESS;
  return fn.fold(x);
}

/** Every call of the loop, test and update included. */
function bodyCalls(loop: LoopStmt): CallExpr[] {
  const out: CallExpr[] = [];
  forEachStmt(loop, (s) => {
    for (const e of stmtExprs(s)) out.push(...callsInOrder(e));
    if (s.kind === 'for' && s.update) out.push(...callsInOrder(s.update));
  });
  return out;
}

/** Nothing in the loop blocks, and nothing is work. */
function isBusy(loop: LoopStmt): boolean {
  let busy = true;
  forEachStmt(loop.body, (s) => {
    if (s.kind === 'unknown' || (s.kind === 'expr' && s.expr.kind === 'unknown') || (isLoop(s) && s !== loop) || s.kind === 'return' || s.kind === 'goto' || s.kind === 'switch') busy = false;
  });
  if (!busy) return false;
  for (const call of bodyCalls(loop)) {
    if (!call.name || BLOCKING_CALLS.has(call.name) || !SPIN_CALLS.has(call.name)) return false;
  }
  return true;
}

function stripAddress(e: Expr): Expr {
  const x = stripCasts(e);
  return x.kind === 'unary' && x.op === '&' ? x.operand : x;
}

function uniqueByText(controls: Expr[], text: string): Expr[] {
  const seen = new Set<string>();
  return controls.filter((c) => {
    const t = slice(text, c.range);
    if (seen.has(t)) return false;
    seen.add(t);
    return true;
  });
}

/**
 * `while`/`do` loops get `aio_suspend` on the polled control blocks in their
 * body (replacing a `sched_yield()` when there is one); the loop still
 * re-checks `aio_error`, so an interrupted `aio_suspend` (EINTR) is harmless.
 * `for` loops and loops left by `break` are only reported.
 */
function suspendFix(loop: LoopStmt, controls: Expr[], text: string): RuleFix | undefined {
  if (loop.kind === 'for') return undefined;
  const nullText = /\bNULL\b/.test(text) ? 'NULL' : '0';
  const list = controls.map((c) => slice(text, c.range)).join(', ');
  const call = `aio_suspend((const struct aiocb *const[]){ ${list} }, ${controls.length}, ${nullText})`;
  const body = loop.body;
  const title = `Block in 'aio_suspend' on '${controls.map((c) => slice(text, stripAddress(c).range)).join("', '")}'`;
  const yieldCall = findYield(body);
  if (yieldCall) return { title, applicability: 'unsafe', edits: [{ range: yieldCall.range, text: call }] };
  const bodyText = text.slice(body.range.start, body.range.end);
  if (body.kind === 'block' && bodyText === ';') return { title, applicability: 'unsafe', edits: [{ range: body.range, text: `${call};` }] };
  if (body.kind === 'block' && bodyText.startsWith('{')) {
    if (body.body.length === 0) return { title, applicability: 'unsafe', edits: [{ range: body.range, text: `{ ${call}; }` }] };
    // Before the first statement, on its own line when the statement starts a line.
    const first = body.body[0]!;
    const lineStart = text.lastIndexOf('\n', first.range.start - 1) + 1;
    const indent = text.slice(lineStart, first.range.start);
    const insert = /^[ \t]*$/.test(indent) ? `${call};\n${indent}` : `${call}; `;
    return { title, applicability: 'unsafe', edits: [{ range: { start: first.range.start, end: first.range.start }, text: insert }] };
  }
  if (body.kind === 'expr') return { title, applicability: 'unsafe', edits: [{ range: body.range, text: `{ ${call}; ${bodyText} }` }] };
  return undefined;
}

function findYield(body: Stmt): CallExpr | undefined {
  let found: CallExpr | undefined;
  forEachStmt(body, (s) => {
    if (found || s.kind !== 'expr') return;
    const x = stripCasts(s.expr);
    if (x.kind === 'call' && YIELDS.has(x.name ?? '')) found = x;
  });
  return found;
}
