/**
 * Which files a `copyscope lint` run covers: paths, directories (recursing
 * into .c and .h files) and globs, skipping what .gitignore files and the
 * configuration's `ignorePatterns` exclude.
 *
 * Invariant: the result is sorted and free of duplicates, so output order is
 * stable from run to run.
 */
import fg from 'fast-glob';
import ignore, { type Ignore } from 'ignore';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const SOURCE_EXTENSIONS = /\.(c|h)$/i;
const ALWAYS_SKIPPED = ['**/node_modules/**', '**/.git/**'];

export interface Discovery {
  files: string[];
  /** Arguments that matched nothing: a usage error. */
  unmatched: string[];
}

export function discoverFiles(args: string[], cwd: string): Discovery {
  const files = new Set<string>();
  const unmatched: string[] = [];
  const gitignores = new GitignoreStack();
  for (const arg of args.length > 0 ? args : ['.']) {
    const absolute = resolve(cwd, arg);
    let found: string[];
    if (existsSync(absolute) && statSync(absolute).isDirectory()) {
      found = fg.sync('**/*.{c,h,C,H}', { cwd: absolute, absolute: true, dot: false, ignore: ALWAYS_SKIPPED, followSymbolicLinks: false, suppressErrors: true });
      found = found.filter((f) => !gitignores.ignores(f, absolute));
    } else if (existsSync(absolute)) {
      found = [absolute]; // an explicitly named file is linted even if ignored
    } else if (fg.isDynamicPattern(arg)) {
      found = fg
        .sync(arg.replace(/\\/g, '/'), { cwd, absolute: true, ignore: ALWAYS_SKIPPED, suppressErrors: true })
        .filter((f) => SOURCE_EXTENSIONS.test(f) && !gitignores.ignores(f, cwd));
    } else {
      found = [];
    }
    if (found.length === 0 && !(existsSync(absolute) && statSync(absolute).isDirectory())) unmatched.push(arg);
    for (const f of found) files.add(resolve(f));
  }
  return { files: [...files].sort(), unmatched };
}

/**
 * Honors every .gitignore from the file's folder up to the repository root.
 * A folder named on the command line is linted even when an outer .gitignore
 * ignores that folder itself: naming it says the user wants it.
 */
class GitignoreStack {
  private readonly cache = new Map<string, Ignore | null>();

  ignores(file: string, named: string): boolean {
    let dir = dirname(file);
    for (;;) {
      const rules = this.rulesIn(dir);
      if (rules) {
        const rel = relative(dir, file).split(sep).join('/');
        const namedRel = relative(dir, named).split(sep).join('/');
        const namedIgnored = namedRel !== '' && !namedRel.startsWith('..') && rules.ignores(`${namedRel}/`);
        if (!namedIgnored && rel && !rel.startsWith('..') && rules.ignores(rel)) return true;
      }
      if (existsSync(join(dir, '.git'))) return false;
      const parent = dirname(dir);
      if (parent === dir) return false;
      dir = parent;
    }
  }

  private rulesIn(dir: string): Ignore | null {
    if (!this.cache.has(dir)) {
      const path = join(dir, '.gitignore');
      let rules: Ignore | null = null;
      try {
        if (existsSync(path)) rules = ignore().add(readFileSync(path, 'utf8'));
      } catch {
        rules = null; // an unreadable .gitignore ignores nothing
      }
      this.cache.set(dir, rules);
    }
    return this.cache.get(dir)!;
  }
}
