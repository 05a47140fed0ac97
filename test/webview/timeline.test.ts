/**
 * The timeline webview in headless Chromium (playwright-core, Debian's
 * chromium): the panel's own page (client/src/timeline/html.ts, with its
 * Content-Security-Policy and nonce) and the bundled media/timeline.js and
 * media/timeline.css, fed a timeline the engine computed for
 * examples/file_server.c as the extension would. Checks the summary, the
 * lanes of both schedules, theme colours, tooltips, and that a click or
 * Enter on a span asks the extension to reveal its source; keeps a
 * screenshot in test-results/webview/.
 *
 * Chromium: /usr/bin/chromium (or $CHROMIUM). Missing, it is installed with
 * apt-get under CI=true (as test/e2e/setup.sh does) and the test is skipped
 * with a message elsewhere.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webviewHtml } from '../../client/src/timeline/html';
import { timeline } from '../../server/src/engine/timeline';
import { loadNodeSyntax } from '../../server/src/host/nodeSyntax';
import type { TimelineView } from '../../server/src/lsp/timelineProtocol';
import { LineIndex } from '../../server/src/syntax/lineIndex';

const REPO = join(__dirname, '..', '..');
const MEDIA = join(REPO, 'media');
const SHOTS = join(REPO, 'test-results', 'webview');
const ORIGIN = 'https://copyscope-webview.test';
const NONCE = 'dGVzdC1ub25jZS0xMjM0NTY=';

function findChromium(): string | undefined {
  const candidates = [process.env['CHROMIUM'], '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((c): c is string => !!c);
  const found = candidates.find((c) => existsSync(c));
  if (found || process.env['CI'] !== 'true') return found;
  // CI must run this test: install Debian's chromium as test/e2e/setup.sh does.
  execFileSync('sh', ['-c', 'apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null'], { stdio: 'inherit', timeout: 600_000 });
  return existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined;
}

const CHROMIUM = findChromium();
if (!CHROMIUM) console.warn('test/webview: chromium not found (set CHROMIUM, or run with CI=true to install it): skipped');

/** The view the language server would send for send_file() in examples/file_server.c. */
async function sampleView(): Promise<TimelineView> {
  const path = join(REPO, 'examples', 'file_server.c');
  const text = readFileSync(path, 'utf8');
  const result = timeline(await loadNodeSyntax(), text, { functionName: 'send_file' });
  if (!result.ok) throw new Error(result.error);
  const lines = new LineIndex(text);
  const offsets = result.timeline.asWritten.lanes.concat(result.timeline.withChange?.lanes ?? []).flatMap((l) => l.spans.flatMap((s) => (s.range ? [s.range.start] : [])));
  return {
    uri: `file://${path}`,
    version: 1,
    timeline: result.timeline,
    lines: Object.fromEntries(offsets.map((o) => [String(o), lines.positionAt(o).line + 1])),
    problems: [],
  };
}

describe.skipIf(!CHROMIUM)('timeline webview in headless Chromium', () => {
  let browser: BrowserContext;
  let page: Page;
  let profile: string;
  const posted: unknown[] = [];
  const consoleErrors: string[] = [];
  let view: TimelineView;

  beforeAll(async () => {
    expect(existsSync(join(MEDIA, 'timeline.js')), 'media/timeline.js is built by scripts/build.mjs (test/globalSetup.ts runs it)').toBe(true);
    view = await sampleView();
    profile = mkdtempSync(join(tmpdir(), 'copyscope-webview-chromium-'));
    // A fresh profile folder is the --user-data-dir (playwright passes it itself).
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM!,
      headless: true,
      viewport: { width: 1100, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      env: { ...process.env, XDG_CONFIG_HOME: join(profile, 'xdg-config'), XDG_CACHE_HOME: join(profile, 'xdg-cache') },
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    // The page is served from a fake origin; nothing leaves the machine.
    await page.route('**/*', async (route) => {
      const url = new URL(route.request().url());
      if (url.origin !== ORIGIN) return route.abort();
      if (url.pathname === '/index.html') {
        return route.fulfill({ contentType: 'text/html', body: webviewHtml({ cspSource: ORIGIN, nonce: NONCE, scriptUri: `${ORIGIN}/media/timeline.js`, styleUri: `${ORIGIN}/media/timeline.css` }) });
      }
      const file = join(MEDIA, url.pathname.replace(/^\/media\//, ''));
      if (!url.pathname.startsWith('/media/') || !existsSync(file)) return route.fulfill({ status: 404, body: '' });
      return route.fulfill({ contentType: file.endsWith('.css') ? 'text/css' : 'text/javascript', body: readFileSync(file) });
    });
    // What VS Code provides in a webview: acquireVsCodeApi and the theme's colour variables.
    await page.exposeFunction('__copyscopePosted', (m: unknown) => posted.push(m));
    await page.addInitScript(() => {
      let state: unknown;
      (window as unknown as { acquireVsCodeApi: () => unknown }).acquireVsCodeApi = () => ({
        postMessage: (m: unknown) => (window as unknown as { __copyscopePosted: (m: unknown) => void }).__copyscopePosted(m),
        getState: () => state,
        setState: (s: unknown) => {
          state = s;
        },
      });
      const theme: Record<string, string> = {
        '--vscode-editor-background': '#1e1e1e', '--vscode-foreground': '#cccccc', '--vscode-charts-red': '#f14c4c',
        '--vscode-charts-blue': '#3794ff', '--vscode-charts-purple': '#b180d7', '--vscode-charts-green': '#89d185',
        '--vscode-charts-yellow': '#cca700', '--vscode-focusBorder': '#007fd4', '--vscode-descriptionForeground': '#9d9d9d',
        '--vscode-editorWidget-background': '#252526', '--vscode-editorWidget-border': '#454545',
        '--vscode-editorHoverWidget-background': '#252526', '--vscode-editorHoverWidget-foreground': '#cccccc',
        '--vscode-editorHoverWidget-border': '#454545', '--vscode-disabledForeground': '#7f7f7f',
      };
      document.addEventListener('DOMContentLoaded', () => {
        for (const [k, v] of Object.entries(theme)) document.documentElement.style.setProperty(k, v);
      });
    });
    await page.goto(`${ORIGIN}/index.html`);
    for (let i = 0; i < 100 && !posted.some((m) => (m as { type: string }).type === 'ready'); i++) await page.waitForTimeout(50);
    expect(posted, 'the webview script says it is ready').toContainEqual({ type: 'ready' });
    await page.evaluate((v) => window.postMessage({ type: 'timeline', view: v }, '*'), view);
    await page.locator('svg.copyscope-timeline').waitFor();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('shows the summary: estimated times, speedup, copies, switches, the gain', async () => {
    const summary = await page.locator('.summary').innerText();
    expect(summary).toContain("'send_file', line 24");
    expect(summary).toMatch(/Estimated time\s+\S+ s\s+\S+ s\s+1\.\d× faster/);
    expect(summary).toMatch(/CPU copies\s+32,768 \(2 GiB\)\s+0 \(0 B\)\s+32,768 fewer/);
    expect(summary).toMatch(/User\/kernel switches\s+65,540\s+32,772\s+32,768 fewer/);
    expect(summary).toMatch(/Simulated gain: .*2 fewer CPU copies/);
    expect(summary).toContain('zerocopy/read-write-loop');
  });

  it('draws both schedules as lanes on one axis, coloured from the theme', async () => {
    const headings = await page.locator('svg .heading').allTextContents();
    expect(headings[0]).toMatch(/^As written: /);
    expect(headings[1]).toMatch(/^With the change: .*faster\)$/);
    const lanes = await page.locator('svg .lane-title').allTextContents();
    expect(lanes).toEqual(['CPU thread 0 (the code)', 'Disk DMA', 'NIC DMA', 'CPU thread 0 (the code)', 'Disk DMA', 'NIC DMA']);
    expect(await page.locator('svg .axis .tick-label').count()).toBeGreaterThan(2);
    const copy = page.locator('rect.span.k-cpu-copy').first();
    expect(await copy.evaluate((el) => getComputedStyle(el).fill)).toBe('rgb(241, 76, 76)');
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(30, 30, 30)');
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'timeline.png'), fullPage: true });
  });

  it('spans have tooltips and a click reveals their source range', async () => {
    const read = page.locator('rect.span.k-syscall[aria-label^="read()"]').first();
    expect(await read.getAttribute('aria-label')).toMatch(/^read\(\) · \S+ ns · iteration 1 · line 24$/);
    posted.length = 0;
    await read.click();
    await expect.poll(() => posted).toContainEqual({ type: 'reveal', start: Number(await read.getAttribute('data-start')), end: Number(await read.getAttribute('data-end')) });
    expect(await page.locator('#tooltip').isVisible()).toBe(true);
    expect(await page.locator('#tooltip').innerText()).toMatch(/^read\(\)/);
  });

  it('is keyboard accessible: spans take the focus, arrows move along a lane, Enter reveals', async () => {
    const first = page.locator('rect.span').first();
    await first.focus();
    expect(await page.evaluate(() => document.activeElement?.getAttribute('class'))).toMatch(/^span /);
    await page.keyboard.press('ArrowRight');
    const label = await page.evaluate(() => document.activeElement?.getAttribute('aria-label'));
    expect(label).not.toBe(await first.getAttribute('aria-label'));
    posted.length = 0;
    await page.keyboard.press('Enter');
    await expect.poll(() => posted.map((m) => (m as { type: string }).type)).toContain('reveal');
    expect(await page.locator('#tooltip').isVisible()).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'timeline-keyboard.png') });
  });

  it('updates when a new timeline arrives and shows errors without losing the picture', async () => {
    const changed = structuredClone(view);
    changed.timeline.subject!.functionName = 'send_file_v2';
    await page.evaluate((v) => window.postMessage({ type: 'timeline', view: v }, '*'), changed);
    await expect.poll(() => page.locator('.summary .title').innerText()).toContain('send_file_v2');
    await page.evaluate(() => window.postMessage({ type: 'status', text: 'nothing to simulate here', error: true }, '*'));
    await expect.poll(() => page.locator('#status.error').innerText()).toBe('nothing to simulate here');
    expect(await page.locator('svg.copyscope-timeline').count()).toBe(1);
  });

  it('runs under the strict CSP without errors and loads nothing from elsewhere', async () => {
    const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    expect(csp).toBe(`default-src 'none'; img-src ${ORIGIN}; style-src ${ORIGIN}; script-src 'nonce-${NONCE}'`);
    expect(consoleErrors).toEqual([]);
  });
});

describe('chromium for the webview test', () => {
  it('is found, or the test says why it was skipped', () => {
    if (!CHROMIUM) expect(process.env['CI']).not.toBe('true');
    else expect(spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).stdout).toMatch(/Chromium \d+/);
  });
});
