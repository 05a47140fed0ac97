/**
 * Output formats: SARIF validated against the official 2.1.0 schema, and
 * exact positions (1-based lines, UTF-16 columns) after UTF-8 comments with
 * Chinese text and emoji, in text, JSON and SARIF alike.
 */
import Ajv04 from 'ajv-draft-04';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { runCli, scratch } from '../helpers/cli';

const require = createRequire(import.meta.url);
const sarifSchema = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8')) as object;

// Line 3: a comment with CJK and an emoji (a surrogate pair: 2 UTF-16 units, 4 UTF-8 bytes)
// before the call on the same line.
const UNICODE = [
  '#include <string.h>',
  'void shift(char *buf, unsigned long n) {',
  '    /* 缓冲区 😀 */ memcpy(buf, buf + 1, n - 1);',
  '}',
  '',
].join('\n');
// "    /* 缓冲区 😀 */ " is 4 + 3 + 3 + 1 + 2 + 4 = 17 UTF-16 units, so memcpy starts at column 18.
const EXPECTED_COLUMN = 18;

describe('positions are UTF-16 columns after non-ASCII comments', () => {
  const dir = scratch({ 'u.c': UNICODE });

  it('text', () => {
    expect(runCli(['lint', 'u.c'], dir).stdout).toContain(`u.c:3:${EXPECTED_COLUMN}: error:`);
  });

  it('JSON', () => {
    const report = JSON.parse(runCli(['lint', '--format', 'json', 'u.c'], dir).stdout) as { files: { findings: { line: number; column: number; endColumn: number }[] }[] };
    const f = report.files[0]!.findings[0]!;
    expect([f.line, f.column]).toEqual([3, EXPECTED_COLUMN]);
    expect(f.endColumn).toBe(EXPECTED_COLUMN + 'memcpy(buf, buf + 1, n - 1)'.length);
  });

  it('SARIF', () => {
    const log = JSON.parse(runCli(['lint', '--format', 'sarif', 'u.c'], dir).stdout) as {
      runs: { columnKind: string; results: { locations: { physicalLocation: { region: { startLine: number; startColumn: number } } }[] }[] }[];
    };
    expect(log.runs[0]!.columnKind).toBe('utf16CodeUnits');
    const region = log.runs[0]!.results[0]!.locations[0]!.physicalLocation.region;
    expect([region.startLine, region.startColumn]).toEqual([3, EXPECTED_COLUMN]);
  });
});

describe('SARIF 2.1.0', () => {
  it('validates against the schema, with rule metadata and help links', () => {
    const dir = scratch({ 'a.c': UNICODE, 'clean.c': 'int main(void) { return 0; }\n' });
    const r = runCli(['lint', '--format', 'sarif', '.'], dir);
    expect(r.status).toBe(1);
    const log = JSON.parse(r.stdout) as { runs: { tool: { driver: { rules: { id: string; helpUri: string }[] } }; results: { ruleIndex: number; ruleId: string; fixes?: unknown[] }[] }[] };
    const ajv = new Ajv04({ strict: false, allErrors: true, validateFormats: false, unicodeRegExp: false });
    const validate = ajv.compile(sarifSchema);
    expect(validate(log), JSON.stringify(validate.errors, null, 2)).toBe(true);
    // The validator is not vacuous: a run without its tool is rejected.
    expect(validate({ version: '2.1.0', runs: [{ results: [] }] })).toBe(false);
    const run = log.runs[0]!;
    expect(run.tool.driver.rules.length).toBeGreaterThan(0);
    for (const rule of run.tool.driver.rules) expect(rule.helpUri).toMatch(/^https:\/\/.*\.md$/);
    const result = run.results[0]!;
    expect(run.tool.driver.rules[result.ruleIndex]!.id).toBe(result.ruleId);
    expect(result.fixes).toHaveLength(1);
  });

  it('artifact URIs: names percent-encoded relative to %SRCROOT%, files outside the folder as absolute file URIs', () => {
    const OVERLAP = UNICODE.replace('/* 缓冲区 😀 */ ', '');
    const root = scratch({ 'project/sub dir/a b é#1?.c': OVERLAP, 'outside.c': OVERLAP });
    const r = runCli(['lint', '--format', 'sarif', '.', '../outside.c'], `${root}/project`);
    type Location = { uri: string; uriBaseId?: string };
    const log = JSON.parse(r.stdout) as { runs: { originalUriBaseIds: Record<string, { uri: string }>; results: { locations: { physicalLocation: { artifactLocation: Location } }[] }[] }[] };
    const locations = log.runs[0]!.results.map((x) => x.locations[0]!.physicalLocation.artifactLocation);
    expect(locations).toContainEqual({ uri: 'sub%20dir/a%20b%20%C3%A9%231%3F.c', uriBaseId: '%SRCROOT%' });
    expect(locations).toContainEqual({ uri: new URL(`file://${root}/outside.c`).href });
    // Resolved against its base, the relative reference names the file itself.
    const base = log.runs[0]!.originalUriBaseIds['%SRCROOT%']!.uri;
    expect(decodeURIComponent(new URL('sub%20dir/a%20b%20%C3%A9%231%3F.c', base).pathname)).toBe(`${root}/project/sub dir/a b é#1?.c`);
  });
});
