/**
 * Suppression directives in comments:
 *   // copyscope-disable-next-line RULE[, RULE] [-- reason]
 *   // copyscope-disable-line RULE
 *   /* copyscope-disable RULE *\/ ... /* copyscope-enable RULE *\/
 * No RULE means every rule. Invariant: a directive applies to findings whose
 * primary range starts on the line(s) it covers; directives that suppress
 * nothing are reported back.
 */
import { LineIndex } from '../syntax/lineIndex';
import type { Finding, TextRange, UnusedDirective } from './types';

type DirectiveKind = 'disable-next-line' | 'disable-line' | 'disable' | 'enable';

interface Directive {
  kind: DirectiveKind;
  rules: string[];
  range: TextRange;
  line: number;
  used: Set<string>;
}

const DIRECTIVE = /(\/\/|\/\*)[ \t]*copyscope-(disable-next-line|disable-line|disable|enable)\b([^\n]*?)(\*\/|$)/gm;

export function parseDirectives(text: string, lines: LineIndex): Directive[] {
  if (!text.includes('copyscope-')) return [];
  const out: Directive[] = [];
  for (const m of text.matchAll(DIRECTIVE)) {
    const body = m[3]!.split(/\s--\s|\s--$/)[0]!;
    const rules = body.split(/[\s,]+/).filter((r) => r.length > 0);
    const start = m.index!;
    out.push({ kind: m[2] as DirectiveKind, rules, range: { start, end: start + m[0].length }, line: lines.positionAt(start).line, used: new Set() });
  }
  return out;
}

function covers(d: Directive, ruleId: string): boolean {
  return d.rules.length === 0 || d.rules.includes(ruleId);
}

/** Removes suppressed findings; returns the kept ones and the directives that did nothing. */
export function applyDirectives(
  text: string,
  findings: Finding[],
  knownRules: ReadonlySet<string>,
  lines: LineIndex = new LineIndex(text),
  enabledRules: ReadonlySet<string> = knownRules,
): { kept: Finding[]; unused: UnusedDirective[] } {
  const directives = parseDirectives(text, lines);
  if (directives.length === 0) return { kept: findings, unused: [] };
  const blocks = directives.filter((d) => d.kind === 'disable' || d.kind === 'enable').sort((a, b) => a.range.start - b.range.start);
  const kept: Finding[] = [];
  for (const f of findings) {
    const line = lines.positionAt(f.range.start).line;
    const suppressor =
      directives.find((d) => d.kind === 'disable-line' && d.line === line && covers(d, f.ruleId)) ??
      directives.find((d) => d.kind === 'disable-next-line' && d.line === line - 1 && covers(d, f.ruleId)) ??
      activeBlock(blocks, f.range.start, f.ruleId);
    if (suppressor) suppressor.used.add(f.ruleId);
    else kept.push(f);
  }
  const unused: UnusedDirective[] = [];
  for (const d of directives) {
    if (d.kind === 'enable') continue;
    const unknown = d.rules.filter((r) => !knownRules.has(r));
    if (unknown.length > 0) {
      unused.push({ range: d.range, rules: unknown, message: `unknown rule ${unknown.map((r) => `'${r}'`).join(', ')} in copyscope directive` });
      continue;
    }
    // A directive for rules that are all turned off cannot be judged: it is not "unused".
    if (d.rules.length > 0 && d.rules.every((r) => !enabledRules.has(r))) continue;
    if (d.used.size === 0) {
      const what = d.rules.length === 0 ? 'any rule' : d.rules.map((r) => `'${r}'`).join(', ');
      unused.push({ range: d.range, rules: d.rules, message: `unused copyscope-${d.kind} directive (no problems were reported from ${what})` });
    }
  }
  return { kept, unused };
}

/** The last `disable` before `offset` that covers the rule and is not closed by a matching `enable`. */
function activeBlock(blocks: Directive[], offset: number, ruleId: string): Directive | undefined {
  let active: Directive | undefined;
  for (const d of blocks) {
    if (d.range.start > offset) break;
    if (!covers(d, ruleId)) continue;
    active = d.kind === 'disable' ? d : undefined;
  }
  return active;
}
