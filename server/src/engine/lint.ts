/**
 * The engine entry: text and settings in, findings out.
 *
 * Invariants: `lint` never throws; a rule that throws is reported once in
 * `ruleFailures` and the other rules' findings still arrive; the tree is
 * deleted before returning unless the caller owns it.
 */
import { FileModel, type FunctionEntry } from '../model/fileModel';
import type { FunctionModel } from '../model/functionModel';
import { rules as registry } from '../rules/index';
import { attachGains } from '../simulate/code/gains';
import { lineIndexOf, perText } from '../model/textFacts';
import { LineIndex } from '../syntax/lineIndex';
import { ParserMemoryError, type CSyntax, type Tree } from '../syntax/treeSitter';
import { applyDirectives } from './directives';
import { byCodeUnits } from './order';
import { insideFunction, invalidate, quotesLines, shiftFinding, type CachedFindings, type LintCache } from './incremental';
import type { Report, Rule, RuleContext } from './rule';
import type { Finding, LintResult, LintSettings, RuleFailure, Severity } from './types';

export interface LintOptions {
  /** A tree for `text` owned by the caller (the language server's incremental tree). */
  tree?: Tree;
  /** The caller's line index for `text` (the language server keeps one per document). */
  lines?: LineIndex;
  /** Rules to run instead of the registry (tests). */
  rules?: readonly Rule[];
  /**
   * State kept between lints of one document (the language server's, from
   * `createLintCache()`): functions an edit cannot affect keep their findings
   * without being checked again. The result is the same as without it.
   */
  cache?: LintCache;
}

const KNOWN_RULES = new Set(registry.map((r) => r.id));
const RULES_BY_ID = new Map(registry.map((r) => [r.id, r]));

/**
 * Lints one text. A rule's or the model's failure is a `ruleFailures` entry,
 * never an exception; a text the parser cannot hold throws ParserMemoryError.
 */
export function lint(syntax: CSyntax, text: string, settings: LintSettings = {}, options: LintOptions = {}): LintResult {
  let tree: Tree | undefined;
  try {
    tree = options.tree ?? syntax.parse(text);
    return lintTree(text, tree, settings, options.rules ?? registry, options.cache, options.lines);
  } catch (error) {
    // Not a failure of the engine: the text cannot be analysed, and the caller says so (a skipped file).
    if (error instanceof ParserMemoryError) throw error;
    return { findings: [], ruleFailures: [{ ruleId: 'engine', message: describe(error) }], unusedDirectives: [], hasSyntaxErrors: false };
  } finally {
    if (tree && !options.tree) tree.delete();
  }
}

function lintTree(text: string, tree: Tree, settings: LintSettings, rules: readonly Rule[], cache?: LintCache, knownLines?: LineIndex): LintResult {
  const file = new FileModel(text, tree);
  const findings: Finding[] = [];
  const ruleFailures: RuleFailure[] = [];
  // One index for the directives, the cache and the rules quoting lines.
  const lines = lineIndexOf(text, knownLines);
  const stale = cache ? invalidate(cache, file, settings) : undefined;
  for (const rule of rules) {
    const severity = severityOf(rule, settings);
    if (severity === undefined) continue;
    try {
      if (cache && stale && rule.scope !== undefined && rule.scope !== 'file' && !cache.fileScoped.has(rule.id)) {
        // A 'function' rule's cached findings are keyed by the function's text alone.
        const reused = checkChangedFunctions(rule, severity, file, settings, cache, rule.scope === 'calls' ? stale : new Set(), lines);
        if (reused) {
          findings.push(...reused);
          continue;
        }
      }
      const reported: Finding[] = [];
      const memo = cache ? candidateMemo(cache, rule) : undefined;
      rule.check(contextFor(rule, file, text, settings, (r) => reported.push(toFinding(rule, severity, r)), undefined, undefined, memo));
      findings.push(...reported);
    } catch (error) {
      cache?.findings.delete(rule.id);
      ruleFailures.push({ ruleId: rule.id, message: describe(error) });
    }
  }
  // A total order: findings come out in the same order whether they were
  // checked now or reused from an earlier lint.
  findings.sort(
    (a, b) =>
      a.range.start - b.range.start ||
      byCodeUnits(a.ruleId, b.ruleId) ||
      a.range.end - b.range.end ||
      byCodeUnits(a.messageId, b.messageId) ||
      byCodeUnits(a.message, b.message),
  );
  // One place quotes simulated gains, for every rule whose change has a scenario transformation.
  for (const message of attachGains(file, findings, RULES_BY_ID, settings)) ruleFailures.push({ ruleId: 'timeline', message });
  const enabled = new Set(rules.filter((r) => severityOf(r, settings) !== undefined).map((r) => r.id));
  const { kept, unused } = applyDirectives(text, dedupe(findings), KNOWN_RULES, lines, enabled);
  return {
    findings: kept,
    ruleFailures,
    unusedDirectives: settings.reportUnusedDirectives === false ? [] : unused,
    hasSyntaxErrors: tree.rootNode.hasError,
  };
}

function severityOf(rule: Rule, settings: LintSettings): Severity | undefined {
  const configured = settings.rules?.[rule.id];
  if (configured === 'off') return undefined;
  return configured ?? rule.defaultSeverity;
}

/**
 * A rule of 'function' or 'calls' scope with a cache: reuses the findings of
 * functions the edit cannot affect and checks the others. Undefined when the
 * rule broke its scope's contract (it is then checked in full, now and from
 * now on).
 */
function checkChangedFunctions(rule: Rule, severity: Severity, file: FileModel, settings: LintSettings, cache: LintCache, stale: Set<number>, lines: LineIndex): Finding[] | undefined {
  const previous = cache.findings.get(rule.id);
  const next = new Map<string, CachedFindings>();
  // Messages quoting line numbers are reused only for a function still on its line (0: any line).
  const startLine = quotesLines(rule) ? (e: FunctionEntry) => lines.positionAt(e.range.start).line : () => 0;
  const out: Finding[] = [];
  const toCheck: FunctionEntry[] = [];
  file.functions.forEach((entry, i) => {
    const hit = stale.has(i) ? undefined : previous?.get(entry.text);
    if (hit && hit.line === startLine(entry)) {
      for (const f of hit.findings) out.push(shiftFinding(f, entry.range.start));
      next.set(entry.text, hit);
    } else toCheck.push(entry);
  });
  const reports = new Map<FunctionEntry, Finding[]>(toCheck.map((e) => [e, []]));
  let current: FunctionEntry | undefined;
  let outside = false;
  // A 'function' rule may not consult other functions: if it does, its findings are not only its function's.
  if (rule.scope === 'function') file.lookupObserver = (name) => (outside ||= name !== current?.name);
  try {
    rule.check(
      contextFor(
        rule,
        file,
        file.text,
        settings,
        (r) => {
          const f = toFinding(rule, severity, r);
          if (!current || f.range.start < current.range.start || f.range.end > current.range.end) outside = true;
          else reports.get(current)!.push(f);
        },
        toCheck,
        (entry) => (current = entry),
      ),
    );
  } finally {
    file.lookupObserver = undefined;
  }
  if (outside) {
    cache.fileScoped.add(rule.id);
    cache.findings.delete(rule.id);
    return undefined;
  }
  for (const [entry, found] of reports) {
    out.push(...found);
    if (found.every((f) => insideFunction(f, entry))) next.set(entry.text, { line: startLine(entry), findings: found.map((f) => shiftFinding(f, -entry.range.start)) });
  }
  cache.findings.set(rule.id, next);
  return out;
}

function contextFor(
  rule: Rule,
  file: FileModel,
  text: string,
  settings: LintSettings,
  sink: (r: Report) => void,
  only?: readonly FunctionEntry[],
  entering?: (entry: FunctionEntry) => void,
  memo?: Map<string, boolean>,
): RuleContext {
  return {
    text,
    file,
    options: { ...rule.options, ...settings.ruleOptions?.[rule.id] },
    *functions(): Iterable<FunctionModel> {
      for (const entry of only ?? file.functions) {
        let match = memo?.get(entry.text);
        if (match === undefined) {
          match = matches(rule, entry, file.text);
          memo?.set(entry.text, match);
        }
        if (!match) continue;
        entering?.(entry);
        const model = file.model(entry);
        if (model) yield model;
      }
    },
    report: sink,
  };
}

/** Whether each function text matched the rule's candidates, kept between lints of a document. */
function candidateMemo(cache: LintCache, rule: Rule): Map<string, boolean> {
  const previous = cache.candidates.get(rule.id);
  const memo = new Map<string, boolean>();
  if (previous) for (const text of cache.functions.keys()) if (previous.has(text)) memo.set(text, previous.get(text)!);
  cache.candidates.set(rule.id, memo);
  return memo;
}

const CALLED_NAME = /\b[A-Za-z_]\w*(?=\s*\()/g;

/** The names a function calls (an identifier followed by `(`), once per function for all rules' `triggers`. */
function callsOf(entry: FunctionEntry, fileText: string): Set<string> {
  const byFunction = perText(fileText, 'calledNames', () => new Map<string, Set<string>>());
  let names = byFunction.get(entry.text);
  if (!names) byFunction.set(entry.text, (names = new Set(entry.text.match(CALLED_NAME))));
  return names;
}

export function triggered(triggers: readonly (string | RegExp)[], called: ReadonlySet<string>): boolean {
  for (const t of triggers) {
    if (typeof t === 'string') {
      if (called.has(t)) return true;
    } else {
      for (const name of called) if (t.test(name)) return true;
    }
  }
  return false;
}

/**
 * The registry's triggers as one bit per rule: a function's called names are
 * looked up once for all rules (a name -> the rules it triggers), instead of
 * every rule testing its list against every function.
 */
interface TriggerIndex {
  bitOf: Map<Rule, number>;
  byName: Map<string, number>;
  patterns: [RegExp, number][];
  /** Each name's bits, patterns included, once it has been seen: names repeat across functions and files. */
  maskOfName: Map<string, number>;
}

/** Enough for the names of a large code base; past it the memo starts again rather than grow in a long-lived server. */
const MAX_MEMO_NAMES = 100_000;

let registryTriggers: TriggerIndex | undefined;

function triggerIndex(): TriggerIndex {
  if (registryTriggers) return registryTriggers;
  const index: TriggerIndex = { bitOf: new Map(), byName: new Map(), patterns: [], maskOfName: new Map() };
  for (const rule of registry) {
    if (!rule.triggers || index.bitOf.size >= 31) continue;
    const bit = 1 << index.bitOf.size;
    index.bitOf.set(rule, bit);
    for (const t of rule.triggers) {
      if (typeof t === 'string') index.byName.set(t, (index.byName.get(t) ?? 0) | bit);
      else index.patterns.push([t, bit]);
    }
  }
  return (registryTriggers = index);
}

/** The registry rules (as bits) that a function's calls trigger. */
function triggerMask(entry: FunctionEntry, fileText: string, index: TriggerIndex): number {
  const byFunction = perText(fileText, 'triggerMasks', () => new Map<string, number>());
  let mask = byFunction.get(entry.text);
  if (mask === undefined) {
    mask = 0;
    for (const name of entry.text.match(CALLED_NAME) ?? []) mask |= nameMask(name, index);
    byFunction.set(entry.text, mask);
  }
  return mask;
}

function nameMask(name: string, index: TriggerIndex): number {
  let mask = index.maskOfName.get(name);
  if (mask === undefined) {
    mask = index.byName.get(name) ?? 0;
    for (const [pattern, bit] of index.patterns) if ((mask & bit) === 0 && pattern.test(name)) mask |= bit;
    if (index.maskOfName.size >= MAX_MEMO_NAMES) index.maskOfName.clear();
    index.maskOfName.set(name, mask);
  }
  return mask;
}

/**
 * A rule's pre-filter in one shape for all rules: `matches` runs for every
 * rule and function, and rule objects of many shapes made V8 throw away its
 * optimized code again and again.
 */
interface Prefilter {
  /** The rule's bit in the registry's trigger index; 0 when it has none. */
  bit: number;
  triggers: readonly (string | RegExp)[] | undefined;
  patterns: readonly RegExp[];
}

const prefilters = new WeakMap<Rule, Prefilter>();

function prefilterOf(rule: Rule): Prefilter {
  let p = prefilters.get(rule);
  if (!p) {
    const patterns = Array.isArray(rule.candidates) ? rule.candidates : [rule.candidates as RegExp];
    p = { bit: rule.triggers ? (triggerIndex().bitOf.get(rule) ?? 0) : 0, triggers: rule.triggers, patterns };
    prefilters.set(rule, p);
  }
  return p;
}

function matches(rule: Rule, entry: FunctionEntry, fileText: string): boolean {
  const p = prefilterOf(rule);
  if (p.triggers) {
    const fired = p.bit !== 0 ? (triggerMask(entry, fileText, triggerIndex()) & p.bit) !== 0 : triggered(p.triggers, callsOf(entry, fileText));
    if (!fired) return false;
  }
  for (const pattern of p.patterns) {
    pattern.lastIndex = 0;
    if (!pattern.test(entry.text)) return false;
  }
  return true;
}

function toFinding(rule: Rule, severity: Severity, r: Report): Finding {
  const template = rule.messages[r.messageId];
  if (template === undefined) throw new Error(`rule ${rule.id} reported unknown messageId '${r.messageId}'`);
  const message = template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, key: string) => String(r.data?.[key] ?? `{{${key}}}`));
  return {
    ruleId: rule.id,
    messageId: r.messageId,
    severity,
    message,
    range: r.range,
    related: r.related ?? [],
    fixes: r.fixes ?? [],
    ...(r.functionName !== undefined ? { functionName: r.functionName } : {}),
    ...(r.extra !== undefined ? { data: r.extra } : {}),
  };
}

/** Two rules may not report the same thing twice at the same place. */
function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.ruleId}:${f.range.start}:${f.range.end}:${f.messageId}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.message}${error.stack ? `\n${error.stack.split('\n').slice(1, 4).join('\n')}` : ''}`;
  return String(error);
}
