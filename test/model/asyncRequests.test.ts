/**
 * The asynchronous request model: which requests exist, their buffers, and
 * their state before chosen statements, through error paths, polling loops,
 * waits, reaping, cancellation, lists and io_uring rings.
 */
import { describe, expect, it } from 'vitest';
import { asyncModelOf, CANCELLING, DONE, FAILED, IDLE, INFLIGHT, PREPARED, REAPED, STALE, UNKNOWN, type AsyncModel } from '../../server/src/model/asyncRequests';
import { FileModel } from '../../server/src/model/fileModel';
import { syntax } from '../helpers/engine';

const PRELUDE = '#include <aio.h>\n#include <errno.h>\n#include <stdlib.h>\n#include <string.h>\n';

async function modelOf(body: string): Promise<{ model: AsyncModel; text: string }> {
  const text = PRELUDE + body;
  const tree = (await syntax()).parse(text);
  try {
    const file = new FileModel(text, tree);
    const entry = file.functions[file.functions.length - 1]!;
    const fn = file.model(entry)!;
    const model = asyncModelOf(fn)!;
    expect(model).toBeDefined();
    return { model, text };
  } finally {
    tree.delete();
  }
}

const NAMES: [number, string][] = [[IDLE, 'idle'], [PREPARED, 'prepared'], [INFLIGHT, 'inflight'], [DONE, 'done'], [FAILED, 'failed'], [REAPED, 'reaped'], [CANCELLING, 'cancelling'], [UNKNOWN, 'unknown'], [STALE, 'stale']];

function names(mask: number): string {
  return NAMES.filter(([bit]) => mask & bit).map(([, n]) => n).join('|');
}

/** State of request `index` before the event node whose text starts with `snippet`. */
function stateBefore(m: { model: AsyncModel; text: string }, snippet: string, index = 0): string {
  const { model, text } = m;
  const node = model.cfg.nodes.find((n) => n.event && text.slice(n.event.range.start, n.event.range.end).startsWith(snippet));
  if (!node) throw new Error(`no node '${snippet}'`);
  const facts = model.before(node);
  return facts ? names(facts.masks[index]!) : 'unreached';
}

function stateAtExit(m: { model: AsyncModel }, index = 0): string {
  const facts = m.model.before(m.model.cfg.exit);
  return facts ? names(facts.masks[index]!) : 'unreached';
}

describe('async requests: AIO', () => {
  it('finds the request, its control block and its buffer', async () => {
    const m = await modelOf(`
int f(int fd) {
    char buf[4096];
    struct aiocb cb;
    memset(&cb, 0, sizeof cb);
    cb.aio_fildes = fd;
    cb.aio_buf = buf;
    cb.aio_nbytes = sizeof buf;
    if (aio_read(&cb) == -1) return -1;
    mark();
    while (aio_error(&cb) == EINPROGRESS) ;
    after_poll();
    return aio_return(&cb);
}`);
    const [r] = m.model.requests;
    expect(m.model.requests.length).toBe(1);
    expect(r).toMatchObject({ api: 'aio', op: 'read', key: 'cb', controlOnStack: true });
    expect(r!.buffer).toMatchObject({ key: 'buf', root: 'buf', onStack: true });
    expect(m.model.controlEscapes(r!)).toBe(false);
    expect(stateBefore(m, 'mark()')).toBe('inflight');
    expect(stateBefore(m, '-1')).toBe('idle');
    expect(stateBefore(m, 'after_poll()')).toBe('done');
    expect(stateAtExit(m)).toBe('idle|reaped');
  });

  it('error paths: < 0, goto, a result kept in a variable, negated tests', async () => {
    const m = await modelOf(`
int f(struct aiocb *unused) {
    struct aiocb a, b, c;
    int r;
    if (aio_read(&a) < 0) goto fail;
    r = aio_write(&b);
    if (r != 0) { cleanup(); return -1; }
    if (!aio_read(&c)) ok();
    work();
    return 0;
fail:
    failed();
    return -1;
}`);
    expect(stateBefore(m, 'failed()', 0)).toBe('idle');
    expect(stateBefore(m, 'cleanup()', 1)).toBe('idle');
    expect(stateBefore(m, 'ok()', 2)).toBe('inflight');
    expect(stateBefore(m, 'work()', 2)).toBe('idle|inflight');
    expect(stateBefore(m, 'work()', 0)).toBe('inflight');
  });

  it('aio_suspend on a list, with its result checked', async () => {
    const m = await modelOf(`
int f(void) {
    struct aiocb cb;
    const struct aiocb *list[1] = { &cb };
    struct timespec ts = { 1, 0 };
    aio_read(&cb);
    if (aio_suspend(list, 1, &ts) != 0) { timed_out(); return -1; }
    completed();
    aio_return(&cb);
    return 0;
}`);
    expect(stateBefore(m, 'timed_out()')).toBe('inflight');
    expect(stateBefore(m, 'completed()')).toBe('done');
    expect(m.model.controlEscapes(m.model.requests[0]!)).toBe(false);
  });

  it('compound-literal lists and pointers aliasing the control block', async () => {
    const m = await modelOf(`
void f(void) {
    struct aiocb cb;
    struct aiocb *p = &cb;
    aio_read(p);
    aio_suspend((const struct aiocb *const[]){ &cb }, 1, NULL);
    waited();
    aio_return(&cb);
}`);
    expect(m.model.requests[0]!.key).toBe('cb');
    expect(stateBefore(m, 'waited()')).toBe('done');
    expect(stateAtExit(m)).toBe('reaped');
  });

  it('aio_error held in a variable, loops with break, switch on aio_error', async () => {
    const m = await modelOf(`
void f(void) {
    struct aiocb cb;
    aio_read(&cb);
    for (;;) {
        int e = aio_error(&cb);
        if (e != EINPROGRESS) break;
        spin();
    }
    first();
    switch (aio_error(&cb)) {
    case 0: ok(); break;
    case EINPROGRESS: still(); break;
    default: bad(); break;
    }
}`);
    expect(stateBefore(m, 'spin()')).toBe('inflight');
    expect(stateBefore(m, 'first()')).toBe('done');
    expect(stateBefore(m, 'ok()')).toBe('done');
    // A completed request cannot be in progress again: the contradiction keeps what was known.
    expect(stateBefore(m, 'still()')).toBe('done');
    expect(stateBefore(m, 'bad()')).toBe('done');
  });

  it('aio_error == 0 completes; != 0 leaves it possibly in flight; a result observed as an error is FAILED', async () => {
    const m = await modelOf(`
void f(void) {
    struct aiocb cb;
    aio_read(&cb);
    if (aio_error(&cb) == 0) { ok(); }
    else { maybe(); }
    while (aio_error(&cb) == EINPROGRESS) ;
    if (aio_error(&cb) != 0) { failed(); return; }
    aio_return(&cb);
}`);
    expect(stateBefore(m, 'ok()')).toBe('done');
    expect(stateBefore(m, 'maybe()')).toBe('inflight|failed');
    expect(stateBefore(m, 'failed()')).toBe('failed');
  });

  it('aio_cancel: unchecked leaves it cancelling; AIO_CANCELED completes; AIO_NOTCANCELED keeps it in flight', async () => {
    const m = await modelOf(`
void f(int fd) {
    struct aiocb cb;
    aio_read(&cb);
    int r = aio_cancel(fd, &cb);
    check();
    if (r == AIO_NOTCANCELED) { wait_more(); }
    else { gone(); }
}`);
    expect(stateBefore(m, 'check()')).toBe('cancelling');
    expect(stateBefore(m, 'wait_more()')).toBe('inflight');
    expect(stateBefore(m, 'gone()')).toBe('done|cancelling');
  });

  it('lio_listio: one request per listed control block; LIO_WAIT completes them', async () => {
    const m = await modelOf(`
void f(void) {
    struct aiocb a, b;
    struct aiocb *list[2];
    a.aio_lio_opcode = LIO_READ;
    b.aio_lio_opcode = LIO_WRITE;
    list[0] = &a;
    list[1] = &b;
    lio_listio(LIO_NOWAIT, list, 2, NULL);
    between();
    lio_listio(LIO_WAIT, list, 2, NULL);
    after();
}`);
    expect(m.model.requests.map((r) => `${r.key}:${r.op}:${r.synchronous}`)).toEqual(['a:read:false', 'b:write:false', 'a:read:true', 'b:write:true']);
    expect(stateBefore(m, 'between()', 0)).toBe('inflight');
    expect(stateBefore(m, 'after()', 2)).toBe('done');
  });

  it('a control block handed to an unknown function, or a changed index, is no longer followed', async () => {
    const m = await modelOf(`
void f(struct aiocb *cbs, int n) {
    struct aiocb cb;
    aio_read(&cb);
    wait_for(&cb);
    after_helper();
    int i = 0;
    aio_read(&cbs[i]);
    i++;
    after_index();
}`);
    expect(stateBefore(m, 'after_helper()', 0)).toBe('unknown');
    expect(stateBefore(m, 'after_index()', 1)).toBe('unknown');
    expect(m.model.controlEscapes(m.model.requests[1]!)).toBe(true);
  });

  it('a reassigned buffer pointer is STALE', async () => {
    const m = await modelOf(`
void f(char *buf, char *other) {
    struct aiocb cb;
    cb.aio_buf = buf;
    aio_read(&cb);
    buf = other;
    after();
}`);
    expect(stateBefore(m, 'after()')).toBe('inflight|stale');
  });

  it('designated initialisers and malloc buffers', async () => {
    const m = await modelOf(`
void f(int fd, char *data) {
    struct aiocb cb = { .aio_fildes = fd, .aio_buf = data, .aio_nbytes = 10 };
    struct aiocb d;
    d.aio_buf = malloc(64);
    aio_write(&cb);
    aio_read(&d);
}`);
    expect(m.model.requests.map((r) => r.buffer?.key)).toEqual(['data', 'd.aio_buf']);
    expect(m.model.requests.map((r) => r.op)).toEqual(['write', 'read']);
  });

  it('escapes: stored in a struct, returned, or a parameter', async () => {
    const m = await modelOf(`
struct job { struct aiocb *cb; };
void f(struct job *j, struct aiocb *param) {
    struct aiocb local, kept;
    aio_read(&local);
    aio_read(&kept);
    j->cb = &kept;
    aio_read(param);
}`);
    const [local, kept, param] = m.model.requests;
    expect(m.model.controlEscapes(local!)).toBe(false);
    expect(m.model.controlEscapes(kept!)).toBe(true);
    expect(m.model.controlEscapes(param!)).toBe(true);
  });
});

describe('async requests: io_uring', () => {
  it('prepared, in flight after submit, done after wait_cqe, reaped after cqe_seen', async () => {
    const m = await modelOf(`
#include <liburing.h>
int f(int fd, char *buf) {
    struct io_uring ring;
    struct io_uring_cqe *cqe;
    io_uring_queue_init(8, &ring, 0);
    struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
    io_uring_prep_read(sqe, fd, buf, 4096, 0);
    before_submit();
    io_uring_submit(&ring);
    in_flight();
    int ret = io_uring_wait_cqe(&ring, &cqe);
    if (ret < 0) { wait_failed(); return ret; }
    completed();
    io_uring_cqe_seen(&ring, cqe);
    io_uring_queue_exit(&ring);
    return 0;
}`);
    const [r] = m.model.requests;
    expect(r).toMatchObject({ api: 'uring', op: 'read', ring: 'ring' });
    expect(r!.buffer?.key).toBe('buf');
    expect(stateBefore(m, 'before_submit()')).toBe('prepared');
    expect(stateBefore(m, 'in_flight()')).toBe('inflight');
    expect(stateBefore(m, 'wait_failed()')).toBe('inflight');
    expect(stateBefore(m, 'completed()')).toBe('done');
    expect(stateAtExit(m)).toBe('inflight|reaped');
  });
});
