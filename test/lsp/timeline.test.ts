/**
 * The `copyscope/timeline` request and the "Show timeline" code action over
 * the real protocol: the timeline of the function at a position, the change
 * of the finding there, updates after an edit, errors as answers, and the
 * code action only for clients that can show the panel.
 */
import Ajv from 'ajv';
import { afterEach, describe, expect, it } from 'vitest';
import schema from '../../server/src/simulate/timeline.schema.json';
import { SHOW_TIMELINE_COMMAND, TIMELINE_REQUEST, type TimelineParams, type TimelineResponse } from '../../server/src/lsp/timelineProtocol';
import { startTestServer, type TestClient } from './harness';
import { RELAY_PROGRAM } from '../helpers/engine';

const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);
const URI = 'file:///virtual/server.c';
const TEXT = RELAY_PROGRAM;

let client: TestClient | undefined;
afterEach(async () => {
  await client?.shutdown();
  client = undefined;
});

function request(c: TestClient, params: Partial<TimelineParams> & { position: TimelineParams['position'] }): Promise<TimelineResponse> {
  return c.rpc.sendRequest(TIMELINE_REQUEST, { textDocument: { uri: URI }, ...params }) as Promise<TimelineResponse>;
}

describe('copyscope/timeline', () => {
  it('answers with both schedules for the finding at the position, valid against the schema', async () => {
    client = await startTestServer();
    client.open(URI, TEXT);
    await client.diagnostics(URI);
    const r = await request(client, { position: { line: 7, character: 12 }, assume: ['bytes=256MiB'] });
    if (!r.ok) throw new Error(r.error);
    expect(validate(r.view.timeline), JSON.stringify(validate.errors)).toBe(true);
    expect(r.view.version).toBe(1);
    expect(r.view.timeline.subject).toMatchObject({ functionName: 'relay', line: 7, change: { ruleId: 'zerocopy/read-write-loop' } });
    expect(r.view.timeline.asWritten.totals.iterations).toBe(4096);
    expect(r.view.timeline.withChange!.totals.cpuCopies).toBeLessThan(r.view.timeline.asWritten.totals.cpuCopies);
    // Lines for the spans' source ranges, for tooltips.
    const readOffset = TEXT.indexOf('read(in');
    expect(r.view.lines[String(readOffset)]).toBe(7);
  });

  it('follows the document: an edited loop gives a new timeline for the new version', async () => {
    client = await startTestServer();
    client.open(URI, TEXT);
    await client.diagnostics(URI);
    const start = TEXT.indexOf('65536');
    client.edit(URI, start, start + 5, '4096');
    const r = await request(client, { position: { line: 6, character: 4 } });
    if (!r.ok) throw new Error(r.error);
    expect(r.view.version).toBe(2);
    expect(r.view.timeline.assumptions.chunkBytes).toBe(4096);
  });

  it('turns errors into answers: outside any function, a bad profile', async () => {
    client = await startTestServer();
    client.open(URI, TEXT);
    await client.diagnostics(URI);
    expect(await request(client, { position: { line: 0, character: 0 } })).toEqual({ ok: false, error: 'line 1 is not inside a function' });
    const bad = await request(client, { position: { line: 6, character: 4 }, profile: { nicGBps: 0 }, profileSource: 'my-profile.json' });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toMatch(/my-profile\.json: nicGBps must be > 0/);
    const closed = await client.rpc.sendRequest(TIMELINE_REQUEST, { textDocument: { uri: 'file:///virtual/other.c' }, position: { line: 0, character: 0 } });
    expect(closed).toEqual({ ok: false, error: 'the document is not open in the language server' });
  });
});

describe('"Show timeline" code action', () => {
  it('is offered with the simulated gain for findings with a scenario, to clients that can show it', async () => {
    client = await startTestServer({ initializationOptions: { showTimeline: true } });
    client.open(URI, TEXT);
    const diags = await client.diagnostics(URI);
    const relay = diags.find((d) => d.code === 'zerocopy/read-write-loop')!;
    expect(relay.message).toMatch(/; simulated: /);
    const actions = await client.codeActions(URI, relay.range, [relay]);
    const show = actions.find((a) => a.command?.command === SHOW_TIMELINE_COMMAND);
    expect(show?.title).toMatch(/^Show timeline: .*less CPU time/);
    expect(show?.command?.arguments).toEqual([URI, relay.range.start, 'zerocopy/read-write-loop']);
  });

  it('is not offered to other clients (Neovim, Helix: they have no panel)', async () => {
    client = await startTestServer();
    client.open(URI, TEXT);
    const relay = (await client.diagnostics(URI)).find((d) => d.code === 'zerocopy/read-write-loop')!;
    const actions = await client.codeActions(URI, relay.range, [relay]);
    expect(actions.some((a) => a.command?.command === SHOW_TIMELINE_COMMAND)).toBe(false);
  });
});
