/**
 * One file job: read the file, lint its text (or reuse a cached result), with
 * optional fix passes. The unit of work that the CLI runs in-process or in a
 * worker thread.
 *
 * The lane that takes a job reads the file itself: lanes start before every
 * file is read, no text is copied between threads, and no thread holds all
 * the texts at once.
 *
 * Invariant: never throws; internal errors come back in `ruleFailures`.
 */
import { applyFixes } from '../engine/fixes';
import { lint } from '../engine/lint';
import type { Finding, LintResult, LintSettings, RuleFailure, UnusedDirective } from '../engine/types';
import { readSourceFile } from '../host/sourceFiles';
import { ParserMemoryError, type CSyntax } from '../syntax/treeSitter';
import { cacheKey, type CachedOutcome } from './cache';

export type FixMode = 'none' | 'safe' | 'unsafe';

export interface FileJob {
  id: number;
  path: string;
  /** Bytes on disk: lanes take the largest first. */
  size: number;
  settings: LintSettings;
  fix: FixMode;
  /**
   * With `--cache`: present, holding the result stored for this path if
   * there is one. The lane reuses it when the text's key matches.
   */
  cache?: { stored?: { key: string; outcome: CachedOutcome } };
  /** Benchmark baseline: parse and free the tree, nothing else. */
  parseOnly?: boolean;
}

export interface FileOutcome {
  id: number;
  path: string;
  /** Offsets refer to the text as read, or to `fixedText` when fixes were applied. */
  findings: Finding[];
  unusedDirectives: UnusedDirective[];
  ruleFailures: RuleFailure[];
  hasSyntaxErrors: boolean;
  /** Present when fixes changed the text. */
  fixedText?: string;
  /** The file starts with a byte order mark: `fixedText` is written back after one. */
  bom?: true;
  /** Why fixes that apply were not written (the file would not keep its other bytes). */
  notFixed?: string;
  fixedCount: number;
  /**
   * The text as read, when the report needs it to place findings or unused
   * directives (and no `fixedText` replaces it).
   */
  text?: string;
  /** Why the file was not linted (it could not be read, or is binary). */
  skipped?: string;
  /** With `--cache`: the key of the text, and whether the stored result was reused. */
  cacheKey?: string;
  fromCache?: boolean;
}

const MAX_FIX_PASSES = 10;

/** An outcome with nothing found, for a job that was not linted. */
export function emptyOutcome({ id, path }: FileJob): FileOutcome {
  return { id, path, findings: [], unusedDirectives: [], ruleFailures: [], hasSyntaxErrors: false, fixedCount: 0 };
}

export function lintFileJob(syntax: CSyntax, job: FileJob): FileOutcome {
  try {
    return readAndLint(syntax, job);
  } catch (error) {
    // Too dense for the parser's heap: skipped like a binary file (the parser is clean for the next one).
    if (error instanceof ParserMemoryError) return { ...emptyOutcome(job), skipped: error.message };
    throw error;
  }
}

function readAndLint(syntax: CSyntax, job: FileJob): FileOutcome {
  const { id, path } = job;
  const read = readSourceFile(path, { forWriting: job.fix !== 'none' });
  if (!read.ok) return { ...emptyOutcome(job), skipped: read.reason };
  if (job.parseOnly) {
    const tree = syntax.parse(read.text);
    const hasSyntaxErrors = tree.rootNode.hasError;
    tree.delete();
    return { ...emptyOutcome(job), hasSyntaxErrors };
  }
  const key = job.cache ? cacheKey(read.text, job.settings) : undefined;
  const stored = job.cache?.stored;
  // Fixes rewrite the file, so only one whose text gives its bytes back is fixed.
  const lossy = job.fix !== 'none' && read.roundTrips === false;
  const outcome: FileOutcome =
    key !== undefined && stored?.key === key
      ? { id, path, ...stored.outcome, fromCache: true }
      : { id, path, ...lintText(syntax, read.text, lossy ? { ...job, fix: 'none' } : job) };
  if (key !== undefined) outcome.cacheKey = key;
  if (outcome.fixedText !== undefined && read.bom) outcome.bom = true;
  if (lossy && applyFixes(read.text, outcome.findings, { unsafe: job.fix === 'unsafe' }).fixed.length > 0) {
    outcome.notFixed = 'it is not valid UTF-8, and writing fixes would change its other bytes';
  }
  if (outcome.fixedText === undefined && outcome.findings.length + outcome.unusedDirectives.length > 0) outcome.text = read.text;
  return outcome;
}

function lintText(syntax: CSyntax, original: string, job: FileJob): Omit<FileOutcome, 'id' | 'path'> {
  let text = original;
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
    findings: result.findings,
    unusedDirectives: result.unusedDirectives,
    ruleFailures: result.ruleFailures,
    hasSyntaxErrors: result.hasSyntaxErrors,
    ...(text !== original ? { fixedText: text } : {}),
    fixedCount,
  };
}
