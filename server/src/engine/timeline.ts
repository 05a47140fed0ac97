/**
 * The engine's second entry, beside `lint()`: text, a place in it and
 * settings in, the simulated timeline of that place out, as written and with
 * the change a finding there suggests (simulate/code/codeTimeline.ts).
 *
 * Invariants: never throws (problems come back as `error`); the tree is
 * deleted before returning unless the caller owns it; the findings used to
 * pick the change are those `lint()` gives for the same text and settings.
 */
import { FileModel } from '../model/fileModel';
import { rules as registry } from '../rules/index';
import { parseAssumptions } from '../simulate/code/assumptions';
import { codeTimeline, type CodeFinding, type CodeTarget } from '../simulate/code/codeTimeline';
import { scenarioOfFinding } from '../simulate/code/gains';
import { defaultProfile, type MachineProfile } from '../simulate/profile';
import type { Timeline } from '../simulate/timeline';
import { LineIndex } from '../syntax/lineIndex';
import { ParserMemoryError, type CSyntax, type Tree } from '../syntax/treeSitter';
import { lint } from './lint';
import type { Finding, LintSettings } from './types';

/**
 * Where to simulate: an offset (UTF-16), a 1-based line, or a function by
 * name; `ruleId` prefers that rule's finding there (opened from a finding).
 */
export type TimelineTarget = ({ offset: number } | { line: number } | { functionName: string }) & { ruleId?: string };

export interface TimelineOptions {
  settings?: LintSettings;
  profile?: MachineProfile;
  /** `key=value` assumptions below the code's comments (editor settings). */
  assume?: readonly string[];
  /** `key=value` assumptions above the code's comments (the CLI's --assume). */
  overrides?: readonly string[];
  /** A tree for `text` owned by the caller. */
  tree?: Tree;
}

export type TimelineResult =
  | { ok: true; timeline: Timeline; findings: Finding[]; problems: string[] }
  | { ok: false; error: string };

const RULES = new Map(registry.map((r) => [r.id, r]));

export function timeline(syntax: CSyntax, text: string, target: TimelineTarget, options: TimelineOptions = {}): TimelineResult {
  const overrides = parseAssumptions(options.overrides ?? []);
  if (overrides.problems.length > 0) return { ok: false, error: overrides.problems.map((p) => `'${p.item}': ${p.message}`).join('; ') };
  const assume = parseAssumptions(options.assume ?? []);
  let tree: Tree | undefined;
  try {
    tree = options.tree ?? syntax.parse(text);
    const profile = options.profile ?? options.settings?.timeline?.profile ?? defaultProfile();
    // The findings pick the change; their own gains are not needed here.
    const settings: LintSettings = { ...options.settings, timeline: { ...options.settings?.timeline, gains: false } };
    const findings = lint(syntax, text, settings, { tree }).findings;
    const file = new FileModel(text, tree);
    const codeTarget = toCodeTarget(text, target);
    if (!codeTarget) return { ok: false, error: `line ${(target as { line: number }).line} is past the end of the file` };
    const result = codeTimeline(file, findings as CodeFinding[], codeTarget, {
      profile,
      assume: assume.values,
      overrides: overrides.values,
      scenarioOf: (f) => scenarioOfFinding(f as Finding, RULES.get(f.ruleId)),
    });
    if (!result.ok) return result;
    const problems = [...assume.problems.map((p) => `'${p.item}' in the settings: ${p.message}`), ...result.value.problems];
    return { ok: true, timeline: result.value.timeline, findings, problems };
  } catch (error) {
    if (error instanceof ParserMemoryError) return { ok: false, error: error.message };
    return { ok: false, error: `internal error: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    if (tree && !options.tree) tree.delete();
  }
}

function toCodeTarget(text: string, target: TimelineTarget): CodeTarget | undefined {
  const rule = target.ruleId !== undefined ? { ruleId: target.ruleId } : {};
  if ('functionName' in target) return { functionName: target.functionName, ...rule };
  if ('offset' in target) return { offset: target.offset, ...rule };
  const lines = new LineIndex(text);
  if (target.line < 1 || target.line > lines.lineCount) return undefined;
  let offset = lines.lineStart(target.line - 1);
  while (offset < text.length && (text[offset] === ' ' || text[offset] === '\t')) offset++;
  return { offset, ...rule };
}
