/** Runs the built CLI (dist/cli.js) in a scratch folder. */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll } from 'vitest';

export const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');

export interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], cwd: string, env: Record<string, string> = {}): CliRun {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 120_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const scratchFolders: string[] = [];
// Registered while the test file that imports this is collected: its folders go when its tests are done.
afterAll(() => {
  for (const dir of scratchFolders.splice(0)) {
    chmodSync(dir, 0o700); // a test may have made it read-only
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A temporary folder with the given files (paths relative to it), removed after the test file. */
export function scratch(files: Record<string, string | Uint8Array>): string {
  const dir = mkdtempSync(join(tmpdir(), 'copyscope-test-'));
  scratchFolders.push(dir);
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  return dir;
}
