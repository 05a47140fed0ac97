/**
 * Scenario from code and the rules' transformations: plans built from C
 * loops count what the design table says, assumptions come from comments
 * and settings, every scenario id a rule can emit has a transformation, and
 * each family's transformation changes the schedule the way its fix does.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { lint } from '../../server/src/engine/lint';
import { timeline, type TimelineTarget } from '../../server/src/engine/timeline';
import { loadNodeSyntax } from '../../server/src/host/nodeSyntax';
import { ruleById, rules } from '../../server/src/rules/index';
import { assumeComments, parseAssumptions, parseDuration, parseRate, parseSize } from '../../server/src/simulate/code/assumptions';
import { scenarioOfFinding } from '../../server/src/simulate/code/gains';
import { SCENARIO_TRANSFORMS } from '../../server/src/simulate/code/transforms';
import { defaultProfile, type Schedule, type Timeline } from '../../server/src/simulate/index';
import schema from '../../server/src/simulate/timeline.schema.json';
import { laneOverlaps } from './helpers';

const REPO = join(__dirname, '..', '..');
const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);

const HEADERS = '#include <aio.h>\n#include <errno.h>\n#include <fcntl.h>\n#include <pthread.h>\n#include <stdio.h>\n#include <string.h>\n#include <sys/mman.h>\n#include <sys/sendfile.h>\n#include <sys/socket.h>\n#include <unistd.h>\n';

/** A target, or `{ at: 'text' }` for the offset where that text starts. */
async function simulateCode(body: string, target: TimelineTarget | { at: string }, assume: string[] = []): Promise<Timeline> {
  const text = HEADERS + body;
  const where = 'at' in target ? { offset: text.indexOf(target.at) } : target;
  const result = timeline(await loadNodeSyntax(), text, where, { overrides: assume });
  if (!result.ok) throw new Error(result.error);
  expect(validate(JSON.parse(JSON.stringify(result.timeline))), JSON.stringify(validate.errors)).toBe(true);
  for (const schedule of [result.timeline.asWritten, result.timeline.withChange]) if (schedule) expect(laneOverlaps(schedule)).toEqual([]);
  return result.timeline;
}

/** Per iteration: switches, DMA copies, CPU copies. */
function perChunk(s: Schedule): [number, number, number] {
  const n = s.totals.iterations;
  return [s.totals.switches / n, s.totals.dmaCopies / n, s.totals.cpuCopies / n];
}

const RELAY = `
int relay(int in, int out) {
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0) {
        if (write(out, buf, n) != n)
            return -1;
    }
    return 0;
}
`;

describe('assumptions', () => {
  it('parses sizes, durations and rates', () => {
    expect(parseSize('64KiB')).toBe(65536);
    expect(parseSize('1GiB')).toBe(2 ** 30);
    expect(parseSize('1.5GB')).toBe(1.5e9);
    expect(parseSize('4096')).toBe(4096);
    expect(parseSize('12 parsecs')).toBeUndefined();
    expect(parseDuration('100us')).toBe(100_000);
    expect(parseDuration('2ms')).toBe(2e6);
    expect(parseRate('500MB/s')).toBeCloseTo(0.5);
  });

  it('reads key=value items and names the bad ones', () => {
    const parsed = parseAssumptions(['bytes=4GiB fd(in)=file fd(c->fd)=socket cache=warm', 'cost(work)=2ms', 'compute=1GB/s', 'colour=blue', 'cache=tepid']);
    expect(parsed.values).toEqual({ bytes: 4 * 2 ** 30, fd: { in: 'file', 'c->fd': 'socket' }, cache: 'warm', cost: { work: 2e6 }, compute: { gbps: 1 } });
    expect(parsed.problems.map((p) => p.item)).toEqual(['colour=blue', 'cache=tepid']);
  });

  it('finds copyscope: assume comments of both styles', () => {
    const comments = assumeComments('/* copyscope: assume bytes=1GiB\n * fd(out)=pipe */\nint x; // copyscope: assume nic=copy\n');
    expect(comments.map((c) => c.items)).toEqual([['bytes=1GiB', 'fd(out)=pipe'], ['nic=copy']]);
  });

  it('a comment in or above the function changes the iteration count and the endpoints', async () => {
    const t = await simulateCode(`/* copyscope: assume bytes=64MiB fd(out)=pipe */${RELAY}`, { functionName: 'relay' });
    expect(t.asWritten.totals.iterations).toBe(1024);
    expect(t.assumptions).toMatchObject({ totalBytes: 64 * 2 ** 20, chunkBytes: 65536, fdIn: 'file', fdOut: 'pipe' });
    expect(t.asWritten.lanes.map((l) => l.id)).not.toContain('nic');
  });

  it('states the defaults it used', async () => {
    const t = await simulateCode(RELAY, { functionName: 'relay' });
    const notes = t.assumptions.notes.join('\n');
    expect(notes).toMatch(/the loop moves 1 GiB in all \(assumed; bytes=SIZE to change\): 16384 iterations of 64 KiB/);
    expect(notes).toMatch(/'in' is taken to be a file/);
    expect(notes).toMatch(/'out' is taken to be a socket/);
    expect(t.subject).toMatchObject({ functionName: 'relay', line: 15, change: { ruleId: 'zerocopy/read-write-loop', scenario: 'read-write→sendfile' } });
  });

  it('CLI overrides win over comments', async () => {
    const t = await simulateCode(`/* copyscope: assume bytes=64MiB */${RELAY}`, { functionName: 'relay' }, ['bytes=128MiB']);
    expect(t.asWritten.totals.iterations).toBe(2048);
  });
});

describe('the design table, from code', () => {
  const cold = ['cache=cold', 'fd(in)=file', 'fd(out)=socket', 'bytes=16MiB'];

  it('read + write: 4 switches, 2 DMA, 2 CPU copies per chunk; sendfile 2/2/1; with scatter/gather 2/2/0', async () => {
    const copying = await simulateCode(RELAY, { functionName: 'relay' }, [...cold, 'nic=copy']);
    expect(perChunk(copying.asWritten)).toEqual([4, 2, 2]);
    expect(perChunk(copying.withChange!)).toEqual([2, 2, 1]);
    const sg = await simulateCode(RELAY, { functionName: 'relay' }, cold);
    expect(perChunk(sg.withChange!)).toEqual([2, 2, 0]);
  });

  it('mmap + write of each chunk: 4 switches, 2 DMA, 1 CPU copy', async () => {
    const t = await simulateCode(`
int send_mapped(int in, int out) {
    for (off_t off = 0;; off += 65536) {
        void *p = mmap(NULL, 65536, PROT_READ, MAP_PRIVATE | MAP_FIXED, in, off);
        write(out, p, 65536);
    }
}
`, { functionName: 'send_mapped' }, cold);
    expect(perChunk(t.asWritten)).toEqual([4, 2, 1]);
  });

  it('splice from a pipe: 2 switches per call, no CPU copy', async () => {
    const t = await simulateCode(`
void drain(int pipe_in, int sock) {
    for (;;) splice(pipe_in, NULL, sock, NULL, 65536, 0);
}
`, { functionName: 'drain' }, ['fd(pipe_in)=pipe', 'fd(sock)=socket', 'bytes=16MiB']);
    expect(perChunk(t.asWritten)).toEqual([2, 1, 0]);
  });
});

describe('transformations, per rule family', () => {
  it('every scenario id a rule emits on its fixtures has a transformation, and every zerocopy/ and overlap/ rule declares one', async () => {
    const syntax = await loadNodeSyntax();
    const missing: string[] = [];
    const dir = join(REPO, 'test', 'fixtures', 'rules');
    for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.c') && !/fixed\.c$/.test(f))) {
      for (const f of lint(syntax, readFileSync(join(dir, file), 'utf8'), { timeline: { gains: false } }).findings) {
        const scenario = scenarioOfFinding(f, ruleById(f.ruleId));
        if (scenario !== undefined && !SCENARIO_TRANSFORMS[scenario]) missing.push(`${file}: ${f.ruleId} names '${scenario}'`);
      }
    }
    expect(missing).toEqual([]);
    const undeclared = rules.filter((r) => /^(zerocopy|overlap)\//.test(r.id) && !r.scenario).map((r) => r.id);
    expect(undeclared).toEqual([]);
    for (const r of rules) if (r.scenario) expect(SCENARIO_TRANSFORMS[r.scenario], r.id).toBeDefined();
  });

  it('zerocopy/read-write-loop → sendfile: no CPU copy, half the switches, much less CPU time', async () => {
    const t = await simulateCode(RELAY, { functionName: 'relay' }, ['cache=warm']);
    expect(t.comparison!.cpuCopiesSaved).toBe(2 * t.asWritten.totals.iterations);
    expect(t.comparison!.switchesSaved).toBe(2 * t.asWritten.totals.iterations);
    expect(t.asWritten.totals.cpuBusyNs / t.withChange!.totals.cpuBusyNs).toBeGreaterThan(3);
    expect(t.withChange!.lanes[0]!.spans.some((s) => s.label === 'sendfile()')).toBe(true);
    expect(t.subject!.gain).toMatch(/2 fewer CPU copies and 2 fewer user\/kernel switches per 64 KiB chunk/);
  });

  it('zerocopy/read-write-loop through a cursor (partial writes): the write still pairs with its read', async () => {
    const t = await simulateCode(`
long copy_counting(int in, int out) {
    char buf[4096];
    long total = 0;
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n <= 0)
            break;
        char *p = buf;
        ssize_t left = n;
        while (left > 0) {
            ssize_t w = write(out, p, left);
            if (w < 0)
                return -1;
            p += w;
            left -= w;
        }
        total += n;
    }
    return total;
}
`, { functionName: 'copy_counting' }, ['bytes=4MiB']);
    expect(t.subject!.change?.ruleId).toBe('zerocopy/read-write-loop');
    expect(t.comparison!.cpuCopiesSaved).toBe(2 * 1024);
  });

  it('zerocopy/read-write-loop between two files → copy_file_range', async () => {
    const t = await simulateCode(`
int copy_file(const char *from, const char *to) {
    int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT, 0644);
    char buf[16384];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0)
        write(out, buf, n);
    return 0;
}
`.replace('#include', '#define _GNU_SOURCE\n#include'), { functionName: 'copy_file' }, ['cache=warm', 'bytes=64MiB']);
    expect(t.subject!.change?.scenario).toMatch(/^read-write→(copy-file-range|sendfile)$/);
    expect(t.withChange!.totals.cpuCopies).toBeLessThan(t.asWritten.totals.cpuCopies);
    // The setup opens both files once.
    expect(t.asWritten.lanes[0]!.spans.filter((s) => s.phase === 'setup' && s.label === 'open()')).toHaveLength(2);
  });

  it('zerocopy/socket-relay → splice through a pipe: no CPU copy', async () => {
    const t = await simulateCode(`
void proxy(int client, int upstream) {
    char buf[4096];
    ssize_t n;
    while ((n = recv(client, buf, sizeof buf, 0)) > 0)
        send(upstream, buf, n, 0);
}
`, { functionName: 'proxy' }, ['bytes=16MiB']);
    expect(t.subject!.change?.ruleId).toBe('zerocopy/socket-relay');
    expect(t.asWritten.totals.cpuCopies / t.asWritten.totals.iterations).toBe(2);
    expect(t.withChange!.totals.cpuCopies).toBe(0);
  });

  it('zerocopy/stdio-copy-loop → sendfile: the three copies go', async () => {
    const t = await simulateCode(`
int copy_streams(void) {
    FILE *in = fopen("a", "rb"), *out = fopen("b", "wb");
    char block[8192];
    size_t got;
    while ((got = fread(block, 1, sizeof block, in)) > 0)
        fwrite(block, 1, got, out);
    return 0;
}
`, { functionName: 'copy_streams' }, ['bytes=8MiB', 'cache=warm']);
    expect(t.asWritten.totals.cpuCopies / t.asWritten.totals.iterations).toBe(3);
    expect(t.withChange!.totals.cpuCopies).toBeLessThan(t.asWritten.totals.cpuCopies);
  });

  it('zerocopy/mmap-write → sendfile: the copy and the page faults go', async () => {
    const t = await simulateCode(`
int send_mapped(int client, const char *path) {
    int fd = open(path, O_RDONLY);
    void *map = mmap(NULL, 1 << 24, PROT_READ, MAP_PRIVATE, fd, 0);
    write(client, map, 1 << 24);
    munmap(map, 1 << 24);
    return 0;
}
`, { functionName: 'send_mapped' });
    expect(t.subject!.change?.ruleId).toBe('zerocopy/mmap-write');
    // One call moving 16 MiB is simulated as the kernel's loop over 64 KiB pieces.
    expect(t.asWritten.totals.iterations).toBe(256);
    expect(t.asWritten.totals.syscalls).toBe(4);
    expect(t.asWritten.totals.pageFaults).toBeGreaterThan(0);
    expect(t.withChange!.totals.pageFaults).toBe(0);
    expect(t.withChange!.totals.cpuCopies).toBe(0);
  });

  it('zerocopy/read-then-copy → read into the destination: one copy fewer per chunk', async () => {
    const t = await simulateCode(`
ssize_t fill(int fd, char *dst) {
    char tmp[4096];
    ssize_t n = read(fd, tmp, sizeof tmp);
    if (n <= 0)
        return n;
    memcpy(dst, tmp, n);
    return n;
}
`, { functionName: 'fill' }, ['cache=warm']);
    expect(t.subject!.change?.ruleId).toBe('zerocopy/read-then-copy');
    expect(t.comparison!.cpuCopiesSaved).toBe(1);
  });

  it('overlap/aio-busy-wait → aio_suspend: the spinning core is freed, at the price of a wake-up', async () => {
    const t = await simulateCode(`
ssize_t wait_spin(int fd, char *buf) {
    struct aiocb cb;
    memset(&cb, 0, sizeof cb);
    cb.aio_fildes = fd;
    cb.aio_buf = buf;
    cb.aio_nbytes = 65536;
    aio_read(&cb);
    while (aio_error(&cb) == EINPROGRESS)
        ;
    return aio_return(&cb);
}
`, { at: 'while (aio_error' });
    expect(t.subject!.change?.ruleId).toBe('overlap/aio-busy-wait');
    const spin = t.asWritten.lanes[0]!.spans.find((s) => s.kind === 'wait');
    expect(spin && spin.endNs - spin.startNs).toBeGreaterThan(50_000);
    expect(t.withChange!.lanes[0]!.spans.some((s) => s.kind === 'wakeup')).toBe(true);
    expect(t.asWritten.totals.cpuBusyNs / t.withChange!.totals.cpuBusyNs).toBeGreaterThan(5);
    expect(t.asWritten.lanes.map((l) => l.kind)).toContain('aio-helper');
  });

  it('overlap/aio-immediate-wait in a loop → double buffering: the helper reads the next chunk while the loop computes', async () => {
    const t = await simulateCode(`
long sum(const char *p, size_t n);
long per_chunk(int fd, char *buf) {
    struct aiocb cb;
    long total = 0;
    memset(&cb, 0, sizeof cb);
    cb.aio_fildes = fd;
    cb.aio_buf = buf;
    cb.aio_nbytes = 1 << 20;
    for (;;) {
        if (aio_read(&cb) != 0)
            break;
        const struct aiocb *const list[] = { &cb };
        aio_suspend(list, 1, NULL);
        ssize_t got = aio_return(&cb);
        if (got <= 0)
            break;
        total += sum(buf, got);
    }
    return total;
}
`, { functionName: 'per_chunk' }, ['bytes=64MiB', 'cache=cold', 'compute=1GB/s']);
    expect(t.subject!.change?.ruleId).toBe('overlap/aio-immediate-wait');
    expect(t.comparison!.speedup).toBeGreaterThan(1.3);
    // With the change, the helper's disk read of one chunk overlaps the computation on the previous one.
    const after = t.withChange!;
    const compute = after.lanes.find((l) => l.id === 'cpu0')!.spans.filter((s) => s.kind === 'compute' && s.phase === 'body');
    const disk = after.lanes.find((l) => l.id === 'disk')!.spans.filter((s) => s.phase === 'body');
    expect(compute.some((c) => disk.some((d) => d.startNs < c.endNs && c.startNs < d.endNs))).toBe(true);
  });

  it('overlap/serial-read-process-loop → double-buffered AIO: reading the next chunk overlaps processing this one', async () => {
    const t = await simulateCode(`
long process(const char *p, size_t n);
long sum_file(int fd) {
    static char buf[65536];
    long total = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        total += process(buf, (size_t)n);
    return total;
}
`, { functionName: 'sum_file' }, ['bytes=16MiB', 'cache=cold', 'compute=1GB/s']);
    expect(t.subject!.change?.ruleId).toBe('overlap/serial-read-process-loop');
    expect(t.withChange!.lanes.map((l) => l.kind)).toContain('aio-helper');
    expect(t.comparison!.speedup).toBeGreaterThan(1.3);
  });

  it('overlap/blocking-io-then-independent-work → read ahead: the independent work runs while the disk reads', async () => {
    const t = await simulateCode(`
void build_index(void);
void render(const char *page, size_t n);
void show_page(int fd) {
    char page[65536];
    ssize_t n = read(fd, page, sizeof page);
    if (n < 0)
        return;
    build_index();
    render(page, (size_t)n);
}
`, { functionName: 'show_page' }, ['cache=cold', 'cost(build_index)=100us']);
    expect(t.subject!.change?.ruleId).toBe('overlap/blocking-io-then-independent-work');
    expect(t.comparison!.speedup).toBeGreaterThan(1.2);
    const labels = t.withChange!.lanes[0]!.spans.map((s) => s.label);
    expect(labels.indexOf('build_index()')).toBeGreaterThanOrEqual(0);
    expect(labels.indexOf('build_index()')).toBeLessThan(labels.indexOf('aio_return()'));
  });

  it('overlap/create-then-join → call directly: no thread created or joined', async () => {
    const t = await simulateCode(`
void work(void);
static void *job(void *arg) { work(); return arg; }
void run_once(void) {
    pthread_t t;
    pthread_create(&t, NULL, job, NULL);
    pthread_join(t, NULL);
}
`, { functionName: 'run_once' }, ['cost(work)=50us']);
    expect(t.subject!.change?.ruleId).toBe('overlap/create-then-join');
    expect(t.asWritten.lanes.map((l) => l.id)).toEqual(['cpu0', 'cpu1']);
    expect(t.withChange!.lanes.map((l) => l.id)).toEqual(['cpu0']);
    const p = defaultProfile();
    expect(t.comparison!.wallSavedNs).toBeGreaterThanOrEqual(p.threadCreateNs + p.threadJoinNs);
  });

  it('overlap/create-then-join in a loop → create all, then join: the threads run side by side', async () => {
    const t = await simulateCode(`
void work(void);
static void *job(void *arg) { work(); return arg; }
void serial(void) {
    pthread_t t;
    for (int i = 0; i < 8; i++) {
        pthread_create(&t, NULL, job, NULL);
        pthread_join(t, NULL);
    }
}
`, { functionName: 'serial' }, ['cost(work)=200us']);
    expect(t.asWritten.totals.iterations).toBe(8);
    expect(t.withChange!.totals.iterations).toBe(1);
    expect(t.comparison!.speedup).toBeGreaterThan(1.1);
  });
});

describe('gains quoted in findings', () => {
  it('lint() appends the simulated gain to the message and keeps it in data.gain', async () => {
    const result = lint(await loadNodeSyntax(), HEADERS + RELAY);
    const f = result.findings.find((x) => x.ruleId === 'zerocopy/read-write-loop')!;
    expect(f.message).toMatch(/; simulated: .*less CPU time for 1 GiB$/);
    expect(f.data?.['gain']).toMatch(/per 64 KiB chunk \(simulated: 1 GiB, file to socket, profile 'default'\)$/);
    expect(result.ruleFailures).toEqual([]);
  });

  it('settings can turn the gains off', async () => {
    const result = lint(await loadNodeSyntax(), HEADERS + RELAY, { timeline: { gains: false } });
    expect(result.findings[0]!.message).not.toMatch(/simulated/);
    expect(result.findings[0]!.data?.['gain']).toBeUndefined();
  });

  it('a finding with nothing to simulate keeps its message', async () => {
    const result = lint(await loadNodeSyntax(), `${HEADERS}void f(char *b) { memcpy(b, b + 1, 10); }\n`);
    expect(result.findings.every((f) => !/simulated/.test(f.message))).toBe(true);
  });
});
