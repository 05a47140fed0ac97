/**
 * copy/unbounded-string-copy: `strcpy`, `stpcpy`, `strcat`, `sprintf`,
 * `vsprintf` or `gets` into a buffer of known size when nothing bounds the
 * length of what is written.
 *
 * "Bounded" is decided from what the code shows: string literals, arrays no
 * larger than the destination, `sprintf` formats whose every conversion has
 * a maximum width, a `strlen` of the source measured before the copy (the
 * usual guard), and for `strcat` the strings already written into the
 * buffer by the statements just before it. Destinations whose size is not
 * known (pointers, parameters) are never judged, except by `gets`, which
 * can never be bounded.
 */
import type { Report, Rule, RuleFix } from '../../engine/rule';
import type { TextEdit } from '../../engine/types';
import type { FunctionModel } from '../../model/functionModel';
import { exprKey } from '../../model/regions';
import type { Expr, Stmt } from '../../model/ir';
import { escapeRegExp } from '../../model/textFacts';
import { forEachExprIn, forEachStmt, sameExpr, stripCasts, type CallExpr, type CallSite } from '../../model/walk';
import { textOf } from '../callArgs';
import { includeEdit } from '../includes';
import { definitionsOf, isHostedC, objectBytes, type ObjectBytes } from './common';

const STRING_COPIES = new Set(['strcpy', 'stpcpy', 'strcat']);
const FORMATS = new Set(['sprintf', 'vsprintf']);

export const unboundedStringCopy: Rule = {
  id: 'copy/unbounded-string-copy',
  summary: 'A string copy or format into a fixed-size buffer has no bound on the length it writes.',
  defaultSeverity: 'warning',
  fix: 'unsafe',
  messages: {
    copy: "'{{callee}}' copies '{{src}}', of unknown length, into '{{dst}}' ({{size}} bytes): a longer string overflows it; a bounded copy truncates instead",
    tooLong: "'{{callee}}' copies {{length}} bytes into '{{dst}}', which has {{size}}: the string does not fit",
    append: "'strcat' appends '{{src}}', of unknown length, to '{{dst}}' ({{size}} bytes) {{already}}: the result can overflow it; a bounded append truncates instead",
    format: "'{{callee}}' into '{{dst}}' ({{size}} bytes) is unbounded: {{why}}; longer output overflows it, 'snprintf' truncates instead",
    gets: "'gets' cannot limit what it reads: any line longer than '{{dst}}' overflows it (removed in C11); use 'fgets' with the buffer's size",
  },
  triggers: [...STRING_COPIES, ...FORMATS, 'gets'],
  candidates: /\b(?:str(?:cpy|cat)|stpcpy|v?sprintf|gets)\s*\(/,
  check(ctx) {
    for (const fn of ctx.functions()) {
      for (const site of fn.calls) {
        const name = site.name;
        if (!name) continue;
        let report: Report | undefined;
        if (name === 'gets') report = getsFinding(site, fn);
        else if (STRING_COPIES.has(name)) report = copyFinding(site, fn);
        else if (FORMATS.has(name)) report = formatFinding(site, fn);
        if (report) ctx.report({ ...report, functionName: fn.name });
      }
    }
  },
};

// ------------------------------------------------------------- the calls

function getsFinding(site: CallSite, fn: FunctionModel): Report | undefined {
  const dst = site.call.args[0];
  if (!dst) return undefined;
  return { messageId: 'gets', data: { dst: textOf(fn.file.text, dst) }, range: site.call.range };
}

function copyFinding(site: CallSite, fn: FunctionModel): Report | undefined {
  const call = site.call;
  const [dst, src] = call.args;
  if (!dst || !src || call.args.length !== 2) return undefined;
  const object = objectBytes(dst, fn);
  // A destination of unknown size (a pointer, a parameter): nothing to compare with.
  if (!object) return undefined;
  const text = fn.file.text;
  const data = { callee: call.name!, dst: textOf(text, dst), src: textOf(text, src), size: object.bytes };
  const srcMax = maxStringBytes(src, fn, call.range.start);
  if (call.name === 'strcat') {
    const already = lengthBefore(site, dst, fn);
    // Everything in the buffer and the appended string are known to fit.
    if (already !== undefined && srcMax !== undefined && already + srcMax <= object.bytes) return undefined;
    // Only the appended string is unknown, but its length was measured first (the usual guard).
    if (srcMax === undefined && measuredBefore(src, call, fn)) return undefined;
    // What the source is cannot be read here: it may be a short array.
    if (srcMax === undefined && isOpaque(src, fn)) return undefined;
    if (srcMax !== undefined) return undefined; // a known string appended to an unknown prefix: cannot tell
    return {
      messageId: 'append',
      data: { ...data, already: already === undefined ? 'which may already hold text' : `after ${already - 1} known bytes` },
      range: call.range,
      fixes: fixesFor(site, dst, object, fn),
    };
  }
  if (srcMax !== undefined) {
    // The source fits.
    if (srcMax <= object.bytes) return undefined;
    // No fix: truncating a literal that never fits is not what anyone wants; the buffer must grow.
    if (isLiteralLike(src)) return { messageId: 'tooLong', data: { ...data, length: srcMax }, range: call.range };
    // An array source larger than the destination: its string may still be short.
  }
  // The source's length was measured before the copy (`if (strlen(src) >= sizeof buf) return`).
  if (measuredBefore(src, call, fn)) return undefined;
  // What the source is cannot be read here (a member of a struct from a header may be a short array).
  if (isOpaque(src, fn)) return undefined;
  return { messageId: 'copy', data, range: call.range, fixes: fixesFor(site, dst, object, fn) };
}

function formatFinding(site: CallSite, fn: FunctionModel): Report | undefined {
  const call = site.call;
  const [dst, format] = call.args;
  if (!dst || !format) return undefined;
  const object = objectBytes(dst, fn);
  // A destination of unknown size: nothing to compare with.
  if (!object) return undefined;
  const text = fn.file.text;
  const f = stripCasts(format);
  const literal = formatLiteral(format, fn);
  // A format held in a name: the literals it can hold (`fmt = morning ? "Good morning, %s" : ...`).
  const formats = literal !== undefined ? [literal] : f.kind === 'ident' ? literalValues(f, fn) : undefined;
  if (formats === undefined) {
    const type = f.kind === 'ident' || f.kind === 'field' || f.kind === 'index' ? fn.typeOf(f) : undefined;
    // A macro or a name the model cannot read: cannot tell what the format is.
    if (!type || (f.kind === 'ident' && fn.file.constants.defines.has(f.name))) return undefined;
    // A format from a parameter or a global is run-time data: nothing bounds the output.
    return { messageId: 'format', data: { callee: call.name!, dst: textOf(text, dst), size: object.bytes, why: `the format '${textOf(text, format)}' is not a literal` }, range: call.range, fixes: fixesFor(site, dst, object, fn) };
  }
  const bounds = formats.map((one) => formatBound(one, call.name === 'sprintf' ? call.args.slice(2) : undefined, fn, call));
  // A format could not be understood (an unknown conversion): stay silent.
  if (bounds.some((b) => b === undefined)) return undefined;
  const unbounded = bounds.find((b) => b!.max === undefined);
  const bound: FormatBound = unbounded ?? { max: Math.max(...bounds.map((b) => b!.max!)), min: Math.max(...bounds.map((b) => b!.min)) };
  // The widest output fits.
  if (bound.max !== undefined && bound.max <= object.bytes) return undefined;
  // Only numbers make it too long, and only large ones: the values' range decides, which is not known here.
  if (bound.max !== undefined && bound.min <= object.bytes) return undefined;
  const why = bound.max !== undefined ? `the format writes at least ${bound.min} bytes` : bound.why!;
  return { messageId: 'format', data: { callee: call.name!, dst: textOf(text, dst), size: object.bytes, why }, range: call.range, fixes: fixesFor(site, dst, object, fn) };
}

// ---------------------------------------------------------------- lengths

/** Bytes (terminator included) a string expression can occupy at most, when the code shows it. */
function maxStringBytes(e: Expr, fn: FunctionModel, at: number): number | undefined {
  const x = stripCasts(e);
  if (x.kind === 'string') return /^[LuU]/.test(textOf(fn.file.text, x)) ? undefined : utf8Length(x.value) + 1;
  if (x.kind === 'cond' && x.then) {
    const a = maxStringBytes(x.then, fn, at);
    const b = maxStringBytes(x.otherwise, fn, at);
    return a === undefined || b === undefined ? undefined : Math.max(a, b);
  }
  if (x.kind === 'ident') {
    const values = literalValues(x, fn);
    if (values) return Math.max(...values.map((v) => utf8Length(v) + 1));
  }
  // A char array holds a string no longer than the array.
  const object = objectBytes(x, fn, 'strict');
  return object && isCharArray(x, fn) ? object.bytes : undefined;
}

/**
 * Library calls that return data of any length (the environment, the
 * user's input, copies of other strings): their results are judged. Other
 * calls mostly return names and messages from tables (`ddir_str(d)`,
 * `strerror(errno)`), whose length the callee bounds out of sight.
 */
const DATA_RESULT = new Set([
  'getenv', 'secure_getenv', 'strdup', 'strndup', 'strtok', 'strtok_r', 'strsep', 'basename', 'dirname', 'realpath',
  'getlogin', 'ttyname', 'ptsname', 'readline', 'strchr', 'strrchr', 'strstr', 'strcasestr', 'strpbrk', 'memchr',
]);

/**
 * An expression whose length this function cannot see: a call that is not
 * a known data source, a local pointer set only from such calls, or
 * anything whose type the model cannot read (a member of a struct defined
 * in a header may be a short array). Its length is not "unknown" but
 * "unseen", and a finding would be a guess.
 */
function isOpaque(e: Expr, fn: FunctionModel, depth = 0): boolean {
  const x = stripCasts(e);
  if (x.kind === 'call') return x.name === undefined || !DATA_RESULT.has(x.name);
  if (x.kind === 'cond' && x.then) return isOpaque(x.then, fn, depth) || isOpaque(x.otherwise, fn, depth);
  if (x.kind === 'ident' && depth < 3) {
    const symbol = fn.lookup(x.name, x.range.start);
    if (symbol?.kind === 'local' && !symbol.isStatic) {
      const defs = definitionsOf(fn, symbol);
      // `c1 = num2str(...)`: the string comes from calls this function cannot see into.
      if (defs.complete && defs.values.length > 0 && defs.values.every((v) => isOpaque(v, fn, depth + 1) || isLiteralLike(v))) return true;
    }
  }
  return fn.typeOf(x) === undefined;
}

/**
 * The string literals a name can hold, when the code shows them
 * all: a local whose every definition is a literal (`table = "GDT"` or
 * `"LDT"`), a `const` array initialised with a literal, or a file-scope
 * `static` pointer initialised with one and never assigned in the file.
 */
function literalValues(x: Extract<Expr, { kind: 'ident' }>, fn: FunctionModel): string[] | undefined {
  const symbol = fn.lookup(x.name, x.range.start);
  if (!symbol) return undefined;
  const literal = (v: Expr | undefined): string[] | undefined => {
    const y = v ? stripCasts(v) : undefined;
    if (!y) return undefined;
    if (y.kind === 'string' && !/^[LuU]/.test(textOf(fn.file.text, y))) return [y.value];
    if (y.kind === 'cond' && y.then) {
      const a = literal(y.then);
      const b = literal(y.otherwise);
      return a && b ? [...a, ...b] : undefined;
    }
    return undefined;
  };
  if (symbol.kind === 'local' && !symbol.isStatic) {
    const defs = definitionsOf(fn, symbol);
    if (!defs.complete || defs.values.length === 0) return undefined;
    const all: string[] = [];
    for (const v of defs.values) {
      const values = literal(v);
      if (!values) return undefined;
      all.push(...values);
    }
    return all;
  }
  if (symbol.kind === 'param' || !symbol.init) return undefined;
  const type = symbol.type;
  const constArray = type.arrayDims.length > 0 && type.qualifiers.includes('const');
  const fileStatic = (symbol.kind === 'global' || symbol.isStatic) && type.storage.includes('static') && neverAssigned(fn.file, x.name);
  return constArray || fileStatic ? literal(symbol.init) : undefined;
}

const assignedNames = new WeakMap<FunctionModel['file'], Map<string, boolean>>();

/** Only the declaration assigns the name anywhere in the file, and its address is never taken. */
function neverAssigned(file: FunctionModel['file'], name: string): boolean {
  let cache = assignedNames.get(file);
  if (!cache) assignedNames.set(file, (cache = new Map()));
  let result = cache.get(name);
  if (result === undefined) {
    const escaped = escapeRegExp(name);
    const writes = file.text.match(new RegExp(`\\b${escaped}\\s*(?:\\[[^\\]]*\\]\\s*)?(?:[-+*/%&|^]|<<|>>)?=(?!=)|&\\s*${escaped}\\b|\\b${escaped}\\s*(?:\\+\\+|--)|(?:\\+\\+|--)\\s*${escaped}\\b`, 'g'));
    result = (writes?.length ?? 0) <= 1;
    cache.set(name, result);
  }
  return result;
}

function isLiteralLike(e: Expr): boolean {
  const x = stripCasts(e);
  return x.kind === 'string' || (x.kind === 'cond' && x.then !== undefined && isLiteralLike(x.then) && isLiteralLike(x.otherwise));
}

function isCharArray(e: Expr, fn: FunctionModel): boolean {
  const type = fn.typeOf(e);
  if (!type) return false;
  const t = fn.file.types.resolve(type);
  return t.arrayDims.length === 1 && t.pointerDepth === 0 && fn.file.types.sizeOf({ ...t, arrayDims: [] }) === 1;
}

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** `strlen(src)` (or `strnlen`) is computed before the copy: the usual length guard. */
function measuredBefore(src: Expr, call: CallExpr, fn: FunctionModel): boolean {
  const source = stripCasts(src);
  return (measuredIn(fn).get(exprKey(source)) ?? []).some((s) => s.range.start < call.range.start && sameExpr(s.args[0], source));
}

const measured = new WeakMap<FunctionModel, Map<string, CallExpr[]>>();

/** The `strlen`/`strnlen` calls of a function by the key of their argument (built once per function). */
function measuredIn(fn: FunctionModel): Map<string, CallExpr[]> {
  let byKey = measured.get(fn);
  if (!byKey) {
    byKey = new Map();
    for (const s of fn.calls) {
      if ((s.name !== 'strlen' && s.name !== 'strnlen') || !s.call.args[0]) continue;
      const key = exprKey(s.call.args[0]);
      let list = byKey.get(key);
      if (!list) byKey.set(key, (list = []));
      list.push(s.call);
    }
    measured.set(fn, byKey);
  }
  return byKey;
}

/**
 * For `strcat(dst, ...)`: bytes (terminator included) already in `dst`, from
 * the statements of the same block just before it: its declaration's
 * initializer, `dst[0] = 0`, `strcpy`, `strcat` and `sprintf` into it.
 * Undefined when any other statement in between may touch `dst`.
 */
function lengthBefore(site: CallSite, dst: Expr, fn: FunctionModel): number | undefined {
  const block = site.ancestors[site.ancestors.length - 1];
  if (!block || block.kind !== 'block' || site.stmt.kind !== 'expr' || site.stmt.expr !== site.call) return undefined;
  const index = block.body.indexOf(site.stmt);
  const root = stripCasts(dst);
  if (root.kind !== 'ident') return undefined;
  let appended = 0;
  // A bounded look-back: a long run of appends is rare, and this keeps the rule linear.
  for (let i = index - 1; i >= Math.max(0, index - LOOK_BACK); i--) {
    const stmt = block.body[i]!;
    const known = stringWrite(stmt, root, fn, site.call.range.start);
    if (known === 'unrelated') continue;
    if (known === undefined) return undefined;
    if (known.append) {
      appended += known.bytes - 1;
      continue;
    }
    return known.bytes + appended;
  }
  return undefined;
}

/** Statements `strcat` looks back over for what the buffer already holds. */
const LOOK_BACK = 16;

type StringWrite = { bytes: number; append: boolean } | 'unrelated' | undefined;

/** What one statement does to the string in `dst`. */
function stringWrite(stmt: Stmt, dst: Extract<Expr, { kind: 'ident' }>, fn: FunctionModel, at: number): StringWrite {
  if (stmt.kind === 'decl') {
    const d = stmt.decls.find((v) => v.name === dst.name);
    if (!d) return mentionsIn(stmt, dst.name) ? undefined : 'unrelated';
    if (!d.init) return undefined;
    const init = stripCasts(d.init);
    if (init.kind === 'string') return { bytes: utf8Length(init.value) + 1, append: false };
    // `= {0}` and `= ""`: an empty string.
    if (init.kind === 'init') return { bytes: 1, append: false };
    return undefined;
  }
  if (!mentionsIn(stmt, dst.name)) return hasUnknownCall(stmt) ? undefined : 'unrelated';
  if (stmt.kind !== 'expr') return undefined;
  const e = stmt.expr;
  // `dst[0] = '\0'` or `*dst = 0`: an empty string.
  if (e.kind === 'assign' && e.op === '=' && isFirstChar(e.left, dst) && fn.fold(e.right) === 0) return { bytes: 1, append: false };
  if (e.kind !== 'call' || !sameExpr(e.args[0], dst)) return undefined;
  if (e.name === 'strcpy' || e.name === 'strcat') {
    const bytes = e.args[1] ? maxStringBytes(e.args[1], fn, at) : undefined;
    return bytes === undefined ? undefined : { bytes, append: e.name === 'strcat' };
  }
  if (e.name === 'sprintf') {
    const literal = e.args[1] ? formatLiteral(e.args[1], fn) : undefined;
    const bound = literal === undefined ? undefined : formatBound(literal, e.args.slice(2), fn, e);
    return bound?.max === undefined ? undefined : { bytes: bound.max, append: false };
  }
  return undefined;
}

function isFirstChar(e: Expr, dst: Extract<Expr, { kind: 'ident' }>): boolean {
  const x = stripCasts(e);
  if (x.kind === 'index') return sameExpr(x.object, dst) && x.index.kind === 'number' && x.index.value === 0;
  return x.kind === 'unary' && x.op === '*' && sameExpr(x.operand, dst);
}

function mentionsIn(stmt: Stmt, name: string): boolean {
  let found = false;
  forEachStmt(stmt, (s) => {
    if (s.kind === 'decl' && s.decls.some((d) => d.name === name)) found = true;
  });
  forEachExprIn(stmt, (x) => {
    if (x.kind === 'ident' && x.name === name) found = true;
  });
  return found;
}

function hasUnknownCall(stmt: Stmt): boolean {
  let found = false;
  forEachExprIn(stmt, (x) => {
    if (x.kind === 'call') found = true;
  });
  return found;
}

// ---------------------------------------------------------------- formats

/**
 * The text of a format made of string literals and macros that expand to
 * string literals (`"%" XML_FMT_INT_MOD "u"`), unescaped; undefined when
 * any piece cannot be read (a variable, a function-like macro, a wide
 * literal).
 */
function formatLiteral(e: Expr, fn: FunctionModel): string | undefined {
  const x = stripCasts(e);
  if (x.kind !== 'string') return undefined;
  return concatenation(textOf(fn.file.text, x), fn, 0);
}

/** Whitespace, line continuations, comments, a string literal (1), a name (2), anything else (3). */
const PIECE = /\s+|\\\r?\n|\/\*[\s\S]*?\*\/|"((?:\\.|[^"\\\n])*)"|([A-Za-z_]\w*)|(.)/;

function concatenation(source: string, fn: FunctionModel, depth: number): string | undefined {
  let out = '';
  let pieces = 0;
  const matches = [...source.matchAll(new RegExp(PIECE.source, 'gy'))];
  let consumed = 0;
  for (const m of matches) {
    consumed += m[0].length;
    if (m[1] !== undefined) {
      out += unescape(m[1]);
      pieces++;
    } else if (m[2] !== undefined) {
      const body = fn.file.constants.defines.get(m[2]);
      const expanded = body === undefined || depth > 4 ? undefined : concatenation(body.trim(), fn, depth + 1);
      if (expanded === undefined) return undefined;
      out += expanded;
      pieces++;
    } else if (m[3] !== undefined) {
      return undefined;
    }
  }
  return consumed === source.length && pieces > 0 ? out : undefined;
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v', '\\': '\\', '"': '"', "'": "'", '?': '?' };

/** C escapes to characters; numeric escapes become one placeholder byte each. */
function unescape(body: string): string {
  return body.replace(/\\(x[0-9a-fA-F]+|[0-7]{1,3}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_, esc: string) => {
    if (/^[uU]./.test(esc)) return '\u00bf\u00bf'; // a universal character: at most 4 UTF-8 bytes
    if (/^(x.|[0-7])/.test(esc)) return '\x01';
    return SIMPLE_ESCAPES[esc] ?? esc;
  });
}

interface FormatBound {
  /** Most bytes the output (terminator included) can take, when bounded. */
  max: number | undefined;
  /** Fewest bytes the output (terminator included) takes, whatever the values. */
  min: number;
  /** Why it is unbounded. */
  why?: string;
}

const INT_WIDTH: Record<string, [number, number, number, number]> = {
  // [hh, h, (none), l/ll/j/z/t] for each conversion (with sign where signed).
  d: [4, 6, 11, 20], i: [4, 6, 11, 20], u: [3, 5, 10, 20], x: [2, 4, 8, 16], X: [2, 4, 8, 16], o: [3, 6, 11, 22],
};

const RADIX: Record<string, number> = { d: 10, i: 10, u: 10, x: 16, X: 16, o: 8 };

/** The width a `*` width or precision can ask for: any `int`. */
const NUMERIC_ARGUMENT = 2 ** 31;

/**
 * The fewest and most bytes `sprintf` can write for a literal format,
 * reading the arguments (`args` undefined for `vsprintf`: arguments
 * unknown): constant integers print exactly, `%s` of literals and arrays is
 * bounded. Undefined when a conversion is not understood.
 */
function formatBound(format: string, args: Expr[] | undefined, fn: FunctionModel, call: CallExpr): FormatBound | undefined {
  const spec = /%([-+ #0']*)(\*|\d+)?(?:\.(\*|\d*))?(hh|h|ll|l|L|q|j|z|t)?([diouxXeEfFgGaAcspn%])/g;
  let max = 1;
  let min = 1;
  let literalStart = 0;
  let argIndex = 0;
  let unbounded: string | undefined;
  for (let m = spec.exec(format); m; m = spec.exec(format)) {
    const literal = utf8Length(format.slice(literalStart, m.index));
    max += literal;
    min += literal;
    literalStart = m.index + m[0].length;
    const [, flags = '', width, precision, length = '', conv = ''] = m;
    if (conv === '%') {
      max += 1;
      min += 1;
      continue;
    }
    if (width === '*') argIndex++;
    if (precision === '*') argIndex++;
    const arg = args?.[argIndex++];
    const minWidth = width && width !== '*' ? Number(width) : 0;
    const prec = precision === undefined || precision === '*' ? undefined : Number(precision || '0');
    // A `*` width or precision is a number argument: like any number, its range decides (unknown here).
    const starred = width === '*' || precision === '*';
    let lo = 0;
    let hi: number | undefined;
    const intWidths = INT_WIDTH[conv];
    if (intWidths) {
      const value = arg ? fn.fold(arg) : undefined;
      const sign = flags.includes('+') || flags.includes(' ') ? 1 : 0;
      if (value !== undefined && Number.isInteger(value) && value >= 0) {
        // A constant prints exactly.
        lo = hi = Math.max(value.toString(RADIX[conv]).length + sign + (flags.includes('#') && value !== 0 ? (conv === 'o' ? 1 : conv === 'd' || conv === 'i' || conv === 'u' ? 0 : 2) : 0), prec ?? 0);
      } else {
        hi = intWidths[length === 'hh' ? 0 : length === 'h' ? 1 : length === '' ? 2 : 3] + (flags.includes('#') ? 2 : 0) + sign;
        if (prec !== undefined) hi = Math.max(hi, prec + 1);
        lo = Math.max(1, prec ?? 0);
      }
    } else if (conv === 'c') lo = hi = 1;
    else if (conv === 'p') {
      lo = 3;
      hi = 18;
    } else if (conv === 'n') hi = 0;
    else if (conv === 'e' || conv === 'E' || conv === 'g' || conv === 'G') {
      const p = Math.max(prec ?? 6, conv === 'g' || conv === 'G' ? 1 : 0);
      // `-d.ddde+308` for %e; %g is never longer than %e with one digit less.
      hi = (conv === 'e' || conv === 'E' ? p + 8 : p + 7) + (length === 'L' ? 1 : 0);
      lo = conv === 'e' || conv === 'E' ? p + 5 : 1;
    } else if (conv === 'f' || conv === 'F' || conv === 'a' || conv === 'A') {
      // Up to 309 integer digits for a double; how many there are depends on the value's range.
      const p = prec ?? 6;
      lo = p > 0 ? p + 2 : 1;
      hi = 1 + 309 + (p > 0 ? p + 1 : 0) + (length === 'L' ? 4623 : 0);
    } else if (conv === 's') {
      if (length === 'l') unbounded ??= `'%ls' converts a wide string of unknown length`;
      else if (prec !== undefined) hi = prec;
      else if (precision === '*') lo = 0; // `%.*s`: bounded by a number argument
      else {
        const bytes = arg ? maxStringBytes(arg, fn, call.range.start) : undefined;
        if (bytes !== undefined) {
          hi = bytes - 1;
          if (arg && isLiteralLike(arg)) lo = minStringBytes(arg) - 1;
        } else if (arg && measuredBefore(arg, call, fn)) hi = 0; // measured first: trusted like a guarded strcpy
        else if (arg && isOpaque(arg, fn)) return undefined; // cannot tell what the argument is
        else unbounded ??= arg ? `'%s' of '${textOf(fn.file.text, arg)}' has no known length` : `'%s' of an argument of unknown length`;
      }
    } else {
      return undefined;
    }
    min += Math.max(lo, minWidth);
    if (starred) max += NUMERIC_ARGUMENT;
    else if (hi !== undefined) max += Math.max(hi, minWidth);
  }
  const tail = utf8Length(format.slice(literalStart));
  max += tail;
  min += tail;
  return unbounded !== undefined ? { max: undefined, min, why: unbounded } : { max, min };
}

/** Bytes of the shortest literal an expression can be (terminator included). */
function minStringBytes(e: Expr): number {
  const x = stripCasts(e);
  if (x.kind === 'string') return utf8Length(x.value) + 1;
  if (x.kind === 'cond' && x.then) return Math.min(minStringBytes(x.then), minStringBytes(x.otherwise));
  return 1;
}

// -------------------------------------------------------------------- fix

/**
 * `snprintf(dst, sizeof dst, ...)` for `strcpy` and `sprintf`, `vsnprintf`
 * for `vsprintf`, `strncat(dst, src, sizeof dst - strlen(dst) - 1)` for
 * `strcat`; only when `dst` names the whole array (so `sizeof dst` is its
 * size) and the call's value is not used (the replacements return
 * something else).
 */
function fixesFor(site: CallSite, dst: Expr, object: ObjectBytes, fn: FunctionModel): RuleFix[] {
  const call = site.call;
  const text = fn.file.text;
  const d = stripCasts(dst);
  // The replacements return something else: only when the call's value is unused.
  if (site.stmt.kind !== 'expr' || site.stmt.expr !== call) return [];
  // `sizeof dst` is the buffer's size only for a plain array name at offset 0.
  if ((d.kind !== 'ident' && d.kind !== 'field') || !object.whole || d !== dst) return [];
  const dstText = textOf(text, dst);
  const rest = (from: number): string => text.slice(call.args[from]!.range.start, call.args[call.args.length - 1]!.range.end);
  let replacement: string;
  let header: string;
  let title: string;
  switch (call.name) {
    case 'strcpy':
      replacement = `snprintf(${dstText}, sizeof ${dstText}, "%s", ${rest(1)})`;
      header = 'stdio.h';
      title = `Replace 'strcpy' with 'snprintf(${dstText}, sizeof ${dstText}, "%s", ...)'`;
      break;
    case 'sprintf':
    case 'vsprintf':
      replacement = `${call.name === 'sprintf' ? 'snprintf' : 'vsnprintf'}(${dstText}, sizeof ${dstText}, ${rest(1)})`;
      header = 'stdio.h';
      title = `Replace '${call.name}' with '${call.name === 'sprintf' ? 'snprintf' : 'vsnprintf'}' bounded by 'sizeof ${dstText}'`;
      break;
    case 'strcat':
      replacement = `strncat(${dstText}, ${rest(1)}, sizeof ${dstText} - strlen(${dstText}) - 1)`;
      header = 'string.h';
      title = `Replace 'strcat' with 'strncat' bounded by the space left in '${dstText}'`;
      break;
    default:
      return [];
  }
  const edits: TextEdit[] = [{ range: call.range, text: replacement }];
  const include = includeEdit(text, header, call.range.start);
  // Kernel, BPF or project-header-only code: adding a libc header could break the build.
  if (include && isHostedC(text)) edits.push(include);
  return [{ title, applicability: 'unsafe', edits }];
}
