/**
 * The control-flow graph and its path queries, on small C functions: every
 * statement form, calls that do not return, branch facts on edges, and the
 * three queries rules ask.
 */
import { describe, expect, it } from 'vitest';
import { dumpCfg, edgeFact, type Cfg, type CfgNode } from '../../server/src/model/cfg';
import { FileModel } from '../../server/src/model/fileModel';
import type { FunctionModel } from '../../server/src/model/functionModel';
import { everyPathReaches, nodesBetween, pathAvoiding, reachesExitAvoiding, solveForward } from '../../server/src/model/paths';
import { syntax } from '../helpers/engine';

/** Parses `text`, builds the CFG of function `name` (the last one by default) while the tree is alive. */
async function cfgOf(text: string, name?: string): Promise<{ cfg: Cfg; fn: FunctionModel; text: string }> {
  const tree = (await syntax()).parse(text);
  try {
    const file = new FileModel(text, tree);
    const entry = name ? file.functionNamed(name)! : file.functions[file.functions.length - 1]!;
    const fn = file.model(entry)!;
    return { cfg: fn.cfg, fn, text };
  } finally {
    tree.delete();
  }
}

/** The event node whose text starts with `snippet`. */
function at(cfg: Cfg, text: string, snippet: string): CfgNode {
  const found = cfg.nodes.filter((n) => n.event && text.slice(n.event.range.start, n.event.range.end).startsWith(snippet));
  if (found.length !== 1) throw new Error(`${found.length} nodes start with '${snippet}'`);
  return found[0]!;
}

function starts(text: string, snippet: string): (n: CfgNode) => boolean {
  return (n) => n.event !== undefined && text.slice(n.event.range.start, n.event.range.end).startsWith(snippet);
}

describe('cfg: statements', () => {
  it('if/else joins, conditions split at && and !', async () => {
    const { cfg, text } = await cfgOf(`
int f(int a, int b) {
    if (a && !b) g(1); else g(2);
    return 0;
}`);
    expect(dumpCfg(cfg, text)).toBe([
      "entry -> test 'a'",
      'exit',
      "test 'a' -> [true] test 'b' | [false] expr 'g(2)'",
      "test 'b' -> [true] expr 'g(2)' | [false] expr 'g(1)'",
      "expr 'g(1)' -> return '0'",
      "expr 'g(2)' -> return '0'",
      "return '0' -> exit",
    ].join('\n'));
  });

  it('while, break and continue', async () => {
    const { cfg, text } = await cfgOf(`
void f(int n) {
    while (n > 0) {
        if (n == 3) break;
        if (n == 5) continue;
        n--;
    }
    done();
}`);
    expect(dumpCfg(cfg, text)).toBe([
      "entry -> test 'n > 0'",
      'exit',
      "test 'n > 0' -> [true] test 'n == 3' | [false] expr 'done()'",
      "test 'n == 3' -> [true] expr 'done()' | [false] test 'n == 5'",
      "test 'n == 5' -> [true] test 'n > 0' | [false] expr 'n--'",
      "expr 'n--' -> test 'n > 0'",
      "expr 'done()' -> exit",
    ].join('\n'));
    const loopTest = at(cfg, text, 'n > 0');
    expect(loopTest.loops.map((l) => l.kind)).toEqual(['while']);
    expect(at(cfg, text, 'done()').loops).toEqual([]);
  });

  it('do-while runs the body first; for has init, test, update; for (;;) only leaves by break', async () => {
    const { cfg, text } = await cfgOf(`
void f(int n) {
    do { a(); } while (n--);
    for (int i = 0; i < n; i++) b(i);
    for (;;) { if (c()) break; }
    d();
}`);
    expect(dumpCfg(cfg, text)).toBe([
      "entry -> expr 'a()'",
      'exit',
      "expr 'a()' -> test 'n--'",
      "test 'n--' -> [true] expr 'a()' | [false] decl 'i = 0'",
      "decl 'i = 0' -> test 'i < n'",
      "test 'i < n' -> [true] expr 'b(i)' | [false] test 'c()'",
      "expr 'b(i)' -> update 'i++'",
      "update 'i++' -> test 'i < n'",
      "test 'c()' -> [true] expr 'd()' | [false] test 'c()'",
      "expr 'd()' -> exit",
    ].join('\n'));
  });

  it('switch with fall-through, default and break', async () => {
    const { cfg, text } = await cfgOf(`
void f(int k) {
    switch (k) {
    case 1: a();
    case 2: b(); break;
    default: c();
    }
    d();
}`);
    expect(dumpCfg(cfg, text)).toBe([
      "entry -> switch 'k'",
      'exit',
      "switch 'k' -> [case 1] expr 'a()' | [case 2] expr 'b()' | [case default] expr 'c()'",
      "expr 'a()' -> expr 'b()'",
      "expr 'b()' -> expr 'd()'",
      "expr 'c()' -> expr 'd()'",
      "expr 'd()' -> exit",
    ].join('\n'));
  });

  it('a switch without default has a no-match edge past it', async () => {
    const { cfg, text } = await cfgOf(`
void f(int k) {
    switch (k) { case 1: a(); break; }
    d();
}`);
    expect(dumpCfg(cfg, text)).toContain("switch 'k' -> [case 1] expr 'a()' | [case default] expr 'd()'");
  });

  it('goto to labels forwards and backwards', async () => {
    const { cfg, text } = await cfgOf(`
int f(int fd) {
again:
    if (try_it(fd) < 0) goto fail;
    if (retry()) goto again;
    return 0;
fail:
    cleanup();
    return -1;
}`);
    expect(dumpCfg(cfg, text)).toBe([
      "entry -> test 'try_it(fd) < 0'",
      'exit',
      "test 'try_it(fd) < 0' -> [true] expr 'cleanup()' | [false] test 'retry()'",
      "test 'retry()' -> [true] test 'try_it(fd) < 0' | [false] return '0'",
      "return '0' -> exit",
      "expr 'cleanup()' -> return '-1'",
      "return '-1' -> exit",
    ].join('\n'));
  });

  it('calls that do not return go to trap; code after them is unreachable', async () => {
    const { cfg, text } = await cfgOf(`
#include <stdlib.h>
#include <assert.h>
static void die(const char *m) { perror(m); exit(1); }
int f(int x) {
    if (x < 0) { die("x"); x = 1; }
    if (x == 2) abort();
    if (x == 3) assert(0);
    if (x == 4) assert(x > 0);
    if (x == 5) (void)pthread_exit(0);
    return x;
}`, 'f');
    const dump = dumpCfg(cfg, text);
    expect(dump).toContain(`expr 'die("x")' -> trap`);
    expect(dump).not.toContain("x = 1");
    expect(dump).toContain("expr 'abort()' -> trap");
    expect(dump).toContain("expr 'assert(0)' -> trap");
    expect(dump).toContain("expr 'assert(x > 0)' -> test 'x == 5'");
    expect(dump).toContain("expr '(void)pthread_exit(0)' -> trap");
  });

  it('constant conditions: while (1) has no false edge, if (0) skips its branch', async () => {
    const { cfg, text } = await cfgOf(`
#define FOREVER 1
void f(void) {
    if (0) never();
    while (FOREVER) { if (g()) return; }
}`);
    const dump = dumpCfg(cfg, text);
    expect(dump).not.toContain('never');
    expect(dump).toContain("test 'g()' -> [true] return 'return;' | [false] test 'g()'");
  });

  it('unknown statements become events; nodeAt and nodeOf find events by offset', async () => {
    const { cfg, fn, text } = await cfgOf(`
void f(char *buf) {
    int n = read(0, buf, 10);
    __asm__ volatile("" ::: "memory");
    use(buf, n);
}`);
    const use = fn.calls.find((c) => c.name === 'use')!.call;
    expect(cfg.nodeOf(use)).toBe(at(cfg, text, 'use(buf, n)'));
    expect(cfg.nodeOf(use.args[0]!)).toBe(at(cfg, text, 'use(buf, n)'));
    expect(cfg.nodeAt(text.indexOf('read'))?.event?.kind).toBe('decl');
    expect(cfg.nodes.some((n) => n.event?.kind === 'unknown')).toBe(true);
    expect(at(cfg, text, 'use').event!.calls.map((c) => c.name)).toEqual(['use']);
    expect(at(cfg, text, 'n = read').event!.calls.map((c) => c.name)).toEqual(['read']);
  });

  it('calls are listed in evaluation order (arguments first)', async () => {
    const { cfg, text } = await cfgOf(`void f(void) { outer(inner1(), inner2(deep())); }`);
    expect(at(cfg, text, 'outer').event!.calls.map((c) => c.name)).toEqual(['inner1', 'deep', 'inner2', 'outer']);
  });

  it('never throws on broken code', async () => {
    const { cfg } = await cfgOf(`void f(void) { if (x { y(; } while ) { goto nowhere; } case 3: break; continue; }`);
    expect(cfg.nodes.length).toBeGreaterThan(3);
  });
});

describe('cfg: facts on edges', () => {
  it('normalises error checks of a submission', async () => {
    const { cfg, text } = await cfgOf(`
int f(struct aiocb *cb) {
    if (aio_read(cb) == -1) return -1;
    if (aio_write(cb) < 0) { return -2; }
    if (aio_fsync(O_SYNC, cb)) goto fail;
    if (-1 == aio_read(cb)) return -3;
    int r;
    if ((r = aio_write(cb)) != 0) return r;
    return 0;
fail:
    return -4;
}`);
    const facts = cfg.nodes.flatMap((n) => n.succs.map((e) => ({ e, f: edgeFact(e) }))).filter((x) => x.f && x.e.kind === 'true');
    const render = facts.map(({ f }) => `${f!.call?.name} ${f!.op} ${f!.valueNumber}${f!.assigned ? ` (${f!.assigned})` : ''}`);
    expect(render).toEqual(['aio_read == -1', 'aio_write < 0', 'aio_fsync != 0', 'aio_read == -1', 'aio_write != 0 (r)']);
    const falseFacts = cfg.nodes.flatMap((n) => n.succs).filter((e) => e.kind === 'false').map((e) => edgeFact(e)!);
    expect(falseFacts.map((f) => f.op)).toEqual(['!=', '>=', '==', '!=', '==']);
    expect(text).toContain('fail');
  });

  it('negation swaps the edges', async () => {
    const { cfg } = await cfgOf(`void f(struct aiocb *cb) { if (!aio_read(cb)) ok(); }`);
    const toOk = cfg.nodes.flatMap((n) => n.succs).find((e) => e.kind === 'false')!;
    // The leaf `aio_read(cb)` is false (== 0) on the way to ok().
    expect(edgeFact(toOk)).toMatchObject({ op: '==', valueNumber: 0 });
  });
});

describe('paths', () => {
  const source = `
#include <aio.h>
#include <errno.h>
int f(int fd, char *buf, int n) {
    struct aiocb cb;
    if (aio_read(&cb) == -1) return -1;
    work(n);
    if (n > 3) {
        while (aio_error(&cb) == EINPROGRESS) ;
        aio_return(&cb);
    }
    other();
    return 0;
}`;

  it('is there a path from A to the exit passing no B', async () => {
    const { cfg, text } = await cfgOf(source);
    const submit = at(cfg, text, 'aio_read');
    const isReturn = starts(text, 'aio_return');
    const path = reachesExitAvoiding(cfg, submit, isReturn);
    expect(path).toBeDefined();
    // The witness goes through the failure return or the n <= 3 branch.
    expect(path!.some((n) => n.event?.kind === 'return')).toBe(true);
    // Without the failure edge, it still escapes through `n > 3` false.
    const skipFailure = (e: { kind: string; from: CfgNode }) => !(e.from === submit && e.kind === 'true');
    const path2 = reachesExitAvoiding(cfg, submit, isReturn, { edge: skipFailure })!;
    expect(path2.map((n) => n.event && text.slice(n.event.range.start, n.event.range.end)).filter(Boolean)).toEqual(['work(n)', 'n > 3', 'other()', '0']);
  });

  it('does every path from A reach B', async () => {
    const { cfg, text } = await cfgOf(source);
    const submit = at(cfg, text, 'aio_read');
    expect(everyPathReaches(cfg, submit, starts(text, 'other()'), { edge: (e) => !(e.from === submit && e.kind === 'true') })).toBe(true);
    expect(everyPathReaches(cfg, submit, starts(text, 'other()'))).toBe(false);
    expect(everyPathReaches(cfg, submit, starts(text, 'aio_return'))).toBe(false);
  });

  it('what lies between A and B on some path', async () => {
    const { cfg, text } = await cfgOf(source);
    const between = nodesBetween(at(cfg, text, 'aio_read'), at(cfg, text, 'aio_return'));
    expect(between.map((n) => text.slice(n.event!.range.start, n.event!.range.end))).toEqual(['work(n)', 'n > 3', 'aio_error(&cb) == EINPROGRESS']);
  });

  it('pathAvoiding finds no path through an avoided node', async () => {
    const { cfg, text } = await cfgOf(source);
    expect(pathAvoiding(at(cfg, text, 'work'), at(cfg, text, 'aio_return'), starts(text, 'n > 3'))).toBeUndefined();
    expect(pathAvoiding(at(cfg, text, 'work'), at(cfg, text, 'aio_return'), () => false)).toBeDefined();
  });

  it('solveForward with an infeasible edge', async () => {
    const { cfg, text } = await cfgOf(source);
    const submit = at(cfg, text, 'aio_read');
    // Fact: has the request been submitted (and not failed)?
    const sol = solveForward<boolean>(cfg, {
      initial: false,
      transfer: (n, s) => (n === submit ? true : s),
      edge: (e, s) => (e.from === submit && e.kind === 'true' ? false : s),
      join: (a, b) => a || b,
      equals: (a, b) => a === b,
    });
    expect(sol.before.get(at(cfg, text, '-1'))).toBe(false);
    expect(sol.before.get(at(cfg, text, 'work'))).toBe(true);
    expect(sol.before.get(cfg.exit)).toBe(true);
  });
});
