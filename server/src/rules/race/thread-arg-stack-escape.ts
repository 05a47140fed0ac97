/**
 * race/thread-arg-stack-escape: a thread is given the address of a local
 * variable of the creating function, and that function can return while
 * the thread still runs: the thread then reads or writes a dead stack frame.
 */
import type { Rule } from '../../engine/rule';
import { isStackObject, rootName } from '../../model/places';
import { argTarget, CREATES_THREADS, THREAD_CREATE_CALLS, createsIn, mayReturnWhileRunning, routineUsesArg } from '../../model/threads';
import { textOf } from '../callArgs';

export const threadArgStackEscape: Rule = {
  id: 'race/thread-arg-stack-escape',
  summary: 'A thread is given the address of a local variable, and the creating function can return before the thread is joined.',
  defaultSeverity: 'error',
  fix: 'none',
  messages: {
    escape:
      "thread '{{routine}}' gets the address of '{{name}}', a local of '{{fn}}', but '{{fn}}' can return while the thread still runs: the thread then uses a dead stack frame",
  },
  triggers: THREAD_CREATE_CALLS,
  candidates: CREATES_THREADS,
  check(ctx) {
    for (const fn of ctx.functions()) {
      // Returning from main ends the process and every thread with it.
      if (fn.name === 'main') continue;
      for (const create of createsIn(fn)) {
        const target = argTarget(create);
        if (!create.arg || !target || !isStackObject(target)) continue;
        // A routine that never looks at its argument cannot reach the frame.
        if (!routineUsesArg(create)) continue;
        const path = mayReturnWhileRunning(create);
        if (!path) continue;
        const last = [...path].reverse().find((n) => n.event) ?? create.node;
        const routine = create.routines[0] ?? textOf(ctx.text, create.routineExpr ?? create.call.callee);
        ctx.report({
          messageId: 'escape',
          data: { routine, name: rootName(target), fn: fn.name },
          range: create.arg.range,
          functionName: fn.name,
          related: [
            last?.event?.kind === 'return'
              ? { range: last.event.range, message: `'${fn.name}' returns here without joining the thread` }
              : { range: { start: fn.ir.range.end - 1, end: fn.ir.range.end }, message: `'${fn.name}' ends here without joining the thread` },
          ],
        });
      }
    }
  },
};
