/**
 * The bundled C programs of calibration and validation: what each measures,
 * how it is called, and how to compile and run it with the system C compiler
 * in a temporary directory.
 *
 * Invariants: every program prints exactly one JSON line on stdout; the
 * temporary directory is removed when `withBuildDirectory` returns or throws
 * (and on process exit if interrupted); the programs unlink their own data
 * files as soon as they create them. Node built-ins only.
 */

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Log = (line: string) => void;

export interface ProgramSpec {
  /** Source file name without `.c`, also the executable's name. */
  name: string;
  /** What it measures, shown before it runs. */
  purpose: string;
  /** Arguments after the executable, given the directory for temporary data. */
  args: (dataDirectory: string) => string[];
}

/** One parsed result line: numbers, strings and nested objects of numbers. */
export type ProgramOutput = Record<string, unknown>;

export interface Toolchain {
  /** The C compiler command (default `cc`). */
  compiler: string;
  /** Directory holding the `.c` sources and `common.h`. */
  sourceDirectory: string;
}

const PROGRAM_TIMEOUT_MS = 10 * 60 * 1000;

/**
 * Finds `server/calibration` from this module: next to the sources when run
 * from the repository, or from `dist/` when bundled.
 */
export function findCalibrationSources(explicit?: string): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = explicit ? [explicit] : [
    resolve(here, '../../../calibration'),
    resolve(here, '../server/calibration'),
    resolve(process.cwd(), 'server/calibration'),
  ];
  const found = candidates.find((dir) => existsSync(join(dir, 'common.h')));
  if (!found) throw new Error(`cannot find the calibration sources (common.h) in: ${candidates.join(', ')}`);
  return found;
}

/** Runs `body` with a fresh temporary directory and removes the directory afterwards, whatever happens. */
export async function withBuildDirectory<T>(log: Log, body: (directory: string) => Promise<T>): Promise<T> {
  const directory = mkdtempSync(join(tmpdir(), 'copyscope-calibration-'));
  const removeOnExit = (): void => rmSync(directory, { recursive: true, force: true });
  process.once('exit', removeOnExit);
  log(`temporary directory: ${directory} (removed when done)`);
  try {
    return await body(directory);
  } finally {
    removeOnExit();
    process.removeListener('exit', removeOnExit);
  }
}

/** Compiles one program with `cc -O2 -pthread` into `directory` and returns the executable's path. */
export async function compileProgram(spec: ProgramSpec, toolchain: Toolchain, directory: string, log: Log): Promise<string> {
  const source = join(toolchain.sourceDirectory, `${spec.name}.c`);
  const executable = join(directory, spec.name);
  const args = ['-O2', '-pthread', '-Wall', '-o', executable, source, '-lrt'];
  log(`compile: ${toolchain.compiler} ${args.join(' ')}`);
  await run(toolchain.compiler, args);
  return executable;
}

/** Runs a compiled program and parses its JSON result line. */
export async function runProgram(spec: ProgramSpec, executable: string, dataDirectory: string, log: Log): Promise<ProgramOutput> {
  const args = spec.args(dataDirectory);
  log(`run: ${spec.name} ${args.join(' ')} (${spec.purpose})`);
  const stdout = await run(executable, args);
  const line = stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  if (!line) throw new Error(`${spec.name} printed no JSON result; output was: ${stdout.slice(0, 500)}`);
  try {
    return JSON.parse(line) as ProgramOutput;
  } catch (error) {
    throw new Error(`${spec.name} printed invalid JSON (${(error as Error).message}): ${line.slice(0, 500)}`);
  }
}

/** Compiles and runs each program in one temporary directory. */
export async function compileAndRun(specs: ProgramSpec[], toolchain: Toolchain, log: Log): Promise<Record<string, ProgramOutput>> {
  return withBuildDirectory(log, async (directory) => {
    const results: Record<string, ProgramOutput> = {};
    for (const spec of specs) {
      const executable = await compileProgram(spec, toolchain, directory, log);
      results[spec.name] = await runProgram(spec, executable, directory, log);
    }
    return results;
  });
}

/** Warns when other work keeps the cores busy, since the measurements would then move with it. */
export function warnIfBusy(log: Log): void {
  const load = oneMinuteLoad();
  const cores = cpus().length;
  if (load > cores / 2) {
    log(`warning: the machine is busy (1-minute load ${load.toFixed(1)} on ${cores} cores); measurements will be noisy`);
  }
}

export function oneMinuteLoad(): number {
  return loadavg()[0] ?? 0;
}

/** One line describing this machine, for profiles and the validation table. */
export async function describeMachine(compiler: string): Promise<string> {
  const cpuList = cpus();
  const model = cpuList[0]?.model.trim() ?? 'unknown CPU';
  let compilerVersion = compiler;
  try {
    compilerVersion = (await run(compiler, ['--version'])).split('\n')[0]!.trim();
  } catch {
    // The compiler's version is only informative.
  }
  const memoryGiB = (totalmem() / 2 ** 30).toFixed(1);
  return `${model}, ${cpuList.length} cores, ${memoryGiB} GiB RAM, Linux ${release()}, ${compilerVersion}`;
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(command, args, { timeout: PROGRAM_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        const detail = stderr.trim() || error.message;
        reject(new Error(`${command} ${args.join(' ')} failed: ${detail}`));
      } else {
        resolvePromise(stdout);
      }
    });
  });
}
