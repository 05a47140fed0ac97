#!/usr/bin/env node
// Checks a packaged .vsix: it must hold only what runs (the bundles, the
// tree-sitter wasm files, media/, syntaxes/, README, LICENSE, package.json and
// vsce's two metadata files), everything the extension needs at run time, and
// stay under 5 MB. Reads the zip's central directory itself (no unzip tool).
// Usage: node test/e2e/check-vsix.mjs copyscope-0.1.0.vsix
// Prints one line per check and ends with "N passed, M failed".
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const vsix = process.argv[2];
if (!vsix) {
  console.error('usage: check-vsix.mjs FILE.vsix');
  process.exit(2);
}

/** Names of the entries of a zip file, from its central directory. */
function zipEntries(buf) {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65535); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip file (no end of central directory)');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const names = [];
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`bad central directory entry at ${p}`);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    names.push(buf.toString('utf8', p + 46, p + 46 + nameLen));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return names;
}

const results = [];
const check = (name, ok, detail = '') => {
  results.push(ok);
  console.log(`${ok ? 'ok  ' : 'FAIL'} vsix: ${name}${detail ? ` (${detail})` : ''}`);
};

const size = statSync(vsix).size;
const names = zipEntries(readFileSync(vsix)).filter((n) => !n.endsWith('/'));
const ALLOWED = [
  /^\[Content_Types\]\.xml$/,
  /^extension\.vsixmanifest$/,
  /^extension\/package\.json$/,
  /^extension\/dist\/[^/]+\.(js|wasm)$/,
  /^extension\/dist\/copyscope\.schema\.json$/,
  /^extension\/media\/.+/,
  /^extension\/server\/calibration\/[^/]+\.[ch]$/,
  /^extension\/syntaxes\/.+\.json$/,
  /^extension\/(readme|README)\.md$/,
  /^extension\/(LICENSE|LICENSE\.md|LICENSE\.txt|license\.txt|license\.md)$/,
  /^extension\/(changelog|CHANGELOG)\.md$/,
];
const stray = names.filter((n) => !ALLOWED.some((re) => re.test(n)));
check('only files that run are packaged', stray.length === 0, stray.length ? `unexpected: ${stray.slice(0, 10).join(', ')}` : `${names.length} files`);

const required = [
  'extension/package.json',
  'extension/dist/client.js',
  'extension/dist/server.js',
  'extension/dist/web-tree-sitter.wasm',
  'extension/dist/tree-sitter-c.wasm',
  'extension/dist/copyscope.schema.json',
  'extension/syntaxes/copyscope-directive.tmLanguage.json',
  'extension/dist/cli.js',
  'extension/media/timeline.js',
  'extension/media/timeline.css',
  'extension/server/calibration/common.h',
];
// The README and LICENSE go in whenever the repository has them.
if (existsSync(join(repo, 'README.md'))) required.push('extension/readme.md');
if (existsSync(join(repo, 'LICENSE'))) required.push('extension/LICENSE.txt');
const lower = new Set(names.map((n) => n.toLowerCase()));
const missing = required.filter((r) => !lower.has(r.toLowerCase()) && !(r.endsWith('LICENSE.txt') && lower.has('extension/license')));
check('everything needed at run time is packaged', missing.length === 0, missing.length ? `missing: ${missing.join(', ')}` : '');
for (const f of ['README.md', 'LICENSE']) if (!existsSync(join(repo, f))) console.log(`note: the repository has no ${f}, so the .vsix has none`);

check('no source maps, sources or node_modules', !names.some((n) => /\.(map|ts)$|node_modules\//.test(n)));
check('smaller than 5 MB', size < 5 * 1024 * 1024, `${(size / 1024).toFixed(0)} KiB`);

const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
check('manifest entry point is packaged', lower.has(`extension/${manifest.main.replace(/^\.\//, '')}`.toLowerCase()), manifest.main);

const failed = results.filter((r) => !r).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
