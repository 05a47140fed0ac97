/**
 * race/aio-buffer-in-flight: the buffer of an asynchronous request (or its
 * control block) is touched while the request may still be in flight. The
 * kernel, or glibc's AIO helper thread, reads or writes that memory
 * concurrently.
 *
 * Reported only where every path that reaches the access after the
 * submission left the request in flight (no path observed completion): the
 * analysis does not correlate branch conditions, so "completed on one
 * branch, not on another" stays silent.
 */
import type { Report, Rule } from '../../engine/rule';
import { asyncModelOf, CANCELLING, COMPLETED, INFLIGHT, STALE, UNKNOWN, type AsyncModel, type AsyncRequest } from '../../model/asyncRequests';
import { apiEffect } from '../../model/apiEffects';
import type { CfgNode } from '../../model/cfg';
import type { FunctionModel } from '../../model/functionModel';
import type { Expr, Range } from '../../model/ir';
import { forEachExpr, stripCasts } from '../../model/walk';
import { lineOf } from '../../model/textFacts';
import { bufferAccesses, controlName, SUBMITS, SUBMIT_CALLS, waitHint, type BufferAccess } from './aio-shared';

export const aioBufferInFlight: Rule = {
  id: 'race/aio-buffer-in-flight',
  summary: 'The buffer or control block of an AIO or io_uring request is used before the request completes, racing with the kernel or the AIO helper thread.',
  defaultSeverity: 'error',
  fix: 'none',
  messages: {
    read: "'{{buffer}}' is read while the '{{call}}' on '{{control}}' (line {{line}}) may still be filling it: the bytes can be partial or stale; wait for completion ({{wait}}) first",
    write: "'{{buffer}}' is written while the '{{call}}' on '{{control}}' (line {{line}}) may still be in flight: {{consequence}}; wait for completion ({{wait}}) first",
    free: "'{{buffer}}' is released by '{{callee}}' while the '{{call}}' on '{{control}}' (line {{line}}) may still be in flight: the I/O then {{verb}} freed memory; wait for completion ({{wait}}) first",
    pass: "'{{buffer}}' is passed to '{{callee}}' while the '{{call}}' on '{{control}}' (line {{line}}) may still be filling it: the callee can see partial data; wait for completion ({{wait}}) first",
    control: "control block '{{control}}' is modified while its '{{call}}' (line {{line}}) may still be in flight: the request and the completion both use it; wait for completion ({{wait}}) first",
    resubmit: "'{{control}}' is submitted again while its earlier '{{call}}' (line {{line}}) may still be in flight: a control block carries one request at a time; wait for completion ({{wait}}) first",
  },
  scope: 'calls',
  triggers: SUBMIT_CALLS,
  candidates: SUBMITS,
  check(ctx) {
    for (const fn of ctx.functions()) {
      const model = asyncModelOf(fn);
      if (!model) continue; // no request this function starts
      const seen = new Set<string>();
      const report = (r: Report): void => {
        const key = `${r.range.start}:${r.range.end}`;
        if (seen.has(key)) return;
        seen.add(key);
        ctx.report(r);
      };
      for (const node of model.cfg.nodes) {
        const facts = node.event && model.before(node);
        if (!facts) continue;
        for (const request of model.requests) {
          const mask = facts.masks[request.index]!;
          // Must be in flight on every path that submitted it: any observed completion, unknown or stale buffer, cancellation is silence.
          if (!(mask & INFLIGHT) || mask & (COMPLETED | UNKNOWN | STALE | CANCELLING)) continue;
          // A wait or reap in the same statement comes first in the reader's mind: `use(buf, aio_return(&cb))` is rare, and not ours to judge.
          if (model.completionCalls(node, request).length > 0) continue;
          for (const r of findingsAt(node, request, model, fn, ctx.text)) report(r);
        }
      }
    }
  },
};

function findingsAt(node: CfgNode, request: AsyncRequest, model: AsyncModel, fn: FunctionModel, text: string): Report[] {
  const ev = node.event!;
  const base = {
    call: request.call.name ?? 'submission',
    control: controlName(text, request),
    line: lineOf(text, request.call.range.start),
    wait: waitHint(request),
  };
  const related = [{ range: request.call.range, message: `'${base.call}' submitted here` }];
  const out: Report[] = [];
  const exprs: Expr[] = ev.expr ? [ev.expr] : [];
  // A new submission on the same control block.
  for (const call of ev.calls) {
    const role = model.roleOf(call);
    if (role?.kind !== 'submit') continue;
    if (model.requestsOf(call).some((q) => q.key === request.key && q.api === request.api)) {
      out.push({ messageId: 'resubmit', data: base, range: call.range, related, functionName: fn.name });
    }
  }
  if (node === request.node) return out;
  // Writes to the control block.
  if (request.api === 'aio') {
    for (const e of exprs) {
      forEachExpr(e, (x) => {
        if (x.kind === 'assign') {
          const l = stripCasts(x.left);
          if (l.kind === 'field' && model.memberKey(l) === request.key) out.push({ messageId: 'control', data: base, range: x.range, related, functionName: fn.name });
        } else if (x.kind === 'call') {
          const effect = apiEffect(x.name);
          if (!effect || !(effect.category === 'fill' || effect.category === 'copy' || effect.category === 'free')) return;
          const dst = x.args[0];
          if (dst && model.pointerKey(dst) === request.key) out.push({ messageId: 'control', data: base, range: x.range, related, functionName: fn.name });
        }
      });
    }
  }
  // The buffer.
  const buffer = request.buffer;
  if (!buffer || request.op === 'sync') return out;
  const name = buffer.key;
  for (const e of exprs) {
    for (const access of bufferAccesses(e, buffer.key)) {
      const r = reportFor(access, request, name, base, related, fn);
      if (r) out.push(r);
    }
  }
  return out;
}

function reportFor(
  access: BufferAccess,
  request: AsyncRequest,
  buffer: string,
  base: Record<string, string | number>,
  related: { range: Range; message: string }[],
  fn: FunctionModel,
): Report | undefined {
  const reading = request.op === 'read';
  const data: Record<string, string | number> = { ...base, buffer };
  switch (access.use) {
    case 'read':
      // Reading what an aio_write is reading too is not a race.
      if (!reading) return undefined;
      return { messageId: 'read', data, range: access.range, related, functionName: fn.name };
    case 'pass':
      // Handing the source of a write to a callee is most often a read of it: not reported.
      if (!reading) return undefined;
      return { messageId: 'pass', data: { ...data, callee: access.callee ?? 'a function' }, range: access.range, related, functionName: fn.name };
    case 'write':
      return {
        messageId: 'write',
        data: { ...data, consequence: reading ? 'the incoming data can overwrite this store, or this store the data' : 'the file can receive a mix of old and new bytes' },
        range: access.range,
        related,
        functionName: fn.name,
      };
    case 'free':
      return { messageId: 'free', data: { ...data, callee: access.callee ?? 'free', verb: reading ? 'writes' : 'reads' }, range: access.range, related, functionName: fn.name };
  }
}
