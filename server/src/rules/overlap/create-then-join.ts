/**
 * overlap/create-then-join: a thread created and then joined with nothing
 * done in between by the creating thread, and no other thread started: the
 * work runs on one thread anyway, plus the cost of creating and joining one.
 */
import type { Rule } from '../../engine/rule';
import type { CfgNode } from '../../model/cfg';
import { everyPathReaches, nodesBetween } from '../../model/paths';
import { summaryOf, type FunctionSummary } from '../../model/summaries';
import { argTarget, CREATES_THREADS, createsIn, joinsOf, windowOf, type ThreadCreate } from '../../model/threads';
import { textOf } from '../callArgs';

/** Calls that are bookkeeping, not work: error reporting and logging. */
const TRIVIAL = new Set([
  'printf', 'fprintf', 'dprintf', 'puts', 'fputs', 'putchar', 'fputc', 'perror', 'fflush', 'strerror', 'assert', 'exit', '_exit', 'abort',
  'syslog', 'err', 'errx', 'warn', 'warnx',
]);

export const createThenJoin: Rule = {
  id: 'overlap/create-then-join',
  summary: 'A thread is joined right after it is created, so nothing runs alongside it.',
  defaultSeverity: 'warning',
  fix: 'none',
  messages: {
    once: "thread '{{routine}}' is joined right after it is created, with no work in '{{fn}}' in between: nothing overlaps with it, so the thread only adds the cost of creating and joining it (tens of microseconds); call '{{routine}}' directly or move independent work before the join",
    loop: "each iteration creates thread '{{routine}}' and joins it before the next one starts: the threads never run together; create all of them first and join them in a second loop",
  },
  candidates: CREATES_THREADS,
  check(ctx) {
    for (const fn of ctx.functions()) {
      const creates = createsIn(fn);
      for (const create of creates) {
        // Non-default attributes (a bigger stack, a scheduling policy) are a reason of their own to use a thread.
        if (create.attr && fn.fold(create.attr) !== 0) continue;
        if (!create.node || create.handleKey === undefined) continue;
        const join = joinsOf(create).find((j) => j.handleKey === create.handleKey && j.node && sameLoops(create, j.node));
        if (!join?.node) continue;
        const w = windowOf(create);
        const summary = summaryOf(fn);
        if (!everyPathReaches(fn.cfg, create.node, (n) => n === join.node, { edge: w.edge })) continue;
        if (nodesBetween(create.node, join.node, { edge: w.edge }).some((n) => isWork(n, create, summary))) continue;
        const routine = create.routines[0] ?? textOf(ctx.text, create.routineExpr ?? create.call.callee);
        ctx.report({
          messageId: create.loops.length > 0 ? 'loop' : 'once',
          data: { routine, fn: fn.name },
          range: create.call.range,
          functionName: fn.name,
          related: [{ range: join.call.range, message: 'joined here, with no work in between' }],
        });
      }
    }
  },
};

/** The join is in the same iteration of the same loops as the creation. */
function sameLoops(create: ThreadCreate, join: CfgNode): boolean {
  return join.loops.length === create.loops.length && join.loops.every((l, i) => l === create.loops[i]);
}

/** Does the creating thread do something worth overlapping at this node? */
function isWork(node: CfgNode, create: ThreadCreate, summary: FunctionSummary): boolean {
  // A loop between the two (not around both) repeats work.
  if (node.loops.length > create.loops.length) return true;
  const event = node.event;
  if (!event) return false;
  if (event.kind === 'unknown') return true;
  if (event.calls.some((c) => !(c.name && TRIVIAL.has(c.name)))) return true;
  // Writing storage other than the function's own variables hands something over: not a trivial step.
  const shared = argTarget(create)?.root;
  return summary.accesses.some(
    (a) => a.node === node && a.kind !== 'read' && !a.declaration && (a.place.root === shared || (!a.place.root.startsWith('l:') && !a.place.root.startsWith('v:'))),
  );
}
