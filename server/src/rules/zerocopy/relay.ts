/**
 * Relay loops: a loop that reads a chunk from one descriptor (or stream) into
 * a buffer and writes exactly those bytes, untouched, to another. Shared by
 * zerocopy/read-write-loop, zerocopy/socket-relay and zerocopy/stdio-copy-loop.
 *
 * A relay is a pair (read R, write W) in a loop L where:
 * - R reads into offset 0 of a buffer B and its result is stored in a
 *   variable N (the chunk length); R sits directly in L or in a retry loop
 *   (`do ... while (n < 0 && errno == EINTR)`) inside it;
 * - W comes after R in L, writes from B (at offset 0, or at an offset or
 *   cursor that starts at B and only advances) a byte count made of N, what
 *   is computed from it, loop state and constants (a fixed outside limit
 *   clips every chunk: not a relay), and is the only such write of R's chunk
 *   (no tee, no second read of B in between);
 * - W's and R's descriptors (streams) differ and do not change inside L;
 *   streams come from fopen/fdopen/popen/... (not a cookie or memory stream);
 * - nothing else in L reads or writes B's bytes: B and the pointers made from
 *   it appear only in R, W, `sizeof`, cursor arithmetic and pointer
 *   comparisons; when other code could reach B without naming it (B is a
 *   field, a global, a parameter, or escaped), L calls no user function
 *   outside its exit paths; no unparsed code in L mentions B;
 * - L is not the fallback of a zero-copy call (`sendfile`, `copy_file_range`,
 *   `splice`, a BSD copy offload) on the same descriptors earlier in the
 *   function, nor a helper called next to such a call elsewhere in the file;
 * - L is not an interactive session (stdin sent, reply read in the loop), and
 *   the file includes a system header (xv6-style programs have no sendfile).
 *
 * Invariant: every condition that cannot be decided makes the pair a
 * non-relay: these rules prefer silence to a wrong finding.
 */
import { apiEffect } from '../../model/apiEffects';
import { assignmentsIn, expressionParents, resultAssignment, within, type Assignment } from '../../model/dataflow';
import { descriptorsOf, type DescriptorFact } from '../../model/descriptors';
import type { FunctionModel } from '../../model/functionModel';
import type { Expr, LoopStmt, Range, Stmt } from '../../model/ir';
import { exprKey, linearIsConstant, regionOf } from '../../model/regions';
import { childExprs, forEachExpr, forEachExprIn, forEachStmt, mentions, rootName, sameExpr, stmtExprs, stripCasts, type CallSite } from '../../model/walk';
import { argByRole } from '../callArgs';
import { escapeRegExp, perText } from '../../model/textFacts';

export type RelayFlavour = 'fd' | 'stdio';

export interface Relay {
  loop: LoopStmt;
  read: CallSite;
  write: CallSite;
  /** The read's destination expression and its region key. */
  buffer: Expr;
  bufferKey: string;
  /** The variable that receives the read's count. */
  count: string;
  countAssignment: Assignment;
  input: Expr;
  output: Expr;
  inputKind: DescriptorFact;
  outputKind: DescriptorFact;
  /** Relay pairs found in the same loop (2 for a two-way proxy loop). */
  pairsInLoop: number;
  /** Variables whose value follows the chunk: N, the write's result, what is computed from them. */
  chunkVars: Set<string>;
  /** Pointer cursors and offsets that walk B during a partial write. */
  cursorVars: Set<string>;
  /** The variable receiving the write's result, if any. */
  writeResult: string | undefined;
  /** All assignments of the function (shared with the rules' fix builders). */
  assignments: Assignment[];
}

export const FD_READERS = new Set(['read', 'pread', 'pread64', 'recv']);
const FD_WRITERS = new Set(['write', 'pwrite', 'pwrite64', 'send']);
export const STDIO_READERS = new Set(['fread', 'fread_unlocked']);
const STDIO_WRITERS = new Set(['fwrite', 'fwrite_unlocked']);
const RETRY_CODES = new Set(['EINTR', 'EAGAIN', 'EWOULDBLOCK']);

/**
 * Library calls that touch only what they are given: they cannot reach a
 * buffer they are not passed (the relay's buffer is checked by name).
 */
const LIBRARY = new Set([
  'perror', 'fprintf', 'printf', 'dprintf', 'puts', 'fputs', 'fflush', 'syslog', 'vsyslog', 'warn', 'warnx', 'err', 'errx', 'vwarn', 'vwarnx',
  'strerror', 'strerror_r', 'close', 'exit', '_exit', 'abort', 'poll', 'ppoll', 'select', 'pselect', 'epoll_wait', 'usleep', 'nanosleep',
  'sleep', 'sched_yield', 'time', 'clock_gettime', 'gettimeofday', 'assert', '__assert_fail', 'htons', 'ntohs', 'htonl', 'ntohl',
  'fileno', 'fcntl', 'ioctl', 'lseek', 'lseek64', 'fsync', 'fdatasync', 'shutdown', 'alarm', 'signal', 'sigaction', 'kill', 'raise',
  'FD_SET', 'FD_ISSET', 'FD_ZERO', 'FD_CLR', 'min', 'max', 'MIN', 'MAX', '__errno_location', 'ferror', 'feof', 'clearerr', 'fclose',
]);

const cache = new WeakMap<FunctionModel, Map<RelayFlavour, Relay[]>>();

/** Relay loops of a function (computed once per function and flavour). */
export function relaysOf(fn: FunctionModel, flavour: RelayFlavour): Relay[] {
  let byFlavour = cache.get(fn);
  if (!byFlavour) cache.set(fn, (byFlavour = new Map()));
  let relays = byFlavour.get(flavour);
  if (!relays) byFlavour.set(flavour, (relays = findRelays(fn, flavour)));
  return relays;
}

interface Pair {
  loop: LoopStmt;
  read: CallSite;
  write: CallSite;
  buffer: Expr;
  bufferKey: string;
  count: Assignment;
  input: Expr;
  output: Expr;
  chunkVars: Set<string>;
  cursorVars: Set<string>;
  writeResult: string | undefined;
}

/** Calls that give a `FILE *` on a real descriptor (not a cookie or memory stream). */
const PLAIN_STREAMS = new Set(['fopen', 'fopen64', 'fdopen', 'freopen', 'freopen64', 'popen', 'tmpfile', 'tmpfile64']);

function findRelays(fn: FunctionModel, flavour: RelayFlavour): Relay[] {
  // No system header: not a hosted POSIX program (xv6, JOS, a kernel), there is no sendfile to use.
  if (!hostedFile(fn)) return [];
  const readers = fn.calls.filter((s) => s.name && (flavour === 'fd' ? FD_READERS : STDIO_READERS).has(s.name) && s.loops.length > 0);
  if (readers.length === 0) return [];
  const writers = fn.calls.filter((s) => s.name && (flavour === 'fd' ? FD_WRITERS : STDIO_WRITERS).has(s.name) && s.loops.length > 0);
  if (writers.length === 0) return [];
  const assignments = assignmentsIn(fn.ir.body);
  const pairs: Pair[] = [];
  for (const read of readers) {
    const pair = pairFor(read, readers, writers, assignments, fn, flavour);
    if (pair) pairs.push(pair);
  }
  // A write claimed by two reads is not one chunk's relay.
  const claimed = new Map<CallSite, number>();
  for (const p of pairs) claimed.set(p.write, (claimed.get(p.write) ?? 0) + 1);
  const unique = pairs.filter((p) => claimed.get(p.write) === 1);

  const interactive = interactiveLoops(unique, readers, flavour);
  const descriptors = descriptorsOf(fn);
  const out: Relay[] = [];
  for (const p of unique) {
    // Read a line from standard input, send it, wait for the reply: an interactive session, not a bulk transfer.
    if (interactive.has(p.loop)) continue;
    const sameLoop = unique.filter((q) => q.loop === p.loop && q.bufferKey === p.bufferKey);
    // Something else in the loop reads or changes the bytes: not a plain relay.
    if (!bufferUntouched(p, sameLoop, fn, assignments)) continue;
    // The loop is the fallback of a zero-copy call on the same descriptors.
    if (isZeroCopyFallback(p, fn)) continue;
    out.push({
      loop: p.loop,
      read: p.read,
      write: p.write,
      buffer: p.buffer,
      bufferKey: p.bufferKey,
      count: p.count.key,
      countAssignment: p.count,
      input: p.input,
      output: p.output,
      inputKind: descriptors.kindOf(p.input),
      outputKind: descriptors.kindOf(p.output),
      pairsInLoop: unique.filter((q) => q.loop === p.loop).length,
      chunkVars: p.chunkVars,
      cursorVars: p.cursorVars,
      writeResult: p.writeResult,
      assignments,
    });
  }
  return out;
}

/** Loops with a relay from standard input whose destination is also read in the loop (a reply is awaited). */
function interactiveLoops(pairs: Pair[], readers: CallSite[], flavour: RelayFlavour): Set<LoopStmt> {
  const loops = new Set<LoopStmt>();
  for (const p of pairs) {
    if (!isStandardInput(p.input)) continue;
    const awaitsReply = readers.some((r) => r.loops.includes(p.loop) && sameExpr(endpoint(r, flavour), p.output));
    if (awaitsReply) loops.add(p.loop);
  }
  return loops;
}

function isStandardInput(e: Expr): boolean {
  const x = stripCasts(e);
  if (x.kind === 'number') return x.value === 0;
  if (x.kind === 'ident') return x.name === 'STDIN_FILENO' || x.name === 'stdin';
  return x.kind === 'call' && x.name === 'fileno' && x.args[0]?.kind === 'ident' && x.args[0].name === 'stdin';
}

function pairFor(read: CallSite, readers: CallSite[], writers: CallSite[], assignments: Assignment[], fn: FunctionModel, flavour: RelayFlavour): Pair | undefined {
  const buffer = argByRole(read.call, 'dst');
  if (!buffer) return undefined;
  const region = regionOf(buffer, fn);
  // Reading at an offset into the buffer accumulates a message: not a chunk relay.
  if (!region || !linearIsConstant(region.offset) || region.offset.constant !== 0) return undefined;
  const count = resultAssignment(read.call, assignments);
  // Without the count the loop cannot write "the bytes read".
  if (!count || count.target.kind !== 'ident') return undefined;
  const input = endpoint(read, flavour);
  if (!input) return undefined;

  const matches: Pair[] = [];
  for (const write of writers) {
    if (write.call.range.start <= read.call.range.end) continue;
    const loop = deepestCommonLoop(read, write);
    if (!loop) continue;
    // The read sits in an inner loop that is not a retry: it accumulates, it does not relay chunks.
    if (!innerLoopsAreRetries(read, loop)) continue;
    // Another read into the same buffer between R and W: W writes that chunk, not R's.
    if (readers.some((r) => r !== read && r.call.range.start > read.call.range.end && r.call.range.start < write.call.range.start && sameBuffer(r, region.base, fn))) continue;
    const loopAssignments = assignments.filter((a) => within(a.range, loop.range));
    const chunkVars = chunkVariables(count.key, write, loopAssignments);
    const cursorVars = new Set<string>();
    // Writes another buffer, or part of this one (a header skipped): not the bytes read.
    if (!writesFromBuffer(write, region.base, loopAssignments, chunkVars, cursorVars, fn)) continue;
    // Writes a size that is not the chunk (`sizeof buf`, a fixed clip): not the bytes read.
    if (!sizeFollowsChunk(write, chunkVars, loopAssignments)) continue;
    const output = endpoint(write, flavour);
    if (!output) continue;
    // A stream from another call (zopen, fopencookie, a fetch library) may transform the bytes or have no descriptor.
    if (flavour === 'stdio' && (!plainStream(input, assignments) || !plainStream(output, assignments))) continue;
    // Reading and writing the same descriptor (an echo) is not a copy between two objects.
    if (sameExpr(input, output)) continue;
    // A destination or source that changes inside the loop (a broadcast, a poll set) is not one relay.
    if (changesIn(output, loopAssignments) || changesIn(input, loopAssignments)) continue;
    matches.push({ loop, read, write, buffer, bufferKey: region.base, count, input, output, chunkVars, cursorVars, writeResult: resultAssignment(write.call, assignments)?.key });
  }
  // Several writes of one chunk (a tee, alternative destinations): not a plain relay.
  return matches.length === 1 ? matches[0] : undefined;
}

const hosted = new WeakMap<object, boolean>();
/**
 * A system header: `<name.h>` (`<stdio.h>`, `<config.h>`) or one under the
 * POSIX/Linux directories. `<inc/lib.h>`-style headers of teaching kernels
 * (JOS) and files with only quoted includes (xv6) do not count.
 */
const HOSTED_HEADER = /^[ \t]*#[ \t]*include[ \t]*<(\w+|(sys|netinet|arpa|linux|bits)\/\w+)\.h>/m;

function hostedFile(fn: FunctionModel): boolean {
  let h = hosted.get(fn.file);
  if (h === undefined) hosted.set(fn.file, (h = HOSTED_HEADER.test(fn.file.text)));
  return h;
}

/** Every value the function stores in the stream comes from fopen/fdopen/popen/... (or the stream is not assigned here). */
function plainStream(stream: Expr, assignments: Assignment[]): boolean {
  const key = exprKey(stream);
  return assignments.every((a) => {
    if (a.key !== key || !a.value) return true;
    const v = stripCasts(a.value);
    if (v.kind === 'number' || (v.kind === 'ident' && (v.name === 'NULL' || v.name === 'stdin' || v.name === 'stdout'))) return true;
    return v.kind === 'call' && v.name !== undefined && PLAIN_STREAMS.has(v.name);
  });
}

function endpoint(site: CallSite, flavour: RelayFlavour): Expr | undefined {
  const effect = apiEffect(site.name);
  if (!effect) return undefined;
  if (flavour === 'stdio') return argByRole(site.call, 'stream', effect);
  return site.call.args[0];
}

function sameBuffer(site: CallSite, base: string, fn: FunctionModel): boolean {
  const dst = argByRole(site.call, 'dst');
  const region = dst ? regionOf(dst, fn) : undefined;
  return region?.base === base;
}

function deepestCommonLoop(a: CallSite, b: CallSite): LoopStmt | undefined {
  let common: LoopStmt | undefined;
  for (let i = 0; i < Math.min(a.loops.length, b.loops.length); i++) {
    if (a.loops[i] !== b.loops[i]) break;
    common = a.loops[i];
  }
  return common;
}

function innerLoopsAreRetries(site: CallSite, loop: LoopStmt): boolean {
  const inner = site.loops.slice(site.loops.indexOf(loop) + 1);
  return inner.every((l) => {
    let retry = false;
    if (l.test) forEachExpr(l.test, (x) => {
      if (x.kind === 'ident' && RETRY_CODES.has(x.name)) retry = true;
    });
    return retry;
  });
}

/**
 * N, the write's result, and every variable assigned (with `=`) from them
 * inside the loop, using only chunk variables, loop state and constants:
 * `left = n - off` is the chunk, `w = n < max ? n : max` with a fixed `max`
 * is a clipped chunk and is not.
 */
function chunkVariables(count: string, write: CallSite, loopAssignments: Assignment[]): Set<string> {
  const vars = new Set([count]);
  const writeResult = loopAssignments.find((a) => a.op === '=' && a.value && stripCasts(a.value) === write.call);
  if (writeResult && writeResult.target.kind === 'ident') vars.add(writeResult.key);
  const loopState = new Set(loopAssignments.filter((a) => a.target.kind === 'ident').map((a) => a.key));
  for (let changed = true; changed; ) {
    changed = false;
    for (const a of loopAssignments) {
      if (a.op !== '=' || a.target.kind !== 'ident' || vars.has(a.key) || !a.value) continue;
      const names = namesIn(a.value);
      if (names.some((v) => vars.has(v)) && names.every((v) => vars.has(v) || loopState.has(v) || isConstantName(v))) {
        vars.add(a.key);
        changed = true;
      }
    }
  }
  return vars;
}

/** Identifiers of an expression outside `sizeof` (callee names included). */
function namesIn(e: Expr): string[] {
  const names: string[] = [];
  const stack: Expr[] = [e];
  while (stack.length > 0) {
    const x = stack.pop()!;
    if (x.kind === 'sizeof') continue;
    if (x.kind === 'ident') names.push(x.name);
    stack.push(...childExprs(x));
  }
  return names;
}

/** `BUFSIZ`, `MIN`, `EINTR`: macro-style names stand for constants. */
function isConstantName(name: string): boolean {
  return /^[A-Z][A-Z0-9_]*$/.test(name);
}

/**
 * The write's source is B itself, `B + off` / `&B[off]` where `off` starts at
 * 0 in the loop and only advances, or a cursor `p` set to B in the loop that
 * only advances. Cursors and offsets found are added to `cursorVars`.
 */
function writesFromBuffer(write: CallSite, base: string, loopAssignments: Assignment[], chunkVars: Set<string>, cursorVars: Set<string>, fn: FunctionModel): boolean {
  const src = argByRole(write.call, 'src');
  if (!src) return false;
  const region = regionOf(src, fn);
  if (region && region.base === base) {
    if (linearIsConstant(region.offset)) return region.offset.constant === 0;
    if (region.offset.constant !== 0) return false;
    for (const term of region.offset.terms.keys()) {
      if (!/^\w+$/.test(term) || !advancesFrom(term, (v) => v.kind === 'number' && v.value === 0, write, loopAssignments, chunkVars)) return false;
      cursorVars.add(term);
    }
    return true;
  }
  const cursor = stripCasts(src);
  if (cursor.kind !== 'ident') return false;
  const startsAtBuffer = (v: Expr): boolean => {
    const r = regionOf(v, fn);
    return r !== undefined && r.base === base && linearIsConstant(r.offset) && r.offset.constant === 0;
  };
  if (!advancesFrom(cursor.name, startsAtBuffer, write, loopAssignments, chunkVars)) return false;
  cursorVars.add(cursor.name);
  return true;
}

/**
 * `name` is reset by `isStart` inside the loop before the write, and
 * otherwise only advanced (`+=`, `++`, `name = name + x`) by chunk amounts.
 */
function advancesFrom(name: string, isStart: (value: Expr) => boolean, write: CallSite, loopAssignments: Assignment[], chunkVars: Set<string>): boolean {
  let reset = false;
  for (const a of loopAssignments) {
    if (a.key !== name) continue;
    if (a.op === '=' && a.value && isStart(a.value)) {
      if (a.range.start < write.call.range.start) reset = true;
      continue;
    }
    if (a.op === '++') continue;
    const step = a.op === '+=' ? a.value : a.op === '=' && a.value ? stepOf(name, a.value) : undefined;
    if (!step || ![...chunkVars].some((v) => mentions(step, v))) return false;
  }
  return reset;
}

/** `x` in `name + x`. */
function stepOf(name: string, value: Expr): Expr | undefined {
  const v = stripCasts(value);
  if (v.kind !== 'binary' || v.op !== '+') return undefined;
  if (v.left.kind === 'ident' && v.left.name === name) return v.right;
  if (v.right.kind === 'ident' && v.right.name === name) return v.left;
  return undefined;
}

/**
 * The write's byte count is the chunk: it names a chunk variable and nothing
 * but chunk variables, loop state and constants (a fixed outside limit clips
 * every chunk, which is not a relay).
 */
function sizeFollowsChunk(write: CallSite, chunkVars: Set<string>, loopAssignments: Assignment[]): boolean {
  const effect = apiEffect(write.name);
  if (!effect) return false;
  const sizes = effect.sizeProduct ? effect.sizeProduct.map((i) => write.call.args[i]) : [write.call.args[effect.sizeArg ?? -1]];
  if (sizes.some((e) => e === undefined)) return false;
  const loopState = new Set(loopAssignments.filter((a) => a.target.kind === 'ident').map((a) => a.key));
  const names = sizes.flatMap((e) => namesIn(e!));
  return names.some((v) => chunkVars.has(v)) && names.every((v) => chunkVars.has(v) || loopState.has(v) || isConstantName(v));
}

/** `e` itself (`c->fd`) or a variable it names (`i` in `fds[i]`) is assigned in the loop. */
function changesIn(e: Expr, loopAssignments: Assignment[]): boolean {
  const key = exprKey(stripCasts(e));
  const names = new Set(namesIn(e));
  return loopAssignments.some((a) => a.key === key || (a.target.kind === 'ident' && names.has(a.key)));
}

// ------------------------------------------------------------ untouched buffer

/**
 * Nothing in the loop but the relay pairs reads or writes the buffer's bytes.
 * Pointers made from the buffer anywhere in the function count as the buffer.
 */
function bufferUntouched(pair: Pair, sameLoop: Pair[], fn: FunctionModel, assignments: Assignment[]): boolean {
  const loop = pair.loop;
  const allowed: Range[] = [];
  for (const p of sameLoop) {
    allowed.push(p.buffer.range);
    const src = argByRole(p.write.call, 'src');
    if (src) allowed.push(src.range);
  }
  const aliases = aliasesOf(pair.bufferKey, assignments, fn);
  const cursorLike = new Set([...aliases, ...sameLoop.flatMap((p) => [...p.cursorVars])]);
  const parents = expressionParents(loop);
  const isBuffer = (x: Expr): boolean => (x.kind === 'ident' && aliases.has(x.name)) || ((x.kind === 'ident' || x.kind === 'field') && exprKey(x) === pair.bufferKey);

  let touched = false;
  forEachExprIn(loop, (x) => {
    if (touched || !isBuffer(x)) return;
    if (allowed.some((r) => within(x.range, r))) return;
    if (!harmlessUse(x, parents, cursorLike)) touched = true;
  });
  if (touched) return false;

  const root = rootName(pair.buffer) ?? pair.bufferKey;
  const text = fn.file.text;
  const word = new RegExp(`\\b${escapeRegExp(root)}\\b`);
  // Unparsed code (a macro the grammar could not read) may use the buffer.
  let hidden = false;
  forEachStmt(loop, (s) => {
    if (s.kind === 'unknown' && word.test(text.slice(s.range.start, s.range.end))) hidden = true;
    for (const e of stmtExprs(s)) forEachExpr(e, (x) => {
      if (x.kind === 'unknown' && word.test(text.slice(x.range.start, x.range.end))) hidden = true;
    });
  });
  if (hidden) return false;

  // Code that can reach the buffer without naming it: only the loop's exit paths may call it.
  if (reachableWithoutName(pair, root, assignments, fn)) {
    const pairCalls = new Set(sameLoop.flatMap((p) => [p.read.call, p.write.call]));
    const branches = exitBranches(loop);
    for (const site of fn.calls) {
      if (!within(site.call.range, loop.range) || pairCalls.has(site.call)) continue;
      if (site.name && (LIBRARY.has(site.name) || apiEffect(site.name)) && !site.call.args.some((a) => mentions(a, root))) continue;
      if (onExitPath(site, loop, branches)) continue;
      if (site.name && !mayTouch(site.name, root, fn)) continue;
      return false;
    }
  }
  return true;
}

/** Variables assigned a pointer into the buffer anywhere in the function (`char *p = buf + 4`). */
function aliasesOf(bufferKey: string, assignments: Assignment[], fn: FunctionModel): Set<string> {
  const aliases = new Set<string>();
  for (const a of assignments) {
    if (a.target.kind !== 'ident' || !a.value) continue;
    const region = regionOf(a.value, fn);
    if (region?.base === bufferKey || (region && aliases.has(region.base))) aliases.add(a.key);
  }
  return aliases;
}

/**
 * A mention of the buffer that does not read or write its bytes: inside
 * `sizeof`, the target of a cursor assignment, the value of a cursor
 * assignment, or pointer arithmetic compared against another pointer.
 */
function harmlessUse(x: Expr, parents: Map<Expr, Expr | undefined>, cursors: Set<string>): boolean {
  let child = x;
  for (let parent = parents.get(x); parent; child = parent, parent = parents.get(parent)) {
    switch (parent.kind) {
      case 'sizeof':
        return true;
      case 'cast':
        continue;
      case 'binary':
        if (parent.op === '+' || parent.op === '-') continue;
        return ['<', '<=', '>', '>=', '==', '!='].includes(parent.op);
      case 'assign': {
        const target = parent.left;
        const isCursorTarget = target.kind === 'ident' && cursors.has(target.name);
        if (child === target) return isCursorTarget && (parent.op === '=' || parent.op === '+=' || parent.op === '-=');
        return isCursorTarget;
      }
      case 'update':
        return child.kind === 'ident' && cursors.has(child.name);
      default:
        return false;
    }
  }
  // A declaration initialiser (`char *p = buf;`): the declared name is an alias, checked on its own.
  return true;
}

/** A buffer other code can reach: a field, a global, a parameter's target, or one whose address escaped. */
function reachableWithoutName(pair: Pair, root: string, assignments: Assignment[], fn: FunctionModel): boolean {
  const b = stripCasts(pair.buffer);
  if (b.kind !== 'ident') return true;
  const symbol = fn.lookup(b.name, b.range.start);
  if (!symbol || symbol.kind !== 'local' || symbol.isStatic) return true;
  // Local storage: reachable only if its address was handed out.
  for (const site of fn.calls) {
    if (!site.name || LIBRARY.has(site.name) || apiEffect(site.name)) continue;
    if (site.call.args.some((a) => mentions(a, root))) return true;
  }
  return assignments.some((a) => a.target.kind !== 'ident' && a.value !== undefined && mentions(a.value, root));
}

/**
 * Branches of `if` statements inside the loop that end in a jump (`return`,
 * `break`, `continue`, `goto`): what runs there is error or end-of-data
 * handling, not per-chunk work.
 */
export function exitBranches(loop: LoopStmt): Range[] {
  const out: Range[] = [];
  forEachStmt(loop, (s) => {
    if (s.kind !== 'if') return;
    for (const branch of [s.then, s.otherwise]) if (branch && endsInJump(branch)) out.push(branch.range);
  });
  return out;
}

function endsInJump(s: Stmt): boolean {
  const last = s.kind === 'block' ? s.body[s.body.length - 1] : s;
  return last !== undefined && (last.kind === 'return' || last.kind === 'break' || last.kind === 'continue' || last.kind === 'goto');
}

/** The call is in an exit branch of the loop, or in a `return` statement. */
export function onExitPath(site: CallSite, loop: LoopStmt, branches: Range[] = exitBranches(loop)): boolean {
  if (site.stmt.kind === 'return') return true;
  return branches.some((r) => within(site.call.range, r));
}

/** A function defined in this file that never names the buffer cannot touch it (it may still be reached through a pointer it gets: checked by the escape test). */
function mayTouch(callee: string, root: string, fn: FunctionModel): boolean {
  const entry = fn.file.functionNamed(callee);
  if (!entry) return true;
  return new RegExp(`\\b${escapeRegExp(root)}\\b`).test(entry.text);
}


// ------------------------------------------------------------ fallbacks

/** Kernel-side copies: Linux zero-copy calls and the BSD/macOS file copy offloads. */
const ZERO_COPY = /^(sendfile(64)?|copy_file_range|splice|fcopyfile|copyfile|elftc_copyfile)$/;

/**
 * A zero-copy call earlier in the function that already moves data between
 * these descriptors (in any argument order: a swapped `sendfile` is still an
 * attempt), or a `splice` from this input or to this output (through a pipe).
 */
function isZeroCopyFallback(pair: Pair, fn: FunctionModel): boolean {
  // A copy helper called from a function of this file that tries a zero-copy call first (crun's fd_to_fd).
  if (calledAfterZeroCopy(fn)) return true;
  for (const site of fn.calls) {
    if (site.call.range.start >= pair.loop.range.start) break;
    if (!site.name || !ZERO_COPY.test(site.name)) continue;
    const args = site.call.args;
    const usesInput = args.some((a) => sameExpr(a, pair.input));
    const usesOutput = args.some((a) => sameExpr(a, pair.output));
    if (site.name === 'splice' ? usesInput || usesOutput : usesInput && usesOutput) return true;
  }
  return false;
}

const ZERO_COPY_CALL = /\b(sendfile(64)?|copy_file_range|splice|fcopyfile|copyfile|elftc_copyfile)\s*\(/;

/** Some function of the file both makes a zero-copy call and calls `fn`: `fn` is its fallback. */
function calledAfterZeroCopy(fn: FunctionModel): boolean {
  const zeroCopyCallers = perText(fn.file.text, 'zeroCopyCallers', () => fn.file.functions.filter((entry) => ZERO_COPY_CALL.test(entry.text)));
  if (zeroCopyCallers.length === 0) return false;
  const callsFn = new RegExp(`\\b${escapeRegExp(fn.name)}\\s*\\(`);
  return zeroCopyCallers.some((entry) => entry.name !== fn.name && callsFn.test(entry.text));
}
