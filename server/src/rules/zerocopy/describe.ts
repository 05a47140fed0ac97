/**
 * Which zero-copy call replaces a relay, and the words the zerocopy/ rules
 * use for it. The costs quoted are the per-chunk table in the design notes:
 * read+write 4 switches, 2 DMA, 2 CPU copies; mmap+write 4/2/1; sendfile
 * 2/2/1 (0 CPU copies with scatter/gather DMA); splice 2/2/0;
 * copy_file_range file to file with no CPU copy where the filesystem can
 * share or offload the blocks.
 */
import type { FunctionModel } from '../../model/functionModel';
import { textOf } from '../callArgs';
import type { Relay } from './relay';

export type ZeroCopyCall = 'sendfile' | 'copy_file_range' | 'splice';

export interface Alternative {
  call: ZeroCopyCall;
  /** Message text: what to use and what it saves. */
  text: string;
  /** A replacement loop can be generated (the input is a file or unknown). */
  fixable: boolean;
}

const SENDFILE_COST = '2 switches and 1 CPU copy per chunk, none with scatter/gather DMA';

export function alternativeFor(relay: Relay, fn: FunctionModel): Alternative {
  const input = relay.inputKind.kind;
  const output = relay.outputKind.kind;
  if (input === 'socket' || input === 'pipe') {
    return {
      call: 'splice',
      text: `'splice' through a pipe moves it without any CPU copy ('sendfile' cannot read from a ${input})`,
      fixable: false,
    };
  }
  if (input === 'file' && output === 'file') {
    return {
      call: canUseCopyFileRange(fn) ? 'copy_file_range' : 'sendfile',
      text: "'copy_file_range' copies file to file inside the kernel, with no CPU copy where the filesystem can share or offload the blocks ('sendfile' also works since Linux 2.6.33)",
      fixable: true,
    };
  }
  if (output === 'socket') {
    return { call: 'sendfile', text: `'sendfile' moves it inside the kernel: ${SENDFILE_COST}`, fixable: true };
  }
  if (output === 'pipe') {
    return { call: 'sendfile', text: "'sendfile' or 'splice' moves it into the pipe inside the kernel: 2 switches per chunk and no copy through user space", fixable: true };
  }
  return {
    call: 'sendfile',
    text: `'sendfile' moves it inside the kernel (${SENDFILE_COST}) to a socket or, since Linux 2.6.33, a file; 'copy_file_range' suits file to file, 'splice' a pipe or socket input`,
    fixable: true,
  };
}

/**
 * `copy_file_range` is declared by <unistd.h> only with `_GNU_SOURCE`
 * (glibc 2.27+): use it only when the file already asks for it.
 */
function canUseCopyFileRange(fn: FunctionModel): boolean {
  const text = fn.file.text;
  const gnu = /^[ \t]*#[ \t]*define[ \t]+_GNU_SOURCE\b/m.exec(text);
  const firstInclude = /^[ \t]*#[ \t]*include\b/m.exec(text);
  return gnu !== null && (firstInclude === null || gnu.index < firstInclude.index) && /^[ \t]*#[ \t]*include[ \t]*<unistd\.h>/m.test(text);
}

/** Source names of the relay's parts, for messages. */
export function relayNames(relay: Relay, text: string): Record<string, string> {
  return {
    input: short(textOf(text, relay.input)),
    output: short(textOf(text, relay.output)),
    buffer: short(textOf(text, relay.buffer)),
    read: relay.read.name ?? 'read',
    write: relay.write.name ?? 'write',
  };
}

/** Expression text on one line, cut to a readable length. */
export function short(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > 40 ? `${one.slice(0, 37)}...` : one;
}
