/**
 * CopyScope's own additions to LSP, shared by the server and the VS Code
 * client: method names and the shapes of their parameters and results.
 *
 * Invariants: plain types and string constants only, no imports, so the client
 * bundle can use it without pulling in the server or vscode-languageserver.
 */

/** Request: lint files from disk (closed files) and publish their diagnostics. */
export const LINT_FILES_REQUEST = 'copyscope/lintFiles';

export interface LintFilesParams {
  /** File URIs (`file:///...`). Open documents are skipped: their live diagnostics stay. */
  uris: string[];
}

export interface LintFilesResult {
  /** Files read and analysed. */
  linted: number;
  /** Findings published for those files. */
  findings: number;
  /** Files skipped because a .gitignore ignores them (as `copyscope lint` does). */
  ignored: number;
  /** Files that could not be read, with the reason. */
  failed: { uri: string; reason: string }[];
}

/** Workspace command (workspace/executeCommand) for clients without the request: lint every C file of the workspace folders. */
export const LINT_WORKSPACE_COMMAND = 'copyscope.server.lintWorkspace';

/** Initialization options the client may send. */
export interface CopyScopeInitializationOptions {
  /** False in an untrusted VS Code workspace: the server then never runs programs. */
  trusted?: boolean;
  /** Delay in ms between the last edit and re-analysis (default 5). */
  debounceMs?: number;
}

/** The code of diagnostics for directives that suppress nothing. */
export const UNUSED_DIRECTIVE_CODE = 'copyscope/unused-directive';

/** The code of the diagnostic that reports an invalid configuration file. */
export const CONFIG_ERROR_CODE = 'copyscope/invalid-config';
