/**
 * race/thread-shared-write: the creating thread writes an object its new
 * thread also uses (a global, a static, or what the thread's argument
 * points to) while that thread may run, and the two sides hold no lock in
 * common.
 */
import type { Rule } from '../../engine/rule';
import type { FunctionModel } from '../../model/functionModel';
import type { Expr } from '../../model/ir';
import { commonLock } from '../../model/locks';
import { isVolatile, summaryOf } from '../../model/summaries';
import { mayOverlap } from '../../model/places';
import type { PlaceAccess } from '../../model/summaries';
import {
  argHazard, CREATES_THREADS, THREAD_CREATE_CALLS, createsIn, creatorAccesses, distinctPerIteration, knownIndexes, outsideThreadSlots, runsConcurrently, threadAccesses,
  type ThreadAccess, type ThreadCreate,
} from '../../model/threads';
import { forEachStmt, stripCasts } from '../../model/walk';
import { isLoop } from '../../model/ir';
import { textOf } from '../callArgs';

export const threadSharedWrite: Rule = {
  id: 'race/thread-shared-write',
  summary: 'An object a running thread uses is written by the thread that created it without a lock held on both sides.',
  defaultSeverity: 'warning',
  fix: 'none',
  messages: {
    read: "'{{object}}' is written while thread '{{routine}}' may read it, and no lock is held on both sides: the thread can see a half-written or stale value",
    write: "'{{object}}' is written while thread '{{routine}}' may also write it, and no lock is held on both sides: one of the updates can be lost",
    call: "'{{callee}}' writes '{{object}}' while thread '{{routine}}' may {{verb}} it, and no lock is held on both sides: a data race",
    flag: "'{{object}}' is a flag written while thread '{{routine}}' polls it in a loop, with no lock or atomics: the compiler may keep the thread's copy in a register so the loop never sees the change; make it an atomic ('atomic_bool', 'atomic_int')",
  },
  triggers: THREAD_CREATE_CALLS,
  candidates: CREATES_THREADS,
  check(ctx) {
    const reported = new Set<number>();
    for (const fn of ctx.functions()) {
      for (const create of createsIn(fn)) {
        // Without the routine's body there is nothing to compare with.
        if (create.routines.length === 0) continue;
        const theirs = threadAccesses(create);
        if (theirs.length === 0) continue;
        // `&i` of a changing variable is race/thread-arg-loop-var's finding.
        const hazardRoot = argHazard(create)?.variable;
        const skipRoot = hazardRoot ? `l:${hazardRoot.name}@${hazardRoot.range.start}` : undefined;
        for (const mine of creatorAccesses(create)) {
          if (mine.kind === 'read' || mine.atomic || mine.declaration || reported.has(mine.site.start)) continue;
          // Inside a called function, after it joined or waited: ordered by that handshake.
          if (mine.afterInCallee) continue;
          if (mine.place.root === skipRoot) continue;
          // A volatile flag set to a constant: the pre-C11 idiom for a stop or go signal, deliberate.
          if (isConstantStore(mine, fn) && isVolatile(mine.expr, mine.fn)) continue;
          if (!runsConcurrently(create, mine.node)) continue;
          const other = conflicting(create, mine, theirs, fn);
          if (!other) continue;
          reported.add(mine.site.start);
          const object = objectText(ctx.text, mine.expr);
          const verb = other.kind === 'read' ? 'read' : 'write';
          const direct = mine.via.length === 0;
          const flag = direct && isConstantStore(mine, fn) && theirs.some((t) => t.kind === 'read' && mayOverlap(mine.place, t.place) && polledInLoop(t));
          ctx.report({
            messageId: flag ? 'flag' : direct ? verb : 'call',
            data: { object, routine: other.routine, callee: mine.via[0]?.name ?? '', verb },
            range: direct ? mine.expr.range : mine.site,
            functionName: fn.name,
            related: [
              { range: other.expr.range, message: `'${other.routine}' ${other.kind === 'read' ? 'reads' : 'writes'} it here${other.locks.size === 0 ? ' without a lock' : ''}` },
              ...(direct ? [] : [{ range: mine.expr.range, message: `'${mine.fn.name}' writes it here` }]),
              { range: create.call.range, message: `the thread is started here` },
            ],
          });
        }
      }
    }
  },
};

/** The thread's access that races with the creator's write, if any (writes first). */
function conflicting(create: ThreadCreate, mine: PlaceAccess, theirs: ThreadAccess[], fn: FunctionModel): ThreadAccess | undefined {
  const fold = (e: Expr): number | undefined => fn.fold(e);
  const place = knownIndexes(mine.place, fn, mine.node);
  let best: ThreadAccess | undefined;
  for (const t of theirs) {
    if (t.atomic || !mayOverlap(place, t.place, fold)) continue;
    // After the thread waited or joined, or in its teardown: ordered by a handshake the analysis trusts.
    if (t.after || t.teardown) continue;
    // Memory barriers on either side, or atomics on both: a hand-made lock-free protocol (a seqlock, a flag
    // published with release/acquire) the analysis does not model.
    if (summaryOf(t.fn).fences || summaryOf(mine.fn).fences || (summaryOf(t.fn).atomics && summaryOf(mine.fn).atomics)) continue;
    // Threads get `args[i]` for i in 1..N; the creator writes `args[0]`, its own slot.
    if (outsideThreadSlots(create, mine.place, t.place)) continue;
    if (commonLock(mine.locks, t.locks)) continue;
    // Per-thread storage: in a later iteration the creator writes the next thread's element, not this one's.
    if (distinctPerIteration(create, mine.node, mine.place, t.place)) continue;
    if (!best || (best.kind === 'read' && t.kind !== 'read')) best = t;
  }
  return best;
}

/** The object a write designates, for messages: `job` for the `&job` handed to `memset`. */
function objectText(text: string, e: Expr): string {
  const x = stripCasts(e);
  return textOf(text, x.kind === 'unary' && x.op === '&' ? x.operand : x);
}

/** `done = 1;`, `stop = true;`: a constant stored into the object. */
function isConstantStore(mine: PlaceAccess, fn: FunctionModel): boolean {
  const w = mine.whole;
  return w.kind === 'assign' && w.op === '=' && stripCasts(w.left) === stripCasts(mine.expr) && (fn.fold(w.right) !== undefined || /^(?:true|false)$/.test(fn.file.text.slice(w.right.range.start, w.right.range.end)));
}

/** Is the thread's read part of the condition of a loop (`while (!done)`)? */
function polledInLoop(t: ThreadAccess): boolean {
  let found = false;
  forEachStmt(t.fn.ir.body, (s) => {
    if (found || !isLoop(s) || !s.test) return;
    if (s.test.range.start <= t.expr.range.start && t.expr.range.end <= s.test.range.end) found = true;
  });
  return found;
}
