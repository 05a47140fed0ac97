/**
 * .gitignore matching as git does it for one file: every .gitignore from the
 * file's folder up to the repository root. Shared by `copyscope lint` and the
 * language server's workspace lint.
 */
import ignore, { type Ignore } from 'ignore';
import { existsSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { pathInside } from './paths';
import { readRegularFile } from './sourceFiles';

/**
 * Decides as git does: walking down from the repository root, a folder that
 * is ignored hides everything in it (git does not read the .gitignore files
 * inside it); for each folder and for the file, the deepest .gitignore with
 * a matching pattern wins, so `!keep.c` in `src/.gitignore` re-includes what
 * `*.c` at the root ignores. A folder named on the command line (`named`) is
 * linted even when an outer .gitignore ignores that folder itself: naming it
 * says the user wants it.
 */
export class GitignoreStack {
  private readonly rules = new Map<string, Ignore | null>();
  /** Per named folder and folder: whether the folder or one above it hides what it holds. */
  private readonly hidden = new Map<string, boolean>();
  /** Per folder, its repository root: files share folders, so most lookups are one map read. */
  private readonly roots = new Map<string, string>();

  ignores(file: string, named: string): boolean {
    const root = this.repositoryRoot(dirname(file));
    return this.folderHidden(dirname(file), root, named) || this.decide(file, root, named, false);
  }

  /**
   * Whether `dir`, or a folder between it and the root, is ignored. The named
   * folder and the folders above it are linted whatever .gitignore says.
   * Files share folders, so this is mostly one map read per file.
   */
  private folderHidden(dir: string, root: string, named: string): boolean {
    if (dir === root || dirname(dir) === dir) return false;
    const key = `${named}\u0000${dir}`;
    let hidden = this.hidden.get(key);
    if (hidden === undefined) {
      hidden = this.folderHidden(dirname(dir), root, named) || (pathInside(named, dir) !== undefined && this.decide(dir, root, named, true));
      this.hidden.set(key, hidden);
    }
    return hidden;
  }

  /** The deepest .gitignore (from the path's folder up to the root) with a pattern matching the path decides. */
  private decide(path: string, root: string, named: string, isFolder: boolean): boolean {
    for (let dir = dirname(path); ; dir = dirname(dir)) {
      const rules = this.rulesIn(dir);
      // A .gitignore that ignores the named folder itself has no say inside it.
      const namedFromHere = pathInside(dir, named);
      if (rules && !(namedFromHere !== undefined && rules.ignores(`${namedFromHere.split(sep).join('/')}/`))) {
        const verdict = rules.test(relative(dir, path).split(sep).join('/') + (isFolder ? '/' : ''));
        if (verdict.ignored) return true;
        if (verdict.unignored) return false;
      }
      if (dir === root || dirname(dir) === dir) return false;
    }
  }

  /** The nearest folder holding `.git`, else the file system root. */
  private repositoryRoot(dir: string): string {
    let root = this.roots.get(dir);
    if (root === undefined) {
      root = existsSync(join(dir, '.git')) || dirname(dir) === dir ? dir : this.repositoryRoot(dirname(dir));
      this.roots.set(dir, root);
    }
    return root;
  }

  private rulesIn(dir: string): Ignore | null {
    if (!this.rules.has(dir)) {
      const path = join(dir, '.gitignore');
      let rules: Ignore | null = null;
      try {
        if (existsSync(path)) rules = ignore().add(readRegularFile(path).toString('utf8'));
      } catch {
        rules = null; // an unreadable .gitignore (or a pipe of that name) ignores nothing
      }
      this.rules.set(dir, rules);
    }
    return this.rules.get(dir)!;
  }
}
