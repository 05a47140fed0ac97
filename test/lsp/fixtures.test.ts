// Every rule fixture under test/fixtures/rules, opened through the language
// server: each inline expectation arrives as a diagnostic (rule id as code, on
// its line, with its message part, the docs link), nothing unclaimed arrives,
// and source.fixAll.copyscope turns the file into its NAME.fixed.c.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExpectations } from '../helpers/expectations';
import { startTestServer, type TestClient } from './harness';

const ROOT = join(__dirname, '..', 'fixtures', 'rules');

function fixtures(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return fixtures(p);
    return e.name.endsWith('.c') && !/\.(unsafe-)?fixed\.c$/.test(e.name) ? [p] : [];
  });
}

const files = fixtures(ROOT);
let client: TestClient;

beforeAll(async () => {
  client = await startTestServer();
});
afterAll(async () => {
  await client.shutdown();
});

describe.skipIf(files.length === 0)('rule fixtures over LSP', () => {
  it.each(files.map((f) => [relative(ROOT, f), f]))('%s', async (_name, file) => {
    const text = readFileSync(file, 'utf8');
    const uri = pathToFileURL(file).toString();
    client.open(uri, text);
    const diagnostics = (await client.diagnostics(uri)).filter((d) => d.code !== 'copyscope/unused-directive');
    const expected = parseExpectations(text).filter((e) => e.kind !== 'todo-expect');
    const unclaimed = [...diagnostics];
    for (const e of expected) {
      const i = unclaimed.findIndex(
        (d) => d.code === e.ruleId && d.range.start.line === e.line && (!e.messagePart || d.message.includes(e.messagePart)),
      );
      expect(i, `${e.ruleId} on line ${e.line + 1}${e.messagePart ? ` "${e.messagePart}"` : ''}`).toBeGreaterThanOrEqual(0);
      const [d] = unclaimed.splice(i, 1);
      expect(d!.source).toBe('copyscope');
      expect(d!.codeDescription?.href).toContain(`docs/rules/${e.ruleId}.md`);
    }
    expect(unclaimed.map((d) => `${d.code} line ${d.range.start.line + 1}: ${d.message}`)).toEqual([]);

    const fixedFile = file.replace(/\.c$/, '.fixed.c');
    if (existsSync(fixedFile)) {
      const [fixAll] = await client.codeActions(uri, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, [], ['source.fixAll.copyscope']);
      if (fixAll) client.applyEdit(fixAll.edit!);
      expect(client.texts.get(uri)).toBe(readFileSync(fixedFile, 'utf8'));
    }
    client.close(uri);
  });
});
