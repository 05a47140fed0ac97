#!/usr/bin/env node
// `npm run package`: builds the bundles (scripts/build.mjs), stages exactly
// what the extension runs in a private folder, and packages that folder with
// vsce into copyscope-<version>.vsix at the repository root. No network.
//
// Staging keeps the package independent of later changes to dist/ (another
// build in the same work tree, such as a test run's global setup, replaces
// dist/ as a whole); .vscodeignore still filters the staged files, and
// test/e2e/check-vsix.mjs checks the result.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const out = join(root, `copyscope-${version}.vsix`);
const vsce = join(root, 'node_modules', '.bin', 'vsce');

mkdirSync(join(root, '.cache'), { recursive: true });
const stage = mkdtempSync(join(root, '.cache', 'vsix-stage-'));
try {
  for (let attempt = 1; ; attempt++) {
    try {
      execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
      stageFiles();
      break;
    } catch (error) {
      // dist/ was replaced while we copied it: build and copy again.
      if (attempt >= 3) throw error;
      console.error(`staging failed (${error instanceof Error ? error.message.split('\n')[0] : error}); building again`);
      rmSync(join(stage, 'dist'), { recursive: true, force: true });
    }
  }
  execFileSync(
    vsce,
    [
      'package',
      '--no-dependencies',
      '--allow-missing-repository',
      '--baseContentUrl', 'https://github.com/copyscope/copyscope/blob/main',
      '--baseImagesUrl', 'https://github.com/copyscope/copyscope/raw/main',
      '-o', out,
    ],
    { cwd: stage, stdio: 'inherit' },
  );
} finally {
  rmSync(stage, { recursive: true, force: true });
}

function stageFiles() {
  for (const f of ['package.json', '.vscodeignore', 'README.md', 'LICENSE', 'LICENSE.md', 'LICENSE.txt', 'CHANGELOG.md']) {
    if (existsSync(join(root, f))) copyFileSync(join(root, f), join(stage, f));
  }
  mkdirSync(join(stage, 'dist'), { recursive: true });
  // What the extension runs: the client, the language server and the grammar
  // wasm files, and the CLI with the calibration C sources for "Calibrate
  // Machine Profile" and "Validate Timeline Predictions" (the lint worker is
  // not used by the extension).
  for (const f of readdirSync(join(root, 'dist'))) {
    if (/\.wasm$/.test(f) || f === 'client.js' || f === 'server.js' || f === 'cli.js') copyFileSync(join(root, 'dist', f), join(stage, 'dist', f));
  }
  mkdirSync(join(stage, 'server', 'calibration'), { recursive: true });
  for (const f of readdirSync(join(root, 'server', 'calibration'))) {
    if (/\.[ch]$/.test(f)) copyFileSync(join(root, 'server', 'calibration', f), join(stage, 'server', 'calibration', f));
  }
  // The .copyscope.json schema, for the manifest's jsonValidation.
  copyFileSync(join(root, 'server', 'src', 'engine', 'config.schema.json'), join(stage, 'dist', 'copyscope.schema.json'));
  for (const d of ['syntaxes', 'media']) {
    if (existsSync(join(root, d))) cpSync(join(root, d), join(stage, d), { recursive: true });
  }
  for (const required of ['client.js', 'server.js', 'web-tree-sitter.wasm', 'tree-sitter-c.wasm']) {
    if (!existsSync(join(stage, 'dist', required))) throw new Error(`dist/${required} missing after the build`);
  }
}
