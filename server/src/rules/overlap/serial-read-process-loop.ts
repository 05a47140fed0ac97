/**
 * overlap/serial-read-process-loop: a loop that reads a chunk with a
 * blocking call and then processes it, so the I/O and the processing take
 * turns. Reading chunk k+1 while chunk k is processed (double buffering)
 * hides the shorter of the two.
 *
 * Conservative by design: exactly one blocking read in the loop, executed
 * on every iteration, into the start of a buffer; processing is a call to
 * code outside the effects table that is handed that buffer, or an inner
 * loop indexing it; the next read must not depend on the processing (its
 * arguments change only by the amount read), and the loop must not answer
 * on the descriptor it reads (request/response protocols cannot read ahead).
 */
import type { Rule } from '../../engine/rule';
import { asyncRole } from '../../model/asyncApiEffects';
import { apiEffect, argIndex } from '../../model/apiEffects';
import type { FunctionModel } from '../../model/functionModel';
import { isLoop, type Expr, type LoopStmt, type Stmt } from '../../model/ir';
import { forEachExpr, forEachStmt, sameExpr, stmtExprs, stripCasts, type CallExpr, type CallSite } from '../../model/walk';
import { slice } from '../race/aio-shared';
import { BLOCKING_READS, identsIn, isProcessingCall, mentionsKey, readSource, readTarget, worthOverlapping } from './serialIo';

export const serialReadProcessLoop: Rule = {
  id: 'overlap/serial-read-process-loop',
  summary: 'A loop that reads a chunk and then processes it leaves the I/O and the processing taking turns; double buffering overlaps them.',
  defaultSeverity: 'info',
  fix: 'none',
  scenario: 'serial-read→double-buffered-aio',
  messages: {
    serial: "each iteration reads into '{{buffer}}' with '{{read}}' and then processes it with {{work}} before the next read starts: the I/O and the processing take turns; reading chunk k+1 into a second buffer while chunk k is processed (double buffering with 'aio_read', io_uring or a reader thread) hides the shorter of the two, up to half the loop's time when they take as long",
  },
  scope: 'function',
  triggers: [...BLOCKING_READS],
  candidates: /\b(read|pread|pread64|fread|recv|recvfrom)\s*\(/,
  check(ctx) {
    for (const fn of ctx.functions()) {
      const byLoop = new Map<LoopStmt, CallSite[]>();
      for (const site of fn.calls) {
        const loop = site.loops[site.loops.length - 1];
        if (!loop) continue;
        const list = byLoop.get(loop) ?? [];
        list.push(site);
        byLoop.set(loop, list);
      }
      for (const [loop, sites] of byLoop) {
        const reads = sites.filter((s) => s.name && BLOCKING_READS.has(s.name));
        if (reads.length !== 1) continue; // none, or a protocol reading a header then a body
        const read = reads[0]!;
        // Already asynchronous or threaded: the overlap is there, or being built.
        if (allCalls(loop).some((c) => asyncRole(c.name) !== undefined || c.name === 'pthread_create')) continue;
        if (!runsEveryIteration(read, loop)) continue;
        const target = readTarget(read.call);
        if (!target) continue; // reading into buffer + offset accumulates, it does not process chunks
        if (read.name === 'recv' || read.name === 'recvfrom') {
          const flags = read.call.args[3];
          if (flags && identsIn(flags).has('MSG_DONTWAIT')) continue; // non-blocking: nothing to overlap
        }
        if (!worthOverlapping(read.call, target, fn)) continue; // a record or a small chunk: the system call dominates, little to hide
        const source = readSource(read.call);
        const work = processingOf(loop, read, target.key, source, ctx.text);
        if (!work) continue;
        if (answersOnSource(loop, source)) continue; // request/response: the next request follows this answer
        if (writesOut(loop, target.key)) continue; // a relay that also inspects the data: zerocopy/ rules' business
        if (!independentArguments(loop, read, target.root, fn)) continue;
        ctx.report({
          messageId: 'serial',
          data: { buffer: target.key, read: read.name!, work: work.label(ctx.text) },
          range: loop.headerRange,
          related: [
            { range: read.call.range, message: `'${read.name}' blocks here` },
            { range: work.range, message: `'${target.key}' is processed here` },
          ],
          functionName: fn.name,
          extra: { scenario: 'serial-read→double-buffered-aio', read: read.name! },
        });
      }
    }
  },
};

interface Work {
  range: { start: number; end: number };
  label(text: string): string;
}


function allCalls(loop: LoopStmt): CallExpr[] {
  const out: CallExpr[] = [];
  forEachStmt(loop, (s) => {
    for (const e of loopExprs(s)) forEachExpr(e, (x) => {
      if (x.kind === 'call') out.push(x);
    });
  });
  return out;
}

function loopExprs(s: Stmt): Expr[] {
  const exprs = stmtExprs(s);
  if (s.kind === 'for' && s.init && s.init.kind === 'expr') exprs.push(s.init.expr);
  return exprs;
}

/** The read is the loop's condition, or a statement of the loop body's top-level block (not under an if). */
function runsEveryIteration(read: CallSite, loop: LoopStmt): boolean {
  if (read.stmt === loop) return loop.kind !== 'for' || (loop.test !== undefined && read.call.range.start >= loop.test.range.start && read.call.range.end <= loop.test.range.end);
  const chain = read.ancestors.slice(read.ancestors.indexOf(loop) + 1);
  return chain.every((s) => s.kind === 'block') && (read.stmt.kind === 'expr' || read.stmt.kind === 'decl');
}

/** Processing of the buffer after the read: a call handed the buffer, or an inner loop indexing it. */
function processingOf(loop: LoopStmt, read: CallSite, key: string, source: Expr | undefined, text: string): Work | undefined {
  const after = read.stmt === loop ? loop.range.start : read.call.range.end;
  let found: Work | undefined;
  let dependent = false;
  forEachStmt(loop.body, (s) => {
    if (found || dependent || s.range.end <= after) return;
    if (isLoop(s) && s !== loop) {
      // Per-byte arithmetic (XOR, case folding, counting) runs at memory speed, far ahead of the I/O:
      // only an inner loop that calls processing code on the buffer counts, and that call is found below.
      return;
    }
    for (const e of stmtExprs(s)) {
      forEachExpr(e, (x) => {
        if (found || x.kind !== 'call' || x.range.start < after || !isProcessingCall(x, slice(text, x.callee.range))) return;
        if (!x.args.some((a) => mentionsKey(a, key))) return;
        // Event streams (inotify, fanotify, trace pipes): the read waits for events, not for a device to transfer data.
        if (/event|notif/i.test(slice(text, x.callee.range))) {
          dependent = true;
          return;
        }
        // A callee that also gets the descriptor may read more itself: the next read depends on it.
        if (source && x.args.some((a) => sameExpr(stripCasts(a), stripCasts(source)))) {
          dependent = true;
          return;
        }
        found = { range: x.range, label: (text) => `'${x.name ?? slice(text, x.callee.range)}'` };
      });
    }
  });
  return dependent ? undefined : found;
}

/** The loop writes the buffer it read out again (write, send, fwrite). */
function writesOut(loop: LoopStmt, key: string): boolean {
  return allCalls(loop).some((c) => {
    const effect = apiEffect(c.name);
    if (!effect || (effect.category !== 'io-write' && effect.category !== 'stdio-write')) return false;
    const src = c.args[argIndex(effect, 'src')];
    return src !== undefined && mentionsKey(src, key);
  });
}

/** The loop writes or sends on the descriptor it reads: a request/response exchange. */
function answersOnSource(loop: LoopStmt, source: Expr | undefined): boolean {
  if (!source) return false;
  return allCalls(loop).some((c) => {
    const effect = apiEffect(c.name);
    if (!effect || (effect.category !== 'io-write' && effect.category !== 'stdio-write' && effect.category !== 'zerocopy')) return false;
    const i = Math.max(argIndex(effect, 'fd'), argIndex(effect, 'stream'), argIndex(effect, 'fdOut'));
    return i >= 0 && c.args[i] !== undefined && sameExpr(stripCasts(c.args[i]!), stripCasts(source));
  });
}

/**
 * The read's arguments (descriptor, size, offset) change in the loop only by
 * constants or by the amount read: `off += n`, `left -= n`, `i++`.
 */
function independentArguments(loop: LoopStmt, read: CallSite, bufferRoot: string | undefined, fn: FunctionModel): boolean {
  const vars = new Set<string>();
  for (const a of read.call.args) for (const v of identsIn(a)) if (v !== bufferRoot) vars.add(v);
  const result = resultVariable(read);
  let ok = true;
  forEachStmt(loop, (s) => {
    for (const e of loopExprs(s)) forEachExpr(e, (x) => {
      if (!ok) return;
      if (x.kind === 'assign') {
        const l = stripCasts(x.left);
        if (l.kind !== 'ident' || !vars.has(l.name)) return;
        if (x.range.start <= read.call.range.start && x.range.end >= read.call.range.end) return; // `n = read(...)`
        const allowed = new Set([l.name, ...(result ? [result] : [])]);
        for (const v of identsIn(x.right)) if (!allowed.has(v) && fn.fold({ kind: 'ident', name: v, range: x.range }) === undefined) ok = false;
        forEachExpr(x.right, (y) => {
          if (y.kind === 'call' && y.name !== 'sizeof') ok = false;
        });
      } else if (x.kind === 'unary' && x.op === '&') {
        const o = stripCasts(x.operand);
        if (o.kind === 'ident' && vars.has(o.name) && !(x.range.start >= read.call.range.start && x.range.end <= read.call.range.end)) ok = false;
      }
    });
  });
  for (const d of declsIn(loop)) if (vars.has(d.name) && d.init && !mentionsOnly(d.init, result)) ok = false;
  return ok;
}

function declsIn(loop: LoopStmt): { name: string; init: Expr | undefined }[] {
  const out: { name: string; init: Expr | undefined }[] = [];
  forEachStmt(loop.body, (s) => {
    if (s.kind === 'decl') for (const d of s.decls) out.push({ name: d.name, init: d.init });
  });
  return out;
}

function mentionsOnly(e: Expr, result: string | undefined): boolean {
  for (const v of identsIn(e)) if (v !== result) return false;
  return true;
}

/** `n` in `n = read(...)` or `ssize_t n = read(...)`. */
function resultVariable(read: CallSite): string | undefined {
  const s = read.stmt;
  if (s.kind === 'decl') return s.decls.find((d) => d.init && d.init.range.start <= read.call.range.start && d.init.range.end >= read.call.range.end)?.name;
  let name: string | undefined;
  for (const e of stmtExprs(s)) forEachExpr(e, (x) => {
    if (x.kind === 'assign' && x.right.range.start <= read.call.range.start && x.right.range.end >= read.call.range.end) {
      const l = stripCasts(x.left);
      if (l.kind === 'ident') name = l.name;
    }
  });
  return name;
}
