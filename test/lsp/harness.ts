// An in-process LSP client for the CopyScope server: the server runs on one
// end of a pair of in-memory streams, a JSON-RPC client on the other, so tests
// exercise the real protocol (initialize, incremental didChange, requests,
// publishDiagnostics with versions) without spawning a process.
import { PassThrough } from 'node:stream';
import {
  createConnection,
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type CodeAction,
  type Diagnostic,
  type Hover,
  type InitializeParams,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type Range,
  type ShowMessageParams,
  type TextDocumentContentChangeEvent,
  type WorkspaceEdit,
} from 'vscode-languageserver/node';
import { loadNodeSyntax } from '../../server/src/host';
import { startServer } from '../../server/src/lsp/server';
import type { Rule } from '../../server/src/engine/rule';
import { LineIndex } from '../../server/src/syntax/lineIndex';
import type { CSyntax } from '../../server/src/syntax/treeSitter';

let syntaxPromise: Promise<CSyntax> | undefined;
export function testSyntax(): Promise<CSyntax> {
  syntaxPromise ??= loadNodeSyntax();
  return syntaxPromise;
}

export interface HarnessOptions {
  workspaceFolders?: { uri: string; name: string }[];
  /** Answers workspace/configuration for the `copyscope` section (null: client has nothing). */
  settings?: (scopeUri: string | undefined) => unknown;
  initializationOptions?: Record<string, unknown>;
  /** Rules instead of the registry. */
  rules?: readonly Rule[];
}

export interface Published extends PublishDiagnosticsParams {
  seq: number;
}

export class TestClient {
  readonly published: Published[] = [];
  readonly messages: ShowMessageParams[] = [];
  readonly texts = new Map<string, string>();
  readonly versions = new Map<string, number>();
  private waiters: (() => void)[] = [];
  private seq = 0;

  constructor(readonly rpc: ProtocolConnection) {
    rpc.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      this.published.push({ ...p, seq: ++this.seq });
      this.wake();
    });
    rpc.onNotification('window/showMessage', (m: ShowMessageParams) => {
      this.messages.push(m);
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves when `predicate` holds (checked now and after every notification). */
  async until<T>(predicate: () => T | undefined | false, timeoutMs = 10000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = predicate();
      if (v) return v;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for the server');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The diagnostics published for `uri` at its current version (waits for them). */
  async diagnostics(uri: string, afterSeq = 0): Promise<Diagnostic[]> {
    const version = this.versions.get(uri);
    const p = await this.until(() =>
      [...this.published].reverse().find((x) => x.uri === uri && x.seq > afterSeq && (version === undefined || x.version === version || x.version === undefined)),
    );
    return p.diagnostics;
  }

  lastSeq(): number {
    return this.seq;
  }

  open(uri: string, text: string, version = 1): void {
    this.texts.set(uri, text);
    this.versions.set(uri, version);
    void this.rpc.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version, text } });
  }

  close(uri: string): void {
    this.texts.delete(uri);
    this.versions.delete(uri);
    void this.rpc.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  /** Replaces [start, end) (offsets into the current text) with `newText`, as an incremental change. */
  edit(uri: string, start: number, end: number, newText: string): void {
    const text = this.texts.get(uri)!;
    const lines = new LineIndex(text);
    const change: TextDocumentContentChangeEvent = {
      range: { start: lines.positionAt(start), end: lines.positionAt(end) },
      text: newText,
    };
    this.sendChanges(uri, [change], text.slice(0, start) + newText + text.slice(end));
  }

  replaceAll(uri: string, text: string): void {
    this.sendChanges(uri, [{ text }], text);
  }

  private sendChanges(uri: string, contentChanges: TextDocumentContentChangeEvent[], newText: string): void {
    const version = this.versions.get(uri)! + 1;
    this.versions.set(uri, version);
    this.texts.set(uri, newText);
    void this.rpc.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges });
  }

  /** Applies a WorkspaceEdit to the mirrored text and sends it as one didChange, as an editor would. */
  applyEdit(edit: WorkspaceEdit): void {
    for (const dc of edit.documentChanges ?? []) {
      if (!('textDocument' in dc)) throw new Error('unexpected resource operation');
      const uri = dc.textDocument.uri;
      if (dc.textDocument.version !== null && dc.textDocument.version !== this.versions.get(uri)) {
        throw new Error(`edit for version ${dc.textDocument.version}, document is at ${this.versions.get(uri)}`);
      }
      const text = this.texts.get(uri)!;
      const lines = new LineIndex(text);
      const edits = dc.edits
        .map((e) => ({ start: lines.offsetAt(e.range.start), end: lines.offsetAt(e.range.end), text: e.newText }))
        .sort((a, b) => b.start - a.start);
      const changes: TextDocumentContentChangeEvent[] = [];
      let cur = text;
      for (const e of edits) {
        const l = new LineIndex(cur);
        changes.push({ range: { start: l.positionAt(e.start), end: l.positionAt(e.end) }, text: e.text });
        cur = cur.slice(0, e.start) + e.text + cur.slice(e.end);
      }
      this.sendChanges(uri, changes, cur);
    }
  }

  codeActions(uri: string, range: Range, diagnostics: Diagnostic[] = [], only?: string[]): Promise<CodeAction[]> {
    return this.rpc.sendRequest('textDocument/codeAction', {
      textDocument: { uri },
      range,
      context: { diagnostics, ...(only ? { only } : {}) },
    }) as Promise<CodeAction[]>;
  }

  hover(uri: string, position: { line: number; character: number }): Promise<Hover | null> {
    return this.rpc.sendRequest('textDocument/hover', { textDocument: { uri }, position }) as Promise<Hover | null>;
  }

  async shutdown(): Promise<void> {
    await this.rpc.sendRequest('shutdown');
    this.rpc.dispose();
  }
}

export async function startTestServer(options: HarnessOptions = {}): Promise<TestClient> {
  const syntax = await testSyntax();
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const serverConnection = createConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient));
  startServer(serverConnection, { syntax, version: 'test', ...(options.rules ? { rules: options.rules } : {}) });
  serverConnection.listen();

  const rpc = createProtocolConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
  const client = new TestClient(rpc);
  rpc.onRequest('workspace/configuration', (params: { items: { scopeUri?: string; section?: string }[] }) =>
    params.items.map((i) => (options.settings ? options.settings(i.scopeUri) : null)),
  );
  rpc.onRequest('client/registerCapability', () => null);
  rpc.onRequest('window/workDoneProgress/create', () => null);
  rpc.onNotification('window/logMessage', () => undefined);
  rpc.onNotification('$/progress', () => undefined);
  rpc.listen();

  const init: InitializeParams = {
    processId: process.pid,
    rootUri: options.workspaceFolders?.[0]?.uri ?? null,
    workspaceFolders: options.workspaceFolders ?? null,
    initializationOptions: { debounceMs: 0, ...options.initializationOptions },
    capabilities: {
      workspace: {
        configuration: true,
        workspaceFolders: true,
        didChangeWatchedFiles: { dynamicRegistration: true },
        didChangeConfiguration: { dynamicRegistration: true },
      },
      textDocument: {
        publishDiagnostics: { relatedInformation: true, versionSupport: true, codeDescriptionSupport: true },
        codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'source', 'source.fixAll'] } } },
        hover: { contentFormat: ['markdown', 'plaintext'] },
      },
      window: { workDoneProgress: true },
    },
  };
  await rpc.sendRequest('initialize', init);
  await rpc.sendNotification('initialized', {});
  return client;
}

/** Offset of the `n`th (0-based) occurrence of `needle` in `text`. */
export function offsetOf(text: string, needle: string, n = 0): number {
  let i = -1;
  for (let k = 0; k <= n; k++) {
    i = text.indexOf(needle, i + 1);
    if (i < 0) throw new Error(`'${needle}' #${n} not found`);
  }
  return i;
}
