/**
 * What library and system calls do to their arguments, as data.
 *
 * Each entry says which argument is read, written or handed to the kernel
 * asynchronously, which argument carries the byte count, and what the call
 * returns. Rules and the simulator ask this table instead of hard-coding
 * function names. Invariant: argument indexes are zero-based and refer to
 * the call's written arguments.
 */

import { THREAD_API_EFFECTS } from './threadApiEffects';
import { ASYNC_API_EFFECTS } from './asyncApiEffects';

export type ArgRole =
  | 'dst' | 'src' | 'size' | 'count' | 'fd' | 'fdOut' | 'fdIn' | 'format' | 'offset'
  | 'flags' | 'path' | 'stream' | 'iov' | 'control' | 'thread' | 'routine' | 'arg' | 'lock' | 'other';

export type Access = 'read' | 'write' | 'readwrite' | 'submit' | 'none';

export interface ArgEffect {
  role: ArgRole;
  access: Access;
}

export type ApiCategory =
  | 'copy' | 'fill' | 'string-copy' | 'format' | 'io-read' | 'io-write' | 'stdio-read' | 'stdio-write'
  | 'map' | 'unmap' | 'zerocopy' | 'open' | 'close' | 'alloc' | 'free' | 'aio' | 'thread' | 'lock' | 'other';

export interface ApiEffect {
  name: string;
  category: ApiCategory;
  args: ArgEffect[];
  /** Index of the argument giving the byte count, if any. */
  sizeArg?: number;
  /** For `fread`/`fwrite`/`calloc`: bytes = args[a] * args[b]. */
  sizeProduct?: [number, number];
  /** What the return value is. */
  returns?: 'fd' | 'bytes' | 'pointer' | 'status' | 'none';
  /** Kind of descriptor returned (for `open`, `socket`, ...). */
  fdKind?: 'file' | 'socket' | 'pipe';
  /** The call can block the calling thread. */
  blocking?: boolean;
  /** The copy is undefined when source and destination overlap. */
  noOverlap?: boolean;
}

const r = (role: ArgRole): ArgEffect => ({ role, access: 'read' });
const w = (role: ArgRole): ArgEffect => ({ role, access: 'write' });
const rw = (role: ArgRole): ArgEffect => ({ role, access: 'readwrite' });
const n = (role: ArgRole): ArgEffect => ({ role, access: 'none' });

const TABLE: ApiEffect[] = [
  // Memory and string copies.
  { name: 'memcpy', category: 'copy', args: [w('dst'), r('src'), n('size')], sizeArg: 2, returns: 'pointer', noOverlap: true },
  { name: 'memmove', category: 'copy', args: [w('dst'), r('src'), n('size')], sizeArg: 2, returns: 'pointer' },
  { name: 'mempcpy', category: 'copy', args: [w('dst'), r('src'), n('size')], sizeArg: 2, returns: 'pointer', noOverlap: true },
  { name: 'memset', category: 'fill', args: [w('dst'), n('other'), n('size')], sizeArg: 2, returns: 'pointer' },
  { name: 'bzero', category: 'fill', args: [w('dst'), n('size')], sizeArg: 1, returns: 'none' },
  { name: 'strcpy', category: 'string-copy', args: [w('dst'), r('src')], returns: 'pointer', noOverlap: true },
  { name: 'stpcpy', category: 'string-copy', args: [w('dst'), r('src')], returns: 'pointer', noOverlap: true },
  { name: 'strncpy', category: 'string-copy', args: [w('dst'), r('src'), n('size')], sizeArg: 2, returns: 'pointer', noOverlap: true },
  { name: 'strcat', category: 'string-copy', args: [rw('dst'), r('src')], returns: 'pointer', noOverlap: true },
  { name: 'strncat', category: 'string-copy', args: [rw('dst'), r('src'), n('size')], returns: 'pointer', noOverlap: true },
  { name: 'sprintf', category: 'format', args: [w('dst'), r('format')], returns: 'bytes', noOverlap: true },
  { name: 'vsprintf', category: 'format', args: [w('dst'), r('format')], returns: 'bytes', noOverlap: true },
  { name: 'snprintf', category: 'format', args: [w('dst'), n('size'), r('format')], sizeArg: 1, returns: 'bytes', noOverlap: true },
  { name: 'vsnprintf', category: 'format', args: [w('dst'), n('size'), r('format')], sizeArg: 1, returns: 'bytes', noOverlap: true },
  { name: 'gets', category: 'string-copy', args: [w('dst')], returns: 'pointer', blocking: true },
  // POSIX I/O.
  { name: 'read', category: 'io-read', args: [n('fd'), w('dst'), n('size')], sizeArg: 2, returns: 'bytes', blocking: true },
  { name: 'pread', category: 'io-read', args: [n('fd'), w('dst'), n('size'), n('offset')], sizeArg: 2, returns: 'bytes', blocking: true },
  { name: 'pread64', category: 'io-read', args: [n('fd'), w('dst'), n('size'), n('offset')], sizeArg: 2, returns: 'bytes', blocking: true },
  { name: 'readv', category: 'io-read', args: [n('fd'), w('iov'), n('count')], returns: 'bytes', blocking: true },
  { name: 'preadv', category: 'io-read', args: [n('fd'), w('iov'), n('count'), n('offset')], returns: 'bytes', blocking: true },
  { name: 'recv', category: 'io-read', args: [n('fd'), w('dst'), n('size'), n('flags')], sizeArg: 2, returns: 'bytes', blocking: true, fdKind: 'socket' },
  { name: 'recvfrom', category: 'io-read', args: [n('fd'), w('dst'), n('size'), n('flags'), w('other'), rw('other')], sizeArg: 2, returns: 'bytes', blocking: true, fdKind: 'socket' },
  { name: 'write', category: 'io-write', args: [n('fd'), r('src'), n('size')], sizeArg: 2, returns: 'bytes', blocking: true },
  { name: 'pwrite', category: 'io-write', args: [n('fd'), r('src'), n('size'), n('offset')], sizeArg: 2, returns: 'bytes', blocking: true },
  { name: 'pwrite64', category: 'io-write', args: [n('fd'), r('src'), n('size'), n('offset')], sizeArg: 2, returns: 'bytes', blocking: true },
  { name: 'writev', category: 'io-write', args: [n('fd'), r('iov'), n('count')], returns: 'bytes', blocking: true },
  { name: 'pwritev', category: 'io-write', args: [n('fd'), r('iov'), n('count'), n('offset')], returns: 'bytes', blocking: true },
  { name: 'send', category: 'io-write', args: [n('fd'), r('src'), n('size'), n('flags')], sizeArg: 2, returns: 'bytes', blocking: true, fdKind: 'socket' },
  { name: 'sendto', category: 'io-write', args: [n('fd'), r('src'), n('size'), n('flags'), r('other'), n('other')], sizeArg: 2, returns: 'bytes', blocking: true, fdKind: 'socket' },
  // stdio.
  { name: 'fread', category: 'stdio-read', args: [w('dst'), n('size'), n('count'), n('stream')], sizeProduct: [1, 2], returns: 'bytes', blocking: true },
  { name: 'fwrite', category: 'stdio-write', args: [r('src'), n('size'), n('count'), n('stream')], sizeProduct: [1, 2], returns: 'bytes', blocking: true },
  { name: 'fgets', category: 'stdio-read', args: [w('dst'), n('size'), n('stream')], sizeArg: 1, returns: 'pointer', blocking: true },
  { name: 'fputs', category: 'stdio-write', args: [r('src'), n('stream')], returns: 'status', blocking: true },
  // Mappings and zero-copy transfers.
  { name: 'mmap', category: 'map', args: [n('other'), n('size'), n('flags'), n('flags'), n('fd'), n('offset')], sizeArg: 1, returns: 'pointer' },
  { name: 'mmap64', category: 'map', args: [n('other'), n('size'), n('flags'), n('flags'), n('fd'), n('offset')], sizeArg: 1, returns: 'pointer' },
  { name: 'munmap', category: 'unmap', args: [n('dst'), n('size')], sizeArg: 1, returns: 'status' },
  { name: 'sendfile', category: 'zerocopy', args: [n('fdOut'), n('fdIn'), rw('offset'), n('size')], sizeArg: 3, returns: 'bytes', blocking: true },
  { name: 'sendfile64', category: 'zerocopy', args: [n('fdOut'), n('fdIn'), rw('offset'), n('size')], sizeArg: 3, returns: 'bytes', blocking: true },
  { name: 'splice', category: 'zerocopy', args: [n('fdIn'), rw('offset'), n('fdOut'), rw('offset'), n('size'), n('flags')], sizeArg: 4, returns: 'bytes', blocking: true },
  { name: 'copy_file_range', category: 'zerocopy', args: [n('fdIn'), rw('offset'), n('fdOut'), rw('offset'), n('size'), n('flags')], sizeArg: 4, returns: 'bytes', blocking: true },
  // Descriptors.
  { name: 'open', category: 'open', args: [r('path'), n('flags'), n('other')], returns: 'fd', fdKind: 'file' },
  { name: 'open64', category: 'open', args: [r('path'), n('flags'), n('other')], returns: 'fd', fdKind: 'file' },
  { name: 'openat', category: 'open', args: [n('fd'), r('path'), n('flags'), n('other')], returns: 'fd', fdKind: 'file' },
  { name: 'creat', category: 'open', args: [r('path'), n('other')], returns: 'fd', fdKind: 'file' },
  { name: 'socket', category: 'open', args: [n('other'), n('other'), n('other')], returns: 'fd', fdKind: 'socket' },
  { name: 'accept', category: 'open', args: [n('fd'), w('other'), rw('other')], returns: 'fd', fdKind: 'socket', blocking: true },
  { name: 'accept4', category: 'open', args: [n('fd'), w('other'), rw('other'), n('flags')], returns: 'fd', fdKind: 'socket', blocking: true },
  { name: 'pipe', category: 'open', args: [w('other')], returns: 'status', fdKind: 'pipe' },
  { name: 'pipe2', category: 'open', args: [w('other'), n('flags')], returns: 'status', fdKind: 'pipe' },
  { name: 'close', category: 'close', args: [n('fd')], returns: 'status' },
  // Allocation.
  { name: 'malloc', category: 'alloc', args: [n('size')], sizeArg: 0, returns: 'pointer' },
  { name: 'calloc', category: 'alloc', args: [n('count'), n('size')], sizeProduct: [0, 1], returns: 'pointer' },
  { name: 'realloc', category: 'alloc', args: [rw('dst'), n('size')], sizeArg: 1, returns: 'pointer' },
  { name: 'free', category: 'free', args: [w('dst')], returns: 'none' },
  ...THREAD_API_EFFECTS,
  ...ASYNC_API_EFFECTS,
];

const BY_NAME = new Map(TABLE.map((e) => [e.name, e]));

/** The effect entry for a callee name, if the table knows it. */
export function apiEffect(name: string | undefined): ApiEffect | undefined {
  return name === undefined ? undefined : BY_NAME.get(name);
}

/** Index of the first argument with the given role, or -1. */
export function argIndex(effect: ApiEffect, role: ArgRole): number {
  return effect.args.findIndex((a) => a.role === role);
}

export function allApiEffects(): ApiEffect[] {
  return [...BY_NAME.values()];
}
