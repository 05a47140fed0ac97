/**
 * API effects of the POSIX thread and C11 <threads.h> functions: thread
 * creation and joining, mutexes, read-write locks, spinlocks, condition
 * variables, barriers and semaphores. Concatenated into the table of
 * apiEffects.ts.
 *
 * Conventions: the `thread` argument is the handle (`pthread_t *` for
 * create, `pthread_t` for join); `routine` is the start routine; `arg` is
 * the pointer handed to the new thread, marked `submit` like a buffer handed
 * to the kernel: it is used asynchronously, by the thread, until the join
 * (consumers that do not model threads treat it as escaping); `lock` is the
 * synchronisation object.
 * What a call does to the set of held locks (acquire, release, try) is not
 * an argument effect: locks.ts reads it from the call names.
 */
import type { ApiEffect, ArgEffect, ArgRole } from './apiEffects';

const r = (role: ArgRole): ArgEffect => ({ role, access: 'read' });
const w = (role: ArgRole): ArgEffect => ({ role, access: 'write' });
const rw = (role: ArgRole): ArgEffect => ({ role, access: 'readwrite' });
const submit = (role: ArgRole): ArgEffect => ({ role, access: 'submit' });
const n = (role: ArgRole): ArgEffect => ({ role, access: 'none' });

const lock = (name: string, extra: ArgEffect[] = [], blocking = true): ApiEffect => ({
  name, category: 'lock', args: [rw('lock'), ...extra], returns: 'status', ...(blocking ? { blocking: true } : {}),
});

export const THREAD_API_EFFECTS: ApiEffect[] = [
  // POSIX threads.
  { name: 'pthread_create', category: 'thread', args: [w('thread'), r('other'), n('routine'), submit('arg')], returns: 'status' },
  { name: 'pthread_join', category: 'thread', args: [n('thread'), w('other')], returns: 'status', blocking: true },
  { name: 'pthread_timedjoin_np', category: 'thread', args: [n('thread'), w('other'), r('other')], returns: 'status', blocking: true },
  { name: 'pthread_tryjoin_np', category: 'thread', args: [n('thread'), w('other')], returns: 'status' },
  { name: 'pthread_detach', category: 'thread', args: [n('thread')], returns: 'status' },
  { name: 'pthread_exit', category: 'thread', args: [n('other')], returns: 'none' },
  { name: 'pthread_cancel', category: 'thread', args: [n('thread')], returns: 'status' },
  { name: 'pthread_self', category: 'thread', args: [], returns: 'status' },
  { name: 'pthread_attr_init', category: 'thread', args: [w('other')], returns: 'status' },
  { name: 'pthread_attr_destroy', category: 'thread', args: [rw('other')], returns: 'status' },
  { name: 'pthread_attr_setdetachstate', category: 'thread', args: [rw('other'), n('flags')], returns: 'status' },
  { name: 'pthread_attr_setstacksize', category: 'thread', args: [rw('other'), n('size')], returns: 'status' },
  // Mutexes.
  lock('pthread_mutex_lock'),
  lock('pthread_mutex_timedlock', [r('other')]),
  lock('pthread_mutex_trylock', [], false),
  lock('pthread_mutex_unlock', [], false),
  { name: 'pthread_mutex_init', category: 'lock', args: [w('lock'), r('other')], returns: 'status' },
  { name: 'pthread_mutex_destroy', category: 'lock', args: [rw('lock')], returns: 'status' },
  // Read-write locks.
  lock('pthread_rwlock_rdlock'),
  lock('pthread_rwlock_wrlock'),
  lock('pthread_rwlock_timedrdlock', [r('other')]),
  lock('pthread_rwlock_timedwrlock', [r('other')]),
  lock('pthread_rwlock_tryrdlock', [], false),
  lock('pthread_rwlock_trywrlock', [], false),
  lock('pthread_rwlock_unlock', [], false),
  { name: 'pthread_rwlock_init', category: 'lock', args: [w('lock'), r('other')], returns: 'status' },
  { name: 'pthread_rwlock_destroy', category: 'lock', args: [rw('lock')], returns: 'status' },
  // Spinlocks.
  lock('pthread_spin_lock'),
  lock('pthread_spin_trylock', [], false),
  lock('pthread_spin_unlock', [], false),
  { name: 'pthread_spin_init', category: 'lock', args: [w('lock'), n('flags')], returns: 'status' },
  { name: 'pthread_spin_destroy', category: 'lock', args: [rw('lock')], returns: 'status' },
  // Condition variables, barriers, semaphores: waiting blocks the caller.
  { name: 'pthread_cond_wait', category: 'lock', args: [rw('other'), rw('lock')], returns: 'status', blocking: true },
  { name: 'pthread_cond_timedwait', category: 'lock', args: [rw('other'), rw('lock'), r('other')], returns: 'status', blocking: true },
  { name: 'pthread_cond_signal', category: 'lock', args: [rw('other')], returns: 'status' },
  { name: 'pthread_cond_broadcast', category: 'lock', args: [rw('other')], returns: 'status' },
  { name: 'pthread_cond_init', category: 'lock', args: [w('other'), r('other')], returns: 'status' },
  { name: 'pthread_cond_destroy', category: 'lock', args: [rw('other')], returns: 'status' },
  { name: 'pthread_barrier_wait', category: 'lock', args: [rw('other')], returns: 'status', blocking: true },
  { name: 'sem_wait', category: 'lock', args: [rw('other')], returns: 'status', blocking: true },
  { name: 'sem_timedwait', category: 'lock', args: [rw('other'), r('other')], returns: 'status', blocking: true },
  { name: 'sem_trywait', category: 'lock', args: [rw('other')], returns: 'status' },
  { name: 'sem_post', category: 'lock', args: [rw('other')], returns: 'status' },
  // C11 <threads.h>.
  { name: 'thrd_create', category: 'thread', args: [w('thread'), n('routine'), submit('arg')], returns: 'status' },
  { name: 'thrd_join', category: 'thread', args: [n('thread'), w('other')], returns: 'status', blocking: true },
  { name: 'thrd_detach', category: 'thread', args: [n('thread')], returns: 'status' },
  { name: 'thrd_exit', category: 'thread', args: [n('other')], returns: 'none' },
  lock('mtx_lock'),
  lock('mtx_timedlock', [r('other')]),
  lock('mtx_trylock', [], false),
  lock('mtx_unlock', [], false),
  { name: 'mtx_init', category: 'lock', args: [w('lock'), n('flags')], returns: 'status' },
  { name: 'mtx_destroy', category: 'lock', args: [rw('lock')], returns: 'none' },
  { name: 'cnd_wait', category: 'lock', args: [rw('other'), rw('lock')], returns: 'status', blocking: true },
  { name: 'cnd_timedwait', category: 'lock', args: [rw('other'), rw('lock'), r('other')], returns: 'status', blocking: true },
  { name: 'cnd_signal', category: 'lock', args: [rw('other')], returns: 'status' },
  { name: 'cnd_broadcast', category: 'lock', args: [rw('other')], returns: 'status' },
];
