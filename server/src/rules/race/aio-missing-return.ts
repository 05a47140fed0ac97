/**
 * race/aio-missing-return: a POSIX AIO request that is never reaped with
 * `aio_return` on some path to the end of the function, while its control
 * block does not escape (so nobody else can reap it).
 *
 * A return is reported when every path reaching it left the request
 * completed-but-unreaped (or in flight, for a control block not on the
 * stack: a stack block in flight is race/aio-stack-escape's finding).
 * Paths where an error was observed through `aio_error` are accepted
 * without `aio_return` (the common "log and bail out" branch); so are
 * `main` (process exit releases everything) and `aio_cancel`led requests.
 */
import type { Rule } from '../../engine/rule';
import { asyncModelOf, CANCELLING, DONE, FAILED, INFLIGHT, REAPED, UNKNOWN } from '../../model/asyncRequests';
import { lineOf } from '../../model/textFacts';
import { controlName, POSIX_AIO_SUBMIT_CALLS, returnPoints } from './aio-shared';

export const aioMissingReturn: Rule = {
  id: 'race/aio-missing-return',
  summary: "An AIO request that can reach the end of the function without 'aio_return' leaks its resources and loses its result.",
  defaultSeverity: 'warning',
  fix: 'none',
  messages: {
    missing: "the '{{call}}' on '{{control}}' is not reaped with 'aio_return' before the function returns (line {{line}}): each request needs one 'aio_return' to release it, and its result (bytes transferred or the error) is lost",
  },
  scope: 'calls',
  triggers: POSIX_AIO_SUBMIT_CALLS,
  candidates: /\b(aio_(read|write|fsync)(64)?|lio_listio(64)?)\s*\(/,
  check(ctx) {
    for (const fn of ctx.functions()) {
      // Returning from main ends the process, which releases every request.
      if (fn.name === 'main') continue;
      const model = asyncModelOf(fn);
      if (!model) continue;
      const reported = new Set<string>();
      for (const request of model.requests) {
        if (request.api !== 'aio' || request.op === 'sync') continue;
        // A control block that leaves the function can be reaped by whoever receives it.
        if (model.controlEscapes(request)) continue;
        const missing = returnPoints(model, request).filter((p) => {
          // A path that reaped it, saw it fail, lost track of it, or cancelled it: not a finding.
          if (p.mask & (REAPED | FAILED | UNKNOWN | CANCELLING)) return false;
          if (p.mask & DONE) return true;
          return (p.mask & INFLIGHT) !== 0 && !request.controlOnStack;
        });
        if (missing.length === 0) continue;
        const key = `${request.call.range.start}:${request.key}`;
        if (reported.has(key)) continue;
        reported.add(key);
        const first = missing[0]!;
        ctx.report({
          messageId: 'missing',
          data: { call: request.call.name ?? 'submission', control: controlName(ctx.text, request), line: lineOf(ctx.text, first.range.start) },
          range: request.call.range,
          related: missing.map((p) => ({ range: p.range, message: `returns here without 'aio_return(${request.key.startsWith('*') ? request.key.slice(1) : `&${request.key}`})'` })),
          functionName: fn.name,
        });
      }
    }
  },
};
