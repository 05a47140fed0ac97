/**
 * Shared facts for the overlap rules about blocking reads: which calls read
 * into a buffer and block, what counts as processing the buffer, and what
 * is too cheap to be worth overlapping.
 *
 * Invariant: pure functions of the IR; names come from the API effects
 * table where it knows them.
 */
import { apiEffect, argIndex } from '../../model/apiEffects';
import { asyncRole } from '../../model/asyncApiEffects';
import type { Expr } from '../../model/ir';
import { exprKey } from '../../model/regions';
import { forEachExpr, stripCasts, type CallExpr } from '../../model/walk';

/** Blocking reads into a caller's buffer. */
export const BLOCKING_READS = new Set(['read', 'pread', 'pread64', 'fread', 'recv', 'recvfrom']);

/** Library calls too cheap, or too unrelated, to be "processing" worth overlapping with I/O. */
export const CHEAP_CALLS = new Set([
  'printf', 'fprintf', 'dprintf', 'puts', 'fputs', 'putchar', 'fputc', 'perror', 'fflush', 'strerror', 'syslog', 'warn', 'warnx',
  'assert', 'abort', 'exit', '_exit', 'err', 'errx', 'clock_gettime', 'gettimeofday', 'time', 'clock', 'strlen', 'strnlen',
  'memchr', 'memrchr', 'strchr', 'strrchr', 'memcmp', 'strcmp', 'strncmp', 'strcasecmp', 'strncasecmp', 'strstr', 'atoi',
  'atol', 'strtol', 'strtoul', 'strtoll', 'strtoull', 'isatty', 'feof', 'ferror', 'clearerr', 'errno', '__errno_location',
  'ntohl', 'ntohs', 'htonl', 'htons', 'be32toh', 'le32toh', 'be64toh', 'le64toh', 'sizeof', 'min', 'max', 'MIN', 'MAX',
]);

/** The destination buffer of a read, as its base object key (`buf`, `p->data`); undefined when it is offset into a buffer. */
export function readTarget(call: CallExpr): { key: string; root: string | undefined; expr: Expr } | undefined {
  const effect = apiEffect(call.name);
  if (!effect) return undefined;
  const dst = call.args[argIndex(effect, 'dst')];
  if (!dst) return undefined;
  let x = stripCasts(dst);
  // `&buf[0]` is `buf`; `buf + off` fills part of a larger buffer: not a chunk buffer.
  if (x.kind === 'unary' && x.op === '&') {
    const o = stripCasts(x.operand);
    if (o.kind === 'index' && stripCasts(o.index).kind === 'number' && (stripCasts(o.index) as { value?: number }).value === 0) x = stripCasts(o.object);
    else if (o.kind === 'ident' || o.kind === 'field') x = o;
    else return undefined;
  }
  if (x.kind !== 'ident' && x.kind !== 'field') return undefined;
  let root: Expr = x;
  while (root.kind === 'field') root = stripCasts(root.object);
  return { key: exprKey(x), root: root.kind === 'ident' ? root.name : undefined, expr: x };
}

/** The descriptor (or stream) argument of a read. */
export function readSource(call: CallExpr): Expr | undefined {
  const effect = apiEffect(call.name);
  if (!effect) return undefined;
  const i = Math.max(argIndex(effect, 'fd'), argIndex(effect, 'stream'));
  return i < 0 ? undefined : call.args[i];
}

/** Does the expression name the buffer (its key, or an element or member of it)? */
export function mentionsKey(e: Expr, key: string): boolean {
  let found = false;
  forEachExpr(e, (x) => {
    if (!found && (x.kind === 'ident' || x.kind === 'field') && exprKey(x) === key) found = true;
  });
  return found;
}

/** Identifiers an expression mentions. */
export function identsIn(e: Expr): Set<string> {
  const out = new Set<string>();
  forEachExpr(e, (x) => {
    if (x.kind === 'ident') out.add(x.name);
  });
  return out;
}

/** A call to code that does real work: not in the effects table (library I/O, copies, allocation), not cheap, not asynchronous I/O. */
export function isProcessingCall(call: CallExpr): boolean {
  if (!call.name) return true; // through a function pointer: some callback doing work
  if (CHEAP_CALLS.has(call.name) || asyncRole(call.name)) return false;
  return apiEffect(call.name) === undefined;
}
