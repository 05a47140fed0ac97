/**
 * overlap/aio-immediate-wait: an asynchronous request waited for right after
 * its submission, with nothing done in between. The I/O runs alone, so the
 * code is a synchronous read or write plus the cost of the asynchronous
 * machinery.
 *
 * Reported when every path from the successful submission reaches a wait
 * for that request (aio_suspend listing it, a loop polling aio_error on it,
 * aio_return; io_uring_wait_cqe on its ring) before the function returns,
 * and nothing on the way is work: only the submission's error check,
 * assignments and declarations without calls, logging and clock reads. No
 * other request may be in flight at the submission (requests overlapping
 * each other are the point of batching).
 */
import type { Rule } from '../../engine/rule';
import { asyncRole } from '../../model/asyncApiEffects';
import { asyncModelOf, IDLE, INFLIGHT, PREPARED, type AsyncModel, type AsyncRequest } from '../../model/asyncRequests';
import type { CfgEdge, CfgNode } from '../../model/cfg';
import { reachableFrom } from '../../model/paths';
import { defaultProfile } from '../../simulate/profile';
import type { CallExpr } from '../../model/walk';
import { lineOf } from '../../model/textFacts';
import { controlName, slice, SUBMITS, SUBMIT_CALLS } from '../race/aio-shared';

/** Calls that are bookkeeping, not work. */
const TRIVIAL_CALLS = new Set([
  'aio_error', 'aio_error64', 'printf', 'fprintf', 'dprintf', 'puts', 'fputs', 'putchar', 'fputc', 'perror', 'fflush', 'strerror',
  'syslog', 'warn', 'warnx', 'clock_gettime', 'gettimeofday', 'time', 'clock', 'assert', 'io_uring_sqe_set_data', 'io_uring_cqe_get_data',
]);

export const aioImmediateWait: Rule = {
  id: 'overlap/aio-immediate-wait',
  summary: 'An asynchronous read or write waited for right after its submission overlaps nothing: it is a synchronous call with extra overhead.',
  defaultSeverity: 'warning',
  fix: 'none',
  scenario: 'aio-immediate-wait→aio-double-buffer',
  messages: {
    aio: "the '{{call}}' on '{{control}}' is waited for at once by {{wait}} (line {{line}}), with no work in between: nothing overlaps the I/O, so this is a '{{sync}}' plus about {{overhead}} µs of hand-off to the AIO helper thread; move work that does not use {{buffer}} between the submission and the wait, or call '{{sync}}'",
    uring: "the '{{call}}' on '{{control}}' is submitted and waited for at once by {{wait}} (line {{line}}), with no work in between: nothing overlaps the I/O, so this is a '{{sync}}' plus a ring round trip; move work that does not use {{buffer}} between 'io_uring_submit' and the wait, or keep several requests in flight",
  },
  scope: 'calls',
  triggers: SUBMIT_CALLS,
  candidates: SUBMITS,
  check(ctx) {
    const profile = defaultProfile();
    const overhead = Math.round((profile.aioSubmitNs + profile.aioCompleteNs + profile.wakeupNs) / 100) / 10;
    for (const fn of ctx.functions()) {
      const model = asyncModelOf(fn);
      if (!model) continue;
      for (const request of model.requests) {
        if (request.synchronous || request.op === 'sync') continue; // lio_listio(LIO_WAIT, ...) is a wait by design; fsync overlaps nothing
        // Several blocks of one lio_listio overlap each other.
        if (model.requests.some((r) => r !== request && r.call === request.call)) continue;
        const start = startOf(model, request);
        if (!start) continue;
        const startFacts = model.before(start.node);
        // Another request already in flight overlaps with this one.
        if (startFacts && model.requests.some((r) => r !== request && r.api === request.api && startFacts.masks[r.index]! & (INFLIGHT | PREPARED))) continue;
        const isWait = (n: CfgNode): boolean => waitCall(model, n, request) !== undefined;
        const edge = successEdges(model, request, start.node);
        const reached = reachableFrom(start.node, { edge, stop: isWait });
        // Some path returns without waiting: not an immediate wait.
        if (reached.has(model.cfg.exit)) continue;
        const waits = [...reached].filter(isWait).sort((a, b) => a.id - b.id);
        if (waits.length === 0) continue;
        if ([...reached].some((n) => !isWait(n) && isWork(n, request))) continue;
        const wait = waitCall(model, waits[0]!, request)!;
        const buffer = request.buffer ? `'${request.buffer.key}'` : 'the buffer';
        ctx.report({
          messageId: request.api,
          data: {
            call: request.call.name ?? 'submission',
            control: controlName(ctx.text, request),
            wait: asyncRole(wait.name)?.kind === 'poll' ? `a loop polling '${wait.name}'` : `'${wait.name ?? 'wait'}'`,
            line: lineOf(ctx.text, wait.range.start),
            sync: request.op === 'write' ? 'pwrite' : 'pread',
            overhead,
            buffer,
          },
          range: start.call.range,
          related: waits.map((w) => ({ range: waitCall(model, w, request)!.range, message: `'${slice(ctx.text, request.control.range)}' waited for here` })),
          functionName: fn.name,
          extra: { scenario: 'aio-immediate-wait→aio-double-buffer', api: request.api },
        });
      }
    }
  },
};

/** Where the request starts running: its submission (AIO), or the first io_uring_submit after its prep call. */
function startOf(model: AsyncModel, request: AsyncRequest): { node: CfgNode; call: CallExpr } | undefined {
  if (request.api === 'aio') return { node: request.node, call: request.call };
  const isSubmit = (n: CfgNode): CallExpr | undefined =>
    n.event?.calls.find((c) => asyncRole(c.name)?.kind === 'ring-submit' && model.requestsOf(c).includes(request));
  const reached = reachableFrom(request.node, { stop: (n) => isSubmit(n) !== undefined });
  const submits = [...reached].filter((n) => isSubmit(n)).sort((a, b) => a.id - b.id);
  if (submits.length !== 1) return undefined; // none, or several: not a simple submit-then-wait
  const call = isSubmit(submits[0]!)!;
  // io_uring_submit_and_wait is a deliberate synchronous batch.
  if (asyncRole(call.name)?.timeout !== undefined) return undefined;
  return { node: submits[0]!, call };
}

/** Follow only edges on which the request was not abandoned by a failed submission. */
function successEdges(model: AsyncModel, request: AsyncRequest, start: CfgNode): (e: CfgEdge) => boolean {
  return (e) => {
    if (e.from !== start) return true;
    const along = model.along(e);
    return !along || along.masks[request.index] !== IDLE;
  };
}

/** The call of a node that waits for the request: aio_suspend, aio_return, a loop polling aio_error, io_uring_wait_cqe. */
function waitCall(model: AsyncModel, node: CfgNode, request: AsyncRequest): CallExpr | undefined {
  for (const call of model.completionCalls(node, request)) {
    const role = asyncRole(call.name)!;
    if (role.kind === 'wait' || role.kind === 'reap') return call;
    // aio_error and io_uring_peek_cqe wait only inside a loop entered after the submission; once, they are a check.
    if (role.kind === 'poll') {
      const loop = node.loops[node.loops.length - 1];
      if (loop && !request.node.loops.includes(loop)) return call;
    }
  }
  return undefined;
}

/** Is the node work that could overlap the I/O? */
function isWork(node: CfgNode, request: AsyncRequest): boolean {
  const ev = node.event;
  if (!ev) return false;
  if (ev.kind === 'unknown') return true;
  // A loop of its own (not the one the request was submitted in) repeats whatever it holds.
  const loop = node.loops[node.loops.length - 1];
  if (loop && !request.node.loops.includes(loop)) return true;
  for (const call of ev.calls) {
    if (!call.name || !TRIVIAL_CALLS.has(call.name)) {
      // The submission itself, checked in its own node, is not work.
      if (call === request.call) continue;
      return true;
    }
  }
  return false;
}
