/**
 * The messages between the timeline panel (extension side, panel.ts) and its
 * webview (webview/main.ts). Both sides import these types, so a change of
 * shape is a compile error on both.
 *
 * Invariant: plain JSON-serialisable data; offsets are UTF-16 offsets into
 * the document version the view was computed for.
 */
import type { TimelineView } from '../../../server/src/lsp/timelineProtocol';

/** Extension → webview. */
export type ToWebview =
  /** A timeline to draw; `stale` while a newer version of the code is being simulated. */
  | { type: 'timeline'; view: TimelineView }
  /** A line under the title: progress, or an error (the last timeline stays drawn). */
  | { type: 'status'; text: string; error?: boolean };

/** Webview → extension. */
export type FromWebview =
  /** The script is loaded and listening. */
  | { type: 'ready' }
  /** Show this source range of the timeline's document in the editor. */
  | { type: 'reveal'; start: number; end: number };
