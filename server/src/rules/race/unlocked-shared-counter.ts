/**
 * race/unlocked-shared-counter: a read-modify-write (`x++`, `x += v`,
 * `x = x + v`) of shared storage in a thread start routine (or a function it
 * calls), with no lock held and no atomics, while another thread may update
 * or read the same storage: several threads running the routine, another
 * thread, or the creating thread.
 */
import type { Rule, RuleFix } from '../../engine/rule';
import type { FileModel } from '../../model/fileModel';
import type { FunctionModel } from '../../model/functionModel';
import type { RelatedLocation } from '../../engine/types';
import type { Expr } from '../../model/ir';
import { commonLock } from '../../model/locks';
import { mayOverlap, variesPerIteration, type Place } from '../../model/places';
import {
  assignedInLoop, CREATES_THREADS, THREAD_CREATE_CALLS, createsIn, creatorAccesses, distinctPerIteration, knownIndexes, mayRunTwice, outsideThreadSlots, runsConcurrently, threadAccesses,
  type ThreadAccess, type ThreadCreate,
} from '../../model/threads';
import { stripCasts } from '../../model/walk';
import { summaryOf } from '../../model/summaries';
import { textOf } from '../callArgs';
import { includeEdit } from '../includes';

export const unlockedSharedCounter: Rule = {
  id: 'race/unlocked-shared-counter',
  summary: 'A shared counter is updated by several threads with a plain read-modify-write, without a lock or atomics.',
  defaultSeverity: 'warning',
  fix: 'unsafe',
  messages: {
    many: "'{{expr}}' in thread '{{routine}}' updates shared '{{object}}' with no lock held, and several threads run '{{routine}}' at once: concurrent updates are lost",
    other: "'{{expr}}' in thread '{{routine}}' updates shared '{{object}}' with no lock held, while {{who}} also uses it: concurrent updates are lost",
  },
  triggers: THREAD_CREATE_CALLS,
  candidates: CREATES_THREADS,
  check(ctx) {
    const creates: ThreadCreate[] = [];
    for (const fn of ctx.functions()) creates.push(...createsIn(fn));
    const reported = new Set<string>();
    for (const create of creates) {
      if (create.routines.length === 0) continue;
      for (const access of threadAccesses(create)) {
        // A read-modify-write written out (`x++`, `x += v`, `x = x + v`), not a library call updating a structure.
        if (access.kind !== 'rmw' || access.atomic || access.locks.size > 0 || (access.whole.kind !== 'update' && access.whole.kind !== 'assign')) continue;
        // After a join or a wait in the routine, threads take turns (a join chain, a semaphore, a fence),
        // and a hand-made protocol with memory barriers is not modelled.
        if (access.after || usesFences(access)) continue;
        const key = `${access.whole.range.start}:${access.whole.range.end}`;
        if (reported.has(key)) continue;
        const reason = concurrentUse(create, access, creates);
        if (!reason) continue;
        reported.add(key);
        const fix = atomicFix(access, ctx.file, ctx.text);
        ctx.report({
          messageId: reason.messageId,
          data: { expr: textOf(ctx.text, access.whole), routine: access.routine, object: textOf(ctx.text, access.expr), who: reason.who },
          range: access.whole.range,
          functionName: access.fn.name,
          related: [
            ...(reason.related ? [reason.related] : []),
            { range: create.call.range, message: `'${access.routine}' is started here` },
          ],
          ...(fix ? { fixes: [fix] } : {}),
        });
      }
    }
  },
};

interface Reason {
  messageId: 'many' | 'other';
  who: string;
  related?: RelatedLocation;
}

/** Why another thread may touch the same storage at the same time, if it may. */
function concurrentUse(create: ThreadCreate, access: ThreadAccess, creates: ThreadCreate[]): Reason | undefined {
  const fn = create.fn;
  const fold = (e: Expr): number | undefined => fn.fold(e);
  // Several threads of this creation at once, sharing the storage (not `&args[i]`, one element each).
  if (mayRunTwice(create) && sharedAcrossIterations(access.place, create)) return { messageId: 'many', who: '' };
  // Another thread started by the same function while this one runs.
  for (const other of creates) {
    if (other === create || other.fn !== fn || other.routines.length === 0) continue;
    if (!runsConcurrently(create, other.node) && !runsConcurrently(other, create.node)) continue;
    // Both in one loop, each iteration handing its own element (`&stats[cpu]`) to whichever thread it starts.
    const loop = create.loops[create.loops.length - 1];
    if (loop && other.loops.includes(loop) && !sharedAcrossIterations(access.place, create)) continue;
    // Lost updates need a second writer: a thread that only reads the counter is thread-shared-write's business.
    const hit = threadAccesses(other).find(
      (t) =>
        t.kind !== 'read' && !t.after && !t.teardown && !t.atomic && mayOverlap(access.place, t.place, fold) && !commonLock(access.locks, t.locks) &&
        !outsideThreadSlots(create, t.place, access.place) && !outsideThreadSlots(other, access.place, t.place),
    );
    if (!hit) continue;
    if (hit.routine === access.routine) return { messageId: 'many', who: '' };
    return { messageId: 'other', who: `thread '${hit.routine}'`, related: { range: hit.expr.range, message: `'${hit.routine}' uses it here` } };
  }
  // The creating thread itself, while the thread runs.
  if (access.after || access.teardown) return undefined;
  for (const mine of creatorAccesses(create)) {
    if (mine.kind === 'read' || mine.afterInCallee || !runsConcurrently(create, mine.node) || !mayOverlap(access.place, knownIndexes(mine.place, fn, mine.node), fold) || commonLock(access.locks, mine.locks)) continue;
    if (distinctPerIteration(create, mine.node, mine.place, access.place) || outsideThreadSlots(create, mine.place, access.place)) continue;
    return { messageId: 'other', who: `'${fn.name}'`, related: { range: mine.via.length === 0 ? mine.expr.range : mine.site, message: `'${fn.name}' uses it here while the thread runs` } };
  }
  return undefined;
}

function usesFences(a: ThreadAccess): boolean {
  return summaryOf(a.fn).fences;
}

function sharedAcrossIterations(place: Place, create: ThreadCreate): boolean {
  const loop = create.loops[create.loops.length - 1];
  return loop === undefined || !variesPerIteration(place, assignedInLoop(loop, create.fn));
}

// ------------------------------------------------------------ the fix

const INTEGER = /^(?:(?:un)?signed\s+)?(?:char|short|int|long|long long)(?:\s+int)?$|^(?:un)?signed$|^u?int(?:8|16|32|64|ptr|max|_fast(?:8|16|32|64)|_least(?:8|16|32|64))_t$|^s?size_t$|^ptrdiff_t$/;

const FETCH: Record<string, string> = { '+': 'atomic_fetch_add', '-': 'atomic_fetch_sub', '|': 'atomic_fetch_or', '&': 'atomic_fetch_and', '^': 'atomic_fetch_xor' };

/**
 * `counter++` → `atomic_fetch_add(&counter, 1)` with `counter` declared
 * `_Atomic` and `<stdatomic.h>` included. Only for a plain integer global
 * defined once in this file, whose address is never taken, updated by a
 * statement of its own.
 */
function atomicFix(access: ThreadAccess, file: FileModel, text: string): RuleFix | undefined {
  const target = stripCasts(access.expr);
  if (target.kind !== 'ident' || access.place.steps.length > 0 || !access.place.root.startsWith('g:')) return undefined;
  const name = target.name;
  const global = file.globals.get(name);
  if (!global || global.type.atomic || global.type.pointerDepth > 0 || global.type.arrayDims.length > 0 || global.type.storage.includes('extern')) return undefined;
  if (!INTEGER.test(file.types.resolve(global.type).base.replace(/\bconst\b|\bvolatile\b/g, '').trim())) return undefined;
  // Another declaration or the address taken would no longer match the `_Atomic` type.
  if (new RegExp(`\\bextern\\b[^;]*\\b${name}\\b`).test(text) || new RegExp(`&\\s*${name}\\b`).test(text)) return undefined;
  const statement = isStatement(access.whole, access.fn);
  const replacement = statement ? fetchCall(access.whole, name, text) : undefined;
  if (!replacement) return undefined;
  const qualifier = atomicQualifierEdit(global.range.start, global.range.end, text);
  if (!qualifier) return undefined;
  const edits = [qualifier, { range: access.whole.range, text: replacement }];
  // Before the global: its initializer or a later declaration may use the header's macros.
  const include = includeEdit(text, 'stdatomic.h', global.range.start);
  if (include) edits.push(include);
  return { title: `Make '${name}' _Atomic and update it with '${replacement.slice(0, replacement.indexOf('('))}'`, applicability: 'unsafe', edits };
}

function isStatement(whole: Expr, fn: FunctionModel): boolean {
  const event = fn.cfg.nodeOf(whole)?.event;
  return event?.kind === 'expr' && event.expr !== undefined && stripCasts(event.expr) === whole;
}

function fetchCall(whole: Expr, name: string, text: string): string | undefined {
  const operand = (e: Expr): string => text.slice(e.range.start, e.range.end);
  if (whole.kind === 'update') return `${whole.op === '++' ? 'atomic_fetch_add' : 'atomic_fetch_sub'}(&${name}, 1)`;
  if (whole.kind !== 'assign') return undefined;
  if (whole.op !== '=') {
    const fetch = FETCH[whole.op.slice(0, -1)];
    return fetch ? `${fetch}(&${name}, ${operand(whole.right)})` : undefined;
  }
  const right = stripCasts(whole.right);
  if (right.kind !== 'binary' || !FETCH[right.op]) return undefined;
  const isName = (e: Expr): boolean => stripCasts(e).kind === 'ident' && (stripCasts(e) as { name: string }).name === name;
  if (isName(right.left)) return `${FETCH[right.op]}(&${name}, ${operand(right.right)})`;
  if (right.op !== '-' && isName(right.right)) return `${FETCH[right.op]}(&${name}, ${operand(right.left)})`;
  return undefined;
}

/**
 * Inserts `_Atomic` before the type of a one-declarator declaration
 * (`static int counter = 0;` → `static _Atomic int counter = 0;`).
 */
function atomicQualifierEdit(declStart: number, declEnd: number, text: string): { range: { start: number; end: number }; text: string } | undefined {
  const after = text.slice(declEnd).match(/^\s*(.)/)?.[1];
  if (after !== ';') return undefined;
  const lineStart = text.lastIndexOf('\n', declStart - 1) + 1;
  const prefix = text.slice(lineStart, declStart);
  const m = /^([ \t]*)((?:(?:static|_Thread_local|__thread|register)\s+)*)((?:[A-Za-z_]\w*\s+)+)$/.exec(prefix);
  if (!m) return undefined;
  const at = lineStart + m[1]!.length + m[2]!.length;
  return { range: { start: at, end: at }, text: '_Atomic ' };
}
