/**
 * Small helpers shared by the AIO and io_uring rules (race/aio-*,
 * overlap/aio-*): how a request is named in messages, how to wait for it,
 * and how a mention of a buffer is used.
 *
 * Invariant: pure functions of the model and the text; no state.
 */
import { apiEffect } from '../../model/apiEffects';
import { asyncRole } from '../../model/asyncApiEffects';
import { forEachWithParents, type AsyncModel, type AsyncRequest } from '../../model/asyncRequests';
import type { Expr, Range } from '../../model/ir';
import { exprKey } from '../../model/regions';
import { stripCasts, type CallExpr } from '../../model/walk';

/** Candidate filter: functions that start an AIO or io_uring request. */
export const SUBMITS = /\b(aio_(read|write|fsync)(64)?|lio_listio(64)?|io_uring_prep_\w+)\s*\(/;
/** The calls SUBMITS looks for (rules' `triggers`). */
export const POSIX_AIO_SUBMIT_CALLS: readonly string[] = ['aio_read', 'aio_write', 'aio_fsync', 'aio_read64', 'aio_write64', 'aio_fsync64', 'lio_listio', 'lio_listio64'];
export const SUBMIT_CALLS: readonly (string | RegExp)[] = [...POSIX_AIO_SUBMIT_CALLS, /^io_uring_prep_\w+$/];

/** The control block as a reader names it: `cb` for `&cb`, `p` for `p`. */
export function controlName(text: string, request: AsyncRequest): string {
  const c = stripCasts(request.control);
  const inner = c.kind === 'unary' && c.op === '&' ? c.operand : c;
  return slice(text, inner.range);
}

/** How to wait for the request, for messages. */
export function waitHint(request: AsyncRequest): string {
  return request.api === 'aio' ? "'aio_suspend', 'aio_error' != EINPROGRESS, then 'aio_return'" : "'io_uring_wait_cqe'";
}

export function slice(text: string, range: Range): string {
  return text.slice(range.start, range.end).replace(/\s+/g, ' ');
}

export type BufferUse = 'read' | 'write' | 'free' | 'pass';

export interface BufferAccess {
  use: BufferUse;
  /** The expression that touches the buffer: `buf[i]`, `*p`, the argument `buf`, or the `free(buf)` call. */
  range: Range;
  /** For `pass` and library calls: the callee. */
  callee?: string;
}

/**
 * How an expression touches the object with key `key` (a variable name or a
 * member path like `p->data`): element reads and writes, `free`, or being
 * handed to a call (judged through the effects table; unknown callees are
 * `pass`). Copying the pointer, comparing it, `sizeof` and asynchronous I/O
 * calls are not accesses.
 */
export function bufferAccesses(top: Expr, key: string): BufferAccess[] {
  const out: BufferAccess[] = [];
  forEachWithParents(top, (x, parents) => {
    const s = stripCasts(x);
    if (s !== x) return; // visit the inner node itself, not the cast around it
    if ((x.kind !== 'ident' && x.kind !== 'field') || exprKey(x) !== key) return;
    const access = classify(x, parents);
    if (access) out.push(access);
  });
  return out;
}

function classify(mention: Expr, parents: readonly Expr[]): BufferAccess | undefined {
  let child: Expr = mention;
  let element: Expr | undefined;
  for (let i = parents.length - 1; i >= 0; i--) {
    const p = parents[i]!;
    if (element) {
      // `buf[i]` is in hand: how is the element used?
      if (p.kind === 'assign' && p.left === child) return { use: p.op === '=' ? 'write' : 'write', range: element.range };
      if (p.kind === 'update') return { use: 'write', range: element.range };
      if (p.kind === 'unary' && p.op === '&') {
        element = undefined;
        child = p;
        continue;
      }
      if (p.kind === 'field' && p.object === child) {
        element = p;
        child = p;
        continue;
      }
      if (p.kind === 'index' && p.object === child) {
        element = p;
        child = p;
        continue;
      }
      if (p.kind === 'sizeof') return undefined;
      if (p.kind === 'cast') {
        child = p;
        continue;
      }
      return { use: 'read', range: element.range };
    }
    switch (p.kind) {
      case 'cast':
        child = p;
        continue;
      case 'sizeof':
        return undefined;
      case 'index':
        if (p.object !== child) return undefined; // used as an index: not a buffer access
        element = p;
        child = p;
        continue;
      case 'field':
        if (p.object !== child) return undefined;
        element = p;
        child = p;
        continue;
      case 'unary':
        if (p.op === '*') {
          element = p;
          child = p;
          continue;
        }
        if (p.op === '&') {
          child = p;
          continue;
        }
        return undefined;
      case 'binary':
        if ((p.op === '+' || p.op === '-') && p.left === child) {
          child = p;
          continue;
        }
        return undefined;
      case 'call': {
        if (p.callee === child) return undefined;
        return callUse(p, child);
      }
      default:
        return undefined;
    }
  }
  if (element) return { use: 'read', range: element.range };
  return undefined;
}

function callUse(call: CallExpr, arg: Expr): BufferAccess | undefined {
  if (asyncRole(call.name)) return undefined;
  const index = call.args.indexOf(arg);
  if (index < 0) return undefined;
  const effect = apiEffect(call.name);
  if (!effect) return { use: 'pass', range: arg.range, ...(call.name ? { callee: call.name } : {}) };
  if (effect.category === 'free') return { use: 'free', range: call.range, callee: call.name! };
  const a = effect.args[index];
  // Variadic arguments of the printf family are read.
  const access = a?.access ?? (effect.category === 'format' || effect.category === 'stdio-write' ? 'read' : 'none');
  if (access === 'read') return { use: 'read', range: arg.range, callee: call.name! };
  if (access === 'write' || access === 'readwrite') return { use: 'write', range: arg.range, callee: call.name! };
  if (effect.category === 'unmap') return { use: 'free', range: call.range, callee: call.name! };
  return undefined;
}

export interface ReturnPoint {
  /** The `return` statement, or the function's closing brace when control falls off the end. */
  range: Range;
  /** The request's state as the function returns there. */
  mask: number;
}

/**
 * Where the function returns and the state of `request` at each place
 * (paths ending in exit(), abort() or longjmp do not return).
 */
export function returnPoints(model: AsyncModel, request: AsyncRequest): ReturnPoint[] {
  const out: ReturnPoint[] = [];
  const body = model.fn.ir.body.range;
  for (const edge of model.cfg.exit.preds) {
    const facts = model.along(edge);
    if (!facts) continue;
    const ev = edge.from.event;
    const range = ev?.kind === 'return' ? ev.stmt.range : { start: Math.max(body.start, body.end - 1), end: body.end };
    const existing = out.find((p) => p.range.start === range.start);
    if (existing) existing.mask |= facts.masks[request.index]!;
    else out.push({ range, mask: facts.masks[request.index]! });
  }
  return out.sort((a, b) => a.range.start - b.range.start);
}
