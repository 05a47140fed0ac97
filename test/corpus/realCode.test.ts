/**
 * Real C code (sqlite, libxml2, expat, hiredis from the npm registry, fetched
 * into .cache/corpus by scripts/corpus.mjs) must lint without a crash or an
 * internal error. The findings themselves are reviewed in docs/precision.md.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';

it('lints the real-code corpus without crashes or internal errors', () => {
  const r = spawnSync(process.execPath, [join(__dirname, '..', '..', 'scripts', 'lint-corpus.mjs')], { encoding: 'utf8', timeout: 600_000 });
  expect(r.stderr).not.toMatch(/internal error|worker crashed/);
  expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  expect(r.stdout).toMatch(/\d+ files linted/);
}, 600_000);
