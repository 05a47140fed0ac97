/**
 * Writing files safely: to a temporary file in the same folder, then rename,
 * so a crash never leaves a half-written source, report or cache. A symbolic
 * link is written through (the link stays), and a read-only file is refused,
 * as a plain write would do.
 */
import { chmodSync, existsSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { CliIO } from './io';

/**
 * Writes `content` to `path` through a temporary file beside it. Throws an
 * Error whose message says why `path` (never the temporary file) could not
 * be written.
 */
export function writeFileAtomic(path: string, content: string): void {
  // Through a symbolic link: the file it points to is written, the link stays.
  const target = existingTarget(path);
  const stats = target === undefined ? undefined : statSync(target);
  // A file nobody may write is left alone (renaming over it would succeed).
  if (stats && (stats.mode & 0o222) === 0 && !stats.isDirectory()) throw new Error('the file is read-only');
  const file = target ?? path;
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(temp, content);
    if (stats) chmodSync(temp, stats.mode); // keep the original file's permissions
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new Error(whyNotWritten(error as NodeJS.ErrnoException, file, temp));
  }
}

/** The real path of `path` when it exists (following symbolic links). */
function existingTarget(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/** Why a write failed, in the words of the file the user named. */
function whyNotWritten(error: NodeJS.ErrnoException, path: string, temp: string): string {
  let isFolder = false;
  try {
    isFolder = statSync(path).isDirectory();
  } catch {
    // Not there: a new file.
  }
  if (isFolder) return 'it is a folder';
  switch (error.code) {
    case 'ENOENT':
      if (!existsSync(dirname(path))) return `the folder ${dirname(path)} does not exist`;
      break;
    case 'ENOTDIR':
      return `${dirname(path)} is not a folder`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${dirname(path)} must be writable)`;
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on the device';
  }
  return error.message.split(temp).join(path);
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
