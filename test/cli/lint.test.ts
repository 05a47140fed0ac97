/**
 * `copyscope lint` end to end through the built bundle: exit codes, formats,
 * configuration errors, fixes, caching, skipping, workers, directives.
 */
import { chmodSync, chownSync, existsSync, linkSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, runCli, scratch } from '../helpers/cli';

const OVERLAP = `#include <string.h>\nvoid shift(char *buf, unsigned long n) {\n    memcpy(buf, buf + 1, n - 1);\n}\n`;
const CLEAN = `#include <string.h>\nvoid copy(char *dst, const char *src, unsigned long n) {\n    memcpy(dst, src, n);\n}\n`;

/**
 * Twelve files, each with one finding, and enough text (> 256 KiB) for the
 * worker pool to be used. Odd files have non-ASCII text before the finding on
 * its line: a worker reads the file and sends its text back to place findings.
 */
function filesForWorkers(): Record<string, string> {
  const files: Record<string, string> = {};
  const filler = `static int filler_%(void) { return %; }\n`;
  const prefix = (i: number): string => (i % 2 ? '/* 注释 😀 é */' : '    ');
  for (let i = 0; i < 12; i++) files[`f${i}.c`] = OVERLAP.replace('shift', `shift${i}`).replace('    memcpy', `${prefix(i)}memcpy`) + Array.from({ length: 800 }, (_, k) => filler.replace(/%/g, String(k))).join('');
  return files;
}

/** chown, false where it is not allowed (a container whose user namespace maps no such ids, say). */
function tryChown(path: string, uid: number, gid: number): boolean {
  try {
    chownSync(path, uid, gid);
    return true;
  } catch {
    return false;
  }
}

describe('exit codes and text output', () => {
  it('0 for clean code, with a summary', () => {
    const dir = scratch({ 'a.c': CLEAN });
    const r = runCli(['lint', '.'], dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('no problems in 1 file');
  });

  it('1 for an error, in path:line:col: severity: message [rule] form', () => {
    const dir = scratch({ 'src/a.c': OVERLAP });
    const r = runCli(['lint', 'src'], dir);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^src\/a\.c:3:5: error: 'memcpy' copies between overlapping regions of 'buf' .* \[copy\/overlapping-memcpy\]$/m);
    expect(r.stdout).toContain('1 problem (1 error, 0 warnings)');
  });

  it('--rule downgrades to a warning; --max-warnings decides', () => {
    const dir = scratch({ 'a.c': OVERLAP });
    expect(runCli(['lint', '--rule', 'copy/overlapping-memcpy:warning', 'a.c'], dir).status).toBe(0);
    const over = runCli(['lint', '--rule', 'copy/overlapping-memcpy:warning', '--max-warnings', '0', 'a.c'], dir);
    expect(over.status).toBe(1);
    expect(over.stderr).toContain('too many warnings (1)');
    expect(runCli(['lint', '--rule', 'copy/overlapping-memcpy:off', 'a.c'], dir).status).toBe(0);
  });

  it('2 for usage errors, without a stack trace', () => {
    const dir = scratch({ 'a.c': CLEAN });
    for (const args of [['lint', 'missing.c'], ['lint', '--rule', 'nope/nope:error', 'a.c'], ['lint', '--rule', 'copy/overlapping-memcpy:loud', 'a.c'], ['lint', '--jobs', '0', 'a.c'], ['lint', '--format', 'xml', 'a.c'], ['frobnicate']]) {
      const r = runCli(args, dir);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).not.toMatch(/\n\s+at /);
    }
  });

  it('a named folder with nothing to lint gets a note, not an error', () => {
    const dir = scratch({ 'docs/readme.txt': 'no C here\n', 'gen/.gitignore': '*.c\n', 'gen/out.c': OVERLAP, 'src/a.c': CLEAN });
    const r = runCli(['lint', 'docs', 'gen', 'src'], dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('no problems in 1 file');
    expect(r.stderr).toContain("copyscope: no .c or .h files to lint in 'docs'\n");
    expect(r.stderr).toContain("copyscope: no .c or .h files to lint in 'gen' (.gitignore excludes every one it holds)\n");
    expect(r.stderr).not.toContain("'src'");
  });

  it('--quiet reports errors only', () => {
    const dir = scratch({ 'a.c': OVERLAP });
    const r = runCli(['lint', '--quiet', '--rule', 'copy/overlapping-memcpy:warning', 'a.c'], dir);
    expect(r.stdout).not.toContain('overlapping');
  });

  it('--version and rules', () => {
    const dir = scratch({});
    const version = runCli(['--version'], dir);
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const rules = runCli(['rules', '--format', 'json'], dir);
    const list = JSON.parse(rules.stdout) as { id: string; docs: string }[];
    expect(list.map((r) => r.id)).toContain('copy/overlapping-memcpy');
    expect(list.every((r) => r.docs.endsWith(`${r.id}.md`))).toBe(true);
  });
});

describe('configuration', () => {
  it('.copyscope.json found by walking up applies to nested files', () => {
    const dir = scratch({ '.copyscope.json': '{"rules": {"copy/overlapping-memcpy": "off"}}', 'deep/er/a.c': OVERLAP });
    expect(runCli(['lint', '.'], dir).status).toBe(0);
    const printed = JSON.parse(runCli(['lint', '--print-config', 'deep/er/a.c'], dir).stdout) as { settings: { rules: Record<string, string> } };
    expect(printed.settings.rules['copy/overlapping-memcpy']).toBe('off');
  });

  it('a --config or --cache-location that is a pipe or a device is refused or ignored, never read until it ends', () => {
    const dir = scratch({ 'a.c': OVERLAP });
    spawnSync('mkfifo', [join(dir, 'pipe.json')]);
    const config = runCli(['lint', '--config', 'pipe.json', 'a.c'], dir);
    expect(config.status).toBe(2);
    expect(config.stderr).toBe(`copyscope: invalid configuration: ${join(dir, 'pipe.json')}: cannot read: not a regular file\n`);
    expect(runCli(['lint', '--config', '/dev/zero', 'a.c'], dir).stderr).toContain('/dev/zero: cannot read: not a regular file');
    // A cache that cannot be read starts empty; writing to /dev/zero succeeds and keeps nothing.
    const cache = runCli(['lint', '--cache', '--cache-location', '/dev/zero', 'a.c'], dir);
    expect(cache.status).toBe(1);
    expect(cache.stdout).toContain('a.c:3:5');
  });

  it('an invalid file names the file and the key, exits 2 and lints nothing', () => {
    const dir = scratch({ 'sub/.copyscope.json': '{"rules": {"copy/overlaping-memcpy": "error"}, "colour": true}', 'sub/a.c': OVERLAP, 'b.c': OVERLAP });
    const r = runCli(['lint', '.'], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(join('sub', '.copyscope.json'));
    expect(r.stderr).toContain('"colour": unknown key');
    expect(r.stdout).toBe('');
  });

  it('unknown rule ids suggest the right one; bad severities are named', () => {
    const dir = scratch({ '.copyscope.json': '{"rules": {"copy/overlaping-memcpy": "error", "copy/overlapping-memcpy": "loud"}}', 'a.c': CLEAN });
    const r = runCli(['lint', '.'], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('"rules.copy/overlapping-memcpy"');
    const typo = runCli(['lint', '.'], scratch({ '.copyscope.json': '{"rules": {"copy/overlaping-memcpy": "error"}}', 'a.c': CLEAN }));
    expect(typo.stderr).toContain('unknown rule');
  });

  it('invalid JSON is a clear error, with the line and column', () => {
    const r = runCli(['lint', '.'], scratch({ '.copyscope.json': '{"rules": ', 'a.c': CLEAN }));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/\.copyscope\.json: invalid JSON/);
    const comment = runCli(['lint', '.'], scratch({ '.copyscope.json': '{\n  "rules": {},\n  // no comments in JSON\n}\n', 'a.c': CLEAN }));
    expect(comment.status).toBe(2);
    expect(comment.stderr).toMatch(/\.copyscope\.json: invalid JSON: .* \(line 3, column 3\)\n$/);
  });

  it('a byte order mark before the JSON is accepted', () => {
    const r = runCli(['lint', '.'], scratch({ '.copyscope.json': '\ufeff{"rules": {"copy/overlapping-memcpy": "off"}}', 'a.c': OVERLAP }));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('a file named on the command line that ignorePatterns exclude is skipped with a note', () => {
    const dir = scratch({ 'lib/.copyscope.json': '{"ignorePatterns": ["gen/"]}', 'lib/gen/a.c': OVERLAP, 'lib/b.c': CLEAN });
    const named = runCli(['lint', 'lib/gen/a.c', 'lib/b.c'], dir);
    expect(named.status).toBe(0);
    expect(named.stdout).toContain('in 1 file');
    expect(named.stderr).toBe('copyscope: skipped lib/gen/a.c: the ignorePatterns of lib/.copyscope.json exclude it\n');
    // Found in a folder, it is left out quietly.
    expect(runCli(['lint', 'lib'], dir).stderr).toBe('');
  });

  it('ignorePatterns and .gitignore skip files', () => {
    const dir = scratch({ '.copyscope.json': '{"ignorePatterns": ["gen/"]}', 'gen/a.c': OVERLAP, '.gitignore': 'build/\n', 'build/b.c': OVERLAP, 'ok.c': CLEAN });
    const r = runCli(['lint', '.'], dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('in 1 file');
  });

  it(".gitignore precedence is git's: a deeper negation re-includes, an ignored folder hides everything, a named folder is linted", () => {
    const dir = scratch({
      '.git/HEAD': 'ref: refs/heads/main\n',
      '.gitignore': '*.gen.c\nbuild/\n',
      'src/.gitignore': '!keep.gen.c\n',
      'src/keep.gen.c': OVERLAP,
      'src/drop.gen.c': OVERLAP,
      'build/.gitignore': '!out.c\n',
      'build/out.c': OVERLAP,
    });
    const all = runCli(['lint', '--format', 'json', '.'], dir);
    const linted = (stdout: string) => (JSON.parse(stdout) as { files: { filePath: string }[] }).files.map((f) => f.filePath.split(/[\\/]/).join('/'));
    expect(linted(all.stdout)).toEqual(['src/keep.gen.c']);
    const named = runCli(['lint', '--format', 'json', 'build'], dir);
    expect(linted(named.stdout)).toEqual(['build/out.c']);
  });
});

describe('directives', () => {
  it('suppress findings; unused ones are reported', () => {
    const text = OVERLAP.replace('    memcpy', '    // copyscope-disable-next-line copy/overlapping-memcpy -- n is 1 here\n    memcpy') + '// copyscope-disable-next-line copy/overlapping-memcpy\nint x;\n';
    const r = runCli(['lint', 'a.c'], scratch({ 'a.c': text }));
    expect(r.stdout).not.toContain('overlapping regions');
    expect(r.stdout).toMatch(/a\.c:6:1: warning: unused copyscope-disable-next-line directive .*\[unused-directive\]/);
  });
});

describe('fixes and output files', () => {
  it('--fix applies safe fixes atomically and reports what remains', () => {
    const dir = scratch({ 'a.c': OVERLAP });
    const r = runCli(['lint', '--fix', 'a.c'], dir);
    expect(r.status).toBe(0);
    expect(readFileSync(join(dir, 'a.c'), 'utf8')).toBe(OVERLAP.replace('memcpy', 'memmove'));
  });

  it('--fix keeps a byte order mark, and leaves a file that is not valid UTF-8 byte for byte as it was', () => {
    const latin1 = Buffer.concat([Buffer.from('/* caf'), Buffer.from([0xe9]), Buffer.from(` */\n${OVERLAP}`)]);
    const dir = scratch({ 'bom.c': `\ufeff${OVERLAP}`, 'latin1.c': latin1 });
    const r = runCli(['lint', '--fix', '.'], dir);
    expect(readFileSync(join(dir, 'bom.c'), 'utf8')).toBe(`\ufeff${OVERLAP.replace('memcpy', 'memmove')}`);
    expect(readFileSync(join(dir, 'latin1.c')).equals(latin1)).toBe(true);
    expect(r.stderr).toBe('copyscope: did not fix latin1.c: it is not valid UTF-8, and writing fixes would change its other bytes\n');
    // Its finding stays, so the run fails as it would without --fix.
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('latin1.c:4:5: error');
  });

  it('--fix writes through a symbolic link and leaves a read-only file alone', () => {
    const dir = scratch({ 'shared/a.c': OVERLAP, 'ro.c': OVERLAP });
    mkdirSync(join(dir, 'src'));
    symlinkSync('../shared/a.c', join(dir, 'src', 'a.c'));
    chmodSync(join(dir, 'ro.c'), 0o444);
    const r = runCli(['lint', '--fix', 'src/a.c', 'ro.c'], dir);
    expect(lstatSync(join(dir, 'src', 'a.c')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'shared', 'a.c'), 'utf8')).toBe(OVERLAP.replace('memcpy', 'memmove'));
    expect(readFileSync(join(dir, 'ro.c'), 'utf8')).toBe(OVERLAP);
    expect(r.stderr).toBe('copyscope: cannot write fixes to ro.c: the file is read-only\n');
    expect(r.status).toBe(2);
  });

  it('--fix keeps hard links and, run by root, the file\'s owner', () => {
    const dir = scratch({ 'a.c': OVERLAP, 'theirs.c': OVERLAP });
    linkSync(join(dir, 'a.c'), join(dir, 'linked.c'));
    const fixed = OVERLAP.replace('memcpy', 'memmove');
    expect(runCli(['lint', '--fix', 'a.c'], dir).status).toBe(0);
    // One file under two names, as before: a rename would have left linked.c with the old text.
    expect(readFileSync(join(dir, 'linked.c'), 'utf8')).toBe(fixed);
    expect(statSync(join(dir, 'a.c')).nlink).toBe(2);
    if (process.getuid?.() !== 0 || !tryChown(join(dir, 'theirs.c'), 4321, 4322)) return;
    expect(runCli(['lint', '--fix', 'theirs.c'], dir).status).toBe(0);
    expect(readFileSync(join(dir, 'theirs.c'), 'utf8')).toBe(fixed);
    expect(statSync(join(dir, 'theirs.c'))).toMatchObject({ uid: 4321, gid: 4322 });
    expect(readdirSync(dir).sort()).toEqual(['a.c', 'linked.c', 'theirs.c']);
    // Another user who may write the file but not own it: written in place, the owner stays. Only where that
    // user can run the CLI at all (a checkout under /root, say, is closed to them).
    chmodSync(dir, 0o777);
    const asOther = (args: string[]) => spawnSync('/usr/bin/setpriv', ['--reuid=5555', '--regid=5555', '--clear-groups', process.execPath, ...args], { cwd: dir, encoding: 'utf8' });
    if (!existsSync('/usr/bin/setpriv') || asOther([CLI, '--version']).status !== 0) return;
    writeFileSync(join(dir, 'shared.c'), OVERLAP);
    expect(tryChown(join(dir, 'shared.c'), 4321, 4322)).toBe(true);
    chmodSync(join(dir, 'shared.c'), 0o666);
    const other = asOther([CLI, 'lint', '--fix', 'shared.c']);
    expect(other.status, other.stderr).toBe(0);
    expect(readFileSync(join(dir, 'shared.c'), 'utf8')).toBe(fixed);
    expect(statSync(join(dir, 'shared.c'))).toMatchObject({ uid: 4321, gid: 4322 });
  });

  it('--output writes the report to a file', () => {
    const dir = scratch({ 'a.c': OVERLAP });
    const r = runCli(['lint', '--format', 'json', '--output', 'report.json', 'a.c'], dir);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { files: { findings: { line: number; column: number; ruleId: string }[] }[] };
    expect(report.files[0]!.findings[0]).toMatchObject({ ruleId: 'copy/overlapping-memcpy', line: 3, column: 5 });
  });

  it('--output to a pipe, a device or this process\'s stdout writes in place and leaves it what it was', async () => {
    const dir = scratch({ 'a.c': OVERLAP });
    // A named pipe read by another process: renaming over it would have replaced it with a regular file.
    spawnSync('mkfifo', [join(dir, 'fifo')]);
    const reader = spawn('cat', [join(dir, 'fifo')], { stdio: ['ignore', 'pipe', 'ignore'] });
    let piped = '';
    reader.stdout.on('data', (chunk: Buffer) => (piped += chunk.toString()));
    const closed = once(reader, 'close');
    const toFifo = runCli(['lint', '--format', 'json', '--output', 'fifo', 'a.c'], dir);
    await closed;
    expect(toFifo.status).toBe(1);
    expect(JSON.parse(piped)).toHaveProperty('files');
    expect(lstatSync(join(dir, 'fifo')).isFIFO()).toBe(true);

    // /dev/stdout, and a link to it that only the kernel can resolve (its target is a pipe).
    symlinkSync('/proc/self/fd/1', join(dir, 'out'));
    for (const output of ['/dev/stdout', 'out']) {
      const r = runCli(['lint', '--format', 'json', '--output', output, 'a.c'], dir);
      expect(r.status, output).toBe(1);
      expect(JSON.parse(r.stdout), output).toHaveProperty('files');
    }
    expect(lstatSync(join(dir, 'out')).isSymbolicLink()).toBe(true);
    // The shell's `>>` is kept: the report is appended, not written over what was there.
    writeFileSync(join(dir, 'log'), 'earlier\n');
    spawnSync('sh', ['-c', `"${process.execPath}" "${CLI}" lint --output /dev/stdout a.c >> log`], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    expect(readFileSync(join(dir, 'log'), 'utf8')).toMatch(/^earlier\na\.c:3:5: error/);

    // Devices (made here, as /dev's own are not ours to risk): only root may make them.
    if (process.getuid?.() !== 0) return;
    // A container may deny root the right to make devices: then there is nothing more to check here.
    if (spawnSync('mknod', [join(dir, 'null'), 'c', '1', '3']).status !== 0) return;
    expect(spawnSync('mknod', [join(dir, 'full'), 'c', '1', '7']).status).toBe(0);
    expect(runCli(['lint', '--output', 'null', 'a.c'], dir).status).toBe(1);
    expect(lstatSync(join(dir, 'null')).isCharacterDevice()).toBe(true);
    const full = runCli(['lint', '--output', 'full', 'a.c'], dir);
    expect(full.status).toBe(2);
    expect(full.stderr).toBe('copyscope: cannot write full: no space left on the device\n');
    expect(lstatSync(join(dir, 'full')).isCharacterDevice()).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['a.c', 'fifo', 'full', 'log', 'null', 'out']);
  });

  it('an --output that cannot be written: exit code 2, a message naming it and why, no temporary file left', () => {
    const dir = scratch({ 'a.c': OVERLAP, 'reports/keep': '' });
    const missing = runCli(['lint', '--output', 'nowhere/report.txt', 'a.c'], dir);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe(`copyscope: cannot write nowhere/report.txt: the folder ${join(dir, 'nowhere')} does not exist\n`);
    const folder = runCli(['lint', '--output', 'reports', 'a.c'], dir);
    expect(folder.status).toBe(2);
    expect(folder.stderr).toBe('copyscope: cannot write reports: it is a folder\n');
    expect(readdirSync(join(dir, 'reports'))).toEqual(['keep']);
  });

  it('a cache that cannot be written costs the cache, not the report or the exit code', () => {
    const dir = scratch({ 'a.c': OVERLAP, 'cachedir/keep': '' });
    const r = runCli(['lint', '--cache', '--cache-location', 'cachedir', 'a.c'], dir);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('a.c:3:5: error');
    expect(r.stderr).toBe("copyscope: cannot write the cache cachedir: it is a folder; this run's results were not stored\n");
    expect(readdirSync(join(dir, 'cachedir'))).toEqual(['keep']);
  });
});

describe('robust file handling', () => {
  it('binary and unreadable files are reported and skipped; the rest is linted', () => {
    const dir = scratch({ 'bin.c': new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2]), 'locked.c': OVERLAP, 'a.c': OVERLAP });
    chmodSync(join(dir, 'locked.c'), 0o000);
    const r = runCli(['lint', '.'], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('skipped bin.c: binary file');
    if (process.getuid?.() !== 0) expect(r.stderr).toContain('skipped locked.c');
    expect(r.stdout).toContain('a.c:3:5');
  });

  it('a file whose name is not valid UTF-8 is skipped with that reason (Node cannot open it by a string)', () => {
    const dir = scratch({ 'a.c': OVERLAP });
    writeFileSync(Buffer.concat([Buffer.from(`${dir}/latin1-`), Buffer.from([0xe9]), Buffer.from('.c')]), OVERLAP); // 'é' in Latin-1
    const r = runCli(['lint', '.'], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('copyscope: skipped latin1-\ufffd.c: cannot read: its name is not valid UTF-8\n');
  });

  it('what is not a regular file is skipped, not read: a named pipe does not wait for a writer, /dev/zero does not run forever', () => {
    const dir = scratch({ 'a.c': OVERLAP });
    spawnSync('mkfifo', [join(dir, 'pipe.c')]);
    const r = runCli(['lint', '.', 'pipe.c', '/dev/zero'], dir); // a folder's walk passes over pipes; named ones are read
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('copyscope: skipped pipe.c: not a regular file\n');
    expect(r.stderr).toMatch(/skipped \S*dev\/zero: not a regular file\n/);
    expect(r.stdout).toContain('a.c:3:5');
  });

  it('a file too large to parse is skipped with its size and the limit; the rest is linted', () => {
    const dir = scratch({ 'a.c': OVERLAP });
    // Sparse: the size is what counts, and it is checked before anything is read.
    writeFileSync(join(dir, 'tables.c'), '');
    truncateSync(join(dir, 'tables.c'), 100 * 1024 * 1024);
    const r = runCli(['lint', '.'], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('copyscope: skipped tables.c: too large to analyse (100.0 MiB; the limit is 64 MiB)\n');
    expect(r.stdout).toContain('a.c:3:5');
  });

  it('--cache reuses stored results for unchanged content and settings', () => {
    const dir = scratch({ 'a.c': OVERLAP });
    expect(runCli(['lint', '--cache', 'a.c'], dir).status).toBe(1);
    const cachePath = join(dir, '.copyscope-cache');
    expect(existsSync(cachePath)).toBe(true);
    // Tamper with the stored message: a cache hit must show it.
    const cache = JSON.parse(readFileSync(cachePath, 'utf8')) as { entries: Record<string, { outcome: { findings: { message: string }[] } }> };
    const entry = Object.values(cache.entries)[0]!;
    entry.outcome.findings[0]!.message = 'from the cache';
    writeFileSync(cachePath, JSON.stringify(cache));
    expect(runCli(['lint', '--cache', 'a.c'], dir).stdout).toContain('from the cache');
    // Different settings miss the cache.
    expect(runCli(['lint', '--cache', '--rule', 'copy/overlapping-memcpy:warning', 'a.c'], dir).stdout).not.toContain('from the cache');
  });

  it('--jobs 2 gives the same report as --jobs 1', () => {
    const dir = scratch(filesForWorkers());
    const one = runCli(['lint', '--jobs', '1', '--format', 'json', '.'], dir);
    const two = runCli(['lint', '--jobs', '2', '--format', 'json', '.'], dir);
    expect(two.status).toBe(1);
    expect(two.stdout).toBe(one.stdout);
    const report = JSON.parse(two.stdout) as { files: { filePath: string; findings: { column: number }[] }[] };
    expect(report.files).toHaveLength(12);
    // Columns count UTF-16 code units: '/* 注释 😀 é */' is 13 of them.
    expect(report.files.find((f) => f.filePath.endsWith('f1.c'))?.findings[0]?.column).toBe(14);
  });

  it('--jobs 2 skips, caches and fixes as --jobs 1 does', () => {
    // Every lane reads the files it takes: a worker too must report binary
    // files, send back the texts that place findings, compare texts with the
    // cache and hand back fixed texts. The blobs make the run big enough for a worker.
    const binary = new Uint8Array(200 * 1024);
    const files: Record<string, string | Uint8Array> = { 'blob1.c': binary, 'blob2.h': binary };
    for (let i = 0; i < 6; i++) files[`f${i}.c`] = OVERLAP.replace('shift', `shift${i}`);
    const [dirOne, dirTwo] = [scratch(files), scratch(files)];
    const one = runCli(['lint', '--jobs', '1', '--cache', '.'], dirOne);
    const two = runCli(['lint', '--jobs', '2', '--cache', '.'], dirTwo);
    expect([one.status, two.status]).toEqual([1, 1]);
    expect(two.stdout).toBe(one.stdout);
    expect(two.stdout).toContain('f5.c:3:5');
    expect(two.stderr).toContain('skipped blob1.c: binary file');
    expect(two.stderr).toContain('skipped blob2.h: binary file');
    const cached = runCli(['lint', '--jobs', '2', '--cache', '.'], dirTwo);
    expect(cached.stdout).toBe(two.stdout);
    expect(runCli(['lint', '--jobs', '1', '--fix', '.'], dirOne).status).toBe(0);
    expect(runCli(['lint', '--jobs', '2', '--fix', '.'], dirTwo).status).toBe(0);
    for (let i = 0; i < 6; i++) expect(readFileSync(join(dirTwo, `f${i}.c`), 'utf8')).toBe(readFileSync(join(dirOne, `f${i}.c`), 'utf8'));
    expect(readFileSync(join(dirTwo, 'f5.c'), 'utf8')).toContain('memmove(buf, buf + 1');
  });
});

describe('worker thread failures', () => {
  // A preload injects each fault into the CLI and its worker threads.
  const FAULTS = join(__dirname, '..', 'helpers', 'workerFaults.cjs');
  const withFaults = (faults: string): Record<string, string> => ({ COPYSCOPE_TEST_FAULT: faults, NODE_OPTIONS: `--require ${JSON.stringify(FAULTS)}` });

  it('a worker that cannot start costs its lane, not its files, and is not started again and again', () => {
    const dir = scratch(filesForWorkers());
    const log = join(scratch({}), 'starts.log');
    const one = runCli(['lint', '--jobs', '1', '--format', 'json', '.'], dir);
    // The main thread reads slowly: the run lasts over a second, time enough to start many workers.
    const three = runCli(['lint', '--jobs', '3', '--format', 'json', '.'], dir, { ...withFaults('worker-start,main-slow'), COPYSCOPE_TEST_FAULT_LOG: log });
    expect(three.status).toBe(1);
    expect(three.stdout).toBe(one.stdout);
    // Said once per cause, though both workers failed.
    expect(three.stderr.match(/a worker thread stopped \(injected: worker cannot start\); the other lanes linted its files/g)).toHaveLength(1);
    // Two lanes' workers, each started at most twice (once early, once more if it had died before the files were planned).
    expect(readFileSync(log, 'utf8').split('\n').filter(Boolean).length).toBeLessThanOrEqual(4);
  });

  it('a worker that dies on a file fails that file only; the others are linted', () => {
    const dir = scratch(filesForWorkers());
    const r = runCli(['lint', '--jobs', '2', '--format', 'json', '.'], dir, withFaults('worker-job,main-slow'));
    expect(r.status).toBe(2);
    const lost = [...r.stderr.matchAll(/internal error in engine while linting (f\d+\.c): worker exited with code 7/g)].map((m) => m[1]);
    // The main thread reads slowly, so the workers (each replaced after its crash) take files too.
    expect(lost.length).toBeGreaterThan(0);
    expect(lost.length).toBeLessThan(12);
    const report = JSON.parse(r.stdout) as { files: { filePath: string; findings: unknown[] }[] };
    for (let i = 0; i < 12; i++) {
      if (lost.includes(`f${i}.c`)) continue;
      expect(report.files.find((f) => f.filePath.endsWith(`f${i}.c`))?.findings).toHaveLength(1);
    }
  });

  it('without a parser on the main thread the run stops at once: a message, exit code 2, no stack trace', () => {
    const dir = scratch(filesForWorkers());
    for (const jobs of ['1', '2']) {
      const r = runCli(['lint', '--jobs', jobs, '.'], dir, withFaults('main-parser'));
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('copyscope: internal error: injected: no parser on the main thread');
      expect(r.stderr).not.toMatch(/^\s+at /m);
    }
  });
});

describe('directives for rules that are off', () => {
  it('are not reported as unused', () => {
    const text = `// copyscope-disable-next-line copy/overlapping-memcpy\n${OVERLAP}`;
    const r = runCli(['lint', '--rule', 'copy/overlapping-memcpy:off', 'a.c'], scratch({ 'a.c': text }));
    expect(r.stdout).not.toContain('unused');
    expect(r.status).toBe(0);
  });
});
