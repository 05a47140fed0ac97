/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The timeline webview's script. scripts/build.mjs bundles it, with the
 * shared renderer (server/src/simulate/render.ts), into media/timeline.js
 * (generated, not in git), which the panel loads with a nonce.
 *
 * What it does: draws the summary and both schedules when a timeline
 * arrives; shows a tooltip for the span under the mouse or the keyboard
 * focus; on click, Enter or Space on a span asks the extension to reveal its
 * source range; Left/Right move the focus along a lane, Home/End to its ends.
 *
 * Invariants: no inline styles or scripts (the panel's CSP forbids them);
 * all markup comes from the renderer, which escapes every text; the last
 * timeline is kept in the webview state, so a hidden and shown panel redraws
 * at once.
 */
import { renderSummaryHtml, renderTimelineSvg } from '../../../../server/src/simulate/render';
import type { TimelineView } from '../../../../server/src/lsp/timelineProtocol';
import type { FromWebview, ToWebview } from '../messages';

interface VsCodeApi {
  postMessage(message: FromWebview): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const status = document.getElementById('status')!;
const summary = document.getElementById('summary')!;
const lanes = document.getElementById('lanes')!;
const tooltip = document.getElementById('tooltip')!;
let current: TimelineView | undefined;

function draw(view: TimelineView): void {
  current = view;
  vscode.setState(view);
  const problems = view.problems.length > 0 ? `<ul class="problems">${view.problems.map((p) => `<li>${escapeHtml(p)}</li>`).join('')}</ul>` : '';
  summary.innerHTML = renderSummaryHtml(view.timeline) + problems;
  const width = Math.max(640, Math.floor(lanes.clientWidth || document.body.clientWidth - 32));
  lanes.innerHTML = renderTimelineSvg(view.timeline, { width, lineOf: (offset) => view.lines[String(offset)] });
  status.textContent = '';
  status.classList.remove('error');
}

function setStatus(text: string, error = false): void {
  status.textContent = text;
  status.classList.toggle('error', error);
}

window.addEventListener('message', (event: MessageEvent<ToWebview>) => {
  const message = event.data;
  if (message.type === 'timeline') draw(message.view);
  else if (message.type === 'status') setStatus(message.text, message.error === true);
});

// ------------------------------------------------------------ spans: reveal, tooltip, keyboard

function spanOf(target: EventTarget | null): SVGRectElement | undefined {
  const el = target instanceof Element ? target.closest('rect.span') : null;
  return el instanceof SVGRectElement ? el : undefined;
}

function reveal(span: SVGRectElement): void {
  const start = span.getAttribute('data-start');
  const end = span.getAttribute('data-end');
  for (const s of lanes.querySelectorAll('rect.span.selected')) s.classList.remove('selected');
  span.classList.add('selected');
  if (start === null || end === null) {
    setStatus('This span has no place in the source (a kernel or device step of the model).');
    return;
  }
  vscode.postMessage({ type: 'reveal', start: Number(start), end: Number(end) });
}

function showTooltip(span: SVGRectElement): void {
  const text = span.getAttribute('data-tip');
  if (!text) return;
  tooltip.textContent = text;
  tooltip.hidden = false;
  const box = span.getBoundingClientRect();
  const left = Math.min(Math.max(4, box.left), window.innerWidth - tooltip.offsetWidth - 4);
  const top = box.bottom + 6 + tooltip.offsetHeight > window.innerHeight ? box.top - tooltip.offsetHeight - 6 : box.bottom + 6;
  tooltip.style.left = `${left}px`;
  tooltip.style.top = `${top}px`;
}

function hideTooltip(): void {
  tooltip.hidden = true;
}

lanes.addEventListener('click', (event) => {
  const span = spanOf(event.target);
  if (span) reveal(span);
});
lanes.addEventListener('mouseover', (event) => {
  const span = spanOf(event.target);
  if (span) showTooltip(span);
});
lanes.addEventListener('mouseout', (event) => {
  if (spanOf(event.target)) hideTooltip();
});
lanes.addEventListener('focusin', (event) => {
  const span = spanOf(event.target);
  if (span) showTooltip(span);
});
lanes.addEventListener('focusout', hideTooltip);
lanes.addEventListener('keydown', (event) => {
  const span = spanOf(event.target);
  if (!span) return;
  const siblings = [...(span.parentElement?.querySelectorAll<SVGRectElement>('rect.span') ?? [])];
  const i = siblings.indexOf(span);
  let next: SVGRectElement | undefined;
  switch (event.key) {
    case 'Enter':
    case ' ':
      event.preventDefault();
      reveal(span);
      return;
    case 'ArrowRight': next = siblings[i + 1]; break;
    case 'ArrowLeft': next = siblings[i - 1]; break;
    case 'Home': next = siblings[0]; break;
    case 'End': next = siblings[siblings.length - 1]; break;
    case 'Escape': hideTooltip(); return;
    default: return;
  }
  event.preventDefault();
  next?.focus();
});

let resizeTimer: ReturnType<typeof setTimeout> | undefined;
window.addEventListener('resize', () => {
  if (resizeTimer) clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    if (current) draw(current);
  }, 150);
});

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const saved = vscode.getState() as TimelineView | undefined;
if (saved && typeof saved === 'object' && 'timeline' in saved) draw(saved);
vscode.postMessage({ type: 'ready' });
