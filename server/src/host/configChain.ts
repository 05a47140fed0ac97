/**
 * Which `.copyscope.json` files apply to a source file, shared by the CLI and
 * the language server so both read configuration the same way: every config
 * file from the nearest one outwards, stopping after one that says
 * `"root": true`; inner files override outer ones.
 */
import ignore from 'ignore';
import { dirname, resolve, sep } from 'node:path';
import type { CopyScopeConfig } from '../engine/config';
import { findConfigFile } from './configFiles';
import { pathInside } from './paths';

/** Config files for `filePath`, outermost first. `load` returns a file's config (or undefined when invalid). */
export function configChain(
  filePath: string,
  load: (configPath: string) => CopyScopeConfig | undefined,
  nearest: (dir: string) => string | undefined = findConfigFile,
): string[] {
  const chain: string[] = [];
  let from = dirname(resolve(filePath));
  for (let guard = 0; guard < 256; guard++) {
    const found = nearest(from);
    if (!found) break;
    chain.unshift(found);
    if (load(found)?.root) break;
    const parent = dirname(dirname(found));
    if (parent === dirname(found)) break;
    from = parent;
  }
  return chain;
}

/** A config file's `ignorePatterns` (gitignore syntax, relative to the config file's folder). */
export function ignoredByPatterns(file: string, configDir: string, patterns: string[] | undefined): boolean {
  if (!patterns || patterns.length === 0) return false;
  const rel = pathInside(configDir, file);
  if (rel === undefined) return false;
  return ignore().add(patterns).ignores(rel.split(sep).join('/'));
}
