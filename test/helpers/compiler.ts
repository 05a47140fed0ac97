/** `cc -fsyntax-only` on a C text: does it compile? */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function compiles(text: string): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'copyscope-cc-'));
  try {
    const file = join(dir, 'fixture.c');
    writeFileSync(file, text);
    execFileSync('cc', ['-fsyntax-only', '-std=gnu11', '-w', file], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
