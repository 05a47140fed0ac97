/**
 * Text too dense for the parser's heap (syntax/treeSitter.ts): the parse
 * stops before the runtime aborts, with a reason, and the parser goes on
 * working; the CLI skips such a file and the language server such a
 * document. This file must be the first to load the parser in its process
 * (vitest's forks pool runs each test file in a process of its own): it
 * sets a 160 MiB heap limit, so a megabyte of dense text reaches it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { lintFileJob } from '../../server/src/cli/lintFile';
import { lint } from '../../server/src/engine/lint';
import { loadNodeSyntax } from '../../server/src/host/nodeSyntax';
import { ParserMemoryError, type CSyntax } from '../../server/src/syntax/treeSitter';
import { startTestServer, type TestClient } from '../lsp/harness';

const MiB = 1024 * 1024;
const SHIFT = '#include <string.h>\nvoid shift(char *buf, unsigned long n) {\n    memcpy(buf, buf + 1, n - 1);\n}\n';

/** A byte table: about 52 bytes of parser heap per character, so 5 MiB of it needs about 260 MiB. */
function byteTable(mib: number): string {
  const row = `${Array.from({ length: 16 }, (_, i) => `0x${i.toString(16).padStart(2, '0')}`).join(', ')},\n`;
  return `unsigned char blob[] = {\n${row.repeat(Math.ceil((mib * MiB) / row.length))}0};\n`;
}

let syntax: CSyntax;
let client: TestClient | undefined;

beforeAll(async () => {
  syntax = await loadNodeSyntax({ maxMemoryBytes: 160 * MiB });
});

afterEach(async () => {
  await client?.shutdown();
  client = undefined;
});

describe('a text the parser cannot hold', () => {
  it('stops the parse with the reason, however often, leaves the heap below its limit and the parser working', () => {
    expect(() => syntax.parse(byteTable(5))).toThrow(/^too large or too dense to parse \(its 5\.0 MiB needed more than 112 MiB of parser memory\)$/);
    // Text after text: each stop grows the heap by what was asked past the line, not by 20%.
    for (let i = 0; i < 4; i++) expect(() => syntax.parse(byteTable(5))).toThrow(ParserMemoryError);
    expect(syntax.heapBytes()).toBeLessThan(128 * MiB);
    const result = lint(syntax, SHIFT);
    expect(result.findings.map((f) => f.ruleId)).toEqual(['copy/overlapping-memcpy']);
    // A megabyte of the same table fits.
    const tree = syntax.parse(byteTable(1));
    expect(tree.rootNode.hasError).toBe(false);
    tree.delete();
  });

  it('is thrown by lint(), not reported as a failure of the engine', () => {
    expect(() => lint(syntax, byteTable(5))).toThrow(ParserMemoryError);
  });

  it('is a skipped file in the CLI, like a binary one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'copyscope-guard-'));
    const path = join(dir, 'blob.c');
    writeFileSync(path, byteTable(5));
    const outcome = lintFileJob(syntax, { id: 0, path, size: 5 * MiB, settings: {}, fix: 'none' });
    rmSync(dir, { recursive: true, force: true });
    expect(outcome.skipped).toMatch(/^too large or too dense to parse/);
    expect(outcome.findings).toEqual([]);
  });

  it('is a skipped document in the language server, which keeps serving the others', async () => {
    client = await startTestServer();
    const dense = 'file:///virtual/blob.c';
    client.open(dense, byteTable(5));
    const told = await client.until(() => client!.messages.find((m) => m.message.includes('/virtual/blob.c')));
    expect(told.message).toMatch(/^CopyScope skips \/virtual\/blob\.c: too large or too dense to parse/);
    expect(await client.diagnostics(dense)).toEqual([]);
    // A document that becomes too dense while edited is dropped, its findings cleared.
    const grown = 'file:///virtual/grown.c';
    client.open(grown, SHIFT);
    expect(await client.diagnostics(grown)).toHaveLength(1);
    const seq = client.lastSeq();
    client.replaceAll(grown, SHIFT + byteTable(5));
    expect(await client.diagnostics(grown, seq)).toEqual([]);
    const small = 'file:///virtual/small.c';
    client.open(small, SHIFT);
    expect(await client.diagnostics(small)).toHaveLength(1);
  });
});
