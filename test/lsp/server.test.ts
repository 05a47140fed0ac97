// The language server over the real protocol (in-memory streams): diagnostics
// and their fields, positions in UTF-16, code actions and the text they
// produce, hover, fix-all, configuration files and settings, closed-file
// linting, and a document edited 1,000 times at random whose diagnostics
// must equal a fresh analysis of the same text.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { applyFixes } from '../../server/src/engine/fixes';
import { lint } from '../../server/src/engine/lint';
import type { Rule } from '../../server/src/engine/rule';
import { LineIndex } from '../../server/src/syntax/lineIndex';
import { MAX_SOURCE_CHARS, type CSyntax } from '../../server/src/syntax/treeSitter';
import { RELAY_PROGRAM } from '../helpers/engine';
import { seededRandom } from '../helpers/random';
import { offsetOf, startTestServer, testSyntax, type TestClient } from './harness';

const RULE = 'copy/overlapping-memcpy';
const SHIFT = [
  '#include <string.h>',
  '',
  'void shift(char *buf, int n)',
  '{',
  '    memcpy(buf, buf + 1, n - 1);',
  '}',
  '',
].join('\n');

let syntax: CSyntax;
let client: TestClient | undefined;
const temps: string[] = [];

beforeAll(async () => {
  syntax = await testSyntax();
});

afterEach(async () => {
  await client?.shutdown();
  client = undefined;
  for (const t of temps.splice(0)) rmSync(t, { recursive: true, force: true });
});

function tempFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'copyscope-lsp-'));
  temps.push(dir);
  return dir;
}

function uriOf(file: string): string {
  return pathToFileURL(file).toString();
}

describe('diagnostics', () => {
  it('publish rule id, docs link, source, severity and the exact range', async () => {
    client = await startTestServer();
    const uri = 'file:///virtual/shift.c';
    client.open(uri, SHIFT);
    const [d, ...rest] = await client.diagnostics(uri);
    expect(rest).toEqual([]);
    expect(d!.code).toBe(RULE);
    expect(d!.source).toBe('copyscope');
    expect(d!.severity).toBe(1);
    expect(d!.codeDescription?.href).toMatch(/docs\/rules\/copy\/overlapping-memcpy\.md$/);
    expect(d!.range).toEqual({ start: { line: 4, character: 4 }, end: { line: 4, character: 31 } });
    expect(d!.message).toContain("'memcpy'");
    const last = client.published.at(-1)!;
    expect(last.version).toBe(1);
  });

  it('count columns in UTF-16 code units after emoji and CJK text', async () => {
    client = await startTestServer();
    const uri = 'file:///virtual/utf16.c';
    const text = SHIFT.replace('    memcpy', '    /* 拷贝 😀 */ memcpy');
    client.open(uri, text);
    const [d] = await client.diagnostics(uri);
    // "    /* 拷贝 😀 */ " is 4 + 3 + 2 + 1 + 2 (surrogate pair) + 4 = 16 UTF-16 units.
    expect(d!.range.start).toEqual({ line: 4, character: 16 });
    expect(text.split('\n')[4]!.slice(16, 22)).toBe('memcpy');
  });

  it('follow edits: a fix typed by hand clears the finding, undoing it brings it back', async () => {
    client = await startTestServer();
    const uri = 'file:///virtual/typing.c';
    client.open(uri, SHIFT);
    expect(await client.diagnostics(uri)).toHaveLength(1);
    const at = offsetOf(SHIFT, 'memcpy');
    client.edit(uri, at, at + 6, 'memmove');
    expect(await client.diagnostics(uri)).toEqual([]);
    client.edit(uri, at, at + 7, 'memcpy');
    expect(await client.diagnostics(uri)).toHaveLength(1);
  });

  it('skip a document too large to parse, with one message, and clear what it showed before', async () => {
    client = await startTestServer();
    const huge = SHIFT + ' '.repeat(MAX_SOURCE_CHARS);
    const opened = 'file:///virtual/generated.c';
    client.open(opened, huge);
    expect(await client.diagnostics(opened)).toEqual([]);
    const told = await client.until(() => client!.messages.find((m) => m.message.includes('/virtual/generated.c')));
    expect(told.message).toMatch(/^CopyScope skips \/virtual\/generated\.c: too large to analyse \(64\.0 MiB; the limit is 64 MiB\)\.$/);
    // A document that grows past the limit loses its findings; the server keeps serving the others.
    const grown = 'file:///virtual/grown.c';
    client.open(grown, SHIFT);
    expect(await client.diagnostics(grown)).toHaveLength(1);
    const seq = client.lastSeq();
    client.replaceAll(grown, huge);
    expect(await client.diagnostics(grown, seq)).toEqual([]);
    const small = 'file:///virtual/small.c';
    client.open(small, SHIFT);
    expect(await client.diagnostics(small)).toHaveLength(1);
    expect(client.messages.filter((m) => m.message.includes('too large'))).toHaveLength(2);
  });

  it('clear the diagnostics of a closed document', async () => {
    client = await startTestServer();
    const uri = 'file:///virtual/closed.c';
    client.open(uri, SHIFT);
    await client.diagnostics(uri);
    const seq = client.lastSeq();
    client.close(uri);
    expect(await client.diagnostics(uri, seq)).toEqual([]);
  });
});

describe('code actions', () => {
  it('offer the safe fix as preferred, then disable for line and for file', async () => {
    client = await startTestServer();
    const uri = 'file:///virtual/actions.c';
    client.open(uri, SHIFT);
    const diags = await client.diagnostics(uri);
    const actions = await client.codeActions(uri, diags[0]!.range, diags);
    expect(actions.map((a) => a.title)).toEqual([
      "Replace 'memcpy' with 'memmove'",
      `Disable ${RULE} for this line`,
      `Disable ${RULE} for this file`,
    ]);
    expect(actions[0]!.isPreferred).toBe(true);
    expect(actions.every((a) => a.kind === 'quickfix')).toBe(true);
    expect(actions[0]!.diagnostics?.[0]?.code).toBe(RULE);
  });

  it('the quick fix edits the text and the finding goes away', async () => {
    client = await startTestServer();
    const uri = 'file:///virtual/fix.c';
    client.open(uri, SHIFT);
    const diags = await client.diagnostics(uri);
    const [fix] = await client.codeActions(uri, diags[0]!.range, diags);
    client.applyEdit(fix!.edit!);
    expect(client.texts.get(uri)).toBe(SHIFT.replace('memcpy(', 'memmove('));
    expect(await client.diagnostics(uri)).toEqual([]);
  });

  it('"disable for this line" inserts an indented directive and the finding goes away, with no unused-directive report', async () => {
    client = await startTestServer();
    const uri = 'file:///virtual/disable-line.c';
    client.open(uri, SHIFT);
    const diags = await client.diagnostics(uri);
    const actions = await client.codeActions(uri, diags[0]!.range, diags);
    client.applyEdit(actions.find((a) => a.title.endsWith('for this line'))!.edit!);
    expect(client.texts.get(uri)).toBe(SHIFT.replace('    memcpy', `    // copyscope-disable-next-line ${RULE}\n    memcpy`));
    expect(await client.diagnostics(uri)).toEqual([]);
  });

  it('"disable for this file" inserts a block directive at the top and the finding goes away', async () => {
    client = await startTestServer();
    const uri = 'file:///virtual/disable-file.c';
    client.open(uri, SHIFT);
    const diags = await client.diagnostics(uri);
    const actions = await client.codeActions(uri, diags[0]!.range, diags);
    client.applyEdit(actions.find((a) => a.title.endsWith('for this file'))!.edit!);
    expect(client.texts.get(uri)).toBe(`/* copyscope-disable ${RULE} */\n${SHIFT}`);
    expect(await client.diagnostics(uri)).toEqual([]);
  });

  it('offer nothing away from findings, and refuse edits for a stale version', async () => {
    client = await startTestServer();
    const uri = 'file:///virtual/nothing.c';
    client.open(uri, SHIFT);
    await client.diagnostics(uri);
    expect(await client.codeActions(uri, { start: { line: 0, character: 0 }, end: { line: 0, character: 3 } })).toEqual([]);
    const [fix] = await client.codeActions(uri, { start: { line: 4, character: 6 }, end: { line: 4, character: 6 } });
    const dc = fix!.edit!.documentChanges![0]!;
    expect('textDocument' in dc && dc.textDocument.version).toBe(1);
  });

  it('use the diagnostics sent as context when the cursor is past the flagged range', async () => {
    client = await startTestServer();
    const uri = 'file:///virtual/eol.c';
    client.open(uri, SHIFT);
    const diags = await client.diagnostics(uri);
    const endOfLine = { line: 4, character: 32 };
    expect(await client.codeActions(uri, { start: endOfLine, end: endOfLine })).toEqual([]);
    const actions = await client.codeActions(uri, { start: endOfLine, end: endOfLine }, diags);
    expect(actions[0]!.title).toBe("Replace 'memcpy' with 'memmove'");
  });

  it('source.fixAll.copyscope applies every safe fix at once (codeActionsOnSave)', async () => {
    client = await startTestServer();
    const uri = 'file:///virtual/fixall.c';
    const text = `${SHIFT}\nvoid twice(char *a, char *b, int n)\n{\n    memcpy(a, a + 2, n);\n    memcpy(b + 1, b, n);\n}\n`;
    client.open(uri, text);
    const diags = await client.diagnostics(uri);
    expect(diags).toHaveLength(3);
    // Quick-fix requests (no `only`) do not carry the fix-all action.
    const plain = await client.codeActions(uri, diags[0]!.range, diags);
    expect(plain.some((a) => a.kind?.startsWith('source'))).toBe(false);
    const actions = await client.codeActions(uri, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, [], ['source.fixAll']);
    expect(actions).toHaveLength(1);
    expect(actions[0]!.kind).toBe('source.fixAll.copyscope');
    const dc = actions[0]!.edit!.documentChanges![0]!;
    expect('edits' in dc && dc.edits).toHaveLength(3);
    client.applyEdit(actions[0]!.edit!);
    const expected = applyFixes(text, lint(syntax, text).findings).text;
    expect(client.texts.get(uri)).toBe(expected);
    expect(expected.match(/memmove/g)).toHaveLength(3);
    expect(await client.diagnostics(uri)).toEqual([]);
  });
});

describe('hover', () => {
  it('shows the rule, the message and the documentation link on the flagged range only', async () => {
    client = await startTestServer();
    const uri = 'file:///virtual/hover.c';
    client.open(uri, SHIFT);
    await client.diagnostics(uri);
    const hover = await client.hover(uri, { line: 4, character: 10 });
    const value = (hover!.contents as { value: string }).value;
    expect(value).toContain('copy/overlapping-memcpy');
    expect(value).toContain('memmove is defined');
    expect(value).toContain('overlapping regions');
    expect(value).toMatch(/\]\(https?:\/\/[^)]+docs\/rules\/copy\/overlapping-memcpy\.md\)/);
    expect(hover!.range).toEqual({ start: { line: 4, character: 4 }, end: { line: 4, character: 31 } });
    expect(await client.hover(uri, { line: 2, character: 2 })).toBeNull();
  });
});

describe('configuration', () => {
  it('.copyscope.json is read, watched, and an invalid one keeps the last good settings with one error message', async () => {
    const dir = tempFolder();
    const file = join(dir, 'src', 'shift.c');
    mkdirSync(join(dir, 'src'));
    writeFileSync(file, SHIFT);
    writeFileSync(join(dir, '.copyscope.json'), JSON.stringify({ rules: { [RULE]: 'warning' } }));
    client = await startTestServer({ workspaceFolders: [{ uri: uriOf(dir), name: 'w' }] });
    const uri = uriOf(file);
    client.open(uri, SHIFT);
    expect((await client.diagnostics(uri))[0]!.severity).toBe(2);

    writeFileSync(join(dir, '.copyscope.json'), JSON.stringify({ rules: { [RULE]: 'off' } }));
    let seq = client.lastSeq();
    void client.rpc.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(join(dir, '.copyscope.json')), type: 2 }] });
    expect(await client.diagnostics(uri, seq)).toEqual([]);

    writeFileSync(join(dir, '.copyscope.json'), '{ "rules": { "copy/overlapping-memcpy": "loud" } }');
    for (let i = 0; i < 2; i++) {
      seq = client.lastSeq();
      void client.rpc.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(join(dir, '.copyscope.json')), type: 2 }] });
      expect(await client.diagnostics(uri, seq)).toEqual([]); // still "off": the last good settings
    }
    const errors = client.messages.filter((m) => m.type === 1);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain('.copyscope.json');
    expect(errors[0]!.message).toMatch(/copy(\/|~1)overlapping-memcpy/);
    expect(errors[0]!.message).toContain('"off", "info", "warning", "error"');

    writeFileSync(join(dir, '.copyscope.json'), '{}');
    seq = client.lastSeq();
    void client.rpc.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(join(dir, '.copyscope.json')), type: 2 }] });
    expect((await client.diagnostics(uri, seq))[0]!.severity).toBe(1);
  });

  it('config files nest as in the CLI: inner overrides outer, "root" stops the walk, ignorePatterns exclude', async () => {
    const dir = tempFolder();
    mkdirSync(join(dir, 'inner', 'gen'), { recursive: true });
    mkdirSync(join(dir, 'rooted'));
    writeFileSync(join(dir, '.copyscope.json'), JSON.stringify({ rules: { [RULE]: 'info' } }));
    writeFileSync(join(dir, 'inner', '.copyscope.json'), JSON.stringify({ rules: { [RULE]: 'warning' }, ignorePatterns: ['gen/'] }));
    writeFileSync(join(dir, 'rooted', '.copyscope.json'), JSON.stringify({ root: true }));
    client = await startTestServer({ workspaceFolders: [{ uri: uriOf(dir), name: 'w' }] });
    const outer = uriOf(join(dir, 'a.c'));
    const inner = uriOf(join(dir, 'inner', 'a.c'));
    const generated = uriOf(join(dir, 'inner', 'gen', 'a.c'));
    const rooted = uriOf(join(dir, 'rooted', 'a.c'));
    for (const u of [outer, inner, generated, rooted]) client.open(u, SHIFT);
    expect((await client.diagnostics(outer))[0]!.severity).toBe(3);
    expect((await client.diagnostics(inner))[0]!.severity).toBe(2);
    expect(await client.diagnostics(generated)).toEqual([]);
    expect((await client.diagnostics(rooted))[0]!.severity).toBe(1);
  });

  it('editor settings: copyscope.rules overrides the file, copyscope.enable turns analysis off, per workspace folder', async () => {
    const a = tempFolder();
    const b = tempFolder();
    const settings: Record<string, unknown> = {
      [uriOf(a)]: { enable: true, rules: { [RULE]: 'info' } },
      [uriOf(b)]: { enable: true, rules: {} },
    };
    client = await startTestServer({
      workspaceFolders: [
        { uri: uriOf(a), name: 'a' },
        { uri: uriOf(b), name: 'b' },
      ],
      settings: (scope) => Object.entries(settings).find(([k]) => scope?.startsWith(k))?.[1] ?? null,
    });
    const ua = uriOf(join(a, 'x.c'));
    const ub = uriOf(join(b, 'x.c'));
    client.open(ua, SHIFT);
    client.open(ub, SHIFT);
    expect((await client.diagnostics(ua))[0]!.severity).toBe(3);
    expect((await client.diagnostics(ub))[0]!.severity).toBe(1);

    settings[uriOf(b)] = { enable: false };
    const seq = client.lastSeq();
    void client.rpc.sendNotification('workspace/didChangeConfiguration', { settings: null });
    expect(await client.diagnostics(ub, seq)).toEqual([]);
    expect((await client.diagnostics(ua, seq))[0]!.severity).toBe(3);
    expect(await client.hover(ub, { line: 4, character: 10 })).toBeNull();
  });

  it('an invalid copyscope.rules setting is reported once and ignored', async () => {
    client = await startTestServer({ settings: () => ({ rules: { [RULE]: 'sometimes' } }) });
    const uri = 'file:///virtual/bad-setting.c';
    client.open(uri, SHIFT);
    expect((await client.diagnostics(uri))[0]!.severity).toBe(1);
    await client.until(() => client!.messages.some((m) => m.type === 1));
    expect(client.messages.filter((m) => m.type === 1)[0]!.message).toContain('copyscope.rules');
  });

  it('clients without workspace/configuration can push settings with didChangeConfiguration', async () => {
    client = await startTestServer();
    const uri = 'file:///virtual/pushed.c';
    client.open(uri, SHIFT);
    expect((await client.diagnostics(uri))[0]!.severity).toBe(1);
    const seq = client.lastSeq();
    void client.rpc.sendNotification('workspace/didChangeConfiguration', { settings: { copyscope: { rules: { [RULE]: 'warning' } } } });
    expect((await client.diagnostics(uri, seq))[0]!.severity).toBe(2);
  });
});

describe('closed files', () => {
  it('copyscope/lintFiles publishes diagnostics for files on disk and skips open ones', async () => {
    const dir = tempFolder();
    writeFileSync(join(dir, 'a.c'), SHIFT);
    writeFileSync(join(dir, 'b.c'), 'int main(void) { return 0; }\n');
    client = await startTestServer({ workspaceFolders: [{ uri: uriOf(dir), name: 'w' }] });
    const open = uriOf(join(dir, 'b.c'));
    client.open(open, SHIFT);
    await client.diagnostics(open);
    const result = await client.rpc.sendRequest('copyscope/lintFiles', {
      uris: [uriOf(join(dir, 'a.c')), open, uriOf(join(dir, 'missing.c'))],
    });
    expect(result).toMatchObject({ linted: 1, findings: 1, ignored: 0, failed: [{ uri: uriOf(join(dir, 'missing.c')) }] });
    expect((result as { failed: { reason: string }[] }).failed[0]!.reason).toContain('ENOENT');
    const a = client.published.filter((p) => p.uri === uriOf(join(dir, 'a.c')));
    expect(a).toHaveLength(1);
    expect(a[0]!.diagnostics[0]!.code).toBe(RULE);
  });

  it('the workspace command lints every C file of the folders', async () => {
    const dir = tempFolder();
    mkdirSync(join(dir, 'sub'));
    mkdirSync(join(dir, 'node_modules'));
    writeFileSync(join(dir, 'sub', 'a.c'), SHIFT);
    writeFileSync(join(dir, 'b.h'), SHIFT);
    writeFileSync(join(dir, 'node_modules', 'skip.c'), SHIFT);
    client = await startTestServer({ workspaceFolders: [{ uri: uriOf(dir), name: 'w' }] });
    const result = await client.rpc.sendRequest('workspace/executeCommand', { command: 'copyscope.server.lintWorkspace', arguments: [] });
    expect(result).toEqual({ linted: 2, findings: 2, ignored: 0, failed: [] });
  });

  it('workspace lints skip what .gitignore ignores, as copyscope lint does', async () => {
    const dir = tempFolder();
    mkdirSync(join(dir, '.git'));
    mkdirSync(join(dir, 'generated'));
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, '.gitignore'), 'generated/\n*.gen.c\n');
    writeFileSync(join(dir, 'src', '.gitignore'), '!keep.gen.c\n');
    writeFileSync(join(dir, 'generated', 'out.c'), SHIFT);
    writeFileSync(join(dir, 'src', 'tables.gen.c'), SHIFT);
    writeFileSync(join(dir, 'src', 'keep.gen.c'), SHIFT);
    writeFileSync(join(dir, 'src', 'main.c'), SHIFT);
    client = await startTestServer({ workspaceFolders: [{ uri: uriOf(dir), name: 'w' }] });
    const command = await client.rpc.sendRequest('workspace/executeCommand', { command: 'copyscope.server.lintWorkspace', arguments: [] });
    expect(command).toEqual({ linted: 2, findings: 2, ignored: 2, failed: [] });
    const request = await client.rpc.sendRequest('copyscope/lintFiles', {
      uris: ['generated/out.c', 'src/tables.gen.c', 'src/keep.gen.c', 'src/main.c'].map((f) => uriOf(join(dir, f))),
    });
    expect(request).toEqual({ linted: 2, findings: 2, ignored: 2, failed: [] });
    const linted = new Set(client.published.filter((p) => p.diagnostics.length > 0).map((p) => p.uri));
    expect(linted).toEqual(new Set([uriOf(join(dir, 'src', 'keep.gen.c')), uriOf(join(dir, 'src', 'main.c'))]));
  });
});

describe('debounce', () => {
  it('a burst of changes is analysed once, for its last version', async () => {
    client = await startTestServer({ initializationOptions: { debounceMs: 5 } });
    const uri = 'file:///virtual/burst.c';
    client.open(uri, SHIFT);
    await client.diagnostics(uri);
    const before = client.lastSeq();
    for (let i = 0; i < 30; i++) client.edit(uri, 0, 0, ' ');
    await client.diagnostics(uri);
    const burst = client.published.filter((p) => p.uri === uri && p.seq > before);
    expect(burst.map((p) => p.version)).toEqual([31]);
  });
});

describe('1,000 random edits', () => {
  it('every published result equals a fresh analysis of that version, and the last one is published', async () => {
    client = await startTestServer();
    const uri = 'file:///virtual/random.c';
    const base = `${SHIFT}\nvoid g(char *p, int len)\n{\n    char tmp[64];\n    memcpy(tmp, p, len);\n    memcpy(p + 2, p, len); /* 注释 😀 */\n}\n`;
    const rand = seededRandom(12345);
    const snippets = ['memcpy(', 'memmove(', 'buf + 1', ', n);', '{', '}', '\n', ';', ' ', '/*', '*/', '//', 'p', '😀', '\r\n', 'char x[8];', '"', '#define N 4\n'];
    const textAt = new Map<number, string>();
    client.open(uri, base);
    textAt.set(1, base);
    const fn = (k: number) => `\nvoid h${k}(char *q, int k)\n{\n    memcpy(q, q + 1, k); /* 😀 */\n}\n`;
    for (let i = 0; i < 1000; i++) {
      const text = client.texts.get(uri)!;
      let start = rand(text.length + 1);
      let end = Math.min(text.length, start + (rand(3) === 0 ? rand(12) : 0));
      let insert = rand(4) === 0 ? '' : snippets[rand(snippets.length)]!;
      if (rand(10) === 0) {
        // A whole function with a finding, at a line start, keeps findings alive.
        start = end = text.lastIndexOf('\n', start) + 1;
        insert = fn(i);
      }
      // Never split a surrogate pair (an editor does not either).
      if (start > 0 && start < text.length && /[\udc00-\udfff]/.test(text[start]!)) start--;
      if (end > 0 && end < text.length && /[\udc00-\udfff]/.test(text[end]!)) end++;
      end = Math.max(start, end);
      client.edit(uri, start, end, insert);
      textAt.set(client.versions.get(uri)!, client.texts.get(uri)!);
      // Mostly bursts (typing), sometimes wait for the analysis to catch up.
      if (rand(10) === 0) await client.diagnostics(uri);
    }
    const final = client.versions.get(uri)!;
    await client.diagnostics(uri);
    const forUri = client.published.filter((p) => p.uri === uri);
    expect(forUri.at(-1)!.version).toBe(final);
    // Versions only go up, and each published set is exactly what a fresh,
    // non-incremental analysis of that version's text gives.
    let prev = 0;
    for (const p of forUri) {
      expect(p.version!).toBeGreaterThanOrEqual(prev);
      prev = p.version!;
    }
    for (const p of forUri) {
      const text = textAt.get(p.version!)!;
      const lines = new LineIndex(text);
      const fresh = lint(syntax, text);
      const expected = [
        ...fresh.findings.map((f) => `${f.ruleId}@${JSON.stringify(lines.positionAt(f.range.start))}-${JSON.stringify(lines.positionAt(f.range.end))}:${f.message}`),
        ...fresh.unusedDirectives.map((d) => `copyscope/unused-directive@${JSON.stringify(lines.positionAt(d.range.start))}-${JSON.stringify(lines.positionAt(d.range.end))}:${d.message}`),
      ];
      const got = p.diagnostics.map((d) => `${d.code}@${JSON.stringify(d.range.start)}-${JSON.stringify(d.range.end)}:${d.message}`);
      expect(got, `version ${p.version}`).toEqual(expected);
    }
    expect(forUri.length).toBeGreaterThan(50);
    // The comparison means something only if findings were present most of the time.
    expect(forUri.filter((p) => p.diagnostics.length > 0).length).toBeGreaterThan(forUri.length / 2);
    // The server's tree is the incremental one: the final text must also match.
    const hoverable = lint(syntax, client.texts.get(uri)!).findings[0];
    if (hoverable) {
      const pos = new LineIndex(client.texts.get(uri)!).positionAt(hoverable.range.start);
      expect(await client.hover(uri, pos)).not.toBeNull();
    }
  }, 180000);
});

describe('hover for a zero-copy finding', () => {
  it('names the alternative the rule suggests', async () => {
    client = await startTestServer();
    const uri = 'file:///virtual/relay.c';
    const text = RELAY_PROGRAM;
    client.open(uri, text);
    const diags = (await client.diagnostics(uri)).filter((d) => d.code === 'zerocopy/read-write-loop');
    expect(diags).toHaveLength(1);
    const hover = await client.hover(uri, diags[0]!.range.start);
    const value = (hover!.contents as { value: string }).value;
    expect(value).toContain('zerocopy/read-write-loop');
    expect(value).toMatch(/Alternative: `(sendfile|copy_file_range|splice)`/);
  });
});

describe('untitled documents', () => {
  it('are analysed too (no file on disk, default settings)', async () => {
    client = await startTestServer();
    const uri = 'untitled:Untitled-1';
    client.open(uri, SHIFT);
    const [d] = await client.diagnostics(uri);
    expect(d!.code).toBe(RULE);
  });
});

describe('a rule that throws', () => {
  it('is reported once as a warning, the other rules still report, and the server keeps serving', async () => {
    const { rules } = await import('../../server/src/rules/index');
    const broken: Rule = {
      id: 'copy/broken-for-test',
      summary: 'Throws on every file.',
      defaultSeverity: 'warning',
      fix: 'none',
      messages: {},
      candidates: /./,
      check() {
        throw new Error('boom');
      },
    };
    client = await startTestServer({ rules: [...rules, broken] });
    client.open('file:///virtual/throws-1.c', SHIFT);
    client.open('file:///virtual/throws-2.c', SHIFT);
    expect((await client.diagnostics('file:///virtual/throws-1.c')).map((d) => d.code)).toEqual([RULE]);
    expect((await client.diagnostics('file:///virtual/throws-2.c')).map((d) => d.code)).toEqual([RULE]);
    await client.until(() => client!.messages.some((m) => m.type === 2));
    const warnings = client.messages.filter((m) => m.type === 2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain('copy/broken-for-test');
    expect(await client.hover('file:///virtual/throws-1.c', { line: 4, character: 10 })).not.toBeNull();
  });
});

describe('closed files on disk', () => {
  it('are linted again when they change, and lose their findings when deleted', async () => {
    const dir = tempFolder();
    const file = join(dir, 'a.c');
    writeFileSync(file, 'int main(void) { return 0; }\n');
    client = await startTestServer({ workspaceFolders: [{ uri: uriOf(dir), name: 'w' }] });
    const uri = uriOf(file);
    await client.rpc.sendRequest('copyscope/lintFiles', { uris: [uri] });
    expect(await client.diagnostics(uri)).toEqual([]);
    writeFileSync(file, SHIFT);
    let seq = client.lastSeq();
    void client.rpc.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri, type: 2 }] });
    expect((await client.diagnostics(uri, seq)).map((d) => d.code)).toEqual([RULE]);
    rmSync(file);
    seq = client.lastSeq();
    void client.rpc.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri, type: 3 }] });
    expect(await client.diagnostics(uri, seq)).toEqual([]);
  });
});
