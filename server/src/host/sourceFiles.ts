/**
 * Reading C sources from disk. Invariant: never throws; binary or unreadable
 * files come back as a reason to skip them.
 */
import { readFileSync } from 'node:fs';

export type SourceRead = { ok: true; text: string } | { ok: false; reason: string };

const decoder = new TextDecoder('utf-8', { fatal: false });

export function readSourceFile(path: string): SourceRead {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, reason: code === 'EISDIR' ? 'is a directory' : `cannot read (${code ?? (error as Error).message})` };
  }
  return decodeSource(bytes);
}

/** A NUL byte in the first 8 KiB marks a binary file, as git and grep decide. */
export function decodeSource(bytes: Uint8Array): SourceRead {
  const head = bytes.subarray(0, 8192);
  if (head.includes(0)) return { ok: false, reason: 'binary file' };
  // Invalid UTF-8 sequences become U+FFFD; offsets stay those of the decoded text.
  let text = decoder.decode(bytes);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { ok: true, text };
}
