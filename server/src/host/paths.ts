/**
 * Whether a path lies inside a folder, decided one way for every adapter
 * (.gitignore and ignorePatterns matching, paths shown to users, SARIF URIs).
 */
import { isAbsolute, relative } from 'node:path';

/** `path` relative to `folder` when it lies inside it (the folder itself is not inside); otherwise undefined. */
export function pathInside(folder: string, path: string): string | undefined {
  const rel = relative(folder, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : undefined;
}
