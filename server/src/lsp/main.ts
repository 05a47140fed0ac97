/**
 * Entry point of dist/server.js, also installed as `copyscope-language-server`.
 * Transport from the command line: `--stdio` (Neovim, Helix, Emacs...),
 * `--node-ipc` (the VS Code client), or `--socket=PORT`.
 *
 * Invariant: the tree-sitter wasm files are loaded before the connection
 * listens, so no request can arrive before the engine is ready.
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { version } from '../../../package.json';
import { loadNodeSyntax } from '../host';
import { startServer } from './server';

const args = process.argv.slice(2);
if (args.includes('--version') || args.includes('-v')) {
  process.stdout.write(`copyscope-language-server ${version}\n`);
  process.exit(0);
}
if (args.includes('--help') || args.includes('-h') || !args.some((a) => /^--(stdio|node-ipc|socket|pipe)/.test(a))) {
  process.stdout.write(
    [
      `copyscope-language-server ${version}: the CopyScope language server (C: needless copies, missed I/O overlap, races)`,
      '',
      'usage: copyscope-language-server --stdio | --node-ipc | --socket=PORT',
      '',
      'Editors start it; see docs/editor.md for Neovim, Helix and Emacs.',
      '',
    ].join('\n'),
  );
  process.exit(args.includes('--help') || args.includes('-h') ? 0 : 2);
}

async function main(): Promise<void> {
  const syntax = await loadNodeSyntax();
  const connection = createConnection(ProposedFeatures.all);
  startServer(connection, { syntax, version });
  connection.listen();
}

main().catch((error: unknown) => {
  process.stderr.write(`copyscope-language-server: could not start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
