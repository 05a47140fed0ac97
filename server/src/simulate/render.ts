/**
 * Draws a timeline: both schedules as lanes of spans stacked on one time
 * axis (SVG), and a summary table (HTML). The same code draws the VS Code
 * webview (bundled into media/timeline.js) and the CLI's `--format svg|html`
 * files, so they show the same picture.
 *
 * Invariants: pure string building, no DOM, no I/O; every text from the
 * timeline is escaped; no `style` attributes or inline scripts (the webview's
 * Content-Security-Policy allows neither): colours and sizes come from
 * classes styled by media/timeline.css, which standalone files embed.
 * Spans carry their source range as `data-start`/`data-end` and are
 * focusable (`tabindex="0"`), for the webview's click and keyboard handling.
 */

import type { Schedule, Span, Timeline } from './timeline';

export interface RenderOptions {
  /** Width of the SVG in pixels (default 960). */
  width?: number;
  /** 1-based line of an offset, for tooltips ("line 24"). */
  lineOf?: (offset: number) => number | undefined;
  /** A stylesheet to embed (standalone files); the webview links media/timeline.css instead. */
  styles?: string;
}

const LANE_HEIGHT = 20;
const LANE_GAP = 6;
const LABEL_WIDTH = 190;
const HEADER_HEIGHT = 40;
const AXIS_HEIGHT = 28;
const SECTION_GAP = 18;
const TAIL_WIDTH = 56;
const RIGHT_MARGIN = 12;

/** The kinds of span, with the words the legend uses. */
export const SPAN_KINDS: readonly [Span['kind'], string][] = [
  ['syscall', 'system call'],
  ['cpu-copy', 'CPU copy'],
  ['dma', 'DMA transfer'],
  ['page-work', 'page bookkeeping'],
  ['page-fault', 'page faults'],
  ['compute', 'computation'],
  ['thread-create', 'thread create'],
  ['thread-join', 'thread join'],
  ['aio-submit', 'AIO submit'],
  ['aio-complete', 'AIO completion'],
  ['aio-return', 'aio_return'],
  ['wait', 'spinning wait'],
  ['wakeup', 'wake-up latency'],
];

/** One row of the summary: a quantity as written, with the change, and the difference in words. */
export interface SummaryRow {
  label: string;
  asWritten: string;
  withChange?: string;
  note?: string;
}

/** The summary's rows, from the totals (shared by the HTML summary and tests). */
export function summaryRows(t: Timeline): SummaryRow[] {
  const a = t.asWritten.totals;
  const b = t.withChange?.totals;
  const c = t.comparison;
  const rows: SummaryRow[] = [];
  const row = (label: string, before: string, after: string | undefined, note?: string): void => {
    rows.push({ label, asWritten: before, ...(after !== undefined ? { withChange: after } : {}), ...(note ? { note } : {}) });
  };
  row('Estimated time', formatNs(a.wallNs), b && formatNs(b.wallNs), c ? speedupText(c.speedup) : undefined);
  row('CPU busy', formatNs(a.cpuBusyNs), b && formatNs(b.cpuBusyNs), b && b.cpuBusyNs > 0 && a.cpuBusyNs / b.cpuBusyNs >= 1.1 ? `${ratio(a.cpuBusyNs / b.cpuBusyNs)} less` : undefined);
  row('CPU copies', `${count(a.cpuCopies)} (${formatSize(a.cpuCopyBytes)})`, b && `${count(b.cpuCopies)} (${formatSize(b.cpuCopyBytes)})`, c && c.cpuCopiesSaved > 0 ? `${count(c.cpuCopiesSaved)} fewer` : undefined);
  row('DMA copies', `${count(a.dmaCopies)} (${formatSize(a.dmaBytes)})`, b && `${count(b.dmaCopies)} (${formatSize(b.dmaBytes)})`);
  row('User/kernel switches', count(a.switches), b && count(b.switches), c && c.switchesSaved > 0 ? `${count(c.switchesSaved)} fewer` : undefined);
  row('System calls', count(a.syscalls), b && count(b.syscalls));
  if (a.pageFaults > 0 || (b && b.pageFaults > 0)) row('Page faults', count(a.pageFaults), b && count(b.pageFaults));
  row('Iterations', count(a.iterations), b && count(b.iterations));
  return rows;
}

/** The summary as an HTML fragment (a heading, the gain, a table, the assumptions). */
export function renderSummaryHtml(t: Timeline): string {
  const rows = summaryRows(t);
  const change = t.subject?.change;
  const title = t.subject ? `'${t.subject.functionName}', line ${t.subject.line}` : t.asWritten.scenarioName;
  const head = t.withChange
    ? `<tr><th scope="col"></th><th scope="col">As written</th><th scope="col">With the change</th><th scope="col"></th></tr>`
    : `<tr><th scope="col"></th><th scope="col">As written</th></tr>`;
  const body = rows
    .map((r) => `<tr><th scope="row">${esc(r.label)}</th><td>${esc(r.asWritten)}</td>${t.withChange ? `<td>${esc(r.withChange ?? '')}</td><td class="note">${esc(r.note ?? '')}</td>` : ''}</tr>`)
    .join('');
  const notes = t.assumptions.notes.map((n) => `<li>${esc(n)}</li>`).join('');
  return [
    `<section class="summary" aria-label="Summary">`,
    `<h2 class="title">${esc(title)}</h2>`,
    `<p class="description">${esc(t.asWritten.description)}</p>`,
    change ? `<p class="change">With the change suggested by <code>${esc(change.ruleId)}</code>: ${esc(change.title)}.</p>` : `<p class="change">No finding with a suggested change here: the timeline shows the code as written.</p>`,
    t.subject?.gain ? `<p class="gain"><strong>Simulated gain:</strong> ${esc(t.subject.gain)}</p>` : '',
    `<table class="totals">${head}${body}</table>`,
    `<details class="assumptions"><summary>Assumptions (profile '${esc(t.profileName)}')</summary><ul>${notes}</ul></details>`,
    `</section>`,
  ].join('');
}

/** Both schedules as lanes on one time axis. */
export function renderTimelineSvg(t: Timeline, options: RenderOptions = {}): string {
  const width = Math.max(480, options.width ?? 960);
  const schedules: { schedule: Schedule; heading: string }[] = [{ schedule: t.asWritten, heading: `As written: ${formatNs(t.asWritten.totals.wallNs)}` }];
  if (t.withChange) schedules.push({ schedule: t.withChange, heading: `With the change: ${formatNs(t.withChange.totals.wallNs)}${t.comparison ? ` (${speedupText(t.comparison.speedup)})` : ''}` });
  const plotX = LABEL_WIDTH;
  const plotWidth = width - LABEL_WIDTH - TAIL_WIDTH - RIGHT_MARGIN;
  // One scale for both: the window that shows each schedule's simulated iterations.
  const windowNs = Math.max(1, ...schedules.map(({ schedule }) => visibleEnd(schedule)));
  const scale = plotWidth / windowNs;

  const parts: string[] = [];
  let y = 0;
  schedules.forEach(({ schedule, heading }, index) => {
    const id = index === 0 ? 'as-written' : 'with-change';
    parts.push(`<g class="schedule ${id}" role="group" aria-label="${esc(heading)}">`);
    parts.push(`<text class="heading" x="0" y="${y + 16}">${esc(heading)}</text>`);
    parts.push(`<text class="subheading" x="0" y="${y + 32}">${esc(iterationsText(schedule))}</text>`);
    y += HEADER_HEIGHT;
    for (const lane of schedule.lanes) {
      parts.push(`<g class="lane lane-${esc(lane.kind)}" role="list" aria-label="${esc(lane.title)}">`);
      parts.push(`<rect class="lane-bg" x="${plotX}" y="${y}" width="${plotWidth + TAIL_WIDTH}" height="${LANE_HEIGHT}"/>`);
      parts.push(`<text class="lane-title" x="${plotX - 8}" y="${y + LANE_HEIGHT / 2 + 4}" text-anchor="end">${esc(lane.title)}</text>`);
      for (const span of lane.spans) {
        const x = xOf(span.startNs, schedule, scale, plotX, plotWidth);
        const x2 = xOf(span.endNs, schedule, scale, plotX, plotWidth);
        const w = Math.max(1, x2 - x);
        const tip = tooltip(span, options.lineOf);
        const range = span.range ? ` data-start="${span.range.start}" data-end="${span.range.end}"` : '';
        parts.push(
          `<rect class="span k-${span.kind}" x="${num(x)}" y="${y + 2}" width="${num(w)}" height="${LANE_HEIGHT - 4}" tabindex="0" role="listitem" aria-label="${esc(tip)}" data-tip="${esc(tip)}"${range}><title>${esc(tip)}</title></rect>`,
        );
      }
      parts.push('</g>');
      y += LANE_HEIGHT + LANE_GAP;
    }
    if (schedule.elided) {
      const tailX = plotX + plotWidth;
      const tailTop = y - schedule.lanes.length * (LANE_HEIGHT + LANE_GAP);
      parts.push(`<g class="elided" aria-label="${esc(`${schedule.totals.iterations - schedule.simulatedIterations} more iterations, ${formatNs(schedule.elided.durationNs)}`)}">`);
      parts.push(`<rect class="elided-band" x="${tailX + 2}" y="${tailTop}" width="${TAIL_WIDTH - 4}" height="${y - tailTop - LANE_GAP}"/>`);
      parts.push(`<text class="elided-label" x="${tailX + TAIL_WIDTH / 2}" y="${tailTop + (y - tailTop) / 2 + 4}" text-anchor="middle">⋯ ${esc(formatNs(schedule.elided.durationNs))}</text>`);
      parts.push('</g>');
    }
    parts.push('</g>');
    y += SECTION_GAP;
  });
  parts.push(axis(windowNs, scale, plotX, plotWidth, y));
  y += AXIS_HEIGHT;
  parts.push(legend(t, y, width));
  y += 24;

  const label = `Simulated timeline${t.subject ? ` of '${t.subject.functionName}'` : ''}: ${schedules.map((s) => s.heading).join('; ')}`;
  const style = options.styles ? `<style><![CDATA[\n${options.styles}\n]]></style>` : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" class="copyscope-timeline" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" role="figure" aria-label="${esc(label)}">${style}${parts.join('')}</svg>`;
}

/** A standalone HTML page: the summary and the lanes, with the stylesheet embedded. */
export function renderTimelineHtml(t: Timeline, options: RenderOptions & { title?: string } = {}): string {
  const title = options.title ?? `CopyScope timeline${t.subject ? `: ${t.subject.functionName}` : ''}`;
  const { styles, ...rest } = options;
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    `<title>${esc(title)}</title>`,
    styles ? `<style>\n${styles}\n</style>` : '',
    '</head><body class="copyscope-timeline-page">',
    renderSummaryHtml(t),
    `<div class="lanes">${renderTimelineSvg(t, rest)}</div>`,
    '</body></html>',
    '',
  ].join('\n');
}

// ------------------------------------------------------------ geometry

/** Where the drawn part of a schedule ends: the extrapolated iterations are shown as a band. */
function visibleEnd(s: Schedule): number {
  return s.elided ? s.elided.fromNs : s.totals.wallNs;
}

/** x of a time; times after the elided steady state (the teardown) go into the band at the right. */
function xOf(ns: number, s: Schedule, scale: number, plotX: number, plotWidth: number): number {
  if (s.elided && ns > s.elided.fromNs + 1e-6) {
    const after = ns - (s.elided.fromNs + s.elided.durationNs);
    return plotX + plotWidth + TAIL_WIDTH / 2 + Math.min(TAIL_WIDTH / 2 - 2, Math.max(0, after * scale));
  }
  return plotX + Math.min(plotWidth, ns * scale);
}

function axis(windowNs: number, scale: number, plotX: number, plotWidth: number, y: number): string {
  const step = niceStep(windowNs / 6);
  const parts = [`<g class="axis" aria-hidden="true"><line class="axis-line" x1="${plotX}" y1="${y}" x2="${plotX + plotWidth}" y2="${y}"/>`];
  for (let t = 0; t <= windowNs + 1e-9; t += step) {
    const x = plotX + t * scale;
    parts.push(`<line class="tick" x1="${num(x)}" y1="${y}" x2="${num(x)}" y2="${y + 5}"/>`);
    parts.push(`<text class="tick-label" x="${num(x)}" y="${y + 18}" text-anchor="middle">${esc(formatNs(t))}</text>`);
  }
  parts.push('</g>');
  return parts.join('');
}

function legend(t: Timeline, y: number, width: number): string {
  const present = new Set([t.asWritten, t.withChange].flatMap((s) => s?.lanes.flatMap((l) => l.spans.map((x) => x.kind)) ?? []));
  const parts = ['<g class="legend" aria-label="Legend">'];
  let x = 0;
  let row = y + 12;
  for (const [kind, words] of SPAN_KINDS) {
    if (!present.has(kind)) continue;
    const w = 18 + words.length * 6.5 + 14;
    if (x + w > width) {
      x = 0;
      row += 18;
    }
    parts.push(`<rect class="swatch k-${kind}" x="${x}" y="${row - 9}" width="12" height="12"/><text class="legend-label" x="${x + 16}" y="${row + 1}">${esc(words)}</text>`);
    x += w;
  }
  parts.push('</g>');
  return parts.join('');
}

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-3)));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

// ------------------------------------------------------------ words

function tooltip(span: Span, lineOf: RenderOptions['lineOf']): string {
  const parts = [span.label, formatNs(span.endNs - span.startNs)];
  if (span.bytes !== undefined) parts.push(formatSize(span.bytes));
  if (span.phase === 'body' && span.iteration !== undefined) parts.push(`iteration ${span.iteration + 1}`);
  else if (span.phase !== 'body') parts.push(span.phase === 'setup' ? 'before the loop' : 'after the loop');
  const line = span.range && lineOf ? lineOf(span.range.start) : undefined;
  if (line !== undefined) parts.push(`line ${line}`);
  return parts.join(' · ');
}

function iterationsText(s: Schedule): string {
  const n = s.totals.iterations;
  if (!s.elided) return `${count(n)} iteration${n === 1 ? '' : 's'} shown`;
  return `first ${s.simulatedIterations} of ${count(n)} iterations shown; the rest repeat every ${formatNs(s.steadyStateIterationNs)}`;
}

export function speedupText(speedup: number): string {
  if (speedup >= 1.05) return `${ratio(speedup)} faster`;
  if (speedup <= 1 / 1.05) return `${ratio(1 / speedup)} slower`;
  return 'about as fast';
}

function ratio(v: number): string {
  return `${v >= 10 ? Math.round(v) : v.toFixed(1)}×`;
}

function count(n: number): string {
  const rounded = Number.isInteger(n) ? n : Math.round(n * 10) / 10;
  return rounded.toLocaleString('en-US');
}

export function formatNs(ns: number): string {
  const a = Math.abs(ns);
  if (a >= 1e9) return `${trim(ns / 1e9)} s`;
  if (a >= 1e6) return `${trim(ns / 1e6)} ms`;
  if (a >= 1e3) return `${trim(ns / 1e3)} µs`;
  return `${trim(ns)} ns`;
}

export function formatSize(bytes: number): string {
  const units: [number, string][] = [[2 ** 40, 'TiB'], [2 ** 30, 'GiB'], [2 ** 20, 'MiB'], [2 ** 10, 'KiB']];
  for (const [size, name] of units) if (bytes >= size) return `${trim(bytes / size)} ${name}`;
  return `${Math.round(bytes)} B`;
}

function trim(v: number): string {
  const a = Math.abs(v);
  const s = a >= 100 || Number.isInteger(v) ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
  return s.replace(/\.0+$/, '').replace(/(\.\d*?)0+$/, '$1');
}

function num(v: number): string {
  return (Math.round(v * 100) / 100).toString();
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}
