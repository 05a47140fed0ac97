/**
 * `copyscope timeline`, `calibrate` and `validate` end to end, through the
 * built CLI: the JSON validates against timeline.schema.json, the SVG and
 * HTML hold the lanes and the summary, and every mistake is a usage error
 * (exit 2) that names what is wrong.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import schema from '../../server/src/simulate/timeline.schema.json';
import { runCli, scratch } from '../helpers/cli';

const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);
const EXAMPLES = join(__dirname, '..', '..', 'examples');
const SERVER = readFileSync(join(EXAMPLES, 'file_server.c'), 'utf8');
const TOTALS = ['wallNs', 'cpuBusyNs', 'cpuCopies', 'cpuCopyBytes', 'dmaCopies', 'switches', 'syscalls', 'iterations'];

describe('copyscope timeline', () => {
  const dir = scratch({ 'server.c': SERVER, 'bad-profile.json': '{ "memcpyL1GBps": -3 }', 'fast.json': '{ "name": "fast-nic", "nicGBps": 12.5 }' });

  it('--format json: both schedules with totals and lanes, valid against the schema', () => {
    const r = runCli(['timeline', 'server.c', '--function', 'send_file', '--format', 'json'], dir);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const t = JSON.parse(r.stdout);
    expect(validate(t), JSON.stringify(validate.errors)).toBe(true);
    for (const key of ['asWritten', 'withChange']) {
      for (const total of TOTALS) expect(typeof t[key].totals[total], `${key}.totals.${total}`).toBe('number');
      expect(t[key].lanes.length).toBeGreaterThan(0);
      expect(t[key].lanes[0].spans.length).toBeGreaterThan(0);
    }
    expect(t.subject).toMatchObject({ functionName: 'send_file', line: 24, change: { ruleId: 'zerocopy/read-write-loop', scenario: 'read-write→sendfile' } });
    expect(t.asWritten.totals.cpuCopies - t.withChange.totals.cpuCopies).toBe(2 * t.asWritten.totals.iterations);
    expect(t.assumptions.notes.join('\n')).toMatch(/the loop moves 1 GiB/);
  });

  it('--line picks the finding on that line; --assume and --profile change the simulation', () => {
    const r = runCli(['timeline', 'server.c', '--line', '46', '--assume', 'bytes=64MiB', '--assume', 'cache=warm', '--profile', 'fast.json'], dir);
    expect(r.status, r.stderr).toBe(0);
    const t = JSON.parse(r.stdout);
    expect(t.subject.change.ruleId).toBe('zerocopy/mmap-write');
    expect(t.profileName).toBe('fast-nic');
    expect(t.assumptions.totalBytes).toBe(64 * 2 ** 20);
    expect(t.asWritten.lanes.map((l: { id: string }) => l.id)).not.toContain('disk');
  });

  it('--format svg: lanes, spans with source ranges, the embedded stylesheet', () => {
    const r = runCli(['timeline', 'server.c', '--function', 'send_file', '-f', 'svg'], dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(r.stdout).toContain('As written:');
    expect(r.stdout).toContain('With the change:');
    expect(r.stdout).toContain('>NIC DMA</text>');
    expect(r.stdout).toMatch(/<rect class="span k-cpu-copy"[^>]* data-start="\d+" data-end="\d+"/);
    expect(r.stdout).toContain('.k-cpu-copy');
    expect(r.stdout).not.toMatch(/<script|style="/);
  });

  it('--format html --output: a standalone page with the summary, written atomically', () => {
    const r = runCli(['timeline', 'server.c', '--function', 'copy_with_stdio', '-f', 'html', '-o', 'out/../t.html'], dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    const html = readFileSync(join(dir, 't.html'), 'utf8');
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('<table class="totals">');
    expect(html).toContain('Simulated gain:');
    expect(html).toContain('zerocopy/stdio-copy-loop');
    expect(html).not.toContain('<script');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a function without a finding shows the code as written only', () => {
    const text = '#include <unistd.h>\n#include <string.h>\nvoid copy(char *d, const char *s) {\n    for (int i = 0; i < 100; i++) memcpy(d, s, 4096);\n}\n';
    const r = runCli(['timeline', 'c.c', '--function', 'copy'], scratch({ 'c.c': text }));
    expect(r.status, r.stderr).toBe(0);
    const t = JSON.parse(r.stdout);
    expect(t.withChange).toBeUndefined();
    expect(t.asWritten.totals).toMatchObject({ cpuCopies: 100, cpuCopyBytes: 409600, iterations: 100 });
  });

  it.each([
    [['timeline', 'server.c'], /exactly one of --function NAME and --line N/],
    [['timeline', 'server.c', '--function', 'nope'], /no function named 'nope'/],
    [['timeline', 'server.c', '--line', '2'], /line 2 is not inside a function/],
    [['timeline', 'server.c', '--line', 'x'], /--line 'x': expected a line number/],
    [['timeline', 'missing.c', '--function', 'f'], /no such file: missing\.c/],
    [['timeline', 'server.c', '--function', 'send_file', '--assume', 'bytes=lots'], /--assume 'bytes=lots': expected a size/],
    [['timeline', 'server.c', '--function', 'send_file', '--profile', 'bad-profile.json'], /bad-profile\.json: memcpyL1GBps must be > 0/],
    [['timeline', 'server.c', '--function', 'send_file', '-f', 'png'], /argument 'png' is invalid/],
  ])('%j is a usage error', (args, message) => {
    const r = runCli(args, dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });
});

describe('copyscope calibrate and validate', () => {
  it('are listed in the help', () => {
    const r = runCli(['--help'], scratch({}));
    expect(r.stdout).toMatch(/timeline \[options\] <file>/);
    expect(r.stdout).toMatch(/calibrate \[options\]/);
    expect(r.stdout).toMatch(/validate \[options\]/);
  });

  it('calibrate explains what it runs, fails cleanly without a compiler, and leaves no temporary files', () => {
    const tmp = scratch({});
    const r = runCli(['calibrate', '--compiler', 'no-such-cc-here'], scratch({}), { TMPDIR: tmp });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/compiles and runs these C microbenchmarks/);
    expect(r.stderr).toMatch(/memcpy_bw\.c: memcpy bandwidth/);
    expect(r.stderr).toMatch(/copyscope: calibration failed: /);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('validate checks the profile before running anything', () => {
    const r = runCli(['validate', '--profile', 'p.json'], scratch({ 'p.json': '{ "nicGBps": "fast" }' }));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/p\.json: nicGBps must be number/);
    expect(r.stderr).not.toMatch(/compiles and runs/);
  });
});
