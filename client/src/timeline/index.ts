/**
 * The timeline's part of the VS Code extension, registered by extension.ts
 * with one call: the commands "CopyScope: Show Timeline" (the function or
 * loop at the cursor; also run by the "Show timeline" code action of a
 * finding, with its position and rule), "CopyScope: Calibrate Machine
 * Profile" and "CopyScope: Validate Timeline Predictions".
 *
 * Invariant: calibration and validation compile and run programs, so they
 * refuse to run in an untrusted workspace (package.json also hides them
 * there); showing a timeline only asks the language server.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { SHOW_TIMELINE_COMMAND } from '../../../server/src/lsp/timelineProtocol';
import { runCalibration } from './calibration';
import { TimelinePanel } from './panel';

export function registerTimeline(context: vscode.ExtensionContext, client: LanguageClient, output: vscode.OutputChannel): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(SHOW_TIMELINE_COMMAND, async (uri?: string, position?: { line: number; character: number }, ruleId?: string) => {
      let document: vscode.TextDocument;
      let offset: number;
      if (typeof uri === 'string' && position) {
        document = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
        offset = document.offsetAt(new vscode.Position(position.line, position.character));
      } else {
        const editor = vscode.window.activeTextEditor;
        if (!editor || editor.document.languageId !== 'c') {
          void vscode.window.showInformationMessage('CopyScope: put the cursor in a C function to show its timeline.');
          return;
        }
        document = editor.document;
        offset = document.offsetAt(editor.selection.active);
      }
      TimelinePanel.show(context, client, { uri: document.uri.toString(), offset, ...(typeof ruleId === 'string' ? { ruleId } : {}) });
    }),
    vscode.commands.registerCommand('copyscope.calibrate', () => runCalibration(context, 'calibrate', output)),
    vscode.commands.registerCommand('copyscope.validate', () => runCalibration(context, 'validate', output)),
  );
}
