/**
 * `copyscope timeline FILE (--function NAME | --line N)`: the simulated
 * timeline of a function or loop, as written and with the change a finding
 * there suggests, as JSON (timeline.schema.json), SVG or a standalone HTML
 * page, for CI artifacts and documentation. The picture is the one the VS
 * Code webview draws (simulate/render.ts).
 *
 * Exit codes: 0 written, 2 usage (no such file, function or line; a bad
 * profile or --assume item; nothing to simulate there).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { timeline, type TimelineTarget } from '../../engine/timeline';
import { loadNodeSyntax } from '../../host/nodeSyntax';
import { readRegularFile, readSourceFile } from '../../host/sourceFiles';
import { parseAssumptions } from '../../simulate/code/assumptions';
import { validateProfile, type MachineProfile } from '../../simulate/profile';
import { renderTimelineHtml, renderTimelineSvg } from '../../simulate/render';
import { LineIndex } from '../../syntax/lineIndex';
import { UsageError, type CliIO } from '../io';
import { emitOutput } from '../output';

export interface TimelineCommandOptions {
  function?: string;
  line?: string;
  profile?: string;
  assume?: string[];
  format: string;
  output?: string;
  width?: string;
}

export const TIMELINE_FORMATS = ['json', 'svg', 'html'] as const;

export async function timelineCommand(file: string, options: TimelineCommandOptions, io: CliIO): Promise<number> {
  if (!TIMELINE_FORMATS.includes(options.format as (typeof TIMELINE_FORMATS)[number])) throw new UsageError(`--format '${options.format}': expected json, svg or html`);
  if ((options.function === undefined) === (options.line === undefined)) throw new UsageError('give exactly one of --function NAME and --line N');
  let target: TimelineTarget;
  if (options.line !== undefined) {
    if (!/^\d+$/.test(options.line) || Number(options.line) < 1) throw new UsageError(`--line '${options.line}': expected a line number >= 1`);
    target = { line: Number(options.line) };
  } else {
    target = { functionName: options.function! };
  }
  const width = options.width === undefined ? undefined : Number(options.width);
  if (width !== undefined && !(Number.isInteger(width) && width >= 480)) throw new UsageError(`--width '${options.width}': expected a whole number of pixels >= 480`);
  const problems = parseAssumptions(options.assume ?? []).problems;
  if (problems.length > 0) throw new UsageError(problems.map((p) => `--assume '${p.item}': ${p.message}`).join('\n'));
  const profile = options.profile ? loadProfile(resolve(io.cwd, options.profile)) : undefined;

  const path = resolve(io.cwd, file);
  if (!existsSync(path)) throw new UsageError(`no such file: ${file}`);
  const read = readSourceFile(path);
  if (!read.ok) throw new UsageError(`cannot read ${file}: ${read.reason}`);

  const syntax = await loadNodeSyntax();
  const result = timeline(syntax, read.text, target, { ...(profile ? { profile } : {}), overrides: options.assume ?? [] });
  if (!result.ok) throw new UsageError(`${file}: ${result.error}`);
  for (const p of result.problems) io.stderr(`copyscope: ${file}: ${p}\n`);

  const lines = new LineIndex(read.text);
  const lineOf = (offset: number): number => lines.positionAt(offset).line + 1;
  let rendered: string;
  if (options.format === 'json') {
    rendered = `${JSON.stringify(result.timeline, null, 2)}\n`;
  } else {
    const styles = stylesheet();
    const title = `CopyScope timeline: ${file}${result.timeline.subject ? `, '${result.timeline.subject.functionName}' line ${result.timeline.subject.line}` : ''}`;
    rendered = options.format === 'svg'
      ? `${renderTimelineSvg(result.timeline, { lineOf, styles, ...(width ? { width } : {}) })}\n`
      : renderTimelineHtml(result.timeline, { lineOf, styles, title, ...(width ? { width } : {}) });
  }
  if (!emitOutput(io, options.output, rendered)) return 2;
  return 0;
}

/** Reads and validates a profile file; every problem names the file and the key. */
export function loadProfile(path: string): MachineProfile {
  let json: unknown;
  try {
    json = JSON.parse(readRegularFile(path).toString('utf8'));
  } catch (error) {
    throw new UsageError(`cannot read the profile ${path}: ${(error as Error).message}`);
  }
  const checked = validateProfile(json, path);
  if (!checked.ok) throw new UsageError(checked.errors.join('\n'));
  return checked.profile;
}

/** media/timeline.css, next to dist/ in the package and in the repository. */
function stylesheet(): string {
  const here = typeof __dirname === 'string' ? __dirname : process.cwd();
  for (const candidate of [join(here, '..', 'media', 'timeline.css'), join(here, '..', '..', '..', '..', 'media', 'timeline.css'), join(dirname(here), 'media', 'timeline.css')]) {
    if (existsSync(candidate)) return readFileSync(candidate, 'utf8');
  }
  return '';
}
