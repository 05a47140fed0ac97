/**
 * Linting one file's text, with optional fix passes: the unit of work that the
 * CLI runs in-process or in a worker thread.
 *
 * Invariant: never throws; internal errors come back in `ruleFailures`.
 */
import { applyFixes } from '../engine/fixes';
import { lint } from '../engine/lint';
import type { Finding, LintResult, LintSettings, RuleFailure, UnusedDirective } from '../engine/types';
import type { CSyntax } from '../syntax/treeSitter';

export type FixMode = 'none' | 'safe' | 'unsafe';

export interface FileJob {
  id: number;
  path: string;
  text: string;
  settings: LintSettings;
  fix: FixMode;
  /** Benchmark baseline: parse and free the tree, nothing else. */
  parseOnly?: boolean;
}

export interface FileOutcome {
  id: number;
  path: string;
  /** The text the findings refer to (the fixed text when fixes were applied). */
  findings: Finding[];
  unusedDirectives: UnusedDirective[];
  ruleFailures: RuleFailure[];
  hasSyntaxErrors: boolean;
  /** Present when fixes changed the text. */
  fixedText?: string;
  fixedCount: number;
}

const MAX_FIX_PASSES = 10;

export function lintFileJob(syntax: CSyntax, job: FileJob): FileOutcome {
  if (job.parseOnly) {
    const tree = syntax.parse(job.text);
    const hasSyntaxErrors = tree.rootNode.hasError;
    tree.delete();
    return { id: job.id, path: job.path, findings: [], unusedDirectives: [], ruleFailures: [], hasSyntaxErrors, fixedCount: 0 };
  }
  let text = job.text;
  let result: LintResult = lint(syntax, text, job.settings);
  let fixedCount = 0;
  if (job.fix !== 'none') {
    // Fixes can overlap or enable each other: re-lint and fix again, as ESLint does.
    for (let pass = 0; pass < MAX_FIX_PASSES && result.ruleFailures.length === 0; pass++) {
      const applied = applyFixes(text, result.findings, { unsafe: job.fix === 'unsafe' });
      if (applied.fixed.length === 0) break;
      fixedCount += applied.fixed.length;
      text = applied.text;
      result = lint(syntax, text, job.settings);
    }
  }
  return {
    id: job.id,
    path: job.path,
    findings: result.findings,
    unusedDirectives: result.unusedDirectives,
    ruleFailures: result.ruleFailures,
    hasSyntaxErrors: result.hasSyntaxErrors,
    ...(text !== job.text ? { fixedText: text } : {}),
    fixedCount,
  };
}
