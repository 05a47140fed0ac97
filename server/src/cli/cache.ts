/**
 * `--cache`: results keyed by the file's content hash, its settings and the
 * tool version, stored in one JSON file.
 *
 * Invariants: a cache that cannot be read or does not match the version is
 * treated as empty; the cache file is replaced atomically, never half written.
 */
import { createHash } from 'node:crypto';
import type { LintSettings } from '../engine/types';
import { readRegularFile } from '../host/sourceFiles';
import type { FileOutcome } from './lintFile';
import { writeFileAtomic } from './output';

/** A stored result: what a lint of the file gave, without what belongs to one run. */
export type CachedOutcome = Omit<FileOutcome, 'id' | 'path' | 'fixedText' | 'text' | 'skipped' | 'cacheKey' | 'fromCache'>;

interface CacheFile {
  version: string;
  entries: Record<string, { key: string; outcome: CachedOutcome }>;
}

/** The key a result is stored under: the text's hash with its settings'. */
export function cacheKey(text: string, settings: LintSettings): string {
  return createHash('sha256').update(text).update('\0').update(JSON.stringify(settings)).digest('hex');
}

export class ResultCache {
  private data: CacheFile;
  private dirty = false;

  constructor(readonly location: string, version: string) {
    this.data = { version, entries: {} };
    try {
      const parsed = JSON.parse(readRegularFile(location).toString('utf8')) as CacheFile;
      if (parsed && parsed.version === version && typeof parsed.entries === 'object') this.data = parsed;
    } catch {
      // Missing or unreadable cache: start empty.
    }
  }

  /** The result stored for this path, with the key of the text it was for. */
  stored(path: string): { key: string; outcome: CachedOutcome } | undefined {
    return Object.hasOwn(this.data.entries, path) ? this.data.entries[path] : undefined;
  }

  set(path: string, key: string, outcome: FileOutcome): void {
    const { findings, unusedDirectives, ruleFailures, hasSyntaxErrors, fixedCount } = outcome;
    this.data.entries[path] = { key, outcome: { findings, unusedDirectives, ruleFailures, hasSyntaxErrors, fixedCount } };
    this.dirty = true;
  }

  save(): void {
    if (this.dirty) writeFileAtomic(this.location, JSON.stringify(this.data));
  }
}
