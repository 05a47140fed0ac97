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
import { LineIndex } from '../syntax/lineIndex';
import type { CSyntax, Tree } from '../syntax/treeSitter';
import { applyDirectives } from './directives';
import type { Report, Rule, RuleContext } from './rule';
import type { Finding, LintResult, LintSettings, RuleFailure, Severity } from './types';

export interface LintOptions {
  /** A tree for `text` owned by the caller (the language server's incremental tree). */
  tree?: Tree;
  /** Rules to run instead of the registry (tests). */
  rules?: readonly Rule[];
}

const KNOWN_RULES = new Set(registry.map((r) => r.id));
const RULES_BY_ID = new Map(registry.map((r) => [r.id, r]));

export function lint(syntax: CSyntax, text: string, settings: LintSettings = {}, options: LintOptions = {}): LintResult {
  let tree: Tree | undefined;
  try {
    tree = options.tree ?? syntax.parse(text);
    return lintTree(text, tree, settings, options.rules ?? registry);
  } catch (error) {
    return { findings: [], ruleFailures: [{ ruleId: 'engine', message: describe(error) }], unusedDirectives: [], hasSyntaxErrors: false };
  } finally {
    if (tree && !options.tree) tree.delete();
  }
}

function lintTree(text: string, tree: Tree, settings: LintSettings, rules: readonly Rule[]): LintResult {
  const file = new FileModel(text, tree);
  const findings: Finding[] = [];
  const ruleFailures: RuleFailure[] = [];
  for (const rule of rules) {
    const severity = severityOf(rule, settings);
    if (severity === undefined) continue;
    const reported: Finding[] = [];
    try {
      rule.check(contextFor(rule, file, text, settings, (r) => reported.push(toFinding(rule, severity, r))));
      findings.push(...reported);
    } catch (error) {
      ruleFailures.push({ ruleId: rule.id, message: describe(error) });
    }
  }
  findings.sort((a, b) => a.range.start - b.range.start || a.ruleId.localeCompare(b.ruleId));
  // One place quotes simulated gains, for every rule whose change has a scenario transformation.
  for (const message of attachGains(file, findings, RULES_BY_ID, settings)) ruleFailures.push({ ruleId: 'timeline', message });
  const lines = new LineIndex(text);
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

function contextFor(rule: Rule, file: FileModel, text: string, settings: LintSettings, sink: (r: Report) => void): RuleContext {
  return {
    text,
    file,
    options: { ...rule.options, ...settings.ruleOptions?.[rule.id] },
    *functions(): Iterable<FunctionModel> {
      for (const entry of file.functions) {
        if (!matches(rule, entry)) continue;
        const model = file.model(entry);
        if (model) yield model;
      }
    },
    report: sink,
  };
}

function matches(rule: Rule, entry: FunctionEntry): boolean {
  const patterns = Array.isArray(rule.candidates) ? rule.candidates : [rule.candidates as RegExp];
  return patterns.every((p) => {
    p.lastIndex = 0;
    return p.test(entry.text);
  });
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
