/**
 * Which files a `copyscope lint` run covers: paths, directories (recursing
 * into .c and .h files) and globs, skipping what .gitignore files and the
 * configuration's `ignorePatterns` exclude.
 *
 * Invariant: the result is sorted and free of duplicates, so output order is
 * stable from run to run.
 */
import fg from 'fast-glob';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { GitignoreStack } from '../host/gitignore';

const SOURCE_EXTENSIONS = /\.(c|h)$/i;
const ALWAYS_SKIPPED = ['**/node_modules/**', '**/.git/**'];

export interface Discovery {
  files: string[];
  /** Arguments that matched nothing: a usage error. */
  unmatched: string[];
  /** Files named one by one on the command line (not found in a folder or by a glob). */
  named: Set<string>;
  /** Folders named on the command line that hold no .c or .h file to lint (`gitignored`: they hold some, all ignored). */
  emptyFolders: { arg: string; gitignored: boolean }[];
}

export function discoverFiles(args: string[], cwd: string): Discovery {
  const files = new Set<string>();
  const unmatched: string[] = [];
  const named = new Set<string>();
  const emptyFolders: Discovery['emptyFolders'] = [];
  const gitignores = new GitignoreStack();
  for (const arg of args.length > 0 ? args : ['.']) {
    const absolute = resolve(cwd, arg);
    const isFolder = existsSync(absolute) && statSync(absolute).isDirectory();
    let found: string[];
    if (isFolder) {
      found = fg.sync('**/*.{c,h,C,H}', { cwd: absolute, absolute: true, dot: false, ignore: ALWAYS_SKIPPED, followSymbolicLinks: false, suppressErrors: true });
      const inFolder = found.length;
      found = found.filter((f) => !gitignores.ignores(f, absolute));
      if (found.length === 0) emptyFolders.push({ arg, gitignored: inFolder > 0 });
    } else if (existsSync(absolute)) {
      found = [absolute]; // an explicitly named file is linted even if .gitignore ignores it
      named.add(resolve(absolute));
    } else if (fg.isDynamicPattern(arg)) {
      found = fg
        .sync(arg.replace(/\\/g, '/'), { cwd, absolute: true, ignore: ALWAYS_SKIPPED, suppressErrors: true })
        .filter((f) => SOURCE_EXTENSIONS.test(f) && !gitignores.ignores(f, cwd));
    } else {
      found = [];
    }
    if (found.length === 0 && !isFolder) unmatched.push(arg);
    for (const f of found) files.add(resolve(f));
  }
  return { files: [...files].sort(), unmatched, named, emptyFolders };
}
