/**
 * The timeline's additions to LSP, shared by the server and the VS Code
 * client: the `copyscope/timeline` request (a document position to the
 * simulated timeline there), the client command code actions run, and the
 * initialization option that turns those code actions on.
 *
 * Invariants: plain types and string constants; the only import is a type
 * (erased), so the client bundle pulls nothing from the server.
 */
import type { Timeline } from '../simulate/timeline';

/** Request: the simulated timeline at a position. */
export const TIMELINE_REQUEST = 'copyscope/timeline';

/** The client command that opens the timeline panel: `(uri: string, position: {line, character}, ruleId?: string)`. */
export const SHOW_TIMELINE_COMMAND = 'copyscope.showTimeline';

export interface TimelineParams {
  textDocument: { uri: string };
  /** LSP position (UTF-16); the function or loop there is simulated. */
  position: { line: number; character: number };
  /** Prefer this rule's finding at the position (the timeline was opened from it). */
  ruleId?: string;
  /** `key=value` assumptions (the copyscope.timeline.assume setting), below the code's comments. */
  assume?: string[];
  /** A machine profile as parsed JSON (the copyscope.timeline.profile file); validated by the server. */
  profile?: unknown;
  /** Where the profile came from, for error messages. */
  profileSource?: string;
}

export interface TimelineView {
  uri: string;
  /** The document version the timeline was computed for. */
  version: number;
  timeline: Timeline;
  /** 1-based line of every offset the spans and the subject refer to (keys are offsets). */
  lines: Record<string, number>;
  /** Ignored assumptions, bad settings: shown under the summary. */
  problems: string[];
}

export type TimelineResponse = { ok: true; view: TimelineView } | { ok: false; error: string };

/** Initialization options of a client that can show the timeline. */
export interface TimelineInitializationOptions {
  /** The client has the SHOW_TIMELINE_COMMAND: offer "Show timeline" code actions. */
  showTimeline?: boolean;
}
