/**
 * zerocopy/read-then-copy: `read` into a local temporary, then `memcpy` of
 * exactly the bytes read into another buffer. The temporary adds one CPU copy
 * of every byte; the read could have targeted the destination directly.
 *
 * The temporary must be a local buffer used for nothing else (it is only
 * read into, copied from, sized, allocated and freed), the copy must take
 * exactly the count the read returned from offset 0, and the destination
 * must be the same place at the read as at the copy (nothing in between
 * assigns its variables or names it).
 *
 * Fix (suggestion): read into the destination and drop the copy. Offered
 * only when it provably writes the same bytes: the read writes exactly the
 * `n` bytes it returns, which are the bytes the `memcpy` would have written,
 * so it is equivalent as long as nothing between the read and the copy can
 * skip the copy for a positive count (only tests of the count against 0 or
 * -1, and of `errno`, are allowed; a capacity check such as `n > room` keeps
 * the finding without a fix).
 */
import type { Rule, RuleFix } from '../../engine/rule';
import type { TextEdit } from '../../engine/types';
import { assignmentsIn, hasSideEffects, resultAssignment, within, type Assignment } from '../../model/dataflow';
import type { FunctionModel } from '../../model/functionModel';
import { isLoop, type Expr, type LoopStmt, type Stmt } from '../../model/ir';
import { linearIsConstant, regionOf } from '../../model/regions';
import { childExprs, childStmts, forEachExpr, forEachExprIn, forEachStmt, mentions, rootName, stmtExprs, stripCasts, type CallSite } from '../../model/walk';
import { argByRole, sizeArg, textOf } from '../callArgs';
import { short } from './describe';

const READERS = new Set(['read', 'pread', 'pread64', 'recv']);
const COPIES = new Set(['memcpy', 'memmove']);
/** Calls that may sit between the read and the copy without touching the destination. */
const HARMLESS = new Set(['perror', 'fprintf', 'printf', 'syslog', 'warn', 'warnx', 'strerror', 'assert', '__assert_fail']);

export const readThenCopy: Rule = {
  id: 'zerocopy/read-then-copy',
  summary: 'Reading into a temporary buffer and then copying exactly the bytes read into another buffer costs a CPU copy that reading into the destination avoids.',
  defaultSeverity: 'warning',
  fix: 'unsafe',
  scenario: 'read-copy→read',
  messages: {
    copyAfterRead:
      "'{{copy}}' moves the '{{count}}' bytes just read into '{{tmp}}' on to '{{dst}}': one more CPU copy of every byte; reading into '{{dst}}' directly avoids it",
  },
  scope: 'function',
  triggers: [...READERS],
  candidates: /\b(?:read|pread|pread64|recv)\s*\([\s\S]*?\bmem(?:cpy|move)\s*\(/,
  check(ctx) {
    for (const fn of ctx.functions()) {
      const readers = fn.calls.filter((s) => s.name && READERS.has(s.name));
      if (readers.length === 0) continue;
      const assignments = assignmentsIn(fn.ir.body);
      const pairs = readers.map((r) => pairFor(r, assignments, fn)).filter((p): p is Pair => p !== undefined);
      for (const pair of pairs) {
        // The temporary is used for something else too: the read into it may be needed.
        if (!onlyRelayUses(pair.tmp, pairs, readers, fn)) continue;
        const names = {
          copy: pair.copy.name ?? 'memcpy',
          count: pair.count.key,
          tmp: pair.tmp,
          dst: short(textOf(ctx.text, pair.dst)),
        };
        const fix = buildFix(pair, fn);
        ctx.report({
          messageId: 'copyAfterRead',
          data: names,
          range: pair.copy.call.range,
          related: [{ range: pair.read.call.range, message: `read into the temporary '${pair.tmp}' here` }],
          functionName: fn.name,
          fixes: fix ? [fix] : [],
          extra: { scenario: 'read-copy→read' },
        });
      }
    }
  },
};

interface Pair {
  read: CallSite;
  copy: CallSite;
  tmp: string;
  count: Assignment;
  dst: Expr;
}

function pairFor(read: CallSite, assignments: Assignment[], fn: FunctionModel): Pair | undefined {
  const dstArg = argByRole(read.call, 'dst');
  const tmpExpr = dstArg ? stripCasts(dstArg) : undefined;
  // Only a plain variable can be shown to serve nothing but this copy.
  if (!tmpExpr || tmpExpr.kind !== 'ident') return undefined;
  const symbol = fn.lookup(tmpExpr.name, tmpExpr.range.start);
  // A parameter, global or static buffer may be read by others after the copy.
  if (!symbol || symbol.kind !== 'local' || symbol.isStatic) return undefined;
  const count = resultAssignment(read.call, assignments);
  // Without the count the copy cannot be shown to take exactly the bytes read.
  if (!count || count.target.kind !== 'ident') return undefined;
  for (const copy of fn.calls) {
    if (!copy.name || !COPIES.has(copy.name) || copy.call.range.start <= read.call.range.end) continue;
    const src = argByRole(copy.call, 'src');
    const region = src ? regionOf(src, fn) : undefined;
    if (!region || region.base !== tmpExpr.name) continue;
    // A copy from an offset (skipping a header) or of another length is not "the bytes read".
    if (!linearIsConstant(region.offset) || region.offset.constant !== 0) return undefined;
    const size = sizeArg(copy.call);
    const sizeVar = size ? stripCasts(size) : undefined;
    // Copies another length (a fixed part, a clipped count): the temporary holds more than is copied.
    if (!sizeVar || sizeVar.kind !== 'ident' || sizeVar.name !== count.key) return undefined;
    // In a loop the read is not in (or the other way round), the copy runs a different number of times.
    if (!sameLoops(read, copy)) return undefined;
    const dst = argByRole(copy.call, 'dst');
    if (!dst) return undefined;
    // The destination must mean the same place at the read: nothing in between changes or reads it.
    if (!destinationStable(dst, read, copy, assignments, fn)) return undefined;
    return { read, copy, tmp: tmpExpr.name, count, dst };
  }
  return undefined;
}

/** Same enclosing loops, ignoring retry loops (`do n = read(...); while (n < 0 && errno == EINTR);`). */
function sameLoops(a: CallSite, b: CallSite): boolean {
  const x = a.loops.filter((l) => !isRetryLoop(l));
  const y = b.loops.filter((l) => !isRetryLoop(l));
  return x.length === y.length && x.every((l, i) => l === y[i]);
}

function isRetryLoop(loop: LoopStmt): boolean {
  return loop.test !== undefined && ['EINTR', 'EAGAIN', 'EWOULDBLOCK'].some((code) => mentions(loop.test, code));
}

function destinationStable(dst: Expr, read: CallSite, copy: CallSite, assignments: Assignment[], fn: FunctionModel): boolean {
  const names = new Set<string>();
  forEachExpr(dst, (x) => {
    if (x.kind === 'ident') names.add(x.name);
  });
  const from = read.call.range.end;
  const to = copy.call.range.start;
  // `buf = realloc(...)` or `len += ...` between the read and the copy: the destination is not known at the read.
  if (assignments.some((a) => a.range.start > from && a.range.start < to && names.has(rootName(a.target) ?? ''))) return false;
  for (const name of names) {
    // A name declared between the read and the copy does not exist at the read.
    if (fn.lookup(name, read.call.range.start) !== fn.lookup(name, copy.call.range.start)) return false;
  }
  const root = rootName(dst);
  // A destination computed by a call or unreadable expression cannot be followed.
  if (!root) return false;
  let named = false;
  forEachExprIn(fn.ir.body, (x) => {
    if (x.kind === 'ident' && x.name === root && x.range.start > from && x.range.start < to) named = true;
  });
  return !named;
}

/** Every mention of the temporary is a read into it, a paired copy from it, `sizeof`, its allocation or its `free`. */
function onlyRelayUses(tmp: string, pairs: Pair[], readers: CallSite[], fn: FunctionModel): boolean {
  const allowed: { start: number; end: number }[] = [];
  for (const r of readers) {
    const d = argByRole(r.call, 'dst');
    if (d && stripCasts(d).kind === 'ident') allowed.push(d.range);
  }
  for (const p of pairs) if (p.tmp === tmp) allowed.push(argByRole(p.copy.call, 'src')!.range);
  let ok = true;
  const visit = (e: Expr, parent: Expr | undefined): void => {
    if (!ok) return;
    if (e.kind === 'ident' && e.name === tmp) {
      if (!allowed.some((r) => within(e.range, r)) && !isNullTest(parent)) ok = false;
      return;
    }
    if (e.kind === 'sizeof') return;
    // `free(tmp)` releases it; `tmp = malloc(...)` allocates it: neither reads its bytes.
    if (e.kind === 'call' && e.name === 'free' && e.args.length === 1 && e.args[0]!.kind === 'ident' && e.args[0]!.name === tmp) return;
    if (e.kind === 'assign' && e.op === '=' && e.left.kind === 'ident' && e.left.name === tmp && isAllocation(e.right)) {
      return childExprs(e.right).forEach((c) => visit(c, e.right));
    }
    childExprs(e).forEach((c) => visit(c, e));
  };
  forEachStmt(fn.ir.body, (s) => {
    if (s.kind === 'decl') {
      for (const d of s.decls) if (d.init && !(d.name === tmp && isAllocation(d.init))) visit(d.init, undefined);
      return;
    }
    // `if (tmp)` / `while (p)`: a bare pointer test.
    const bareTest = s.kind === 'if' || s.kind === 'while' ? s.test : undefined;
    for (const e of stmtExprs(s)) {
      if (e === bareTest && e.kind === 'ident') continue;
      visit(e, undefined);
    }
  });
  return ok;
}

/** `!tmp`, `tmp == NULL`, `tmp != 0`: tests of the pointer, not of the bytes. */
function isNullTest(parent: Expr | undefined): boolean {
  if (!parent) return false;
  if (parent.kind === 'unary') return parent.op === '!';
  if (parent.kind !== 'binary' || (parent.op !== '==' && parent.op !== '!=')) return false;
  const other = stripCasts(parent.left.kind === 'ident' ? parent.right : parent.left);
  return (other.kind === 'number' && other.value === 0) || (other.kind === 'ident' && other.name === 'NULL');
}

function isAllocation(e: Expr): boolean {
  const x = stripCasts(e);
  return x.kind === 'call' && (x.name === 'malloc' || x.name === 'calloc' || x.name === 'alloca');
}

// ------------------------------------------------------------ fix

function buildFix(pair: Pair, fn: FunctionModel): RuleFix | undefined {
  const stmt = pair.copy.stmt;
  // The copy's value is used (or it shares a statement): it cannot simply be removed.
  if (stmt.kind !== 'expr' || stripCasts(stmt.expr) !== pair.copy.call) return undefined;
  let removed: Stmt = stmt;
  let parent = parentOf(stmt, fn.ir.body);
  // `if (n > 0) memcpy(...);`: the guard goes with the copy it guards.
  if (parent?.kind === 'if' && parent.then === stmt && !parent.otherwise && !hasSideEffects(parent.test)) {
    removed = parent;
    parent = parentOf(parent, fn.ir.body);
  }
  // Removing the only statement of an `if` or loop body would change what it controls.
  if (!parent || (parent.kind !== 'block' && parent.kind !== 'case')) return undefined;
  const from = pair.read.call.range.start;
  const to = pair.copy.call.range.start;
  const count = pair.count.key;

  let decidable = true;
  forEachStmt(fn.ir.body, (s) => {
    if (!decidable) return;
    // A loop between the read and the copy may run the copy a different number of times.
    if (isLoop(s) && s.range.start > pair.read.call.range.end && s.range.end < to) decidable = false;
    const test = s.kind === 'if' || s.kind === 'switch' || isLoop(s) ? (s as { test?: Expr }).test : undefined;
    if (!test || test.range.end <= from || test.range.start >= to) return;
    if (!countTestOnly(test, pair.read.call, count)) decidable = false;
  });
  // A test of anything but the count against 0/-1 (a capacity check) can skip the copy for a positive count.
  if (!decidable) return undefined;
  for (const site of fn.calls) {
    if (site.call === pair.read.call || site.call === pair.copy.call) continue;
    if (site.call.range.start <= pair.read.call.range.end || site.call.range.start >= to) continue;
    // A call in between might read the destination before the copy would have filled it.
    if (!site.name || !HARMLESS.has(site.name)) return undefined;
  }

  const text = fn.file.text;
  const edits: TextEdit[] = [
    { range: argByRole(pair.read.call, 'dst')!.range, text: textOf(text, pair.dst) },
    { range: lineRangeOf(text, removed.range), text: '' },
  ];
  return { title: `Read into '${short(textOf(text, pair.dst))}' directly and drop the copy`, applicability: 'unsafe', edits };
}

/** The test only compares the count with 0, 1 or -1 (and may test `errno`). */
function countTestOnly(test: Expr, read: Expr, count: string): boolean {
  let ok = true;
  const stack: Expr[] = [test];
  while (stack.length > 0) {
    const x = stack.pop()!;
    if (x === read) continue;
    if (x.kind === 'ident' && x.name !== count && x.name !== 'errno' && !/^[A-Z][A-Z0-9_]*$/.test(x.name)) ok = false;
    if (x.kind === 'number' && x.value !== 0 && x.value !== 1) ok = false;
    if (x.kind === 'call' || x.kind === 'unknown') ok = false;
    if (x.kind === 'assign' && !(x.left.kind === 'ident' && x.left.name === count && stripCasts(x.right) === read)) ok = false;
    stack.push(...childExprs(x));
  }
  return ok && mentions(test, count);
}

function parentOf(target: Stmt, root: Stmt): Stmt | undefined {
  let found: Stmt | undefined;
  forEachStmt(root, (s) => {
    if (!found && childStmts(s).includes(target)) found = s;
  });
  return found;
}

/**
 * The statement's range, widened to its whole line when nothing else is on
 * it; a trailing `//` comment is kept in place (with the indentation).
 */
function lineRangeOf(text: string, range: { start: number; end: number }): { start: number; end: number } {
  const lineStart = text.lastIndexOf('\n', range.start - 1) + 1;
  let lineEnd = text.indexOf('\n', range.end);
  if (lineEnd < 0) lineEnd = text.length;
  const before = text.slice(lineStart, range.start);
  const after = text.slice(range.end, lineEnd).replace(/\r$/, '');
  if (!/^[ \t]*$/.test(before)) return range;
  if (/^[ \t]*$/.test(after)) return { start: lineStart, end: Math.min(text.length, lineEnd + 1) };
  const trailing = /^[ \t]+(?=\/\/)/.exec(after);
  return trailing ? { start: range.start, end: range.end + trailing[0].length } : range;
}
