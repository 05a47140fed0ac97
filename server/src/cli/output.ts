/**
 * Writing files safely: to a temporary file in the same folder, then rename,
 * so a crash never leaves a half-written source, report or cache. A symbolic
 * link is written through (the link stays), and a read-only file is refused,
 * as a plain write would do. What a rename would change is written in
 * place instead: what is not a regular file (`/dev/null`, a pipe: it would
 * become one), a file with other hard links (they would keep the old text),
 * and one whose owner or group the new file could not be given.
 */
import { chmodSync, chownSync, existsSync, fstatSync, realpathSync, renameSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { CliIO } from './io';

/**
 * Writes `content` to `path` through a temporary file beside it. Throws an
 * Error whose message says why `path` (never the temporary file) could not
 * be written.
 */
export function writeFileAtomic(path: string, content: string): void {
  const stats = statOrUndefined(path); // follows links, also /dev/stdout's to a pipe, which realpath cannot name
  if (stats?.isDirectory()) throw new Error('it is a folder');
  // A device, pipe or socket: nothing to be atomic about, and a rename would replace it (as root, even /dev/null).
  if (stats && !stats.isFile()) return writeInPlace(path, content);
  // Through a symbolic link: the file it points to is written, the link stays.
  const target = stats ? existingTarget(path) : undefined;
  // A file nobody may write is left alone (renaming over it would succeed).
  if (stats && (stats.mode & 0o222) === 0) throw new Error('the file is read-only');
  const file = target ?? path;
  // A rename would split a file with other hard links from them (they keep the old text).
  if (stats && stats.nlink > 1) return writeInPlace(file, content);
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(temp, content);
    if (stats) {
      chmodSync(temp, stats.mode); // keep the original file's permissions
      if (!giveOwnerBack(temp, stats)) {
        // The new file would belong to someone else (this user, not the file's owner or group): write in place.
        rmSync(temp, { force: true });
        return writeInPlace(file, content);
      }
    }
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new Error(whyNotWritten(error as NodeJS.ErrnoException, file, temp));
  }
}

/**
 * Gives the temporary file the original's owner and group, as a rename would
 * otherwise hand the file to whoever ran the fix (root, say). False when
 * that is not allowed, as for a user writing a file owned by another.
 */
function giveOwnerBack(temp: string, original: Stats): boolean {
  const made = statSync(temp);
  if (made.uid === original.uid && made.gid === original.gid) return true;
  try {
    chownSync(temp, original.uid, original.gid);
    return true;
  } catch {
    return false;
  }
}

/** Not atomic, for files a rename would change in other ways (vim's 'backupcopy=auto' decides alike). */
function writeInPlace(file: string, content: string): void {
  try {
    writeFileSync(file, content);
  } catch (error) {
    throw new Error(whyNotWritten(error as NodeJS.ErrnoException, file, file));
  }
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
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
  switch (error.code) {
    case 'EISDIR':
      return 'it is a folder'; // made one since writeFileAtomic looked
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
  // `--output /dev/stdout` (or stderr) is a stream this process already has: opening its path again would
  // truncate a file the shell opened for appending (`>> log`), and fails for a socket.
  const path = resolve(io.cwd, output);
  const stream = ownStream(path);
  if (stream) {
    io[stream](rendered);
    return true;
  }
  try {
    writeFileAtomic(path, rendered);
    return true;
  } catch (error) {
    io.stderr(`copyscope: cannot write ${output}: ${(error as Error).message}\n`);
    return false;
  }
}

/**
 * Which of this process's own output streams a path names, if any: by name
 * (`/dev/stdout`, `/dev/fd/2`), or as the same file (a link to
 * `/proc/self/fd/1`, or the file the shell sent stdout to). A stream that is
 * a socket, as a parent process's pipe often is, cannot be opened by path.
 */
function ownStream(path: string): 'stdout' | 'stderr' | undefined {
  const named = /^\/dev\/(stdout|stderr)$/.exec(path)?.[1] ?? /^\/(?:dev|proc\/self)\/fd\/([12])$/.exec(path)?.[1];
  if (named === 'stdout' || named === '1') return 'stdout';
  if (named === 'stderr' || named === '2') return 'stderr';
  const stats = statOrUndefined(path);
  if (!stats) return undefined;
  for (const [fd, stream] of [[1, 'stdout'], [2, 'stderr']] as const) {
    try {
      const own = fstatSync(fd);
      if (own.dev === stats.dev && own.ino === stats.ino) return stream;
    } catch {
      // That stream is closed.
    }
  }
  return undefined;
}
