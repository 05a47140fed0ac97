/** Builds dist/ once before the suite, so CLI and server tests run the bundles users run. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export default function setup(): void {
  if (process.env.COPYSCOPE_SKIP_BUILD) return;
  execFileSync(process.execPath, [join(__dirname, '..', 'scripts', 'build.mjs')], { stdio: 'inherit' });
}
