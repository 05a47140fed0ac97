/**
 * Finding and reading `.copyscope.json` files for Node adapters.
 * Invariant: read or parse problems come back as messages naming the file,
 * never as exceptions.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, parse as parsePath, resolve } from 'node:path';
import { parseConfigText, type ConfigResult } from '../engine/config';
import { readRegularFile } from './sourceFiles';

export const CONFIG_FILE_NAME = '.copyscope.json';

/** The nearest `.copyscope.json` in the folder of `filePath` or above (not above `stopAt`). */
export function findConfigFile(filePath: string, stopAt?: string): string | undefined {
  let dir = resolve(filePath);
  try {
    if (!statSync(dir).isDirectory()) dir = dirname(dir);
  } catch {
    dir = dirname(dir);
  }
  const root = parsePath(dir).root;
  const stop = stopAt ? resolve(stopAt) : undefined;
  for (;;) {
    const candidate = join(dir, CONFIG_FILE_NAME);
    if (existsSync(candidate)) return candidate;
    if (dir === root || dir === stop) return undefined;
    dir = dirname(dir);
  }
}

export function loadConfigFile(path: string): ConfigResult {
  let text: string;
  try {
    text = readRegularFile(path).toString('utf8');
  } catch (error) {
    return { ok: false, errors: [`${path}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`] };
  }
  return parseConfigText(text, path);
}
