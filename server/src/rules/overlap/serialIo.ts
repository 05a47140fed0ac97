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
import type { FunctionModel } from '../../model/functionModel';
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

/** C library and POSIX calls outside the effects table: system bookkeeping, not processing. */
const LIBRARY_CALLS = new Set([
  'getpid', 'getppid', 'gettid', 'getuid', 'geteuid', 'getauxval', 'getenv', 'setenv', 'sysconf', 'getpagesize', 'sleep',
  'shutdown', 'setsockopt', 'getsockopt', 'bind', 'listen', 'connect', 'getsockname', 'getpeername', 'fcntl', 'ioctl',
  'signal', 'sigaction', 'sigprocmask', 'kill', 'raise', 'wait', 'waitpid', 'fork', 'vfork', 'execv', 'execvp', 'execve',
  'lseek', 'fseek', 'ftell', 'rewind', 'fstat', 'stat', 'lstat', 'fsync', 'fdatasync', 'ftruncate', 'unlink', 'rename',
  'mkdir', 'rmdir', 'chdir', 'dup', 'dup2', 'select', 'poll', 'epoll_wait', 'epoll_ctl', 'usleep', 'nanosleep', 'rand',
  'srand', 'random', 'qsort', 'bsearch', 'abs', 'labs', 'floor', 'ceil', 'sqrt', 'pow', 'exp', 'log', 'setlocale', 'free',
  'strdup', 'strndup', 'memcpy', 'memmove', 'memset', 'strcpy', 'strncpy', 'strcat', 'snprintf', 'sprintf', 'sscanf',
  'fgets', 'fgetc', 'getc', 'getchar', 'ungetc', 'fopen', 'fclose', 'fdopen', 'fileno', 'setvbuf', 'barrier',
]);

/**
 * A call to code that does real work: not in the effects table (library I/O,
 * copies, allocation), not a C library or POSIX call, not logging, not a
 * macro-looking name (`TEST_VERIFY`, `OPUS_COPY`), and not an output routine
 * (`writen`, `ao.write`, `send_all`: handing the data on is a relay, not
 * processing).
 */
export function isProcessingCall(call: CallExpr, calleeText = call.name ?? ''): boolean {
  const name = call.name ?? calleeText;
  if (CHEAP_CALLS.has(name) || LIBRARY_CALLS.has(name) || asyncRole(call.name)) return false;
  if (call.name && apiEffect(call.name) !== undefined) return false;
  if (/^[A-Z][A-Z0-9_]*$/.test(name)) return false; // a macro: usually a check, a copy or logging
  const base = name.replace(/^.*[.>]/, '');
  if (/^(pr_|log|dbg|debug|trace|warn|info|err|print)/i.test(base)) return false; // logging
  if (/(write|send|put|emit|output|flush)/i.test(name)) return false;
  return true;
}

/** Values of the C library macros chunk sizes are written with. */
export const LIBRARY_SIZES: Record<string, number> = { BUFSIZ: 8192, PIPE_BUF: 4096, PATH_MAX: 4096, PAGE_SIZE: 4096 };

/** Bytes one call of the read asks for, when the size folds to a constant (`sizeof buf`, `BUFSIZ`, `n * size` for fread). */
export function readBytes(call: CallExpr, fn: FunctionModel): number | undefined {
  const effect = apiEffect(call.name);
  if (!effect) return undefined;
  if (effect.sizeProduct) {
    const a = foldSize(call.args[effect.sizeProduct[0]], fn);
    const b = foldSize(call.args[effect.sizeProduct[1]], fn);
    return a === undefined || b === undefined ? undefined : a * b;
  }
  return effect.sizeArg === undefined ? undefined : foldSize(call.args[effect.sizeArg], fn);
}

function foldSize(e: Expr | undefined, fn: FunctionModel): number | undefined {
  if (!e) return undefined;
  const v = fn.fold(e);
  if (v !== undefined) return v;
  const x = stripCasts(e);
  if (x.kind === 'ident') return LIBRARY_SIZES[x.name];
  // `sizeof buf` for `char buf[BUFSIZ]`: the dimension is a C library macro.
  if (x.kind === 'sizeof' && x.operand) {
    const type = fn.typeOf(x.operand);
    const t = type ? fn.file.types.resolve(type) : undefined;
    const dim = t?.arrayDims.length === 1 ? t.arrayDims[0] : undefined;
    const n = dim ? foldSize(dim, fn) : undefined;
    const element = t ? fn.file.types.sizeOf({ ...t, arrayDims: [] }) : undefined;
    return n !== undefined && element !== undefined ? n * element : undefined;
  }
  if (x.kind === 'binary' && (x.op === '+' || x.op === '-' || x.op === '*')) {
    const l = foldSize(x.left, fn);
    const r = foldSize(x.right, fn);
    if (l === undefined || r === undefined) return undefined;
    return x.op === '+' ? l + r : x.op === '-' ? l - r : l * r;
  }
  return undefined;
}

/** Chunks smaller than this are dominated by the system call, not by the transfer: not worth double buffering. */
export const MIN_OVERLAP_BYTES = 4096;

/**
 * Is a read big enough to be worth overlapping? Its size must not fold below
 * MIN_OVERLAP_BYTES, nor its buffer (an array) be smaller; a single struct
 * is a record, not a chunk; and `fread` needs a known size, since a small
 * fread is mostly a copy out of the stdio buffer.
 */
export function worthOverlapping(call: CallExpr, target: { expr: Expr }, fn: FunctionModel): boolean {
  const type = fn.typeOf(target.expr);
  const resolved = type ? fn.file.types.resolve(type) : undefined;
  if (resolved && resolved.pointerDepth === 0 && resolved.arrayDims.length === 0 && !resolved.functionPointer) return false;
  const bytes = readBytes(call, fn);
  if (bytes !== undefined && bytes < MIN_OVERLAP_BYTES) return false;
  const capacity = resolved && resolved.arrayDims.length > 0 ? fn.sizeOfObject(target.expr) : undefined;
  if (capacity !== undefined && capacity < MIN_OVERLAP_BYTES) return false;
  if (call.name === 'fread' && bytes === undefined) return false;
  return true;
}
