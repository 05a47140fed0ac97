/**
 * Writing files safely: to a temporary file in the same folder, then rename,
 * so a crash never leaves a half-written source, report or cache.
 */
import { renameSync, rmSync, writeFileSync, statSync, chmodSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { CliIO } from './io';

export function writeFileAtomic(path: string, content: string): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(temp, content);
    try {
      chmodSync(temp, statSync(path).mode); // keep the original file's permissions
    } catch {
      // New file: default permissions.
    }
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/**
 * A command's rendered result: to `output` (relative to the working folder,
 * written atomically) or to stdout. False when the file cannot be written
 * (already reported on stderr): the command then exits with 2.
 */
export function emitOutput(io: CliIO, output: string | undefined, rendered: string): boolean {
  if (!output) {
    io.stdout(rendered);
    return true;
  }
  try {
    writeFileAtomic(resolve(io.cwd, output), rendered);
    return true;
  } catch (error) {
    io.stderr(`copyscope: cannot write ${output}: ${(error as Error).message}\n`);
    return false;
  }
}
