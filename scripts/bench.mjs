// `npm run bench`: throughput of the engine on real C (scripts/corpus.mjs).
// Prints MB/s for parse only (web-tree-sitter, one thread, in process), for a
// full `copyscope lint` with --jobs 1 and --jobs 2 (the CLI as users run it,
// process start included), and peak RSS. Each figure is the best of N runs
// (BENCH_RUNS, default 5).
// Targets (issues 2 and 4): full lint >= 75% (60% with the concurrency rules)
// of parse-only throughput; --jobs 2 >= 1.6x --jobs 1.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { ROOT, corpusFiles, ensureCorpus } from './corpus.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
/** Rounds of one variant further apart than this (slowest over fastest) mark a run taken on a busy machine. */
const NOISY_SPREAD = 0.1;
if (!Number.isInteger(RUNS) || RUNS < 1) {
  console.error(`BENCH_RUNS must be a whole number of runs, 1 or more (got '${process.env.BENCH_RUNS}')`);
  process.exit(2);
}
const require = createRequire(join(ROOT, 'package.json'));
const dirs = ensureCorpus();
const files = corpusFiles(dirs);
const texts = files.map((f) => readFileSync(f.path, 'utf8'));
const megabytes = files.reduce((n, f) => n + f.size, 0) / 1e6;

async function parseOnlySeconds() {
  const { Parser, Language } = require('web-tree-sitter');
  await Parser.init({ wasmBinary: readFileSync(require.resolve('web-tree-sitter/web-tree-sitter.wasm')) });
  const C = await Language.load(readFileSync(join(dirname(require.resolve('tree-sitter-c/package.json')), 'tree-sitter-c.wasm')));
  const parser = new Parser();
  parser.setLanguage(C);
  let best = Infinity;
  for (let run = 0; run < RUNS + 1; run++) {
    const started = process.hrtime.bigint();
    for (const text of texts) parser.parse(text).delete();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (run > 0) best = Math.min(best, seconds); // the first run warms the wasm JIT
  }
  return best;
}

/** One `copyscope lint` run: wall seconds and the peak RSS the CLI reports. */
function lintRun(jobs, extra = []) {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'lint', '--jobs', String(jobs), ...extra, '--format', 'json', '--output', '/dev/null', ...dirs], {
    encoding: 'utf8',
    env: { ...process.env, COPYSCOPE_STATS: '1' },
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0 && r.status !== 1) throw new Error(`copyscope lint failed (${r.status}): ${r.stderr}`);
  const stats = r.stderr.match(/copyscope-stats (\{.*\})/);
  return { seconds, maxRssMB: stats ? JSON.parse(stats[1]).maxRssKiB / 1024 : 0 };
}

const parse = await parseOnlySeconds();
// The same CLI run doing only the parse: process start, reading and wasm
// warm-up are shared with a real lint, so the ratio shows the analysis cost.
// The three runs take turns, so that a slow minute of a shared machine
// slows all three rather than one.
const variants = { cliParse: [1, ['--parse-only']], one: [1, []], two: [2, []] };
const best = Object.fromEntries(Object.keys(variants).map((k) => [k, { seconds: Infinity, maxRssMB: 0 }]));
const roundTimes = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (let run = 0; run < RUNS; run++) {
  const round = {};
  for (const [name, [jobs, extra]] of Object.entries(variants)) {
    const r = lintRun(jobs, extra);
    best[name] = { seconds: Math.min(best[name].seconds, r.seconds), maxRssMB: Math.max(best[name].maxRssMB, r.maxRssMB) };
    round[name] = r.seconds;
    roundTimes[name].push(r.seconds);
  }
  // The spread between rounds shows how much the machine varied.
  console.log(`round ${run + 1}/${RUNS}: ${Object.entries(round).map(([name, s]) => `${name} ${s.toFixed(2)} s`).join(', ')}`);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const { cliParse, one, two } = best;
const rate = (s) => (megabytes / s).toFixed(2);
console.log(`corpus: ${files.length} files, ${megabytes.toFixed(1)} MB (${dirs.map((d) => d.split('/').at(-2)).join(', ')})`);
console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}; best of ${RUNS}`);
console.log(`parse only, warm, in process:      ${parse.toFixed(2)} s  ${rate(parse)} MB/s`);
console.log(`parse only, CLI --jobs 1:          ${cliParse.seconds.toFixed(2)} s  ${rate(cliParse.seconds)} MB/s  peak RSS ${cliParse.maxRssMB.toFixed(0)} MB`);
console.log(`lint --jobs 1:                     ${one.seconds.toFixed(2)} s  ${rate(one.seconds)} MB/s  (${((cliParse.seconds / one.seconds) * 100).toFixed(0)}% of CLI parse-only, ${((parse / one.seconds) * 100).toFixed(0)}% of warm in-process parse)  peak RSS ${one.maxRssMB.toFixed(0)} MB`);
console.log(`lint --jobs 2:                     ${two.seconds.toFixed(2)} s  ${rate(two.seconds)} MB/s  (${(one.seconds / two.seconds).toFixed(2)}x --jobs 1)  peak RSS ${two.maxRssMB.toFixed(0)} MB`);
// The same ratios taken within each round (runs seconds apart), then the median: a second view that one lucky run cannot move.
const roundRatios = (a, b) => roundTimes[a].map((seconds, i) => seconds / roundTimes[b][i]);
console.log(`median of the rounds' own ratios:  lint --jobs 1 at ${(median(roundRatios('cliParse', 'one')) * 100).toFixed(0)}% of CLI parse-only, --jobs 2 at ${median(roundRatios('one', 'two')).toFixed(2)}x --jobs 1`);
// How far the same run's time moved between rounds: on a shared virtual machine, whose speed can swing by a
// third within a minute, this says whether the figures above can be trusted.
const labels = { cliParse: 'parse-only', one: '--jobs 1', two: '--jobs 2' };
const spreads = Object.entries(roundTimes).map(([name, times]) => ({ name: labels[name], min: Math.min(...times), max: Math.max(...times) }));
console.log(`spread between rounds:             ${spreads.map((v) => `${v.name} ${((v.max / v.min - 1) * 100).toFixed(0)}%`).join(', ')}`);
const noisy = spreads.filter((v) => v.max / v.min > 1 + NOISY_SPREAD);
if (RUNS > 1 && noisy.length > 0) {
  console.log(
    `warning: the machine's speed varied between rounds (${noisy.map((v) => `${v.name} ${v.min.toFixed(2)}–${v.max.toFixed(2)} s`).join(', ')}): ` +
      `more than ${NOISY_SPREAD * 100}%, so the ratios above are not reliable; run again on an idle machine or with more BENCH_RUNS`,
  );
}
