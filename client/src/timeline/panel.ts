/**
 * The timeline panel: one webview showing the simulated timeline of a place
 * in a C document, as written and with the change of the finding there. It
 * asks the language server (`copyscope/timeline`) and follows the document:
 * after an edit the place is moved with the text and simulated again.
 *
 * Invariants:
 * - the webview runs only media/timeline.js (with a fresh nonce) and loads
 *   only media/ files through `asWebviewUri`; its Content-Security-Policy
 *   allows nothing else (no remote resources, no inline code or styles);
 * - one panel at a time: showing another place retargets it;
 * - a response for an older request is dropped, so a slow answer never
 *   replaces a newer one.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { TIMELINE_REQUEST, type TimelineParams, type TimelineResponse, type TimelineView } from '../../../server/src/lsp/timelineProtocol';
import { webviewHtml } from './html';
import type { FromWebview, ToWebview } from './messages';

/** Where the timeline looks: a document, an offset that moves with edits, and the finding's rule. */
interface Anchor {
  uri: string;
  offset: number;
  ruleId?: string;
}

const UPDATE_DELAY_MS = 300;

export class TimelinePanel {
  static readonly viewType = 'copyscope.timeline';
  private static current: TimelinePanel | undefined;

  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private pending: ToWebview[] = [];
  private requestSeq = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastView: TimelineView | undefined;

  /** Shows the timeline at `anchor`, in the open panel or a new one beside the editor. */
  static show(context: vscode.ExtensionContext, client: LanguageClient, anchor: Anchor): TimelinePanel {
    if (TimelinePanel.current) {
      TimelinePanel.current.panel.reveal(vscode.ViewColumn.Beside, true);
      TimelinePanel.current.retarget(anchor);
      return TimelinePanel.current;
    }
    const media = vscode.Uri.joinPath(context.extensionUri, 'media');
    const panel = vscode.window.createWebviewPanel(TimelinePanel.viewType, 'CopyScope Timeline', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: true,
      localResourceRoots: [media],
      retainContextWhenHidden: false,
    });
    TimelinePanel.current = new TimelinePanel(panel, media, client, anchor);
    return TimelinePanel.current;
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly media: vscode.Uri,
    private readonly client: LanguageClient,
    private anchor: Anchor,
  ) {
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: FromWebview) => this.onMessage(m)),
      vscode.workspace.onDidChangeTextDocument((e) => this.onEdit(e)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('copyscope.timeline')) this.schedule(0);
      }),
    );
    void this.update();
  }

  private retarget(anchor: Anchor): void {
    this.anchor = anchor;
    void this.update();
  }

  private dispose(): void {
    TimelinePanel.current = undefined;
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  private post(message: ToWebview): void {
    if (!this.ready) {
      this.pending.push(message);
      return;
    }
    void this.panel.webview.postMessage(message);
  }

  private onMessage(message: FromWebview): void {
    if (message.type === 'ready') {
      this.ready = true;
      for (const m of this.pending.splice(0)) void this.panel.webview.postMessage(m);
    } else if (message.type === 'reveal') {
      void this.reveal(message.start, message.end);
    }
  }

  /** Moves the anchor with the text and simulates again shortly after the last edit. */
  private onEdit(e: vscode.TextDocumentChangeEvent): void {
    if (e.document.uri.toString() !== this.anchor.uri || e.contentChanges.length === 0) return;
    for (const c of e.contentChanges) {
      if (c.rangeOffset + c.rangeLength <= this.anchor.offset) this.anchor.offset += c.text.length - c.rangeLength;
      else if (c.rangeOffset < this.anchor.offset) this.anchor.offset = c.rangeOffset;
    }
    this.schedule(UPDATE_DELAY_MS);
  }

  private schedule(delay: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.update();
    }, delay);
  }

  private async update(): Promise<void> {
    const seq = ++this.requestSeq;
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === this.anchor.uri);
    if (!document) {
      this.post({ type: 'status', text: 'The document is closed: open it again to update the timeline.', error: true });
      return;
    }
    this.post({ type: 'status', text: 'Simulating…' });
    let params: TimelineParams;
    try {
      params = {
        textDocument: { uri: this.anchor.uri },
        position: document.positionAt(this.anchor.offset),
        ...(this.anchor.ruleId ? { ruleId: this.anchor.ruleId } : {}),
        ...(await timelineSettings(document.uri)),
      };
    } catch (error) {
      this.post({ type: 'status', text: (error as Error).message, error: true });
      return;
    }
    let response: TimelineResponse;
    try {
      response = await this.client.sendRequest<TimelineResponse>(TIMELINE_REQUEST, params);
    } catch (error) {
      if (seq === this.requestSeq) this.post({ type: 'status', text: `The language server did not answer: ${(error as Error).message}`, error: true });
      return;
    }
    if (seq !== this.requestSeq) return; // a newer request is on its way
    if (!response.ok) {
      this.post({ type: 'status', text: response.error, error: true });
      return;
    }
    this.lastView = response.view;
    const subject = response.view.timeline.subject;
    this.panel.title = subject ? `Timeline: ${subject.functionName}` : 'CopyScope Timeline';
    this.post({ type: 'timeline', view: response.view });
  }

  /** Shows a span's source range in the editor of the timeline's document. */
  private async reveal(start: number, end: number): Promise<void> {
    const uri = vscode.Uri.parse(this.lastView?.uri ?? this.anchor.uri);
    const document = await vscode.workspace.openTextDocument(uri);
    const visible = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
    const range = new vscode.Range(document.positionAt(start), document.positionAt(end));
    const editor = await vscode.window.showTextDocument(document, { viewColumn: visible?.viewColumn ?? vscode.ViewColumn.One, selection: range, preserveFocus: false });
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  private html(): string {
    const webview = this.panel.webview;
    return webviewHtml({
      cspSource: webview.cspSource,
      nonce: randomBytes(18).toString('base64'),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.media, 'timeline.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.media, 'timeline.css')).toString(),
    });
  }
}

/** The copyscope.timeline settings as request parameters (the profile file read and parsed here). */
async function timelineSettings(resource: vscode.Uri): Promise<Pick<TimelineParams, 'assume' | 'profile' | 'profileSource'>> {
  const config = vscode.workspace.getConfiguration('copyscope.timeline', resource);
  const assume = (config.get<string>('assume') ?? '').split(/\s+/).filter((s) => s.length > 0);
  const profilePath = (config.get<string>('profile') ?? '').trim();
  if (!profilePath) return { assume };
  const folder = vscode.workspace.getWorkspaceFolder(resource);
  const file = path.isAbsolute(profilePath) || !folder ? profilePath : path.join(folder.uri.fsPath, profilePath);
  let profile: unknown;
  try {
    profile = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`copyscope.timeline.profile: cannot read ${file}: ${(error as Error).message}`);
  }
  return { assume, profile, profileSource: file };
}
