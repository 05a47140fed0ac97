/**
 * Reuse of findings between lints of one document: the language server keeps
 * a `LintCache` per open document, so that after a keystroke only the
 * functions the edit can affect are checked again.
 *
 * Invariants (what makes reuse exact, checked by test/engine/incremental.test.ts
 * against full lints after random edits):
 *  - Nothing is reused when the file's signature changed: the settings, the
 *    file-wide facts rules read (`FileModel.mayPackStructs`), the `#include`
 *    lines, and the code between functions (comments and layout aside, see
 *    `normaliseCode`).
 *  - A 'function' rule's findings about a function depend on its text alone.
 *    A 'calls' rule's also depend on the functions it mentions (callees,
 *    thread start routines, transitively: their summaries) and on its direct
 *    callers (a copy helper called after a zero-copy attempt). So for those,
 *    an added, edited, renamed or removed function invalidates itself, every
 *    function that reaches its name through mentions, and every function it
 *    mentions before or after the edit.
 *  - Only rules declaring `scope: 'function'` or `'calls'` take part; 'file'
 *    rules are checked in full every time. Findings are stored
 *    relative to their function and only when every range they carry lies
 *    inside it; a rule whose messages quote line numbers reuses a function's
 *    findings only while it starts on the same line. A rule caught reporting
 *    outside the function it is iterating is checked in full from then on.
 */
import type { FileModel, FunctionEntry } from '../model/fileModel';
import type { Rule } from './rule';
import type { Finding, LintSettings, TextRange } from './types';

export interface LintCache {
  signature: string;
  /** Normalised text between functions, by raw text (most of it is unchanged from one edit to the next). */
  segments: Map<string, string>;
  /** The defined functions at the last lint: text -> name. */
  functions: Map<string, string>;
  /** Function text -> the names of the file's functions it mentions (for `mentionNames`). */
  mentions: Map<string, string[]>;
  /** The function names `mentions` was filtered by (old and new names, sorted): when they change, it is rebuilt. */
  mentionNames: string;
  /** Function text -> its `#include` lines. */
  includes: Map<string, string>;
  /** Rule id -> function text -> whether it matches the rule's candidates (rules checked in full). */
  candidates: Map<string, Map<string, boolean>>;
  /** Rule id -> function text -> its findings, relative to the function's start. */
  findings: Map<string, Map<string, CachedFindings>>;
  /** Rules seen reporting outside the function being iterated. */
  fileScoped: Set<string>;
}

export interface CachedFindings {
  /** The line the function started on when checked. */
  line: number;
  findings: Finding[];
}

export function createLintCache(): LintCache {
  return { signature: '', segments: new Map(), functions: new Map(), mentions: new Map(), mentionNames: '', includes: new Map(), candidates: new Map(), findings: new Map(), fileScoped: new Set() };
}

/**
 * Brings the cache up to date with `file` and returns the functions whose
 * cached findings may not be reused (by index in `file.functions`).
 */
export function invalidate(cache: LintCache, file: FileModel, settings: LintSettings): Set<number> {
  const signature = fileSignature(cache, file, settings);
  const previous = cache.functions;
  cache.functions = new Map(file.functions.map((f) => [f.text, f.name]));
  if (signature !== cache.signature) {
    cache.signature = signature;
    cache.findings.clear();
    return new Set(file.functions.map((_, i) => i));
  }
  // Names as they were and are: a renamed function's callers mention the old name.
  const names = new Set([...file.functions.map((f) => f.name), ...previous.values()]);
  const namesKey = [...names].sort().join(' ');
  if (namesKey !== cache.mentionNames) {
    cache.mentions.clear();
    cache.mentionNames = namesKey;
  }
  const mentionsOf = (text: string): string[] => {
    let found = cache.mentions.get(text);
    if (!found) cache.mentions.set(text, (found = [...new Set(text.match(/[A-Za-z_]\w*/g))].filter((id) => names.has(id))));
    return found;
  };
  // Functions added, edited, renamed or removed: by text, so that moving the others does not count.
  const changed = new Set<string>();
  const edited: string[] = [];
  for (const f of file.functions) if (!previous.has(f.text)) changed.add(f.name), edited.push(f.text);
  for (const [text, name] of previous) if (!cache.functions.has(text)) changed.add(name), edited.push(text);
  const affected = new Set(changed);
  // What an edited function mentions before and after the edit: a callee may depend on its callers.
  for (const text of edited) for (const id of mentionsOf(text)) affected.add(id);
  // Callers, transitively: a function's analysis reads its callees' summaries.
  const callers = new Map<string, string[]>();
  for (const f of file.functions) {
    for (const id of mentionsOf(f.text)) if (id !== f.name) (callers.get(id) ?? callers.set(id, []).get(id)!).push(f.name);
  }
  const queue = [...changed];
  while (queue.length > 0) {
    for (const caller of callers.get(queue.pop()!) ?? []) {
      if (affected.has(caller)) continue;
      affected.add(caller);
      queue.push(caller);
    }
  }
  // Forget texts no function has any more (the maps would grow with every edit).
  for (const text of cache.mentions.keys()) if (!cache.functions.has(text)) cache.mentions.delete(text);
  const stale = new Set<number>();
  file.functions.forEach((f, i) => {
    if (affected.has(f.name)) stale.add(i);
  });
  return stale;
}

/**
 * What every function's findings may depend on besides functions: the
 * settings, the file-wide facts rules read, the `#include` lines anywhere, and
 * the code between functions with comments and layout normalised away.
 */
function fileSignature(cache: LintCache, file: FileModel, settings: LintSettings): string {
  const parts: string[] = [JSON.stringify(settings), String(file.mayPackStructs)];
  // `#include` lines inside functions (those between functions are in the segments below).
  const includes = new Map<string, string>();
  for (const f of file.functions) {
    const lines = carried(cache.includes, includes, f.text, () => (f.text.match(/^[ \t]*#[ \t]*include[^\n]*/gm) ?? []).map(normaliseCode).join('\n'));
    if (lines) parts.push(lines);
  }
  cache.includes = includes;
  const segments = new Map<string, string>();
  const segment = (raw: string) => parts.push(carried(cache.segments, segments, raw, () => normaliseCode(raw)));
  let pos = 0;
  for (const f of [...file.functions].sort((a, b) => a.range.start - b.range.start)) {
    if (f.range.start >= pos) segment(file.text.slice(pos, f.range.start));
    pos = Math.max(pos, f.range.end);
  }
  segment(file.text.slice(pos));
  cache.segments = segments;
  return parts.join('\u0000');
}

/**
 * The value for `key` from the last lint's map, else computed, recorded in
 * this lint's map: what is no longer in the text is dropped with the old map.
 */
function carried(previous: Map<string, string>, next: Map<string, string>, key: string, compute: () => string): string {
  const value = previous.get(key) ?? next.get(key) ?? compute();
  next.set(key, value);
  return value;
}

/**
 * C code with comments dropped and layout reduced to what cannot change its
 * meaning: a run of blanks and comments becomes a line break if it has one (it
 * ends a preprocessor line), else one space (`a + +b` is not `a ++b`,
 * `#define F (x)` is not `#define F(x)`), or nothing next to brackets and
 * separators. String and character literals are kept as they are.
 */
export function normaliseCode(code: string): string {
  return code.replace(/("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|(?:\/\*[\s\S]*?(?:\*\/|$)|\/\/[^\n]*|\s)+/g, (run: string, literal: string | undefined, offset: number) => {
    if (literal !== undefined) return literal;
    if (run.includes('\n')) return '\n';
    return '({[,;'.includes(code[offset - 1] ?? ',') || ')}],;'.includes(code[offset + run.length] ?? ',') ? '' : ' ';
  });
}

/** The messages quote line numbers ("(line 42)"): findings move with their function only while its line is unchanged. */
export function quotesLines(rule: Rule): boolean {
  return Object.values(rule.messages).some((m) => /\bline \{\{/.test(m));
}

function shiftRange(r: TextRange, d: number): TextRange {
  return { start: r.start + d, end: r.end + d };
}

/** A copy of the finding moved by `d` characters (a fresh object: callers may update its message). */
export function shiftFinding(f: Finding, d: number): Finding {
  return {
    ...f,
    range: shiftRange(f.range, d),
    related: f.related.map((r) => ({ ...r, range: shiftRange(r.range, d) })),
    fixes: f.fixes.map((x) => ({ ...x, edits: x.edits.map((e) => ({ ...e, range: shiftRange(e.range, d) })) })),
  };
}

export function insideFunction(f: Finding, e: FunctionEntry): boolean {
  const within = (r: TextRange) => r.start >= e.range.start && r.end <= e.range.end;
  return within(f.range) && f.related.every((r) => within(r.range)) && f.fixes.every((x) => x.edits.every((ed) => within(ed.range)));
}
