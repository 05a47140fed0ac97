/**
 * race/thread-arg-loop-var: `pthread_create(&t, NULL, worker, &i)` where `i`
 * changes (the loop's `i++`, a later assignment) or is re-created (declared
 * in the loop body) before the thread can read it: the thread sees another
 * iteration's value, or a dead object.
 */
import type { Rule, RuleFix } from '../../engine/rule';
import type { FunctionModel } from '../../model/functionModel';
import type { Expr, LoopStmt } from '../../model/ir';
import { argHazard, CREATES_THREADS, THREAD_CREATE_CALLS, createsIn, mayReturnWhileRunning, type ArgHazard } from '../../model/threads';
import { stripCasts } from '../../model/walk';
import { textOf } from '../callArgs';

export const threadArgLoopVar: Rule = {
  id: 'race/thread-arg-loop-var',
  summary: 'A thread is given the address of a variable that changes before the thread can read it.',
  defaultSeverity: 'error',
  fix: 'unsafe',
  messages: {
    loop: "thread '{{routine}}' gets '&{{name}}', but the loop changes '{{name}}' ('{{change}}') while the thread may still read it: threads can see another iteration's value",
    scope: "thread '{{routine}}' gets '&{{name}}', but '{{name}}' is declared in the loop body: each iteration reuses its storage while the thread may still read it",
    changed: "thread '{{routine}}' gets '&{{name}}', but '{{name}}' is assigned again ('{{change}}') while the thread may still read it",
  },
  triggers: THREAD_CREATE_CALLS,
  candidates: CREATES_THREADS,
  check(ctx) {
    for (const fn of ctx.functions()) {
      for (const create of createsIn(fn)) {
        const hazard = argHazard(create);
        if (!hazard || !create.arg) continue;
        const routine = create.routines[0] ?? textOf(ctx.text, create.routineExpr ?? create.call.callee);
        const change = hazard.kind === 'scope' ? '' : textOf(ctx.text, hazard.at.whole);
        const fix = perThreadStorage(hazard, fn, ctx.text);
        ctx.report({
          messageId: hazard.kind,
          data: { routine, name: hazard.variable.name, change },
          range: create.arg.range,
          functionName: fn.name,
          related: [
            {
              range: hazard.kind === 'scope' ? hazard.variable.nameRange : hazard.at.site,
              message: hazard.kind === 'scope' ? `'${hazard.variable.name}' is declared here, inside the loop` : `'${hazard.variable.name}' changes here`,
            },
          ],
          ...(fix ? { fixes: [fix] } : {}),
        });
      }
    }
  },
};

/**
 * Per-thread storage: `T name_args[N];` before the loop, and the argument
 * `(name_args[i] = name, &name_args[i])`. Offered for a counted `for` loop
 * from 0 with a constant bound, when the threads are joined before the
 * function returns (so the array outlives them).
 */
function perThreadStorage(hazard: ArgHazard, fn: FunctionModel, text: string): RuleFix | undefined {
  const loop = hazard.loop ?? innermostLoop(hazard);
  if (!loop || loop.kind !== 'for' || !hazard.create.arg) return undefined;
  const counter = countedLoop(loop, fn);
  if (!counter) return undefined;
  // The storage must outlive the threads: only when every path joins them before returning.
  if (mayReturnWhileRunning(hazard.create)) return undefined;
  const type = hazard.variable.type;
  if (type.arrayDims.length > 0 || type.functionPointer) return undefined;
  const lineStart = text.lastIndexOf('\n', loop.range.start - 1) + 1;
  const indent = text.slice(lineStart, loop.range.start);
  if (!/^[ \t]*$/.test(indent)) return undefined;
  const name = freshName(`${hazard.variable.name}_args`, fn, text);
  const typeText = `${type.base}${type.pointerDepth > 0 ? ` ${'*'.repeat(type.pointerDepth)}` : ' '}`;
  const declaration = `${indent}${typeText}${name}[${counter.bound}];\n`;
  const slot = `${name}[${counter.name}]`;
  return {
    title: `Give each thread its own copy of '${hazard.variable.name}'`,
    applicability: 'unsafe',
    edits: [
      { range: { start: lineStart, end: lineStart }, text: declaration },
      { range: hazard.create.arg.range, text: `(${slot} = ${hazard.variable.name}, &${slot})` },
    ],
  };
}

function innermostLoop(hazard: ArgHazard): LoopStmt | undefined {
  return hazard.create.loops[hazard.create.loops.length - 1];
}

/** `for (i = 0; i < N; i++)` or `for (int i = 0; ...)` with N constant: the counter and the bound's text. */
function countedLoop(loop: Extract<LoopStmt, { kind: 'for' }>, fn: FunctionModel): { name: string; bound: string } | undefined {
  let name: string | undefined;
  let start: Expr | undefined;
  const init = loop.init;
  if (init?.kind === 'decl' && init.decls.length === 1) {
    name = init.decls[0]!.name;
    start = init.decls[0]!.init;
  } else if (init?.kind === 'expr') {
    const e = stripCasts(init.expr);
    if (e.kind === 'assign' && e.op === '=' && stripCasts(e.left).kind === 'ident') {
      name = (stripCasts(e.left) as { name: string }).name;
      start = e.right;
    }
  }
  if (!name || !start || fn.fold(start) !== 0) return undefined;
  const test = loop.test ? stripCasts(loop.test) : undefined;
  if (test?.kind !== 'binary' || test.op !== '<' || stripCasts(test.left).kind !== 'ident' || (stripCasts(test.left) as { name: string }).name !== name) return undefined;
  const bound = fn.fold(test.right);
  if (bound === undefined || bound <= 0) return undefined;
  const update = loop.update ? stripCasts(loop.update) : undefined;
  const steps =
    (update?.kind === 'update' && update.op === '++' && stripCasts(update.operand).kind === 'ident' && (stripCasts(update.operand) as { name: string }).name === name) ||
    (update?.kind === 'assign' && update.op === '+=' && fn.fold(update.right) === 1 && stripCasts(update.left).kind === 'ident' && (stripCasts(update.left) as { name: string }).name === name);
  if (!steps) return undefined;
  return { name, bound: fn.file.text.slice(test.right.range.start, test.right.range.end) };
}

function freshName(base: string, fn: FunctionModel, text: string): string {
  const body = text.slice(fn.ir.range.start, fn.ir.range.end);
  for (let i = 0; ; i++) {
    const candidate = i === 0 ? base : `${base}${i}`;
    if (!new RegExp(`\\b${candidate}\\b`).test(body) && !fn.file.globals.has(candidate)) return candidate;
  }
}
