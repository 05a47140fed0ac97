/**
 * The parser's wasm heap can be sized up front (syntax/treeSitter.ts), so
 * that a large file does not grow it step by step (each step forces a full
 * garbage collection). This file must be the first to load the parser in its
 * process: vitest's forks pool runs each test file in a process of its own.
 */
import { describe, expect, it } from 'vitest';
import { loadNodeSyntax } from '../../server/src/host/nodeSyntax';
import { parserMemoryFor } from '../../server/src/syntax/treeSitter';

const MiB = 1024 * 1024;

/**
 * About 3.4 MB of C written as people write it (comments, long names, blank
 * lines): its parse needs more than the runtime's default 32 MiB heap, and
 * about as much per character as real code: 15 bytes (real code: 11-22).
 */
function largeProgram(): string {
  const parts: string[] = ['#include <string.h>\n#include <unistd.h>\n\n'];
  for (let i = 0; i < 6_000; i++) {
    parts.push(
      `/*\n * Copies the pending bytes of connection ${i} into its output buffer.\n * Returns the number of bytes copied, or -1 when the buffer is full.\n */\n` +
        `static long connection_flush_${i}(struct connection *connection, const char *pending, size_t pending_length)\n{\n` +
        `    if (connection->output_used + pending_length > sizeof connection->output_buffer) {\n        return -1;\n    }\n\n` +
        `    memcpy(connection->output_buffer + connection->output_used, pending, pending_length);\n` +
        `    connection->output_used += pending_length; /* ${'x'.repeat(i % 30)} */\n    return (long)pending_length;\n}\n\n`,
    );
  }
  return parts.join('');
}

describe('parser heap sizing', () => {
  it('starts at the size asked for and does not grow while parsing a text of that size', async () => {
    const text = largeProgram();
    expect(text.length).toBeGreaterThan(2_500_000);
    const wanted = parserMemoryFor(text.length);
    expect(wanted).toBeGreaterThan(32 * MiB);

    const syntax = await loadNodeSyntax({ initialMemoryBytes: wanted });
    expect(syntax.heapBytes()).toBe(wanted);
    const tree = syntax.parse(text);
    expect(tree.rootNode.hasError).toBe(false);
    tree.delete();
    expect(syntax.heapBytes()).toBe(wanted);
  });

  it('asks for whole wasm pages, at least the default 32 MiB and at most 1 GiB', () => {
    expect(parserMemoryFor(0)).toBe(32 * MiB);
    expect(parserMemoryFor(100_000)).toBe(32 * MiB);
    const forSqlite = parserMemoryFor(9_507_980);
    expect(forSqlite % 65536).toBe(0);
    // The amalgamation's parse was measured to need 142 MiB.
    expect(forSqlite).toBeGreaterThanOrEqual(142 * MiB);
    expect(parserMemoryFor(500_000_000)).toBe(1024 * MiB);
  });
});
