// Lints the real-code corpus (scripts/corpus.mjs) with the built CLI and
// fails on any crash or internal error. Prints findings per rule and writes
// the full JSON report to .cache/corpus-report.json for the precision review.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORPUS_DIR, ROOT, corpusFiles, ensureCorpus } from './corpus.mjs';

const dirs = ensureCorpus();
const files = corpusFiles(dirs);
const bytes = files.reduce((n, f) => n + f.size, 0);
const reportPath = join(ROOT, '.cache', 'corpus-report.json');
console.log(`linting ${files.length} files, ${(bytes / 1e6).toFixed(1)} MB of real C from ${CORPUS_DIR}`);
const started = Date.now();
const run = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'lint', '--format', 'json', '--output', reportPath, ...dirs], { encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'] });
const seconds = (Date.now() - started) / 1000;
process.stderr.write(run.stderr);
if (run.status !== 0 && run.status !== 1) {
  console.error(`copyscope exited with ${run.status} (crash, usage or internal error)`);
  process.exit(1);
}
if (/internal error|worker crashed/.test(run.stderr)) {
  console.error('internal errors were reported');
  process.exit(1);
}
const report = JSON.parse(readFileSync(reportPath, 'utf8'));
const perRule = new Map();
for (const file of report.files) for (const f of file.findings) perRule.set(f.ruleId, (perRule.get(f.ruleId) ?? 0) + 1);
for (const [rule, n] of [...perRule].sort()) console.log(`  ${rule.padEnd(44)} ${n}`);
console.log(`${report.files.length} files linted in ${seconds.toFixed(1)} s, ${report.skipped.length} skipped, ${[...perRule.values()].reduce((a, b) => a + b, 0)} findings; report: ${reportPath}`);
