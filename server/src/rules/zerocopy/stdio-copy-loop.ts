/**
 * zerocopy/stdio-copy-loop: a loop that `fread`s chunks from one stream and
 * `fwrite`s them, untouched, to another. On top of the two copies of a
 * read/write relay, the stdio buffers add a third; `sendfile` (or
 * `copy_file_range`, `splice`) on the underlying descriptors moves the bytes
 * inside the kernel.
 *
 * No fix: switching a stream to descriptor I/O needs the pending stdio
 * buffers handled (`fflush` on the output, data already buffered on the
 * input), which depends on the rest of the program.
 */
import type { Rule } from '../../engine/rule';
import { relayNames } from './describe';
import { relaysOf, STDIO_READERS } from './relay';

export const stdioCopyLoop: Rule = {
  id: 'zerocopy/stdio-copy-loop',
  summary: 'A loop that freads chunks from one stream and fwrites them unchanged to another copies every byte three times through user space; sendfile on the descriptors moves it inside the kernel.',
  defaultSeverity: 'warning',
  fix: 'none',
  scenario: 'stdio-read-write→sendfile',
  messages: {
    relay:
      "loop copies each chunk from stream '{{input}}' to '{{output}}' through '{{buffer}}' ('{{read}}' then '{{write}}'): with the stdio buffers in the way that is 3 CPU copies and 4 user/kernel switches per chunk; {{alternative}}",
  },
  scope: 'calls',
  triggers: [...STDIO_READERS],
  candidates: /\bfread(?:_unlocked)?\s*\([\s\S]*?\bfwrite(?:_unlocked)?\s*\(/,
  check(ctx) {
    for (const fn of ctx.functions()) {
      for (const relay of relaysOf(fn, 'stdio')) {
        // A stream on a device or a special file cannot be spliced: no zero-copy path exists.
        if (relay.inputKind.kind === 'special' || relay.outputKind.kind === 'special') continue;
        const names = relayNames(relay, ctx.text);
        const fromPipe = relay.inputKind.kind === 'pipe' || relay.inputKind.kind === 'socket';
        const alternative = fromPipe
          ? `'splice' from 'fileno(${names.input})' (after 'fflush' of '${names.output}') moves it inside the kernel with no CPU copy`
          : `'sendfile' from 'fileno(${names.input})' to 'fileno(${names.output})' (after 'fflush') moves it inside the kernel with 2 switches and no CPU copy with scatter/gather DMA`;
        ctx.report({
          messageId: 'relay',
          data: { ...names, alternative },
          range: relay.loop.headerRange,
          related: [{ range: relay.write.call.range, message: `the chunk read into '${names.buffer}' is written here unchanged` }],
          functionName: fn.name,
          extra: { scenario: fromPipe ? 'stdio-read-write→splice' : 'stdio-read-write→sendfile', alternative: fromPipe ? 'splice' : 'sendfile', input: relay.inputKind.kind, output: relay.outputKind.kind },
        });
      }
    }
  },
};
