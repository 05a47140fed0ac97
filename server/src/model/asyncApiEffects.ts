/**
 * The asynchronous I/O interfaces as data: POSIX AIO (<aio.h>) and io_uring
 * through liburing. Two views of the same calls:
 *
 * - `ASYNC_API_EFFECTS`: entries of the general API effects table
 *   (apiEffects.ts concatenates them), saying which argument is the control
 *   block, which buffer is handed over (`submit`), what blocks.
 * - `asyncRole(name)`: what the call does to a request's life cycle
 *   (asyncRequests.ts runs this along the control-flow graph):
 *   `submit` starts requests, `prepare` fills an io_uring SQE (in flight only
 *   once `io_uring_submit` runs), `ring-submit`, `wait` (blocks until
 *   completion), `poll` (observes completion without blocking: aio_error,
 *   io_uring_peek_cqe), `reap` (consumes the result: aio_return,
 *   io_uring_cqe_seen), `cancel`, `teardown` (io_uring_queue_exit).
 *
 * Invariant: argument indexes are zero-based over the written arguments, as
 * in apiEffects.ts; `control` is the argument naming the request (an
 * `struct aiocb *`, a list of them, an SQE or a ring).
 */
import type { ApiEffect, ArgEffect, ArgRole } from './apiEffects';

const r = (role: ArgRole): ArgEffect => ({ role, access: 'read' });
const w = (role: ArgRole): ArgEffect => ({ role, access: 'write' });
const rw = (role: ArgRole): ArgEffect => ({ role, access: 'readwrite' });
const n = (role: ArgRole): ArgEffect => ({ role, access: 'none' });
const s = (role: ArgRole): ArgEffect => ({ role, access: 'submit' });

export type AsyncRoleKind = 'submit' | 'prepare' | 'ring-submit' | 'wait' | 'poll' | 'reap' | 'cancel' | 'teardown' | 'get-sqe';

export interface AsyncRole {
  api: 'aio' | 'uring';
  kind: AsyncRoleKind;
  /** Index of the argument naming the control block, list, SQE or ring. */
  control: number;
  /** For `submit`/`prepare`: what the request does with its buffer. */
  op?: 'read' | 'write' | 'sync';
  /** For `prepare`: the buffer argument (or iovec array for the vectored forms). */
  buffer?: number;
  /** For `submit` of a list (`lio_listio`) and `wait` on a list (`aio_suspend`): the list is an array of control-block pointers. */
  list?: boolean;
  /** For `wait`/`ring-submit`: the argument giving a timeout or a count of completions to wait for. */
  timeout?: number;
}

const AIO_SUBMIT = (name: string): ApiEffect => ({
  name, category: 'aio', args: [s('control')], returns: 'status',
});

export const ASYNC_API_EFFECTS: ApiEffect[] = [
  // POSIX AIO (glibc: helper threads doing pread/pwrite; <aio.h>, -lrt).
  AIO_SUBMIT('aio_read'),
  AIO_SUBMIT('aio_read64'),
  AIO_SUBMIT('aio_write'),
  AIO_SUBMIT('aio_write64'),
  { name: 'aio_fsync', category: 'aio', args: [n('flags'), s('control')], returns: 'status' },
  { name: 'aio_fsync64', category: 'aio', args: [n('flags'), s('control')], returns: 'status' },
  { name: 'lio_listio', category: 'aio', args: [n('flags'), s('control'), n('count'), r('other')], returns: 'status', blocking: true },
  { name: 'lio_listio64', category: 'aio', args: [n('flags'), s('control'), n('count'), r('other')], returns: 'status', blocking: true },
  { name: 'aio_error', category: 'aio', args: [r('control')], returns: 'status' },
  { name: 'aio_error64', category: 'aio', args: [r('control')], returns: 'status' },
  { name: 'aio_return', category: 'aio', args: [rw('control')], returns: 'bytes' },
  { name: 'aio_return64', category: 'aio', args: [rw('control')], returns: 'bytes' },
  { name: 'aio_suspend', category: 'aio', args: [r('control'), n('count'), r('other')], returns: 'status', blocking: true },
  { name: 'aio_suspend64', category: 'aio', args: [r('control'), n('count'), r('other')], returns: 'status', blocking: true },
  { name: 'aio_cancel', category: 'aio', args: [n('fd'), rw('control')], returns: 'status' },
  { name: 'aio_cancel64', category: 'aio', args: [n('fd'), rw('control')], returns: 'status' },
  // io_uring through liburing: an SQE is taken from the ring, prepared, submitted with the ring.
  { name: 'io_uring_queue_init', category: 'aio', args: [n('count'), w('control'), n('flags')], returns: 'status' },
  { name: 'io_uring_queue_exit', category: 'aio', args: [rw('control')], returns: 'none' },
  { name: 'io_uring_get_sqe', category: 'aio', args: [rw('control')], returns: 'pointer' },
  { name: 'io_uring_prep_read', category: 'aio', args: [w('control'), n('fd'), s('dst'), n('size'), n('offset')], sizeArg: 3, returns: 'none' },
  { name: 'io_uring_prep_readv', category: 'aio', args: [w('control'), n('fd'), s('iov'), n('count'), n('offset')], returns: 'none' },
  { name: 'io_uring_prep_readv2', category: 'aio', args: [w('control'), n('fd'), s('iov'), n('count'), n('offset'), n('flags')], returns: 'none' },
  { name: 'io_uring_prep_read_fixed', category: 'aio', args: [w('control'), n('fd'), s('dst'), n('size'), n('offset'), n('other')], sizeArg: 3, returns: 'none' },
  { name: 'io_uring_prep_write', category: 'aio', args: [w('control'), n('fd'), s('src'), n('size'), n('offset')], sizeArg: 3, returns: 'none' },
  { name: 'io_uring_prep_writev', category: 'aio', args: [w('control'), n('fd'), s('iov'), n('count'), n('offset')], returns: 'none' },
  { name: 'io_uring_prep_writev2', category: 'aio', args: [w('control'), n('fd'), s('iov'), n('count'), n('offset'), n('flags')], returns: 'none' },
  { name: 'io_uring_prep_write_fixed', category: 'aio', args: [w('control'), n('fd'), s('src'), n('size'), n('offset'), n('other')], sizeArg: 3, returns: 'none' },
  { name: 'io_uring_prep_recv', category: 'aio', args: [w('control'), n('fd'), s('dst'), n('size'), n('flags')], sizeArg: 3, returns: 'none', fdKind: 'socket' },
  { name: 'io_uring_prep_send', category: 'aio', args: [w('control'), n('fd'), s('src'), n('size'), n('flags')], sizeArg: 3, returns: 'none', fdKind: 'socket' },
  { name: 'io_uring_sqe_set_data', category: 'aio', args: [w('control'), n('other')], returns: 'none' },
  { name: 'io_uring_submit', category: 'aio', args: [rw('control')], returns: 'status' },
  { name: 'io_uring_submit_and_wait', category: 'aio', args: [rw('control'), n('count')], returns: 'status', blocking: true },
  { name: 'io_uring_wait_cqe', category: 'aio', args: [rw('control'), w('other')], returns: 'status', blocking: true },
  { name: 'io_uring_wait_cqe_nr', category: 'aio', args: [rw('control'), w('other'), n('count')], returns: 'status', blocking: true },
  { name: 'io_uring_wait_cqe_timeout', category: 'aio', args: [rw('control'), w('other'), r('other')], returns: 'status', blocking: true },
  { name: 'io_uring_wait_cqes', category: 'aio', args: [rw('control'), w('other'), n('count'), r('other'), r('other')], returns: 'status', blocking: true },
  { name: 'io_uring_peek_cqe', category: 'aio', args: [rw('control'), w('other')], returns: 'status' },
  { name: 'io_uring_cqe_get_data', category: 'aio', args: [r('other')], returns: 'pointer' },
  { name: 'io_uring_cqe_seen', category: 'aio', args: [rw('control'), r('other')], returns: 'none' },
  { name: 'io_uring_cq_advance', category: 'aio', args: [rw('control'), n('count')], returns: 'none' },
];

const ROLES = new Map<string, AsyncRole>();
const role = (names: string[], value: AsyncRole): void => {
  for (const name of names) ROLES.set(name, value);
};
role(['aio_read', 'aio_read64'], { api: 'aio', kind: 'submit', control: 0, op: 'read' });
role(['aio_write', 'aio_write64'], { api: 'aio', kind: 'submit', control: 0, op: 'write' });
role(['aio_fsync', 'aio_fsync64'], { api: 'aio', kind: 'submit', control: 1, op: 'sync' });
role(['lio_listio', 'lio_listio64'], { api: 'aio', kind: 'submit', control: 1, list: true });
role(['aio_suspend', 'aio_suspend64'], { api: 'aio', kind: 'wait', control: 0, list: true, timeout: 2 });
role(['aio_error', 'aio_error64'], { api: 'aio', kind: 'poll', control: 0 });
role(['aio_return', 'aio_return64'], { api: 'aio', kind: 'reap', control: 0 });
role(['aio_cancel', 'aio_cancel64'], { api: 'aio', kind: 'cancel', control: 1 });
role(['io_uring_get_sqe'], { api: 'uring', kind: 'get-sqe', control: 0 });
role(['io_uring_prep_read', 'io_uring_prep_read_fixed', 'io_uring_prep_recv'], { api: 'uring', kind: 'prepare', control: 0, op: 'read', buffer: 2 });
role(['io_uring_prep_readv', 'io_uring_prep_readv2'], { api: 'uring', kind: 'prepare', control: 0, op: 'read', buffer: 2 });
role(['io_uring_prep_write', 'io_uring_prep_write_fixed', 'io_uring_prep_send'], { api: 'uring', kind: 'prepare', control: 0, op: 'write', buffer: 2 });
role(['io_uring_prep_writev', 'io_uring_prep_writev2'], { api: 'uring', kind: 'prepare', control: 0, op: 'write', buffer: 2 });
role(['io_uring_submit'], { api: 'uring', kind: 'ring-submit', control: 0 });
role(['io_uring_submit_and_wait'], { api: 'uring', kind: 'ring-submit', control: 0, timeout: 1 });
role(['io_uring_wait_cqe', 'io_uring_wait_cqe_nr', 'io_uring_wait_cqe_timeout', 'io_uring_wait_cqes'], { api: 'uring', kind: 'wait', control: 0 });
role(['io_uring_peek_cqe'], { api: 'uring', kind: 'poll', control: 0 });
role(['io_uring_cqe_seen', 'io_uring_cq_advance'], { api: 'uring', kind: 'reap', control: 0 });
role(['io_uring_queue_exit'], { api: 'uring', kind: 'teardown', control: 0 });

/** The life-cycle role of an asynchronous I/O call, if it has one. */
export function asyncRole(name: string | undefined): AsyncRole | undefined {
  return name === undefined ? undefined : ROLES.get(name);
}

/** Every name `asyncRole` knows (for candidate filters and tests). */
export function asyncCallNames(): string[] {
  return [...ROLES.keys()];
}
