/**
 * "CopyScope: Calibrate Machine Profile" and "CopyScope: Validate Timeline
 * Predictions": run `copyscope calibrate` / `copyscope validate` (dist/cli.js,
 * with the extension host's Node) and stream what they say into the
 * CopyScope output channel. Calibration writes the profile into the
 * extension's global storage and offers to use it (the
 * copyscope.timeline.profile setting); validation uses that setting.
 *
 * Invariants: never in an untrusted workspace (they compile and run C
 * programs); the CLI explains what it runs before running it and removes
 * its temporary files; cancelling the notification stops the process.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

export async function runCalibration(context: vscode.ExtensionContext, command: 'calibrate' | 'validate', output: vscode.OutputChannel): Promise<void> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage(`CopyScope: ${command} compiles and runs programs, which is disabled in an untrusted workspace.`);
    return;
  }
  const cli = context.asAbsolutePath(path.join('dist', 'cli.js'));
  const args = [cli, command];
  let profileFile: string | undefined;
  if (command === 'calibrate') {
    mkdirSync(context.globalStorageUri.fsPath, { recursive: true });
    profileFile = path.join(context.globalStorageUri.fsPath, 'calibrated-profile.json');
    args.push('--output', profileFile);
  } else {
    const configured = (vscode.workspace.getConfiguration('copyscope.timeline').get<string>('profile') ?? '').trim();
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (configured) args.push('--profile', path.isAbsolute(configured) || !folder ? configured : path.join(folder.uri.fsPath, configured));
  }
  output.show(true);
  output.appendLine(`$ copyscope ${args.slice(1).join(' ')}`);
  const code = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `CopyScope: ${command === 'calibrate' ? 'calibrating (about a minute)' : 'validating the predictions (about a minute)'}`, cancellable: true },
    (_progress, token) =>
      new Promise<number>((resolve) => {
        const child = spawn(process.execPath, args, { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, cwd: context.globalStorageUri.fsPath });
        child.stdout.on('data', (d: Buffer) => output.append(d.toString()));
        child.stderr.on('data', (d: Buffer) => output.append(d.toString()));
        token.onCancellationRequested(() => child.kill('SIGTERM'));
        child.on('error', (error) => {
          output.appendLine(`could not run the CLI: ${error.message}`);
          resolve(2);
        });
        child.on('close', (status) => resolve(status ?? 2));
      }),
  );
  if (command === 'calibrate' && code === 0 && profileFile) {
    const use = 'Use this profile';
    const choice = await vscode.window.showInformationMessage(`CopyScope: profile written to ${profileFile}.`, use);
    if (choice === use) await vscode.workspace.getConfiguration('copyscope.timeline').update('profile', profileFile, vscode.ConfigurationTarget.Global);
  } else if (command === 'validate') {
    void vscode.window.showInformationMessage(
      code === 0 ? 'CopyScope: every prediction is within 25% of the measured speedup (table in the output).' : code === 1 ? 'CopyScope: some predictions are off by more than 25% (table in the output).' : 'CopyScope: validation could not run (see the output).',
    );
  } else if (code !== 0) {
    void vscode.window.showErrorMessage('CopyScope: calibration failed (see the output).');
  }
}
