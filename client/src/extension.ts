/**
 * The VS Code side of CopyScope: starts the language server (dist/server.js)
 * over IPC and adds what only the editor can do: a status bar item with the
 * server state and the number of findings, an output channel, and the commands
 * "Lint Workspace" (files found by VS Code, analysed by the server, shown with
 * a progress notification) and "Restart Language Server".
 *
 * Invariants: client/src is the only code importing `vscode`; it holds no analysis
 * logic (everything about C goes through the server); it runs no programs
 * other than the server itself, except the timeline's calibration commands,
 * which only run in trusted workspaces (timeline/calibration.ts). The timeline
 * panel and its commands are registered by timeline/index.ts.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  LanguageClient,
  State,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import {
  LINT_FILES_REQUEST,
  UNUSED_DIRECTIVE_CODE,
  type CopyScopeInitializationOptions,
  type LintFilesParams,
  type LintFilesResult,
} from '../../server/src/lsp/protocol';
import type { TimelineInitializationOptions } from '../../server/src/lsp/timelineProtocol';
import { registerTimeline } from './timeline';

const C_FILES = '**/*.{c,h}';
const BATCH = 25;

let client: LanguageClient | undefined;
let statusItem: vscode.StatusBarItem | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('CopyScope');
  statusItem = vscode.window.createStatusBarItem('copyscope.status', vscode.StatusBarAlignment.Left, 10);
  statusItem.name = 'CopyScope';
  statusItem.command = 'copyscope.showOutput';
  context.subscriptions.push(output, statusItem);

  const serverModule = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const initializationOptions: CopyScopeInitializationOptions & TimelineInitializationOptions = { trusted: vscode.workspace.isTrusted, showTimeline: true };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'c' },
      { scheme: 'untitled', language: 'c' },
    ],
    synchronize: {
      // Configuration files, and C files so that findings of closed files
      // (from Lint Workspace) follow changes on disk.
      fileEvents: [vscode.workspace.createFileSystemWatcher('**/.copyscope.json'), vscode.workspace.createFileSystemWatcher('**/*.{c,h}')],
    },
    diagnosticCollectionName: 'copyscope',
    outputChannel: output,
    initializationOptions,
  };
  client = new LanguageClient('copyscope', 'CopyScope', serverOptions, clientOptions);
  const lc = client;

  context.subscriptions.push(
    lc.onDidChangeState(() => updateStatus()),
    vscode.languages.onDidChangeDiagnostics(() => updateStatus()),
    vscode.commands.registerCommand('copyscope.showOutput', () => output.show(true)),
    vscode.commands.registerCommand('copyscope.restartServer', async () => {
      output.appendLine('Restarting the CopyScope language server.');
      await lc.restart();
    }),
    vscode.commands.registerCommand('copyscope.lintWorkspace', () => lintWorkspace(lc, output)),
  );
  registerTimeline(context, lc, output);
  updateStatus();
  await lc.start();
  updateStatus();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}

/** Status bar: "$(icon) CopyScope: N" with the server state in the tooltip. */
function updateStatus(): void {
  if (!statusItem || !client) return;
  const state = client.state;
  let count = 0;
  client.diagnostics?.forEach((_uri, diagnostics) => {
    // Findings only: notes about unused directives are not findings.
    for (const d of diagnostics) if (d.code !== UNUSED_DIRECTIVE_CODE) count++;
  });
  if (state === State.Running) {
    statusItem.text = `$(${count > 0 ? 'warning' : 'check'}) CopyScope: ${count}`;
    statusItem.tooltip = `CopyScope language server running: ${count} finding${count === 1 ? '' : 's'}. Click for the output.`;
    statusItem.backgroundColor = undefined;
  } else if (state === State.Starting) {
    statusItem.text = '$(sync~spin) CopyScope';
    statusItem.tooltip = 'CopyScope language server starting';
    statusItem.backgroundColor = undefined;
  } else {
    statusItem.text = '$(error) CopyScope';
    statusItem.tooltip = 'CopyScope language server stopped. Run "CopyScope: Restart Language Server".';
    statusItem.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
  }
  statusItem.show();
}

/** Finds the workspace's C files (honouring files.exclude; the server skips what .gitignore ignores) and has the server lint them in batches. */
async function lintWorkspace(lc: LanguageClient, output: vscode.OutputChannel): Promise<void> {
  if (!vscode.workspace.workspaceFolders?.length) {
    void vscode.window.showInformationMessage('CopyScope: open a folder to lint a workspace.');
    return;
  }
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'CopyScope: linting workspace', cancellable: true },
    async (progress, token) => {
      const uris = await vscode.workspace.findFiles(C_FILES, undefined, undefined, token);
      let linted = 0;
      let findings = 0;
      let ignored = 0;
      for (let i = 0; i < uris.length && !token.isCancellationRequested; i += BATCH) {
        const batch = uris.slice(i, i + BATCH);
        const params: LintFilesParams = { uris: batch.map((u) => u.toString()) };
        const result = await lc.sendRequest<LintFilesResult>(LINT_FILES_REQUEST, params, token);
        linted += result.linted;
        findings += result.findings;
        ignored += result.ignored;
        for (const f of result.failed) output.appendLine(`Could not lint ${f.uri}: ${f.reason}`);
        progress.report({
          increment: (100 * batch.length) / uris.length,
          message: `${Math.min(i + BATCH, uris.length)}/${uris.length} files`,
        });
      }
      const skipped = ignored > 0 ? `; ${ignored} ignored by .gitignore` : '';
      const summary = `CopyScope: ${findings} finding${findings === 1 ? '' : 's'} in ${linted} file${linted === 1 ? '' : 's'}${skipped}${token.isCancellationRequested ? ' (cancelled)' : ''}.`;
      output.appendLine(summary);
      void vscode.window.showInformationMessage(summary);
    },
  );
}
