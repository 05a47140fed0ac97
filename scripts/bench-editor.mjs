#!/usr/bin/env node
// Editor benchmark: the built language server (dist/server.js --stdio, a real
// process, as an editor starts it) on real C from the sqlite amalgamation.
//   - open -> first diagnostics, for a ~300 KB slice (btree.c and on);
//   - one-character edit -> diagnostics for that version, p50/p95 over 200
//     edits (a space typed at a random spot, then deleted, and so on);
//   - server RSS with 50 files (the amalgamation's own source files) open.
// Targets (issue 3): p95 < 30 ms, first < 500 ms, RSS < 300 MB. Prints the
// figures and writes test-results/bench-editor.json. Not a test: it asserts
// nothing, it measures.
// Usage: npm run bench:editor [-- --edits 200 --files 50]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const { createProtocolConnection, StreamMessageReader, StreamMessageWriter } = require('vscode-languageserver/node');

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const EDITS = arg('edits', 200);
const FILES = arg('files', 50);
const TARGET_BYTES = 300 * 1024;

function sqliteAmalgamation() {
  const corpus = join(root, '.cache', 'corpus');
  const find = () => {
    if (!existsSync(corpus)) return undefined;
    for (const d of readdirSync(corpus)) {
      const f = join(corpus, d, 'package', 'deps', 'sqlite3', 'sqlite3.c');
      if (d.startsWith('better-sqlite3') && existsSync(f)) return f;
    }
    return undefined;
  };
  let file = find();
  if (!file) {
    // better-sqlite3 ships the sqlite amalgamation; npm pack fetches its tarball from the registry.
    mkdirSync(corpus, { recursive: true });
    const tgz = execFileSync('npm', ['pack', 'better-sqlite3', '--silent'], { cwd: corpus }).toString().trim().split('\n').pop();
    const dir = join(corpus, tgz.replace(/\.tgz$/, ''));
    mkdirSync(dir, { recursive: true });
    execFileSync('tar', ['xzf', join(corpus, tgz), '-C', dir]);
    file = find();
  }
  if (!file) throw new Error('sqlite3.c not found in the better-sqlite3 package');
  return readFileSync(file, 'utf8');
}

/** The amalgamation's component files ("Begin file X" ... "End of X"). */
function components(amalgamation) {
  const out = [];
  const re = /\/\*+ Begin file ([\w.]+) \*+\/\n([\s\S]*?)\/\*+ End of \1 \*+\//g;
  for (const m of amalgamation.matchAll(re)) if (m[1].endsWith('.c')) out.push({ name: m[1], text: m[2] });
  return out;
}

/** ~300 KB of real code: from the start of btree.c to the end of the first function past the target size. */
function bigSlice(amalgamation) {
  const start = amalgamation.indexOf('/************** Begin file btree.c');
  const end = amalgamation.indexOf('\n}\n', start + TARGET_BYTES) + 3;
  return amalgamation.slice(start, end);
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
/** CPU time (user + system) the process has used, in ms (10 ms resolution: for totals, not single edits). */
const cpuMs = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLK_TCK;
};
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
const rssMb = (pid) => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
};

const amalgamation = sqliteAmalgamation();
const big = bigSlice(amalgamation);
const files = components(amalgamation).slice(0, FILES);
if (!existsSync(join(root, 'dist', 'server.js'))) execFileSync('node', [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });

const server = spawn(process.execPath, [join(root, 'dist', 'server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
const rpc = createProtocolConnection(new StreamMessageReader(server.stdout), new StreamMessageWriter(server.stdin));
const waiting = new Map();
const published = new Map();
rpc.onNotification('textDocument/publishDiagnostics', (p) => {
  published.set(p.uri, p);
  const w = waiting.get(`${p.uri}@${p.version}`);
  if (w) {
    waiting.delete(`${p.uri}@${p.version}`);
    w(p);
  }
});
rpc.onRequest('workspace/configuration', (p) => p.items.map(() => null));
rpc.onRequest('client/registerCapability', () => null);
rpc.onNotification('window/logMessage', () => undefined);
rpc.onNotification('window/showMessage', (m) => console.error(`server: ${m.message}`));
rpc.listen();
const diagnosticsFor = (uri, version) => new Promise((resolve) => waiting.set(`${uri}@${version}`, resolve));

const startMs = performance.now();
await rpc.sendRequest('initialize', {
  processId: process.pid,
  rootUri: null,
  workspaceFolders: null,
  capabilities: { workspace: { configuration: true }, textDocument: { publishDiagnostics: { versionSupport: true } } },
});
await rpc.sendNotification('initialized', {});
const initMs = performance.now() - startMs;

// Open -> first diagnostics.
const bigUri = pathToFileURL(join(root, '.cache', 'corpus', 'sqlite3-btree-slice.c')).toString();
let t = performance.now();
const firstP = diagnosticsFor(bigUri, 1);
await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: bigUri, languageId: 'c', version: 1, text: big } });
const first = await firstP;
const firstMs = performance.now() - t;

// One-character edits, each waited for.
let text = big;
let seed = 42;
const rand = (n) => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
};
const lineStarts = [0];
for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
const times = [];
const cpuBefore = cpuMs(server.pid);
let pending;
for (let v = 2; v < 2 + EDITS; v++) {
  let change;
  if (pending === undefined) {
    // Type a space at a random spot inside a random line.
    const line = rand(lineStarts.length - 1);
    const len = lineStarts[line + 1] - lineStarts[line] - 1;
    const character = len > 0 ? rand(len) : 0;
    change = { range: { start: { line, character }, end: { line, character } }, text: ' ' };
    pending = { line, character };
  } else {
    // Then delete it again (backspace).
    const { line, character } = pending;
    change = { range: { start: { line, character }, end: { line, character: character + 1 } }, text: '' };
    pending = undefined;
  }
  const p = diagnosticsFor(bigUri, v);
  t = performance.now();
  await rpc.sendNotification('textDocument/didChange', { textDocument: { uri: bigUri, version: v }, contentChanges: [change] });
  await p;
  times.push(performance.now() - t);
}
const cpuPerEdit = (cpuMs(server.pid) - cpuBefore) / EDITS;
const rssOneFile = rssMb(server.pid);

// 50 real files open.
const opened = [];
for (const [i, f] of files.entries()) {
  const uri = pathToFileURL(join(root, '.cache', 'corpus', 'sqlite-components', `${i}-${f.name}`)).toString();
  opened.push(diagnosticsFor(uri, 1));
  await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version: 1, text: f.text } });
}
await Promise.all(opened);
const rssFiles = rssMb(server.pid);
const openedBytes = files.reduce((n, f) => n + f.text.length, 0) + big.length;

await rpc.sendRequest('shutdown');
await rpc.sendNotification('exit');
rpc.dispose();

const result = {
  file: { bytes: big.length, lines: lineStarts.length, findings: first.diagnostics.length },
  initializeMs: +initMs.toFixed(1),
  openToFirstDiagnosticsMs: +firstMs.toFixed(1),
  editToDiagnosticsMs: {
    edits: times.length,
    p50: +pct(times, 50).toFixed(1),
    p95: +pct(times, 95).toFixed(1),
    max: +Math.max(...times).toFixed(1),
    serverCpuMeanMs: +cpuPerEdit.toFixed(1),
  },
  loadAverage: (await import('node:os')).loadavg().map((x) => +x.toFixed(2)),
  rssMb: { oneFile: +rssOneFile.toFixed(0), withFilesOpen: +rssFiles.toFixed(0), filesOpen: files.length + 1, bytesOpen: openedBytes },
  node: process.version,
  cpus: (await import('node:os')).cpus().length,
};
mkdirSync(join(root, 'test-results'), { recursive: true });
writeFileSync(join(root, 'test-results', 'bench-editor.json'), `${JSON.stringify(result, null, 2)}\n`);
const ok = (v, target) => (v < target ? 'ok' : 'OVER TARGET');
console.log(`sqlite btree.c slice: ${(big.length / 1024).toFixed(0)} KB, ${lineStarts.length} lines, ${first.diagnostics.length} findings`);
console.log(`open -> first diagnostics: ${result.openToFirstDiagnosticsMs} ms (target < 500: ${ok(firstMs, 500)})`);
console.log(`edit -> diagnostics over ${times.length} one-character edits: p50 ${result.editToDiagnosticsMs.p50} ms, p95 ${result.editToDiagnosticsMs.p95} ms, max ${result.editToDiagnosticsMs.max} ms (target p95 < 30: ${ok(pct(times, 95), 30)})`);
console.log(`server CPU per edit (mean, insensitive to other load): ${result.editToDiagnosticsMs.serverCpuMeanMs} ms; load average ${result.loadAverage.join(' ')}`);
console.log(`server RSS: ${result.rssMb.oneFile} MB with 1 file, ${result.rssMb.withFilesOpen} MB with ${files.length + 1} files open (${(openedBytes / 1e6).toFixed(1)} MB of C) (target < 300: ${ok(rssFiles, 300)})`);
