/**
 * The CopyScope language server: LSP in, engine calls, LSP out.
 *
 * Invariants:
 * - One SyntaxDocument (one incrementally edited tree) per open document,
 *   disposed on close; the text is synchronised incrementally.
 * - Analysis runs a short debounce after the last change arrived (the
 *   incremental re-parse counts towards it, and at least one more turn of
 *   the event loop passes, so changes already queued are applied first); diagnostics are
 *   published with the document version they were computed for, and never
 *   for a version that has since changed or a document that was closed.
 * - Code actions and hovers use the findings of the current version (the
 *   pending analysis is run first when the text changed since).
 * - Nothing here knows about C: findings, fixes and settings come from the
 *   engine; this module only adapts them (see convert.ts).
 * - A failure inside the engine is reported and never stops the server.
 */
import { readdir } from 'node:fs/promises';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CodeActionKind,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  MessageType,
  ShowMessageNotification,
  TextDocumentSyncKind,
  type CodeAction,
  type CodeActionParams,
  type Connection,
  type InitializeParams,
  type InitializeResult,
  type Range,
  type WorkspaceFolder,
} from 'vscode-languageserver';
import { applicableFix, applyFixes } from '../engine/fixes';
import { createLintCache, type LintCache } from '../engine/incremental';
import { lint } from '../engine/lint';
import type { Rule } from '../engine/rule';
import type { LintResult, TextEdit } from '../engine/types';
import { GitignoreStack, readSourceFile } from '../host';
import { rules as registry } from '../rules/index';
import { docsUrl } from '../rules/docs';
import { SyntaxDocument } from '../syntax/document';
import { LineIndex } from '../syntax/lineIndex';
import { ParserMemoryError, type CSyntax } from '../syntax/treeSitter';
import {
  FIX_ALL_KIND,
  editsBetween,
  findingsIn,
  fixAllAction,
  hoverFor,
  quickFixes,
  resultToDiagnostics,
  SOURCE,
  toOffsets,
  toRange,
  type ActionContext,
  type RuleInfo,
  type RuleLookup,
} from './convert';
import {
  LINT_FILES_REQUEST,
  LINT_WORKSPACE_COMMAND,
  type CopyScopeInitializationOptions,
  type LintFilesParams,
  type LintFilesResult,
} from './protocol';
import { SettingsResolver, uriToPath, type EffectiveSettings } from './settings';
import { registerTimeline } from './timeline';

export interface ServerOptions {
  /** The C syntax (web-tree-sitter + grammar), loaded once by the caller. */
  syntax: CSyntax;
  /** Server name and version for `initialize`. */
  version?: string;
  /** Rules to run instead of the registry (tests). */
  rules?: readonly Rule[];
}

interface OpenDocument {
  uri: string;
  version: number;
  doc: SyntaxDocument;
  /** Findings of functions an edit cannot affect are reused from the last analysis. */
  cache: LintCache;
  timer?: ReturnType<typeof setTimeout>;
  /** The last analysis and the version it was made for. */
  result?: { version: number; lint: LintResult; enabled: boolean };
}

const RULE_INFO = new Map<string, RuleInfo>(registry.map((r) => [r.id, { summary: r.summary, docsUrl: docsUrl(r.id) }]));
const ruleLookup: RuleLookup = (id) => RULE_INFO.get(id);
const C_FILE = /\.[ch]$/i;
const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', '.cache', 'dist', 'build']);

export function startServer(connection: Connection, options: ServerOptions): void {
  const { syntax } = options;
  const open = new Map<string, OpenDocument>();
  /** Closed files whose diagnostics were published by a workspace lint. */
  const diskLinted = new Set<string>();
  const failedRules = new Set<string>();
  /** Documents already reported as too large to parse. */
  const toldTooLarge = new Set<string>();
  /** Documents whose settings changed: their next analysis must not reuse the cached result. */
  const dirty = new Set<OpenDocument>();
  let debounceMs = 5;
  let canPullConfiguration = false;
  let canWatchDynamically = false;
  let canShowProgress = false;
  let folders: WorkspaceFolder[] = [];

  const settings = new SettingsResolver(
    {
      fetch: async (scopeUri) => {
        if (!canPullConfiguration) return null;
        return connection.workspace.getConfiguration({ scopeUri, section: 'copyscope' });
      },
    },
    (message) => {
      connection.console.error(message);
      void connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Error, message });
    },
  );

  // The timeline request and its code actions (lsp/timeline.ts).
  const timeline = registerTimeline(connection, {
    syntax,
    document: (uri) => {
      const e = open.get(uri);
      return e && { text: e.doc.text, version: e.version, tree: e.doc.tree, lines: e.doc.lineIndex };
    },
    settings: async (uri) => {
      const effective = await settings.resolve(uri);
      return effective.enable && !effective.ignored ? effective.lint : undefined;
    },
  });

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    timeline.initialize(params);
    const init = (params.initializationOptions ?? {}) as CopyScopeInitializationOptions;
    if (typeof init.debounceMs === 'number' && init.debounceMs >= 0) debounceMs = init.debounceMs;
    canPullConfiguration = params.capabilities.workspace?.configuration === true;
    canWatchDynamically = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    canShowProgress = params.capabilities.window?.workDoneProgress === true;
    folders = params.workspaceFolders ?? (params.rootUri ? [{ uri: params.rootUri, name: 'root' }] : []);
    settings.setFolders(folders.map((f) => f.uri));
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: false },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_KIND], resolveProvider: false },
        hoverProvider: true,
        executeCommandProvider: { commands: [LINT_WORKSPACE_COMMAND] },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'copyscope-language-server', ...(options.version ? { version: options.version } : {}) },
    };
  });

  connection.onInitialized(() => {
    if (canPullConfiguration) void connection.client.register(DidChangeConfigurationNotification.type, { section: 'copyscope' });
    if (canWatchDynamically) {
      void connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/.copyscope.json' }, { globPattern: '**/*.{c,h}' }] });
    }
    if (folders.length > 0) {
      connection.workspace.onDidChangeWorkspaceFolders((e) => {
        const removed = new Set(e.removed.map((f) => f.uri));
        folders = [...folders.filter((f) => !removed.has(f.uri)), ...e.added];
        settings.setFolders(folders.map((f) => f.uri));
        reanalyseAll();
      });
    }
  });

  connection.onDidChangeConfiguration((change) => {
    settings.setPushedSettings(change.settings);
    settings.invalidateEditorSettings();
    reanalyseAll();
  });

  connection.onDidChangeWatchedFiles(({ changes }) => {
    if (changes.some((c) => c.uri.endsWith('/.copyscope.json') || !C_FILE.test(c.uri))) {
      // A .copyscope.json created, changed or deleted: find and read them again.
      settings.invalidateFiles();
      reanalyseAll();
      return;
    }
    // A closed C file whose findings are shown changed on disk: lint it again
    // (a deleted one loses its findings). Open files follow their editor.
    for (const c of changes) {
      if (diskLinted.has(c.uri) && !open.has(c.uri)) safely(lintFromDisk(c.uri), c.uri);
    }
  });

  connection.onDidOpenTextDocument(({ textDocument }) => {
    const existing = open.get(textDocument.uri);
    if (existing) closeDocument(existing);
    // The parse refuses a text too large or too dense for its heap (ParserMemoryError), before or while it runs.
    let doc: SyntaxDocument;
    try {
      doc = new SyntaxDocument(syntax, textDocument.text);
    } catch (error) {
      if (!(error instanceof ParserMemoryError)) throw error;
      skipTooLarge(textDocument.uri, error.message);
      return;
    }
    const entry: OpenDocument = {
      uri: textDocument.uri,
      version: textDocument.version,
      doc,
      cache: createLintCache(),
    };
    open.set(textDocument.uri, entry);
    schedule(entry, 0);
  });

  connection.onDidChangeTextDocument(({ textDocument, contentChanges }) => {
    const arrived = performance.now();
    const entry = open.get(textDocument.uri);
    if (!entry) return;
    for (const change of contentChanges) {
      try {
        if ('range' in change) {
          const { start, end } = toOffsets(entry.doc.lineIndex, change.range);
          entry.doc.applyChange(start, end, change.text);
        } else {
          entry.doc.setText(change.text);
        }
      } catch (error) {
        if (!(error instanceof ParserMemoryError)) throw error;
        // A document that grows too large for the parser is dropped (its findings cleared) until it is reopened.
        skipTooLarge(entry.uri, error.message);
        closeDocument(entry);
        open.delete(entry.uri);
        return;
      }
    }
    entry.version = textDocument.version;
    schedule(entry, Math.max(1, debounceMs - (performance.now() - arrived)));
  });

  connection.onDidCloseTextDocument(({ textDocument }) => {
    const entry = open.get(textDocument.uri);
    if (!entry) return;
    closeDocument(entry);
    open.delete(textDocument.uri);
    if (diskLinted.has(textDocument.uri)) safely(lintFromDisk(textDocument.uri), textDocument.uri);
    else void connection.sendDiagnostics({ uri: textDocument.uri, diagnostics: [] });
  });

  connection.onHover(async ({ textDocument, position }) => {
    const entry = open.get(textDocument.uri);
    if (!entry) return null;
    const result = await currentResult(entry);
    if (!result || !result.enabled) return null;
    const lines = entry.doc.lineIndex;
    return hoverFor(lines, result.lint.findings, lines.offsetAt(position), ruleLookup);
  });

  connection.onCodeAction(async (params: CodeActionParams) => {
    const entry = open.get(params.textDocument.uri);
    if (!entry) return [];
    const result = await currentResult(entry);
    if (!result || !result.enabled) return [];
    const ctx: ActionContext = {
      uri: entry.uri,
      version: entry.version,
      text: entry.doc.text,
      lines: entry.doc.lineIndex,
      rules: ruleLookup,
    };
    const only = params.context.only;
    const wants = (kind: string) => !only || only.some((o) => kind === o || kind.startsWith(`${o}.`));
    const actions: CodeAction[] = [];
    if (wants(CodeActionKind.QuickFix)) {
      // The findings at the range, and those of the diagnostics the client
      // sends as context (a cursor at the end of a flagged line, for instance).
      const wanted = new Set(params.context.diagnostics.filter((d) => d.source === SOURCE).map((d) => `${d.code}@${rangeKey(d.range)}`));
      const inRange = new Set(findingsIn(result.lint.findings, toOffsets(ctx.lines, params.range)));
      const findings = result.lint.findings.filter(
        (f) => inRange.has(f) || wanted.has(`${f.ruleId}@${rangeKey(toRange(ctx.lines, f.range))}`),
      );
      actions.push(...quickFixes(ctx, findings), ...timeline.codeActions(ctx, findings));
    }
    // Fix-all only when asked for by kind (source actions, codeActionsOnSave).
    if (only && wants(FIX_ALL_KIND)) {
      const fixAll = fixAllAction(ctx, safeFixEdits(ctx.text, result.lint));
      if (fixAll) actions.push(fixAll);
    }
    return actions;
  });

  connection.onRequest(LINT_FILES_REQUEST, (params: LintFilesParams, token): Promise<LintFilesResult> =>
    lintClosedFiles(params.uris, () => token.isCancellationRequested),
  );

  connection.onExecuteCommand(async ({ command }) => {
    if (command !== LINT_WORKSPACE_COMMAND) return null;
    const files: string[] = [];
    for (const f of folders) {
      const dir = uriToPath(f.uri);
      if (dir) await collectCFiles(dir, files);
    }
    const progress = canShowProgress ? await connection.window.createWorkDoneProgress() : undefined;
    progress?.begin('CopyScope: linting workspace', 0, `${files.length} files`, true);
    const result = await lintClosedFiles(
      files.map((f) => pathToFileURL(f).toString()),
      () => progress?.token.isCancellationRequested ?? false,
      (done) => progress?.report(Math.round((100 * done) / files.length), `${done}/${files.length} files`),
    );
    progress?.done();
    return result;
  });

  /** Lints files from disk and publishes; open documents keep their live diagnostics, .gitignored files are skipped. */
  async function lintClosedFiles(uris: string[], cancelled: () => boolean, onFile?: (done: number) => void): Promise<LintFilesResult> {
    const out: LintFilesResult = { linted: 0, findings: 0, ignored: 0, failed: [] };
    const gitignored = gitignoreFilter();
    for (let i = 0; i < uris.length && !cancelled(); i++) {
      const uri = uris[i]!;
      // Open documents keep their live diagnostics.
      if (!open.has(uri)) {
        if (gitignored(uri)) out.ignored++;
        else {
          const r = await lintFromDisk(uri);
          if (typeof r === 'string') out.failed.push({ uri, reason: r });
          else {
            out.linted++;
            out.findings += r;
          }
        }
      }
      onFile?.(i + 1);
    }
    return out;
  }

  connection.onShutdown(() => {
    for (const entry of open.values()) closeDocument(entry);
    open.clear();
  });

  /**
   * Whether .gitignore files ignore a file, as `copyscope lint` decides for a
   * workspace folder named on its command line. Fresh per workspace lint, so
   * edited .gitignore files count.
   */
  function gitignoreFilter(): (uri: string) => boolean {
    const stack = new GitignoreStack();
    const roots = folders.map((f) => uriToPath(f.uri)).filter((p): p is string => p !== undefined);
    return (uri) => {
      const file = uriToPath(uri);
      if (!file) return false;
      const root = roots.filter((r) => file.startsWith(r + path.sep)).sort((a, b) => b.length - a.length)[0] ?? path.dirname(file);
      return stack.ignores(file, root);
    };
  }

  /** Background work must never take the server down: failures are logged. */
  function safely(work: Promise<unknown>, what: string): void {
    work.catch((error: unknown) => {
      connection.console.error(`CopyScope: internal error while analysing ${what}: ${error instanceof Error ? error.stack : String(error)}`);
    });
  }

  function schedule(entry: OpenDocument, delay: number): void {
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      safely(analyse(entry), entry.uri);
    }, delay);
  }

  /** Analyses the document as it is now and publishes, unless it changed or closed meanwhile. */
  async function analyse(entry: OpenDocument): Promise<OpenDocument['result']> {
    const version = entry.version;
    let effective: EffectiveSettings;
    try {
      effective = await settings.resolve(entry.uri);
    } catch (error) {
      connection.console.error(`CopyScope: could not resolve settings for ${entry.uri}: ${String(error)}`);
      return undefined;
    }
    // Settings are fetched asynchronously: the text may have moved on or the
    // document may have closed. The newer change has scheduled its own analysis.
    if (open.get(entry.uri) !== entry || entry.version !== version) return undefined;
    if (entry.result?.version === version && entry.timer === undefined && entry.result.enabled === (effective.enable && !effective.ignored) && !dirty.has(entry)) {
      return entry.result;
    }
    dirty.delete(entry);
    const enabled = effective.enable && !effective.ignored;
    const lintResult: LintResult = enabled
      ? lint(syntax, entry.doc.text, effective.lint, { tree: entry.doc.tree, lines: entry.doc.lineIndex, cache: entry.cache, ...(options.rules ? { rules: options.rules } : {}) })
      : { findings: [], ruleFailures: [], unusedDirectives: [], hasSyntaxErrors: false };
    reportRuleFailures(entry.uri, lintResult);
    entry.result = { version, lint: lintResult, enabled };
    void connection.sendDiagnostics({
      uri: entry.uri,
      version,
      diagnostics: resultToDiagnostics(entry.uri, entry.doc.lineIndex, lintResult, ruleLookup),
    });
    return entry.result;
  }

  /** The findings for the document's current version, analysing now if an analysis is pending. */
  async function currentResult(entry: OpenDocument): Promise<OpenDocument['result']> {
    if (entry.result?.version === entry.version && !entry.timer && !dirty.has(entry)) return entry.result;
    if (entry.timer) {
      clearTimeout(entry.timer);
      entry.timer = undefined;
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      const r = await analyse(entry);
      if (r && r.version === entry.version) return r;
      if (open.get(entry.uri) !== entry) return undefined;
    }
    return undefined;
  }

  function reanalyseAll(): void {
    for (const entry of open.values()) {
      dirty.add(entry);
      schedule(entry, 0);
    }
    const closed = [...diskLinted].filter((u) => !open.has(u));
    safely(
      (async () => {
        for (const uri of closed) await lintFromDisk(uri);
      })(),
      'closed files',
    );
  }

  /** Lints a closed file as saved on disk and publishes; returns the number of findings or why it failed. */
  async function lintFromDisk(uri: string): Promise<number | string> {
    const file = uriToPath(uri);
    if (!file) return 'not a file: URI';
    // Read as the CLI reads (binary files skipped, a BOM dropped as editors do).
    const read = readSourceFile(file);
    if (!read.ok) {
      diskLinted.delete(uri);
      void connection.sendDiagnostics({ uri, diagnostics: [] });
      return read.reason;
    }
    const text = read.text;
    const effective = await settings.resolve(uri);
    // Opened while we were reading: the live document's diagnostics win.
    if (open.has(uri)) return 0;
    let result: LintResult;
    try {
      result = effective.enable && !effective.ignored
        ? lint(syntax, text, effective.lint, options.rules ? { rules: options.rules } : {})
        : { findings: [], ruleFailures: [], unusedDirectives: [], hasSyntaxErrors: false };
    } catch (error) {
      if (!(error instanceof ParserMemoryError)) throw error;
      diskLinted.delete(uri);
      void connection.sendDiagnostics({ uri, diagnostics: [] });
      return error.message;
    }
    reportRuleFailures(uri, result);
    diskLinted.add(uri);
    void connection.sendDiagnostics({ uri, diagnostics: resultToDiagnostics(uri, new LineIndex(text), result, ruleLookup) });
    return result.findings.length;
  }

  function reportRuleFailures(uri: string, result: LintResult): void {
    for (const failure of result.ruleFailures) {
      connection.console.error(`CopyScope: rule ${failure.ruleId} failed on ${uri}: ${failure.message}`);
      if (!failedRules.has(failure.ruleId)) {
        failedRules.add(failure.ruleId);
        void connection.sendNotification(ShowMessageNotification.type, {
          type: MessageType.Warning,
          message: `CopyScope: rule ${failure.ruleId} failed (other rules still ran). Details are in the CopyScope output.`,
        });
      }
    }
  }

  /**
   * A document too large to parse is not analysed (the parser would abort):
   * its findings are cleared and the user told once per document.
   */
  function skipTooLarge(uri: string, reason: string): void {
    void connection.sendDiagnostics({ uri, diagnostics: [] });
    if (!toldTooLarge.has(uri)) {
      toldTooLarge.add(uri);
      const message = `CopyScope skips ${uriToPath(uri) ?? uri}: ${reason}.`;
      connection.console.warn(message);
      void connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Info, message });
    }
  }

  function closeDocument(entry: OpenDocument): void {
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = undefined;
    dirty.delete(entry);
    entry.doc.dispose();
  }
}

/**
 * Edits applying every safe fix once (one pass, as `applyFixes` chooses them),
 * expressed as the fixes' own edits when possible.
 */
export function safeFixEdits(text: string, result: LintResult): TextEdit[] {
  const { text: fixed, fixed: findings } = applyFixes(text, result.findings);
  const candidates = findings.flatMap((f) => applicableFix(f)?.edits ?? []);
  return editsBetween(text, fixed, candidates);
}

function rangeKey(r: Range): string {
  return `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;
}

async function collectCFiles(dir: string, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) await collectCFiles(full, out);
    } else if (e.isFile() && C_FILE.test(e.name)) out.push(full);
  }
}
