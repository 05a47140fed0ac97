/**
 * Reading C sources from disk. Invariant: never throws; binary or unreadable
 * files, and anything but a regular file, come back as a reason to skip them.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { tooLargeToParse } from '../syntax/treeSitter';

export type SourceRead =
  | {
      ok: true;
      /** The decoded text, without a byte order mark. */
      text: string;
      /** The file starts with a UTF-8 byte order mark (not in `text`): writing the file back keeps it. */
      bom: boolean;
      /**
       * Asked for with `forWriting`: whether encoding `text` as UTF-8 (after
       * the mark, if any) gives the file's bytes back. False when invalid
       * UTF-8 (a Latin-1 comment, say) was decoded as U+FFFD: writing the
       * text back would change those bytes.
       */
      roundTrips?: boolean;
    }
  | { ok: false; reason: string };

const decoder = new TextDecoder('utf-8', { fatal: false });

export function readSourceFile(path: string, options: { forWriting?: boolean } = {}): SourceRead {
  let bytes: Buffer;
  try {
    bytes = readRegularFile(path, tooLargeToParse);
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    // Node names files by UTF-8 strings: a name with other bytes was listed with U+FFFD and cannot be opened.
    if (code === 'ENOENT' && path.includes('\ufffd')) return { ok: false, reason: 'cannot read: its name is not valid UTF-8' };
    return { ok: false, reason: code === 'EISDIR' ? 'is a directory' : code ? `cannot read (${code})` : message };
  }
  // UTF-8 never has fewer bytes than UTF-16 code units, so a file within the limit decodes within it.
  return decodeSource(bytes, options);
}

/**
 * A regular file's bytes. Anything else throws (`code` EISDIR for a folder):
 * `/dev/zero` never ends, a pipe or `/dev/stdin` would be consumed. The open
 * does not block, so a named pipe with no writer does not hang the caller.
 * `tooLarge` may refuse the file by its size, before it is read.
 */
export function readRegularFile(path: string, tooLarge?: (bytes: number) => string | undefined): Buffer {
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const stats = fstatSync(fd);
    if (stats.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    if (!stats.isFile()) throw new Error('not a regular file');
    const refused = tooLarge?.(stats.size);
    if (refused) throw new Error(refused);
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A NUL byte in the first 8 KiB marks a binary file, as git and grep decide. */
export function decodeSource(bytes: Uint8Array, { forWriting = false }: { forWriting?: boolean } = {}): SourceRead {
  const head = bytes.subarray(0, 8192);
  if (head.includes(0)) return { ok: false, reason: 'binary file' };
  // The decoder drops a leading byte order mark. Invalid UTF-8 sequences
  // become U+FFFD; offsets stay those of the decoded text.
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const text = decoder.decode(bytes);
  if (!forWriting) return { ok: true, text, bom };
  // Only a U+FFFD in the text can mean a lossy decode.
  const roundTrips = !text.includes('\ufffd') || Buffer.from(text, 'utf8').equals(bytes.subarray(bom ? 3 : 0));
  return { ok: true, text, bom, roundTrips };
}
