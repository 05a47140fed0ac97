/**
 * The suggested fix for a read/write relay loop: a zero-copy loop
 * (`sendfile`, or `copy_file_range` between two files) inserted in front of
 * the original loop, which stays unchanged as the fallback.
 *
 * Why this shape: the new loop moves everything it can and then stops; the
 * original loop runs next and, at end of file, its first read returns 0, so
 * whatever the code does at end of file and after the loop (checking `n`,
 * closing, reporting) happens exactly as before. When the call cannot move
 * these descriptors (`EINVAL`, `ENOSYS`, `EXDEV`...) or fails for another
 * reason, the original loop takes over from the current file offset and meets
 * the error its own way. Partial transfers are just the next iteration.
 * `EINTR` and `EAGAIN` are retried only where the original retried them with
 * a plain `continue`; otherwise the original loop handles them.
 *
 * The fix is offered only when the loop is fully understood: its only
 * effects are the transfer, byte counters (`total += n`, repeated with the
 * zero-copy count) and its exits; its conditions test only the chunk length,
 * the write result, cursors and `errno`. Anything else (progress callbacks,
 * limits, flags) and the finding stays without a fix.
 */
import type { RuleFix } from '../../engine/rule';
import type { TextEdit } from '../../engine/types';
import { hasSideEffects, within } from '../../model/dataflow';
import type { FunctionModel } from '../../model/functionModel';
import { isLoop, type Expr, type LoopStmt, type Stmt } from '../../model/ir';
import { childExprs, childStmts, forEachExpr, forEachStmt, mentions, rootName, stmtExprs } from '../../model/walk';
import { sizeArg, textOf } from '../callArgs';
import { includeEdit } from '../includes';
import type { Alternative } from './describe';
import { exitBranches, onExitPath, type Relay } from './relay';

/** The most bytes Linux moves in one sendfile/copy_file_range call. */
const MAX_PER_CALL = '0x7ffff000';

interface LoopShape {
  counters: string[];
  retryEintr: boolean;
  retryEagain: boolean;
}

export function buildZeroCopyFix(relay: Relay, fn: FunctionModel, alternative: Alternative): RuleFix | undefined {
  // pread keeps its own offset and recv reads a socket: only read() maps onto the file offset sendfile advances.
  if (relay.read.name !== 'read') return undefined;
  // send() flags (MSG_NOSIGNAL, MSG_MORE) have no sendfile equivalent.
  if (relay.write.name !== 'write' && !(relay.write.name === 'send' && fn.fold(relay.write.call.args[3]) === 0)) return undefined;
  // Two relays in one loop (a two-way proxy) need more than one replacement loop.
  if (relay.pairsInLoop !== 1) return undefined;
  // The descriptors are evaluated again by the new loop: they must have no side effects.
  if (hasSideEffects(relay.input) || hasSideEffects(relay.output)) return undefined;
  const shape = understand(relay, fn);
  if (!shape) return undefined;
  const parent = parentOf(relay.loop, fn.ir.body);
  // A labelled loop is a jump target: inserting before it would change what `goto` reaches.
  if (!parent || parent.kind === 'label') return undefined;

  const text = fn.file.text;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const indent = indentAt(text, relay.loop.range.start);
  const unit = indentUnit(text, relay.loop, indent);
  const variable = freshName(fn, alternative.call === 'copy_file_range' ? 'copied' : 'sent');
  const nullPtr = definesNull(text) ? 'NULL' : '0';
  const input = textOf(text, relay.input);
  const output = textOf(text, relay.output);
  const call =
    alternative.call === 'copy_file_range'
      ? `copy_file_range(${input}, ${nullPtr}, ${output}, ${nullPtr}, ${MAX_PER_CALL}, 0)`
      : `sendfile(${output}, ${input}, ${nullPtr}, ${MAX_PER_CALL})`;
  const name = alternative.call === 'copy_file_range' ? 'copy_file_range()' : 'sendfile()';

  const errors = alternative.call === 'copy_file_range' ? 'EXDEV, EINVAL, ENOSYS' : 'EINVAL, ENOSYS';
  const lines: string[] = [
    ...comment(
      `Zero-copy first: ${name} moves the data inside the kernel, at most ${MAX_PER_CALL} bytes per call.` +
        ` The loop below then meets end of file at once, or takes over where ${name} cannot move these` +
        ` descriptors (${errors}) or fails, and handles errors as before.`,
    ),
    `for (;;) {`,
    `${unit}ssize_t ${variable} = ${call};`,
  ];
  if (shape.counters.length > 0) {
    lines.push(`${unit}if (${variable} > 0) {`);
    for (const c of shape.counters) lines.push(`${unit}${unit}${c} += ${variable};`);
    lines.push(`${unit}${unit}continue;`, `${unit}}`);
  } else {
    lines.push(`${unit}if (${variable} > 0)`, `${unit}${unit}continue;`);
  }
  const retried = [...(shape.retryEintr ? ['EINTR'] : []), ...(shape.retryEagain ? ['EAGAIN'] : [])];
  if (retried.length > 0) {
    const test = retried.map((code) => `errno == ${code}`).join(' || ');
    lines.push(`${unit}if (${variable} < 0 && ${retried.length > 1 ? `(${test})` : test})`, `${unit}${unit}continue;`);
  }
  lines.push(`${unit}break;`, `}`);
  const block = lines.join(`${eol}${indent}`);

  const edits: TextEdit[] = [];
  if (alternative.call === 'sendfile') {
    const include = includeEdit(text, 'sys/sendfile.h', fn.ir.range.start, eol);
    if (include) edits.push(include);
  }
  const wrap = parent.kind !== 'block' && parent.kind !== 'case';
  if (wrap) {
    edits.push({ range: { start: relay.loop.range.start, end: relay.loop.range.start }, text: `{${eol}${indent}${block}${eol}${indent}` });
    edits.push({ range: { start: relay.loop.range.end, end: relay.loop.range.end }, text: `${eol}${indent}}` });
  } else {
    edits.push({ range: { start: relay.loop.range.start, end: relay.loop.range.start }, text: `${block}${eol}${indent}` });
  }
  return { title: `Move the data with '${alternative.call}' first, keeping this loop as the fallback`, applicability: 'unsafe', edits };
}

// ------------------------------------------------------------ understanding the loop

function understand(relay: Relay, fn: FunctionModel): LoopShape | undefined {
  const loop = relay.loop;
  const transfer = new Set([...relay.chunkVars, ...relay.cursorVars]);
  if (relay.writeResult) transfer.add(relay.writeResult);
  const locals = declaredIn(loop);

  let unknown = false;
  forEachStmt(loop, (s) => {
    if (s.kind === 'unknown') unknown = true;
    for (const e of stmtExprs(s)) forEachExpr(e, (x) => {
      if (x.kind === 'unknown') unknown = true;
    });
  });
  // Code the model could not read may do anything per chunk.
  if (unknown) return undefined;

  const branches = exitBranches(loop);
  const pairCalls = new Set([relay.read.call, relay.write.call]);
  const bufferRoot = rootName(relay.buffer);
  /** Only the chunk's own quantities: transfer variables, the buffer, constants, `sizeof`, the pair's calls. */
  const chunkOnly = (e: Expr): boolean =>
    identifiersOutside(e, pairCalls).every((name) => transfer.has(name) || name === bufferRoot || /^[A-Z][A-Z0-9_]*$/.test(name));

  const counters: string[] = [];
  for (const a of relay.assignments) {
    if (!within(a.range, loop.range)) continue;
    if (a.target.kind === 'ident' && transfer.has(a.key)) {
      // `n = n > max ? max : n`: the loop moves only part of the stream, which a zero-copy loop would not know.
      if (a.value && !chunkOnly(a.value)) return undefined;
      continue;
    }
    if (a.target.kind === 'ident' && locals.has(a.key)) continue;
    // Error and end-of-data handling (`rc = -1; break;`) runs in the original loop, which stays.
    if (branches.some((r) => within(a.range, r))) continue;
    // `total += n`: a byte counter the new loop keeps up to date.
    if (a.op === '+=' && a.target.kind === 'ident' && a.value?.kind === 'ident' && relay.chunkVars.has(a.value.name)) {
      if (!counters.includes(a.key)) counters.push(a.key);
      continue;
    }
    return undefined;
  }

  const writeSize = sizeArg(relay.write.call);
  // A write size bounded by something else (`n < left ? n : left`) is a limit the new loop does not know.
  if (!writeSize || !chunkOnly(writeSize)) return undefined;
  for (const site of fn.calls) {
    if (!within(site.call.range, loop.range) || pairCalls.has(site.call)) continue;
    // Per-chunk work (progress, logging) would be skipped by the new loop.
    if (!onExitPath(site, loop, branches)) return undefined;
  }

  let conditionsOk = true;
  forEachStmt(loop, (s) => {
    const test = testOf(s);
    if (!test) return;
    for (const name of identifiersOutside(test, pairCalls)) {
      if (transfer.has(name) || name === 'errno' || /^[A-Z][A-Z0-9_]*$/.test(name)) continue;
      conditionsOk = false;
    }
  });
  // A condition on anything else (a limit, a flag, a counter) decides per chunk what the new loop cannot.
  if (!conditionsOk) return undefined;

  return { counters, retryEintr: retries(loop, ['EINTR']), retryEagain: retries(loop, ['EAGAIN', 'EWOULDBLOCK']) };
}

function testOf(s: Stmt): Expr | undefined {
  switch (s.kind) {
    case 'if': case 'while': case 'do': case 'switch': return s.test;
    case 'for': return s.test;
    default: return undefined;
  }
}

/** Identifiers of `e` outside the `skip` calls and outside `sizeof`. */
function identifiersOutside(e: Expr, skip: Set<Expr>): string[] {
  const names: string[] = [];
  const stack: Expr[] = [e];
  while (stack.length > 0) {
    const x = stack.pop()!;
    if (skip.has(x) || x.kind === 'sizeof') continue;
    if (x.kind === 'ident') names.push(x.name);
    stack.push(...childExprs(x));
  }
  return names;
}

/** The original retries `codes` with a plain `continue`, or in a retry loop around a call. */
function retries(loop: LoopStmt, codes: string[]): boolean {
  let found = false;
  const mentionsCode = (e: Expr | undefined): boolean => codes.some((c) => mentions(e, c));
  forEachStmt(loop, (s) => {
    if (s.kind === 'if' && mentionsCode(s.test) && isContinue(s.then)) found = true;
    if (isLoop(s) && s !== loop && mentionsCode(s.test)) found = true;
  });
  return found;
}

function isContinue(s: Stmt): boolean {
  if (s.kind === 'continue') return true;
  return s.kind === 'block' && s.body.length === 1 && s.body[0]!.kind === 'continue';
}

function declaredIn(root: Stmt): Set<string> {
  const names = new Set<string>();
  forEachStmt(root, (s) => {
    if (s.kind === 'decl') for (const d of s.decls) names.add(d.name);
  });
  return names;
}

function parentOf(target: Stmt, root: Stmt): Stmt | undefined {
  let found: Stmt | undefined;
  forEachStmt(root, (s) => {
    if (!found && childStmts(s).includes(target)) found = s;
  });
  return found;
}

// ------------------------------------------------------------ text

/** A block comment wrapped at 76 columns. */
function comment(sentence: string): string[] {
  const words = sentence.split(' ');
  const lines: string[] = [];
  let line = '/*';
  for (const word of words) {
    if (line.length + 1 + word.length > 76 && line.trim() !== '/*') {
      lines.push(line);
      line = '  ';
    }
    line += ` ${word}`;
  }
  lines.push(`${line} */`);
  return lines;
}

function indentAt(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart, offset))![0];
}

/** One indentation step: what the loop's body adds to the loop's own indent (4 spaces if unclear). */
function indentUnit(text: string, loop: LoopStmt, indent: string): string {
  const bodyStart = loop.body.kind === 'block' && loop.body.body[0] ? loop.body.body[0].range.start : loop.body.range.start;
  const inner = indentAt(text, bodyStart);
  if (inner.length > indent.length && inner.startsWith(indent)) return inner.slice(indent.length);
  return indent.includes('\t') ? '\t' : '    ';
}

function freshName(fn: FunctionModel, base: string): string {
  const fnText = fn.file.text.slice(fn.ir.range.start, fn.ir.range.end);
  for (let i = 0; ; i++) {
    const name = i === 0 ? base : `${base}_${i}`;
    if (!new RegExp(`\\b${name}\\b`).test(fnText)) return name;
  }
}

const NULL_HEADERS = /^[ \t]*#[ \t]*include[ \t]*<(stdio|stdlib|string|unistd|stddef|locale|time|wchar)\.h>/m;

function definesNull(text: string): boolean {
  return NULL_HEADERS.test(text);
}
