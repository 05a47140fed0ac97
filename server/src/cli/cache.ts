/**
 * `--cache`: results keyed by the file's content hash, its settings and the
 * tool version, stored in one JSON file.
 *
 * Invariants: a cache that cannot be read or does not match the version is
 * treated as empty; the cache file is replaced atomically, never half written.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { LintSettings } from '../engine/types';
import type { FileOutcome } from './lintFile';
import { writeFileAtomic } from './output';

interface CacheFile {
  version: string;
  entries: Record<string, { key: string; outcome: Omit<FileOutcome, 'id' | 'path'> }>;
}

export class ResultCache {
  private data: CacheFile;
  private dirty = false;

  constructor(private readonly location: string, version: string) {
    this.data = { version, entries: {} };
    try {
      const parsed = JSON.parse(readFileSync(location, 'utf8')) as CacheFile;
      if (parsed && parsed.version === version && typeof parsed.entries === 'object') this.data = parsed;
    } catch {
      // Missing or unreadable cache: start empty.
    }
  }

  static key(text: string, settings: LintSettings): string {
    return createHash('sha256').update(text).update('\0').update(JSON.stringify(settings)).digest('hex');
  }

  get(path: string, key: string): Omit<FileOutcome, 'id' | 'path'> | undefined {
    const entry = this.data.entries[path];
    return entry && entry.key === key ? entry.outcome : undefined;
  }

  set(path: string, key: string, outcome: FileOutcome): void {
    const { id: _id, path: _path, fixedText: _fixed, ...rest } = outcome;
    this.data.entries[path] = { key, outcome: rest };
    this.dirty = true;
  }

  save(): void {
    if (this.dirty) writeFileAtomic(this.location, JSON.stringify(this.data));
  }
}
