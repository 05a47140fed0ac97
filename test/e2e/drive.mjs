#!/usr/bin/env node
// Drives a running code-server (a real VS Code with the CopyScope .vsix
// installed) through Debian's chromium with playwright-core, as a user would:
// open the folder, open a C file, see the finding as a squiggle, in the
// Problems panel and in the hover, apply the quick fix and check the file's
// text, run "Disable ... for this line" and see the finding go, then "Lint
// Workspace" for a file that was never opened, and open the timeline from a
// zero-copy finding and read its summary inside the webview. Each step is one test with a
// screenshot in $SHOTS; the last line is "N passed, M failed".
//
// Env: CS_URL (code-server), WORK_DIR (fresh copy of test/e2e/workspace),
//      SHOTS (screenshot folder), CHROMIUM (default: chromium on PATH),
//      BROWSER_PROFILE (fresh chromium profile folder).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const CS_URL = process.env.CS_URL ?? 'http://127.0.0.1:18123';
const WORK_DIR = process.env.WORK_DIR;
const SHOTS = process.env.SHOTS ?? 'test-results/e2e';
const PROFILE = process.env.BROWSER_PROFILE ?? fs.mkdtempSync('/tmp/copyscope-chromium-');
const CHROMIUM = process.env.CHROMIUM ?? execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser']).toString().trim();
if (!WORK_DIR) throw new Error('WORK_DIR must be set');

const RULE = 'copy/overlapping-memcpy';
const SHIFT = path.join(WORK_DIR, 'shift.c');
const ORIGINAL = fs.readFileSync(SHIFT, 'utf8');
const AFTER_FIX = ORIGINAL.replace('memcpy(buf, buf + 1', 'memmove(buf, buf + 1');
const AFTER_DISABLE = AFTER_FIX.replace('    memcpy(p + 2', `    // copyscope-disable-next-line ${RULE}\n    memcpy(p + 2`);

// The timeline step's file: written when the step runs, so the earlier steps' counts are unchanged.
const RELAY = path.join(WORK_DIR, 'relay.c');
const RELAY_TEXT = fs.readFileSync(new URL('../fixtures/programs/relay.c', import.meta.url), 'utf8');
const RELAY_LOOP_LINE = RELAY_TEXT.split('\n').findIndex((l) => l.includes('while ((n = read')) + 1;

fs.mkdirSync(SHOTS, { recursive: true });
const t0 = Date.now();
const log = (...a) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...a);
let shotNo = 0;
async function shot(page, name) {
  const file = path.join(SHOTS, `${String(++shotNo).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

const results = [];
/** Runs one step as a test; later steps still run after a failure when they can. */
async function step(page, name, fn) {
  const started = Date.now();
  try {
    await fn();
    const file = await shot(page, name);
    results.push({ name, ok: true });
    log(`ok   ${name} (${Date.now() - started} ms) ${file}`);
    return true;
  } catch (error) {
    results.push({ name, ok: false });
    let file = '';
    try {
      file = await shot(page, `${name}-FAILED`);
    } catch {}
    log(`FAIL ${name}: ${error instanceof Error ? error.message.split('\n')[0] : error} ${file}`);
    return false;
  }
}

const editorText = (page) =>
  page.evaluate(() => {
    const lines = [...document.querySelectorAll('.monaco-editor .view-lines .view-line')];
    return lines
      .map((l) => ({ top: parseFloat(l.style.top), text: (l.textContent ?? '').replace(/\u00a0/g, ' ') }))
      .sort((a, b) => a.top - b.top)
      .map((l) => l.text)
      .join('\n');
  });

async function runCommand(page, label) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${label}`);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first();
  await row.waitFor({ state: 'visible', timeout: 15000 });
  await row.click();
}

/** Puts the cursor at the first non-blank character of the editor line containing `text`. */
async function cursorOnLine(page, text) {
  await page.locator('.monaco-editor .view-line', { hasText: text }).first().click();
  await page.keyboard.press('End');
  await page.keyboard.press('Home');
}

/**
 * Puts the cursor on the line containing `line`, opens the quick-fix menu and
 * picks the action titled `title` with the keyboard. VS Code computes code
 * actions as the cursor moves and may answer Ctrl+. from a request made for
 * an earlier cursor position, so this waits for the light bulb and retries.
 */
async function quickFix(page, line, title) {
  const item = page.locator('.action-widget .monaco-list-row', { hasText: title }).first();
  for (let attempt = 1; ; attempt++) {
    await cursorOnLine(page, line);
    await page.locator('.monaco-editor .lightBulbWidget').first().waitFor({ state: 'visible', timeout: 5000 }).catch(() => {});
    await page.keyboard.press('Control+.');
    try {
      await item.waitFor({ timeout: 5000 });
      break;
    } catch (error) {
      if (attempt >= 3) throw error;
      log(`quick fix "${title}" not offered yet (attempt ${attempt}), retrying`);
      await page.keyboard.press('Escape');
      await page.waitForTimeout(500);
    }
  }
  await shot(page, `menu-${title.replace(/[^a-z]+/gi, '-').toLowerCase()}`);
  // The menu lies under a pointer-blocking layer: move with the arrows.
  for (let i = 0; i < 10 && !(await item.getAttribute('class'))?.includes('focused'); i++) await page.keyboard.press('ArrowDown');
  assert.ok((await item.getAttribute('class'))?.includes('focused'), `could not focus "${title}"`);
  await page.keyboard.press('Enter');
}

async function waitForFile(file, expected, timeout = 15000) {
  const end = Date.now() + timeout;
  let text = '';
  while (Date.now() < end) {
    text = fs.readFileSync(file, 'utf8');
    if (text === expected) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(text, expected, `${path.basename(file)} on disk`);
}

const browser = await chromium.launchPersistentContext(PROFILE, {
  executablePath: CHROMIUM,
  headless: true,
  viewport: { width: 1400, height: 900 },
  env: { ...process.env, XDG_CONFIG_HOME: path.join(PROFILE, 'xdg-config'), XDG_CACHE_HOME: path.join(PROFILE, 'xdg-cache') },
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const consoleLines = [];
const page = browser.pages()[0] ?? (await browser.newPage());
page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
const problems = page.locator('.markers-panel .monaco-list-row');

try {
  await step(page, 'workbench-opens-folder', async () => {
    await page.goto(`${CS_URL}/?folder=${encodeURIComponent(WORK_DIR)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 90000 });
    await page.getByRole('treeitem', { name: 'shift.c' }).waitFor({ timeout: 90000 });
  });

  await step(page, 'squiggle-and-status-bar', async () => {
    await page.getByRole('treeitem', { name: 'shift.c' }).click();
    await page.locator('.monaco-editor .view-lines').first().waitFor();
    await page.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout: 60000 });
    assert.equal(await page.locator('.monaco-editor .squiggly-error').count(), 2);
    await page.locator('.statusbar-item', { hasText: 'CopyScope: 2' }).first().waitFor({ timeout: 15000 });
  });

  await step(page, 'problems-panel', async () => {
    await runCommand(page, 'View: Focus Problems');
    await problems.filter({ hasText: 'overlapping regions' }).first().waitFor({ timeout: 30000 });
    const rows = await problems.allInnerTexts();
    const findings = rows.filter((r) => r.includes('overlapping regions'));
    assert.equal(findings.length, 2, rows.join(' | '));
    assert.ok(findings.every((r) => r.includes(RULE) && r.includes('copyscope')), findings.join(' | '));
    assert.ok(findings.some((r) => r.includes('[Ln 5, Col 5]')), findings.join(' | '));
  });

  await step(page, 'hover', async () => {
    const box = await page.locator('.monaco-editor .squiggly-error').first().boundingBox();
    await page.mouse.move(box.x + 4, box.y + box.height / 2);
    const hover = page.locator('.monaco-hover', { hasText: 'memmove is defined' });
    await hover.first().waitFor({ timeout: 15000 });
    const text = await hover.first().innerText();
    assert.match(text, /copy\/overlapping-memcpy/);
    assert.match(text, /Documentation for copy\/overlapping-memcpy/);
    await page.waitForTimeout(300);
  });

  await step(page, 'quick-fix-changes-the-file', async () => {
    await page.mouse.move(5, 450);
    await quickFix(page, 'memcpy(buf, buf + 1', "Replace 'memcpy' with 'memmove'");
    await page.waitForFunction(() => document.querySelector('.monaco-editor .view-lines')?.textContent?.includes('memmove(buf'), null, { timeout: 15000 });
    await page.keyboard.press('Control+S');
    await waitForFile(SHIFT, AFTER_FIX);
    await page.waitForFunction(() => document.querySelectorAll('.monaco-editor .squiggly-error').length === 1, null, { timeout: 15000 });
    await page.locator('.statusbar-item', { hasText: 'CopyScope: 1' }).first().waitFor({ timeout: 15000 });
  });

  await step(page, 'disable-for-line-removes-the-finding', async () => {
    await quickFix(page, 'memcpy(p + 2', `Disable ${RULE} for this line`);
    await page.waitForFunction(
      () => document.querySelector('.monaco-editor .view-lines')?.textContent?.includes('copyscope-disable-next-line'),
      null,
      { timeout: 15000 },
    );
    await page.keyboard.press('Control+S');
    await waitForFile(SHIFT, AFTER_DISABLE);
    assert.equal((await editorText(page)).split('\n').find((l) => l.includes('copyscope-disable-next-line')), `    // copyscope-disable-next-line ${RULE}`);
    await page.waitForFunction(() => document.querySelectorAll('.monaco-editor .squiggly-error').length === 0, null, { timeout: 15000 });
    await page.locator('.statusbar-item', { hasText: 'CopyScope: 0' }).first().waitFor({ timeout: 15000 });
    await problems.filter({ hasText: 'overlapping regions' }).first().waitFor({ state: 'detached', timeout: 15000 });
  });

  await step(page, 'lint-workspace-fills-problems', async () => {
    await runCommand(page, 'CopyScope: Lint Workspace');
    await page.locator('.notifications-toasts', { hasText: /CopyScope: 1 finding in \d+ files?/ }).first().waitFor({ timeout: 60000 });
    await runCommand(page, 'View: Focus Problems');
    await page.locator('.markers-panel', { hasText: 'ring.c' }).first().waitFor({ timeout: 15000 });
    const rows = await problems.allInnerTexts();
    assert.ok(rows.some((r) => r.includes('ring.c')), rows.join(' | '));
    assert.ok(rows.some((r) => r.includes("'ring'") && r.includes(RULE)), rows.join(' | '));
    assert.equal(rows.filter((r) => r.includes('overlapping regions')).length, 1, rows.join(' | '));
  });

  await step(page, 'config-file-is-watched', async () => {
    // Turning the rule off in .copyscope.json clears the closed file's finding too.
    fs.writeFileSync(path.join(WORK_DIR, '.copyscope.json'), JSON.stringify({ rules: { [RULE]: 'off' } }, null, 2));
    await page.locator('.markers-panel', { hasText: 'ring.c' }).first().waitFor({ state: 'detached', timeout: 30000 });
    assert.equal((await problems.allInnerTexts()).filter((r) => r.includes('overlapping regions')).length, 0);
  });

  await step(page, 'invalid-config-shows-one-error-and-keeps-settings', async () => {
    fs.writeFileSync(path.join(WORK_DIR, '.copyscope.json'), JSON.stringify({ rules: { [RULE]: 'loud' } }));
    const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'CopyScope: invalid configuration' });
    await toast.first().waitFor({ timeout: 30000 });
    const text = await toast.first().innerText();
    assert.match(text, /\.copyscope\.json/);
    await page.waitForTimeout(1000);
    assert.equal(await toast.count(), 1, 'one error message');
    // The last good settings (rule off) stay in force.
    assert.equal((await problems.allInnerTexts()).filter((r) => r.includes('overlapping regions')).length, 0);
  });

  await step(page, 'restart-server-brings-diagnostics-back', async () => {
    fs.writeFileSync(path.join(WORK_DIR, '.copyscope.json'), '{}\n');
    await runCommand(page, 'CopyScope: Restart Language Server');
    // After the restart the open file is analysed again: the disabled line stays
    // quiet, and a new overlapping copy typed into it is reported.
    await page.locator('.statusbar-item', { hasText: 'CopyScope: 0' }).first().waitFor({ timeout: 30000 });
    await cursorOnLine(page, 'memmove(buf, buf + 1');
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('memcpy(buf + 2, buf, n);');
    await page.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout: 15000 });
    await page.locator('.statusbar-item', { hasText: 'CopyScope: 1' }).first().waitFor({ timeout: 15000 });
  });

  await step(page, 'fix-all-on-save', async () => {
    // editor.codeActionsOnSave with source.fixAll.copyscope applies the safe fixes when saving.
    fs.mkdirSync(path.join(WORK_DIR, '.vscode'), { recursive: true });
    fs.writeFileSync(
      path.join(WORK_DIR, '.vscode', 'settings.json'),
      JSON.stringify({ 'editor.codeActionsOnSave': { 'source.fixAll.copyscope': 'explicit' } }, null, 2),
    );
    // VS Code reloads workspace settings asynchronously: save (a change at the
    // end of the file makes each save a real one) until the fixes are applied.
    const fixed = () => document.querySelector('.monaco-editor .view-lines')?.textContent?.replace(/\u00a0/g, ' ').includes('memmove(buf + 2');
    for (let attempt = 1; ; attempt++) {
      await page.waitForTimeout(1000);
      await page.locator('.monaco-editor .view-lines').first().click();
      await page.keyboard.press('Control+End');
      await page.keyboard.type(' ');
      await page.keyboard.press('Control+S');
      try {
        await page.waitForFunction(fixed, null, { timeout: 4000 });
        break;
      } catch (error) {
        if (attempt >= 4) throw error;
        log(`fix-all not applied on save yet (attempt ${attempt}), retrying`);
      }
    }
    const expected = AFTER_DISABLE.replace('memmove(buf, buf + 1, n - 1);', 'memmove(buf, buf + 1, n - 1);\n    memmove(buf + 2, buf, n);');
    const end = Date.now() + 15000;
    while (!fs.readFileSync(SHIFT, 'utf8').startsWith(expected) && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
    const onDisk = fs.readFileSync(SHIFT, 'utf8');
    assert.ok(onDisk.startsWith(expected) && onDisk.slice(expected.length).trim() === '', JSON.stringify(onDisk));
    await page.locator('.statusbar-item', { hasText: 'CopyScope: 0' }).first().waitFor({ timeout: 15000 });
  });

  await step(page, 'timeline-from-a-finding', async () => {
    // A relay loop in a new file: its finding offers "Show timeline: ...", whose
    // panel (a webview, two iframes deep) simulates the loop with and without sendfile.
    fs.writeFileSync(RELAY, RELAY_TEXT);
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible' });
    await input.fill('relay.c');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'relay.c' }).first().waitFor({ timeout: 15000 });
    await page.keyboard.press('Enter');
    await page.locator('.monaco-editor .squiggly-warning').first().waitFor({ timeout: 60000 });
    await quickFix(page, 'while ((n = read(in', 'Show timeline');
    const webview = page.frameLocator('iframe.webview').last().frameLocator('iframe#active-frame');
    const summary = webview.locator('.summary');
    await summary.waitFor({ timeout: 60000 });
    const text = await summary.innerText();
    assert.match(text, new RegExp(`'relay', line ${RELAY_LOOP_LINE}`));
    assert.match(text, /Estimated time\s+\S+ m?s\s+\S+ m?s/);
    assert.match(text, /CPU copies\s+[\d,]+ \(\S+ [GM]iB\)\s+0 \(0 B\)/);
    assert.match(text, /User\/kernel switches/);
    assert.match(text, /zerocopy\/read-write-loop/);
    assert.match(text, /Simulated gain: .*less CPU time/);
    assert.ok((await webview.locator('svg .lane-title').count()) >= 4, 'lanes of both schedules');
    log(`timeline summary: ${text.split('\n').filter((l) => /Estimated time|Simulated gain/.test(l)).join(' | ')}`);
    // Enter on a span reveals its source: the write() call gets selected in the editor.
    await webview.locator('rect.span.k-syscall[aria-label^="write()"]').first().focus();
    await page.keyboard.press('Enter');
    await page.locator('.statusbar-item', { hasText: new RegExp(`Ln ${RELAY_LOOP_LINE + 1}, Col \\d+ \\(\\d+ selected\\)`) }).first().waitFor({ timeout: 15000 });
    // The panel follows the code: a smaller buffer is simulated again with smaller chunks.
    await cursorOnLine(page, 'char buf[65536];');
    await page.keyboard.press('End');
    for (let i = 0; i < '65536];'.length; i++) await page.keyboard.press('Backspace');
    await page.keyboard.type('4096];');
    await webview.locator('.summary .gain', { hasText: 'per 4 KiB chunk' }).waitFor({ timeout: 30000 });
  });
} finally {
  fs.writeFileSync(path.join(SHOTS, 'browser-console.log'), `${consoleLines.join('\n')}\n`);
  await browser.close();
  if (!process.env.BROWSER_PROFILE) fs.rmSync(PROFILE, { recursive: true, force: true });
}
const failed = results.filter((r) => !r.ok).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
