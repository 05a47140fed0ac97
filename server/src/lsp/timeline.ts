/**
 * The language server's side of the timeline: answers `copyscope/timeline`
 * for open documents through the engine's `timeline()`, and makes the "Show
 * timeline" code action for each finding whose rule has a scenario
 * transformation (for clients that said they can show it).
 *
 * Invariants: adapter only (positions in, engine call, plain data out); a
 * failure becomes an `{ ok: false, error }` answer, never an exception out
 * of the handler; the open document's own tree is used, never freed here.
 */
import { CodeAction, CodeActionKind, type Connection, type InitializeParams } from 'vscode-languageserver';
import { timeline } from '../engine/timeline';
import type { Finding, LintSettings } from '../engine/types';
import { rules as registry } from '../rules/index';
import { scenarioOfFinding } from '../simulate/code/gains';
import { transformFor } from '../simulate/code/transforms';
import { validateProfile, type MachineProfile } from '../simulate/profile';
import type { Timeline } from '../simulate/timeline';
import type { LineIndex } from '../syntax/lineIndex';
import type { CSyntax, Tree } from '../syntax/treeSitter';
import { findingToDiagnostic, type ActionContext } from './convert';
import {
  SHOW_TIMELINE_COMMAND,
  TIMELINE_REQUEST,
  type TimelineInitializationOptions,
  type TimelineParams,
  type TimelineResponse,
} from './timelineProtocol';

export interface TimelineDocument {
  text: string;
  version: number;
  tree: Tree;
  lines: LineIndex;
}

export interface TimelineHost {
  syntax: CSyntax;
  /** The open document, as the server has it now. */
  document(uri: string): TimelineDocument | undefined;
  /** The document's effective settings: undefined when CopyScope is off for it. */
  settings(uri: string): Promise<LintSettings | undefined>;
}

export interface TimelineFeature {
  initialize(params: InitializeParams): void;
  /** "Show timeline" actions for the findings that have a scenario. */
  codeActions(ctx: ActionContext, findings: readonly Finding[]): CodeAction[];
}

const RULES = new Map(registry.map((r) => [r.id, r]));

export function registerTimeline(connection: Connection, host: TimelineHost): TimelineFeature {
  let clientShowsTimeline = false;

  connection.onRequest(TIMELINE_REQUEST, async (params: TimelineParams): Promise<TimelineResponse> => {
    try {
      return await answer(host, params);
    } catch (error) {
      connection.console.error(`CopyScope: timeline failed: ${error instanceof Error ? error.stack : String(error)}`);
      return { ok: false, error: `internal error: ${error instanceof Error ? error.message : String(error)}` };
    }
  });

  return {
    initialize(params) {
      clientShowsTimeline = (params.initializationOptions as TimelineInitializationOptions | undefined)?.showTimeline === true;
    },
    codeActions(ctx, findings) {
      if (!clientShowsTimeline) return [];
      const actions: CodeAction[] = [];
      for (const f of findings) {
        if (!transformFor(scenarioOfFinding(f, RULES.get(f.ruleId)))) continue;
        const position = ctx.lines.positionAt(f.range.start);
        const gain = f.data?.['gain'];
        const title = `Show timeline: ${typeof gain === 'string' ? gain.replace(/ \(simulated:.*$/, '') : 'simulated gain of the change'}`;
        const action = CodeAction.create(title, { title, command: SHOW_TIMELINE_COMMAND, arguments: [ctx.uri, position, f.ruleId] }, CodeActionKind.QuickFix);
        action.diagnostics = [findingToDiagnostic(ctx.uri, ctx.lines, f, ctx.rules)];
        actions.push(action);
      }
      return actions;
    },
  };
}

async function answer(host: TimelineHost, params: TimelineParams): Promise<TimelineResponse> {
  const uri = params.textDocument.uri;
  const doc = host.document(uri);
  if (!doc) return { ok: false, error: 'the document is not open in the language server' };
  const settings = await host.settings(uri);
  if (!settings) return { ok: false, error: 'CopyScope is turned off for this file (copyscope.enable or ignorePatterns)' };
  let profile: MachineProfile | undefined;
  if (params.profile !== undefined) {
    const checked = validateProfile(params.profile, params.profileSource ?? 'copyscope.timeline.profile');
    if (!checked.ok) return { ok: false, error: checked.errors.join('; ') };
    profile = checked.profile;
  }
  const offset = doc.lines.offsetAt(params.position);
  const result = timeline(host.syntax, doc.text, { offset, ...(params.ruleId ? { ruleId: params.ruleId } : {}) }, {
    settings,
    tree: doc.tree,
    ...(profile ? { profile } : {}),
    assume: params.assume ?? [],
  });
  if (!result.ok) return { ok: false, error: result.error };
  return { ok: true, view: { uri, version: doc.version, timeline: result.timeline, lines: linesOf(result.timeline, doc.lines), problems: result.problems } };
}

/** The 1-based line of every offset a span or the subject refers to. */
function linesOf(t: Timeline, lines: LineIndex): Record<string, number> {
  const out: Record<string, number> = {};
  const add = (offset: number): void => {
    out[offset] ??= lines.positionAt(offset).line + 1;
  };
  for (const s of [t.asWritten, t.withChange]) for (const lane of s?.lanes ?? []) for (const span of lane.spans) if (span.range) add(span.range.start);
  if (t.subject) {
    add(t.subject.range.start);
    if (t.subject.change) add(t.subject.change.range.start);
  }
  return out;
}
