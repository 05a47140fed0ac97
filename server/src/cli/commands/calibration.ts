/**
 * `copyscope calibrate [--output FILE]` and `copyscope validate [--profile
 * FILE]`: the CLI side of server/src/cli/calibration/. Both say what they
 * compile and run before running it (on stderr, so stdout stays the
 * result), work in a temporary directory that is removed afterwards, and
 * need a C compiler (`cc`, or --compiler).
 *
 * Exit codes: calibrate 0 when the profile was written; validate 0 when
 * every pair is within the target error, 1 when one is not; 2 for usage
 * errors and when a program cannot be compiled or run.
 */
import { resolve } from 'node:path';
import { runCalibrate, runValidate } from '../calibration';
import { UsageError, type CliIO } from '../io';
import { emitOutput } from '../output';
import { defaultProfile } from '../../simulate/profile';
import { loadProfile } from './timeline';

export interface CalibrateCommandOptions {
  output?: string;
  name?: string;
  compiler?: string;
}

export async function calibrateCommand(options: CalibrateCommandOptions, io: CliIO): Promise<number> {
  const log = (line: string): void => io.stderr(`${line}\n`);
  let result;
  try {
    result = await runCalibrate({ log, ...(options.name ? { name: options.name } : {}), ...(options.compiler ? { compiler: options.compiler } : {}) });
  } catch (error) {
    io.stderr(`copyscope: calibration failed: ${(error as Error).message}\n`);
    return 2;
  }
  const json = `${JSON.stringify(result.profile, null, 2)}\n`;
  if (!emitOutput(io, options.output, json)) return 2;
  if (!options.output) return 0;
  log(`wrote the profile to ${options.output}; use it with --profile ${options.output} (CLI) or the copyscope.timeline.profile setting (VS Code)`);
  return 0;
}

export interface ValidateCommandOptions {
  profile?: string;
  compiler?: string;
  format?: string;
}

export async function validateCommand(options: ValidateCommandOptions, io: CliIO): Promise<number> {
  if (options.format !== undefined && options.format !== 'text' && options.format !== 'json') throw new UsageError(`--format '${options.format}': expected text or json`);
  const profile = options.profile ? loadProfile(resolve(io.cwd, options.profile)) : defaultProfile();
  // Progress and explanations on stderr; the table (or JSON) on stdout.
  const log = (line: string): void => {
    if (!line.startsWith('|')) io.stderr(`${line}\n`);
  };
  let result;
  try {
    result = await runValidate({ profile, log, ...(options.compiler ? { compiler: options.compiler } : {}) });
  } catch (error) {
    io.stderr(`copyscope: validation failed: ${(error as Error).message}\n`);
    return 2;
  }
  if (options.format === 'json') io.stdout(`${JSON.stringify(result, null, 2)}\n`);
  else io.stdout(`${result.table}\n`);
  const worst = Math.max(...result.rows.map((r) => r.relativeError));
  io.stderr(`copyscope: ${result.withinTarget ? 'every pair is within' : 'some pairs are outside'} the 25% target (worst ${(100 * worst).toFixed(1)}%)\n`);
  return result.withinTarget ? 0 : 1;
}
