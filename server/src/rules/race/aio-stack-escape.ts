/**
 * race/aio-stack-escape: a request whose control block or buffer lives in
 * the function's stack frame can still be in flight when the function
 * returns; the completion then writes into a dead frame.
 *
 * Reported at the submission, with every return where no path reaching it
 * observed completion (an unchecked `aio_cancel` does not count: it may
 * fail to cancel a request that is already running). `main` is skipped:
 * returning from it ends the process.
 */
import type { Rule } from '../../engine/rule';
import { asyncModelOf, CANCELLING, COMPLETED, INFLIGHT, UNKNOWN, type AsyncRequest } from '../../model/asyncRequests';
import { lineOf } from '../../model/textFacts';
import { controlName, returnPoints, SUBMITS, SUBMIT_CALLS } from './aio-shared';

export const aioStackEscape: Rule = {
  id: 'race/aio-stack-escape',
  summary: 'A request whose control block or buffer is on the stack can still be in flight when the function returns, so its completion writes into a dead stack frame.',
  defaultSeverity: 'error',
  fix: 'none',
  messages: {
    control: "control block '{{control}}' is on the stack of '{{fn}}', and its '{{call}}' may still be in flight when '{{fn}}' returns (line {{line}}): completion then writes into a dead stack frame; wait for it before returning{{cancel}}",
    buffer: "'{{buffer}}' is on the stack of '{{fn}}', and the '{{call}}' on '{{control}}' that uses it may still be in flight when '{{fn}}' returns (line {{line}}): {{effect}}; wait for it before returning{{cancel}}",
  },
  scope: 'calls',
  triggers: SUBMIT_CALLS,
  candidates: SUBMITS,
  check(ctx) {
    for (const fn of ctx.functions()) {
      if (fn.name === 'main') continue; // returning from main ends the process
      const model = asyncModelOf(fn);
      if (!model) continue;
      for (const request of model.requests) {
        const bufferOnStack = request.buffer?.onStack === true && request.op !== 'sync';
        if (!request.controlOnStack && !bufferOnStack) continue;
        const escaping = returnPoints(model, request).filter((p) => p.mask & (INFLIGHT | CANCELLING) && !(p.mask & (COMPLETED | UNKNOWN)));
        if (escaping.length === 0) continue;
        const first = escaping[0]!;
        const cancelled = escaping.some((p) => p.mask & CANCELLING);
        ctx.report({
          messageId: request.controlOnStack ? 'control' : 'buffer',
          data: {
            fn: fn.name,
            call: request.call.name ?? 'submission',
            control: controlName(ctx.text, request),
            buffer: request.buffer?.key ?? '',
            line: lineOf(ctx.text, first.range.start),
            effect: effectOf(request),
            cancel: cancelled ? " ('aio_cancel' may not cancel a request that is already running)" : '',
          },
          range: request.call.range,
          related: escaping.map((p) => ({ range: p.range, message: `returns here while '${controlName(ctx.text, request)}' may still be in flight` })),
          functionName: fn.name,
        });
      }
    }
  },
};

function effectOf(request: AsyncRequest): string {
  return request.op === 'write' ? 'the write then reads a dead stack frame that other calls reuse' : 'the read then writes into a dead stack frame';
}
