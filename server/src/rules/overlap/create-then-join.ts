/**
 * overlap/create-then-join: a thread created and then joined with nothing
 * done in between by the creating thread, and no other thread started: the
 * work runs on one thread anyway, plus the cost of creating and joining one.
 */
import type { Rule } from '../../engine/rule';
import type { CfgNode } from '../../model/cfg';
import { everyPathReaches, nodesBetween, pathAvoiding } from '../../model/paths';
import type { FileModel } from '../../model/fileModel';
import { isLoop } from '../../model/ir';
import { summaryOf, type FunctionSummary } from '../../model/summaries';
import { forEachExprIn, forEachStmt } from '../../model/walk';
import { argTarget, CREATES_THREADS, THREAD_CREATE_CALLS, createsIn, joinsOf, mayStillRun, windowOf, type ThreadCreate } from '../../model/threads';
import { textOf } from '../callArgs';

/** Calls that are bookkeeping, not work: error reporting and logging. */
const TRIVIAL = new Set([
  'printf', 'fprintf', 'dprintf', 'puts', 'fputs', 'putchar', 'fputc', 'perror', 'fflush', 'strerror', 'assert', 'exit', '_exit', 'abort',
  'syslog', 'err', 'errx', 'warn', 'warnx',
]);

export const createThenJoin: Rule = {
  id: 'overlap/create-then-join',
  summary: 'A thread is joined right after it is created, so nothing runs alongside it.',
  defaultSeverity: 'info',
  fix: 'none',
  scenario: 'create-then-join→direct-call',
  messages: {
    once: "thread '{{routine}}' is joined right after it is created, with no work in '{{fn}}' in between: nothing overlaps with it, so the thread only adds the cost of creating and joining it (tens of microseconds); call '{{routine}}' directly or move independent work before the join",
    loop: "each iteration creates thread '{{routine}}' and joins it before the next one starts: the threads never run together; create all of them first and join them in a second loop",
  },
  triggers: THREAD_CREATE_CALLS,
  candidates: CREATES_THREADS,
  check(ctx) {
    for (const fn of ctx.functions()) {
      const creates = createsIn(fn);
      for (const create of creates) {
        // Non-default attributes (a bigger stack, a scheduling policy) are a reason of their own to use a thread.
        if (create.attr && fn.fold(create.attr) !== 0) continue;
        if (!create.node || create.handleKey === undefined) continue;
        // A thread made for what only a thread has (its own signal mask, TLS, cancellation, a lock it must not own...).
        if (needsOwnThread(create)) continue;
        // Another thread started earlier runs alongside this one.
        if (creates.some((other) => other !== create && mayStillRun(other, create.node))) continue;
        const join = joinsOf(create).find((j) => j.handleKey === create.handleKey && j.node && sameLoops(create, j.node));
        if (!join?.node) continue;
        const w = windowOf(create);
        const summary = summaryOf(fn);
        if (!pathAvoiding(create.node, join.node, () => false, { edge: w.edge })) continue;
        if (!everyPathReaches(fn.cfg, create.node, (n) => n === join.node, { edge: w.edge })) continue;
        if (nodesBetween(create.node, join.node, { edge: w.edge }).some((n) => isWork(n, create, summary))) continue;
        const routine = create.routines[0] ?? textOf(ctx.text, create.routineExpr ?? create.call.callee);
        ctx.report({
          messageId: create.loops.length > 0 ? 'loop' : 'once',
          data: { routine, fn: fn.name },
          range: create.call.range,
          functionName: fn.name,
          related: [{ range: join.call.range, message: 'joined here, with no work in between' }],
        });
      }
    }
  },
};

/**
 * Functions whose behaviour depends on the calling thread: a routine that
 * uses them is run in a thread of its own on purpose.
 */
const THREAD_SEMANTICS = new Set([
  'pthread_self', 'pthread_equal', 'thrd_current', 'thrd_equal', 'gettid', 'pthread_getspecific', 'pthread_setspecific',
  'pthread_key_create', 'pthread_key_delete', 'tss_get', 'tss_set', 'tss_create', 'tss_delete', 'pthread_kill', 'pthread_sigmask',
  'sigprocmask', 'sigwait', 'sigwaitinfo', 'sigtimedwait', 'sigsuspend', 'raise', 'kill', 'signal', 'sigaction', 'alarm', 'pause',
  'pthread_cancel', 'pthread_testcancel', 'pthread_setcancelstate', 'pthread_setcanceltype', 'pthread_exit', 'thrd_exit',
  'pthread_getattr_np', 'pthread_attr_getstack', 'pthread_attr_getstacksize', 'pthread_attr_getguardsize', 'pthread_getaffinity_np',
  'pthread_setaffinity_np', 'sched_getaffinity', 'sched_setaffinity', 'sched_getcpu', 'pthread_setschedparam', 'pthread_getschedparam',
  'pthread_setname_np', 'pthread_getname_np', 'prctl', 'unshare', 'setns', 'fork', 'vfork', 'execl', 'execlp', 'execle', 'execv', 'execvp',
  'execve', 'execvpe', 'fexecve', 'posix_spawn', 'posix_spawnp', 'popen', 'system', 'backtrace', 'setjmp', 'longjmp', 'sigsetjmp',
  'siglongjmp', 'getcontext', 'setcontext', 'makecontext', 'swapcontext', 'pthread_mutex_consistent', 'pthread_cleanup_push',
  'pthread_cleanup_pop', 'pthread_detach', 'setuid', 'setgid', 'seteuid', 'setegid', 'setresuid', 'setresgid', 'chdir', 'fchdir',
  'uselocale', 'errno', 'clone', '__clone2', 'clone3',
]);

/** Does the thread exist for its own sake: its routine depends on being a separate thread, or the creator holds a lock? */
function needsOwnThread(create: ThreadCreate): boolean {
  if (summaryOf(create.fn).locksAtCall(create.call).size > 0) return true;
  const file = create.fn.file;
  const seen = new Set<string>();
  const visit = (name: string, depth: number): boolean => {
    if (seen.has(name) || depth > 4) return false;
    seen.add(name);
    const entry = file.functionNamed(name);
    const fn = entry ? file.model(entry) : undefined;
    if (!fn) return false;
    if (THREAD_LOCAL.test(fn.file.text.slice(fn.ir.range.start, fn.ir.range.end))) return true;
    for (const site of fn.calls) {
      if (!site.name) continue;
      if (THREAD_SEMANTICS.has(site.name) || THREAD_SEMANTICS_NAME.test(site.name)) return true;
      if (file.functionNamed(site.name) && visit(site.name, depth + 1)) return true;
    }
    for (const a of summaryOf(fn).accesses) {
      const g = /^g:(.*)$/.exec(a.place.root)?.[1];
      if (g && file.globals.get(g)?.type.storage.some((st) => /thread/i.test(st))) return true;
    }
    return false;
  };
  return create.routines.some((r) => visit(r, 0) || !doesWork(r, file, 0, new Set()));
}

/** Calls that are not work worth running beside something: logging, sleeping, yielding, ending. */
const NOT_WORK = /^(?:printf|fprintf|dprintf|puts|fputs|putchar|fputc|perror|fflush|syslog|assert|__assert_fail|sleep|usleep|nanosleep|clock_nanosleep|sched_yield|pthread_yield|thrd_yield|exit|_exit|_Exit|abort|free|getpid|getppid|gettid|alarm|pause|marker\w*|break\w*|stop\w*|dummy\w*)$/;

/**
 * Does the routine do work worth overlapping: a loop with calls in it, or a
 * call of something other than logging, sleeping, yielding or exiting
 * (itself or through the file's functions)? A thread that only sleeps,
 * prints or stops is made for its own sake.
 */
function doesWork(name: string, file: FileModel, depth: number, seen: Set<string>): boolean {
  if (depth > 3 || seen.has(name)) return false;
  seen.add(name);
  const entry = file.functionNamed(name);
  const fn = entry ? file.model(entry) : undefined;
  if (!fn) return true;
  for (const site of fn.calls) {
    if (site.name && NOT_WORK.test(site.name)) continue;
    if (site.name && file.functionNamed(site.name)) {
      if (doesWork(site.name, file, depth + 1, seen)) return true;
      continue;
    }
    return true;
  }
  // A loop of its own that computes (assignments, no calls) is work too; one that only waits or spins is not.
  let computes = false;
  forEachStmt(fn.ir.body, (st) => {
    if (!isLoop(st) || computes) return;
    forEachExprIn(st.body, (e) => {
      if (e.kind === 'assign' || e.kind === 'update') computes = true;
    });
  });
  return computes;
}

/** The same by name, for wrappers and families: `xpthread_sigmask`, `sigfillset`, `TEST_STACK_ALIGN`, `flockfile`. */
const THREAD_SEMANTICS_NAME =
  /^(?:__|x)?pthread_|^mtx_|^cnd_|^sem_|^tss_|^thrd_|(?:^|_)sig[a-z]*(?:_|$)|^sig|getpid|getppid|gettid|fork|^exec[lv]|spawn|context|jmp|affinity|^sched_|cancel|stack|STACK|lockfile|locale|current_thread|thread_self/;

const THREAD_LOCAL = /\b(?:__thread|_Thread_local|thread_local)\b/;

/** The join is in the same iteration of the same loops as the creation. */
function sameLoops(create: ThreadCreate, join: CfgNode): boolean {
  return join.loops.length === create.loops.length && join.loops.every((l, i) => l === create.loops[i]);
}

/** Does the creating thread do something worth overlapping at this node? */
function isWork(node: CfgNode, create: ThreadCreate, summary: FunctionSummary): boolean {
  // A loop between the two (not around both) repeats work.
  if (node.loops.length > create.loops.length) return true;
  const event = node.event;
  if (!event) return false;
  if (event.kind === 'unknown') return true;
  if (event.calls.some((c) => !(c.name && TRIVIAL.has(c.name)))) return true;
  // Writing storage other than the function's own variables hands something over: not a trivial step.
  const shared = argTarget(create)?.root;
  return summary.accesses.some(
    (a) => a.node === node && a.kind !== 'read' && !a.declaration && (a.place.root === shared || (!a.place.root.startsWith('l:') && !a.place.root.startsWith('v:'))),
  );
}
