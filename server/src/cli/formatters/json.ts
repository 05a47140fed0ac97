/** JSON output: one object per file with 1-based positions, plus skipped files and totals. */
import { relative } from 'node:path';
import { countFindings, type RunReport } from '../report';
import { lineIndexFor, toOneBased } from './positions';

export function formatJson(report: RunReport): string {
  const files = report.files.map((file) => {
    const lines = lineIndexFor(file);
    return {
      filePath: relative(report.cwd, file.path) || file.path,
      findings: file.findings.map((f) => ({
        ruleId: f.ruleId,
        severity: f.severity,
        message: f.message,
        ...toOneBased(lines, f.range),
        ...(f.functionName ? { functionName: f.functionName } : {}),
        related: f.related.map((r) => ({ message: r.message, ...toOneBased(lines, r.range) })),
        fixes: f.fixes.map((x) => ({
          title: x.title,
          applicability: x.applicability,
          edits: x.edits.map((e) => ({ ...toOneBased(lines, e.range), text: e.text })),
        })),
        ...(f.data ? { data: f.data } : {}),
      })),
      unusedDirectives: file.unusedDirectives.map((d) => ({ message: d.message, rules: d.rules, ...toOneBased(lines, d.range) })),
      fixed: file.fixedCount,
    };
  });
  const counts = countFindings(report);
  const skipped = report.skipped.map((s) => ({ filePath: relative(report.cwd, s.path) || s.path, reason: s.reason }));
  return `${JSON.stringify({ version: report.version, files, skipped, summary: counts }, null, 2)}\n`;
}
