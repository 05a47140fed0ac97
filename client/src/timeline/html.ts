/**
 * The timeline webview's HTML page, as a pure function of the webview's CSP
 * source, a nonce and the two media/ URIs: the panel (panel.ts) and the
 * headless-browser test (test/webview/) use the same page.
 *
 * Invariants: the Content-Security-Policy allows scripts only with the
 * nonce, styles and images only from the webview's own resources
 * (`cspSource`, i.e. media/), and nothing else (`default-src 'none'`): no
 * remote resources, no inline code or style.
 */

export interface WebviewPageOptions {
  /** `webview.cspSource`. */
  cspSource: string;
  nonce: string;
  /** `asWebviewUri` of media/timeline.js and media/timeline.css. */
  scriptUri: string;
  styleUri: string;
}

export function webviewHtml(o: WebviewPageOptions): string {
  const csp = [`default-src 'none'`, `img-src ${o.cspSource}`, `style-src ${o.cspSource}`, `script-src 'nonce-${o.nonce}'`].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${o.styleUri}">
<title>CopyScope Timeline</title>
</head>
<body class="copyscope-timeline-view">
<div id="status" class="status" role="status" aria-live="polite">Simulating…</div>
<div id="summary"></div>
<div id="lanes" class="lanes"></div>
<div id="tooltip" class="tooltip" role="tooltip" hidden></div>
<script nonce="${o.nonce}" src="${o.scriptUri}"></script>
</body>
</html>`;
}
