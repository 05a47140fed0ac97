/**
 * Translation between the engine's results (offsets into the text) and LSP
 * values (line/character positions): diagnostics, hovers, code actions.
 *
 * Invariants: pure functions, no connection, no state. Positions are UTF-16
 * code units (LSP's default encoding) and go through LineIndex only. A
 * finding's diagnostic is rebuilt identically every time (same range, code and
 * message), so the diagnostic a client sends back in a code-action request
 * can be matched to its finding.
 */
import {
  CodeAction,
  CodeActionKind,
  DiagnosticSeverity,
  DiagnosticTag,
  MarkupKind,
  type Diagnostic,
  type Hover,
  type Range,
  type TextEdit as LspTextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver';
import { disableFileEdit, disableNextLineEdit } from '../engine/suppressionEdits';
import type { Finding, Fix, LintResult, Severity, TextEdit, TextRange, UnusedDirective } from '../engine/types';
import type { LineIndex } from '../syntax/lineIndex';
import { UNUSED_DIRECTIVE_CODE } from './protocol';

export const SOURCE = 'copyscope';
export const FIX_ALL_KIND = `${CodeActionKind.SourceFixAll}.copyscope`;

/** What convert needs to know about rules (taken from the registry by the caller). */
export interface RuleInfo {
  summary: string;
  docsUrl: string;
}
export type RuleLookup = (ruleId: string) => RuleInfo | undefined;

export function toRange(lines: LineIndex, range: TextRange): Range {
  return { start: lines.positionAt(range.start), end: lines.positionAt(range.end) };
}

export function toOffsets(lines: LineIndex, range: Range): TextRange {
  return { start: lines.offsetAt(range.start), end: lines.offsetAt(range.end) };
}

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

export function findingToDiagnostic(uri: string, lines: LineIndex, finding: Finding, rules: RuleLookup): Diagnostic {
  const docs = rules(finding.ruleId)?.docsUrl;
  const diagnostic: Diagnostic = {
    range: toRange(lines, finding.range),
    severity: SEVERITY[finding.severity],
    code: finding.ruleId,
    source: SOURCE,
    message: finding.message,
  };
  if (docs) diagnostic.codeDescription = { href: docs };
  if (finding.related.length > 0) {
    diagnostic.relatedInformation = finding.related.map((r) => ({
      location: { uri, range: toRange(lines, r.range) },
      message: r.message,
    }));
  }
  return diagnostic;
}

export function unusedDirectiveToDiagnostic(lines: LineIndex, directive: UnusedDirective): Diagnostic {
  return {
    range: toRange(lines, directive.range),
    severity: DiagnosticSeverity.Information,
    code: UNUSED_DIRECTIVE_CODE,
    source: SOURCE,
    message: directive.message,
    tags: [DiagnosticTag.Unnecessary],
  };
}

export function resultToDiagnostics(uri: string, lines: LineIndex, result: LintResult, rules: RuleLookup): Diagnostic[] {
  return [
    ...result.findings.map((f) => findingToDiagnostic(uri, lines, f, rules)),
    ...result.unusedDirectives.map((d) => unusedDirectiveToDiagnostic(lines, d)),
  ];
}

/** Findings whose primary range touches [start, end] (an empty range touches what contains it). */
export function findingsIn(findings: readonly Finding[], range: TextRange): Finding[] {
  return findings.filter((f) => f.range.start <= range.end && range.start <= f.range.end);
}

export function hoverFor(lines: LineIndex, findings: readonly Finding[], offset: number, rules: RuleLookup): Hover | null {
  const hits = findings.filter((f) => f.range.start <= offset && offset <= f.range.end);
  if (hits.length === 0) return null;
  const parts = hits.map((f) => hoverMarkdown(lines, f, rules(f.ruleId)));
  const first = hits[0]!.range;
  return {
    contents: { kind: MarkupKind.Markdown, value: parts.join('\n\n---\n\n') },
    range: toRange(lines, first),
  };
}

function hoverMarkdown(lines: LineIndex, f: Finding, info: RuleInfo | undefined): string {
  const out: string[] = [];
  out.push(`**CopyScope** \`${f.ruleId}\`${info ? `: ${escapeMarkdown(info.summary)}` : ''}`);
  out.push(escapeMarkdown(f.message));
  const gain = f.data?.['gain'];
  if (gain !== undefined) out.push(`Estimated gain: ${escapeMarkdown(String(gain))}`);
  const alternative = f.data?.['alternative'];
  if (alternative !== undefined) out.push(`Alternative: \`${String(alternative).replace(/`/g, '')}\``);
  for (const r of f.related) out.push(`- line ${lines.positionAt(r.range.start).line + 1}: ${escapeMarkdown(r.message)}`);
  const hint = f.fixes.find((x) => x.applicability === 'display-only');
  if (hint) out.push(`Suggestion: ${escapeMarkdown(hint.title)}`);
  if (info) out.push(`[Documentation for ${f.ruleId}](${info.docsUrl})`);
  return out.join('\n\n');
}

function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_{}[\]<>#|]/g, (c) => `\\${c}`);
}

export function toLspEdits(lines: LineIndex, edits: readonly TextEdit[]): LspTextEdit[] {
  return edits.map((e) => ({ range: toRange(lines, e.range), newText: e.text }));
}

function workspaceEdit(uri: string, version: number | null, lines: LineIndex, edits: readonly TextEdit[]): WorkspaceEdit {
  // Versioned edits: a client refuses them if the document changed meanwhile.
  return { documentChanges: [{ textDocument: { uri, version }, edits: toLspEdits(lines, edits) }] };
}

export interface ActionContext {
  uri: string;
  version: number | null;
  text: string;
  lines: LineIndex;
  rules: RuleLookup;
}

/**
 * Quick fixes for the findings at a range: each applicable fix of each finding
 * (the first safe one preferred), then "Disable RULE for this line" and
 * "Disable RULE for this file" once per rule and line.
 */
export function quickFixes(ctx: ActionContext, findings: readonly Finding[]): CodeAction[] {
  const actions: CodeAction[] = [];
  const disables: CodeAction[] = [];
  const seen = new Set<string>();
  for (const f of findings) {
    const diagnostic = findingToDiagnostic(ctx.uri, ctx.lines, f, ctx.rules);
    const preferred = f.fixes.find((x) => x.applicability === 'safe');
    for (const fix of f.fixes) {
      if (!isApplicable(fix)) continue;
      const action = CodeAction.create(fix.title, workspaceEdit(ctx.uri, ctx.version, ctx.lines, fix.edits), CodeActionKind.QuickFix);
      action.diagnostics = [diagnostic];
      if (fix === preferred) action.isPreferred = true;
      actions.push(action);
    }
    const line = ctx.lines.positionAt(f.range.start).line;
    const lineKey = `${f.ruleId}@${line}`;
    const lineEdit = disableNextLineEdit(ctx.text, f.range.start, f.ruleId);
    if (lineEdit && !seen.has(lineKey)) {
      seen.add(lineKey);
      const action = CodeAction.create(`Disable ${f.ruleId} for this line`, workspaceEdit(ctx.uri, ctx.version, ctx.lines, [lineEdit]), CodeActionKind.QuickFix);
      action.diagnostics = [diagnostic];
      disables.push(action);
    }
    if (!seen.has(f.ruleId)) {
      seen.add(f.ruleId);
      const fileEdit = disableFileEdit(ctx.text, f.ruleId);
      const action = CodeAction.create(`Disable ${f.ruleId} for this file`, workspaceEdit(ctx.uri, ctx.version, ctx.lines, [fileEdit]), CodeActionKind.QuickFix);
      action.diagnostics = [diagnostic];
      disables.push(action);
    }
  }
  return [...actions, ...disables];
}

/** Edits and unsafe fixes are offered as actions; display-only fixes are hints shown in the hover. */
function isApplicable(fix: Fix): boolean {
  return fix.applicability !== 'display-only' && fix.edits.length > 0;
}

/** The `source.fixAll.copyscope` action from the edits that make up all safe fixes, or null when there are none. */
export function fixAllAction(ctx: ActionContext, edits: readonly TextEdit[]): CodeAction | null {
  if (edits.length === 0) return null;
  return CodeAction.create('Fix all safe CopyScope problems', workspaceEdit(ctx.uri, ctx.version, ctx.lines, edits), FIX_ALL_KIND);
}

/**
 * Turns "the text before" and "the text after all safe fixes" into edits:
 * the chosen fixes' own edits when they reproduce the fixed text exactly, else
 * one edit covering the span between the common prefix and suffix.
 */
export function editsBetween(before: string, after: string, candidates: readonly TextEdit[]): TextEdit[] {
  if (before === after) return [];
  const sorted = [...candidates].sort((a, b) => a.range.start - b.range.start || a.range.end - b.range.end);
  let ok = true;
  let out = '';
  let pos = 0;
  for (const e of sorted) {
    if (e.range.start < pos) {
      ok = false;
      break;
    }
    out += before.slice(pos, e.range.start) + e.text;
    pos = e.range.end;
  }
  if (ok && out + before.slice(pos) === after) return sorted;
  let prefix = 0;
  const max = Math.min(before.length, after.length);
  while (prefix < max && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (
    suffix < max - prefix &&
    before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)
  ) {
    suffix++;
  }
  // Do not split a surrogate pair.
  if (prefix > 0 && isHighSurrogate(before.charCodeAt(prefix - 1))) prefix--;
  if (suffix > 0 && isLowSurrogate(before.charCodeAt(before.length - suffix))) suffix--;
  return [{ range: { start: prefix, end: before.length - suffix }, text: after.slice(prefix, after.length - suffix) }];
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}
function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
