/**
 * `copyscope lint [paths or globs...]`: the CI entry point.
 * Exit codes as ESLint's: 0 clean (warnings within --max-warnings),
 * 1 errors or too many warnings, 2 usage, configuration or internal error.
 */
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { relative, resolve } from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { LintSettings, SeveritySetting } from '../../engine/types';
import { ruleById } from '../../rules/index';
import { pathInside } from '../../host/paths';
import { ResultCache } from '../cache';
import { discoverFiles } from '../files';
import { formatJson } from '../formatters/json';
import { formatSarif } from '../formatters/sarif';
import { formatText } from '../formatters/text';
import type { FileJob, FixMode } from '../lintFile';
import { emitOutput, writeFileAtomic } from '../output';
import { Progress } from '../progress';
import { countFindings, type RunReport, type SkippedFile } from '../report';
import { runJobs, startWorkers } from '../runner';
import { SettingsResolver } from '../settingsResolution';
import { UsageError, type CliIO } from '../io';

export interface LintCommandOptions {
  format: string;
  output?: string;
  maxWarnings?: string;
  rule?: string[];
  config?: string;
  fix?: boolean;
  unsafeFixes?: boolean;
  jobs?: string;
  cache?: boolean;
  cacheLocation?: string;
  printConfig?: string;
  quiet?: boolean;
  color?: boolean;
  parseOnly?: boolean;
}

const SEVERITIES = new Set(['off', 'info', 'warning', 'error']);

export function parseRuleFlags(flags: string[] = []): LintSettings {
  const rules: Record<string, SeveritySetting> = {};
  for (const flag of flags) {
    const at = flag.lastIndexOf(':');
    const id = at < 0 ? '' : flag.slice(0, at);
    const severity = at < 0 ? '' : flag.slice(at + 1);
    if (!id || !SEVERITIES.has(severity)) throw new UsageError(`--rule '${flag}': expected RULE:off|info|warning|error`);
    if (!ruleById(id)) throw new UsageError(`--rule '${flag}': unknown rule '${id}' (see 'copyscope rules')`);
    rules[id] = severity as SeveritySetting;
  }
  return Object.keys(rules).length > 0 ? { rules } : {};
}

function parseCount(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value) || Number(value) < min) throw new UsageError(`${flag} '${value}': expected an integer >= ${min}`);
  return Number(value);
}

export async function lintCommand(paths: string[], options: LintCommandOptions, io: CliIO): Promise<number> {
  if (!['text', 'json', 'sarif'].includes(options.format)) throw new UsageError(`--format '${options.format}': expected text, json or sarif`);
  const maxWarnings = parseCount(options.maxWarnings, '--max-warnings', -1) ?? -1;
  const jobs = parseCount(options.jobs, '--jobs', 1) ?? availableParallelism();
  const resolver = new SettingsResolver(options.config, parseRuleFlags(options.rule));

  if (options.printConfig) {
    const resolved = resolver.resolve(resolve(io.cwd, options.printConfig));
    if (resolver.errors.length > 0) return configErrors(resolver.errors, io);
    io.stdout(`${JSON.stringify({ file: options.printConfig, configFiles: resolved.sources, ignored: resolved.ignoredBy !== undefined, settings: resolved.settings }, null, 2)}\n`);
    return 0;
  }

  const discovery = discoverFiles(paths, io.cwd);
  if (discovery.unmatched.length > 0) throw new UsageError(discovery.unmatched.map((p) => `no files matching '${p}'`).join('\n'));
  // An existing folder with nothing to lint is not a typo (a glob that matches nothing may be), so it is a note, as ruff gives.
  for (const { arg, gitignored } of discovery.emptyFolders) {
    io.stderr(`copyscope: no .c or .h files to lint in '${arg}'${gitignored ? ' (.gitignore excludes every one it holds)' : ''}\n`);
  }

  // Validate every configuration before linting anything.
  const resolved = discovery.files.map((path) => ({ path, config: resolver.resolve(path) }));
  if (resolver.errors.length > 0) return configErrors(resolver.errors, io);
  const configured = resolved.filter((p) => p.config.ignoredBy === undefined);
  // A file named on the command line and then left out should not vanish without a word (as ESLint warns).
  for (const { path, config } of resolved) {
    if (config.ignoredBy && discovery.named.has(path)) io.stderr(`copyscope: skipped ${shownPath(io.cwd, path)}: the ignorePatterns of ${shownPath(io.cwd, config.ignoredBy)} exclude it\n`);
  }
  const planned = configured.map((p) => ({ ...p, size: fileSize(p.path) }));

  // Worker threads start now, while this thread plans the jobs; lanes read the files.
  const started = startWorkers(jobs, planned.map((p) => p.size));
  try {
    return await lintPlanned(planned, options, io, jobs, maxWarnings, started);
  } finally {
    // Workers runJobs did not take (it was never reached) must not keep the process alive.
    for (const worker of started) void worker.terminate();
  }
}

async function lintPlanned(
  planned: { path: string; size: number; config: ReturnType<SettingsResolver['resolve']> }[],
  options: LintCommandOptions,
  io: CliIO,
  jobs: number,
  maxWarnings: number,
  started: Worker[],
): Promise<number> {
  const fix: FixMode = options.unsafeFixes ? 'unsafe' : options.fix ? 'safe' : 'none';
  const cache = options.cache ? new ResultCache(resolve(io.cwd, options.cacheLocation ?? '.copyscope-cache'), io.version) : undefined;
  // The lanes read the files (lintFile.ts); --cache gives each job its stored result to compare with.
  const toRun: FileJob[] = planned.map(({ path, size, config }, id) => ({
    id,
    path,
    size,
    settings: config.settings,
    fix,
    ...(cache && fix === 'none' ? { cache: { stored: cache.stored(path) } } : {}),
    ...(options.parseOnly ? { parseOnly: true } : {}),
  }));

  const progress = new Progress(io.stderrIsTTY && toRun.length > 20);
  // A worker that cannot start costs speed, not results (the main thread's lane takes its share): say so once per cause.
  const workerFailures = new Set<string>();
  const onWorkerFailure = (message: string): void => {
    if (workerFailures.has(message)) return;
    workerFailures.add(message);
    io.stderr(`copyscope: a worker thread stopped (${message.split('\n')[0]}); the other lanes linted its files\n`);
  };
  const outcomes = await runJobs(toRun, { jobs, started, onProgress: (done, total) => progress.update(done, total), onWorkerFailure });
  progress.stop();

  let internalErrors = 0;
  const files: RunReport['files'] = [];
  const skipped: SkippedFile[] = [];
  for (const outcome of outcomes) {
    if (outcome.skipped !== undefined) {
      skipped.push({ path: outcome.path, reason: outcome.skipped });
      continue;
    }
    for (const failure of outcome.ruleFailures) {
      internalErrors++;
      io.stderr(`copyscope: internal error in ${failure.ruleId} while linting ${relative(io.cwd, outcome.path)}: ${failure.message.split('\n')[0]}\n`);
    }
    if (outcome.fixedText !== undefined) {
      try {
        writeFileAtomic(outcome.path, (outcome.bom ? '\ufeff' : '') + outcome.fixedText);
      } catch (error) {
        internalErrors++;
        io.stderr(`copyscope: cannot write fixes to ${relative(io.cwd, outcome.path)}: ${(error as Error).message}\n`);
        continue;
      }
    }
    if (outcome.notFixed !== undefined) io.stderr(`copyscope: did not fix ${relative(io.cwd, outcome.path)}: ${outcome.notFixed}\n`);
    if (cache && outcome.cacheKey !== undefined && !outcome.fromCache && outcome.ruleFailures.length === 0) cache.set(outcome.path, outcome.cacheKey, outcome);
    const findings = options.quiet ? outcome.findings.filter((f) => f.severity === 'error') : outcome.findings;
    const unusedDirectives = options.quiet ? [] : outcome.unusedDirectives;
    // A file with nothing to place needs no text: its lane did not send it.
    files.push({ ...outcome, findings, unusedDirectives, text: outcome.fixedText ?? outcome.text ?? '' });
  }
  try {
    cache?.save();
  } catch (error) {
    // The results stand; only the next run's head start is lost.
    io.stderr(`copyscope: cannot write the cache ${shownPath(io.cwd, cache!.location)}: ${(error as Error).message}; this run's results were not stored\n`);
  }
  for (const s of skipped) io.stderr(`copyscope: skipped ${relative(io.cwd, s.path)}: ${s.reason}\n`);

  const report: RunReport = { cwd: io.cwd, files, skipped, version: io.version };
  const rendered =
    options.format === 'json' ? formatJson(report) : options.format === 'sarif' ? formatSarif(report) : formatText(report, options.output === undefined && options.color !== false && io.stdoutIsTTY);
  if (!emitOutput(io, options.output, rendered)) return 2;
  if (internalErrors > 0) return 2;
  const counts = countFindings(report);
  if (counts.errors > 0) return 1;
  if (maxWarnings >= 0 && counts.warnings > maxWarnings) {
    io.stderr(`copyscope: too many warnings (${counts.warnings}); maximum allowed is ${maxWarnings}\n`);
    return 1;
  }
  return 0;
}

/** A path as the user would name it: relative to the working folder when inside it. */
function shownPath(cwd: string, path: string): string {
  return pathInside(cwd, path) ?? path;
}

/** A file's size in bytes, for ordering jobs; 0 when it cannot be read (its lane reports that). */
function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function configErrors(errors: string[], io: CliIO): number {
  for (const e of [...new Set(errors)]) io.stderr(`copyscope: invalid configuration: ${e}\n`);
  return 2;
}
