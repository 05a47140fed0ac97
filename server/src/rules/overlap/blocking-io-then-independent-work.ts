/**
 * overlap/blocking-io-then-independent-work: a blocking read whose buffer is
 * not used by the work that immediately follows it. The thread waits for the
 * device, then does work that did not need the data; issuing the read
 * asynchronously before that work and waiting just before the first use
 * overlaps the two.
 *
 * Straight-line code only (the read outside any loop: loops are
 * overlap/serial-read-process-loop's), in one block: after the read (and
 * the error checks on its result, which leave the block), the next
 * statements call processing code or loop without naming the buffer, the
 * result, or the descriptor, and without other I/O; then a later statement
 * of the same block uses the buffer.
 */
import type { Rule } from '../../engine/rule';
import { apiEffect } from '../../model/apiEffects';
import type { FunctionModel } from '../../model/functionModel';
import type { Expr, Stmt } from '../../model/ir';
import { forEachExpr, forEachStmt, stmtExprs, stripCasts, type CallExpr, type CallSite } from '../../model/walk';
import { lineOf } from '../../model/textFacts';
import { slice } from '../race/aio-shared';
import { BLOCKING_READS, identsIn, isProcessingCall, mentionsKey, readSource, readTarget, worthOverlapping } from './serialIo';

export const blockingIoThenIndependentWork: Rule = {
  id: 'overlap/blocking-io-then-independent-work',
  summary: 'A blocking read is followed by work that does not use its data, so the thread waits for the device before work it could have done meanwhile.',
  defaultSeverity: 'info',
  fix: 'none',
  scenario: 'blocking-read→async-read',
  messages: {
    independent: "'{{read}}' blocks until '{{buffer}}' is filled, but the work that follows ({{work}}) does not use it; '{{buffer}}' is first used on line {{line}}: start the read asynchronously ('aio_read' or io_uring) before that work and wait for it just before line {{line}}, so the device and the CPU work at the same time",
  },
  scope: 'function',
  triggers: [...BLOCKING_READS],
  candidates: /\b(read|pread|pread64|fread|recv|recvfrom)\s*\(/,
  check(ctx) {
    for (const fn of ctx.functions()) {
      for (const site of fn.calls) {
        if (!site.name || !BLOCKING_READS.has(site.name) || site.loops.length > 0) continue;
        const found = analyse(site, fn);
        if (!found) continue;
        ctx.report({
          messageId: 'independent',
          data: { read: site.name, buffer: found.key, work: found.work.map((c) => `'${c.name ?? slice(ctx.text, c.callee.range)}'`).join(', '), line: lineOf(ctx.text, found.use.range.start) },
          range: site.call.range,
          related: [
            ...found.work.map((c) => ({ range: c.range, message: `does not use '${found.key}'` })),
            { range: found.use.range, message: `'${found.key}' is first used here` },
          ],
          functionName: fn.name,
          extra: { scenario: 'blocking-read→async-read', read: site.name },
        });
      }
    }
  },
};

interface Found {
  key: string;
  work: CallExpr[];
  use: Stmt;
}

function analyse(site: CallSite, fn: FunctionModel): Found | undefined {
  // The read is a statement of a block: `n = read(...)`, `ssize_t n = read(...)`, `read(...)`.
  if (site.stmt.kind !== 'expr' && site.stmt.kind !== 'decl') return undefined;
  const block = site.ancestors[site.ancestors.length - 1];
  if (!block || (block.kind !== 'block' && block.kind !== 'case')) return undefined;
  const body = block.body;
  const at = body.indexOf(site.stmt);
  if (at < 0) return undefined;
  const target = readTarget(site.call);
  if (!target) return undefined;
  if (!worthOverlapping(site.call, target, fn)) return undefined; // a record or a small read: the system call dominates
  const result = resultOf(site);
  const source = readSource(site.call);
  const watched = new Set<string>([...(result ? [result] : []), ...(source ? identsIn(source) : [])]);
  const work: CallExpr[] = [];
  for (let i = at + 1; i < body.length; i++) {
    const s = body[i]!;
    const usesBuffer = stmtMentions(s, (e) => mentionsKey(e, target.key));
    if (usesBuffer) return work.length > 0 ? { key: target.key, work, use: s } : undefined;
    const touchesRead = stmtMentions(s, (e) => [...identsIn(e)].some((v) => watched.has(v)));
    if (touchesRead) {
      // An error check on the result that leaves the block is part of the read, not work.
      if (work.length === 0 && s.kind === 'if' && leaves(s.then) && !s.otherwise) continue;
      return undefined;
    }
    const verdict = judge(s);
    if (verdict === 'stop') return undefined;
    if (verdict) work.push(...verdict);
  }
  return undefined;
}

/** Work calls of a statement, nothing for a trivial one, or 'stop' when it ends the window (I/O, control flow, code we cannot read). */
function judge(s: Stmt): CallExpr[] | 'stop' | undefined {
  let stop = false;
  const calls: CallExpr[] = [];
  forEachStmt(s, (x) => {
    if (x.kind === 'unknown' || x.kind === 'return' || x.kind === 'goto' || x.kind === 'break' || x.kind === 'continue' || x.kind === 'label' || x.kind === 'case') stop = true;
    if (x.kind === 'expr' && x.expr.kind === 'unknown') stop = true;
    for (const e of stmtExprs(x)) forEachExpr(e, (y) => {
      if (y.kind !== 'call') return;
      const effect = apiEffect(y.name);
      // Other I/O, descriptors, threads, locks: ordering with the read matters, or the work is not CPU work.
      if (effect && effect.category !== 'copy' && effect.category !== 'fill' && effect.category !== 'string-copy' && effect.category !== 'format' && effect.category !== 'alloc' && effect.category !== 'free') stop = true;
      else if (isProcessingCall(y)) calls.push(y);
    });
  });
  if (stop) return 'stop';
  return calls.length > 0 ? calls : undefined;
}

function stmtMentions(s: Stmt, test: (e: Expr) => boolean): boolean {
  let found = false;
  forEachStmt(s, (x) => {
    if (found) return;
    for (const e of stmtExprs(x)) if (test(e)) found = true;
    if (x.kind === 'for' && x.init?.kind === 'expr' && test(x.init.expr)) found = true;
  });
  return found;
}

/** Does the statement always leave the block (return, goto, break, continue, or a no-return call as its last statement)? */
function leaves(s: Stmt): boolean {
  if (s.kind === 'return' || s.kind === 'goto' || s.kind === 'break' || s.kind === 'continue') return true;
  if (s.kind === 'block') return s.body.length > 0 && leaves(s.body[s.body.length - 1]!);
  if (s.kind === 'expr') {
    const x = stripCasts(s.expr);
    return x.kind === 'call' && ['exit', '_exit', 'abort', 'err', 'errx'].includes(x.name ?? '');
  }
  return false;
}

function resultOf(site: CallSite): string | undefined {
  const s = site.stmt;
  if (s.kind === 'decl') return s.decls.find((d) => d.init && d.init.range.start <= site.call.range.start && d.init.range.end >= site.call.range.end)?.name;
  if (s.kind === 'expr') {
    const x = stripCasts(s.expr);
    if (x.kind === 'assign') {
      const l = stripCasts(x.left);
      if (l.kind === 'ident') return l.name;
    }
  }
  return undefined;
}
