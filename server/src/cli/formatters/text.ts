/**
 * Text output: `path:line:col: severity: message [rule-id]`, 1-based, columns
 * in UTF-16 code units, then a summary line.
 */
import pc from 'picocolors';
import { relative } from 'node:path';
import { countFindings, type RunReport } from '../report';
import { lineIndexFor, toOneBased } from './positions';

export function formatText(report: RunReport, useColor: boolean): string {
  const c = useColor ? pc : pc.createColors(false);
  const out: string[] = [];
  for (const file of report.files) {
    const lines = lineIndexFor(file);
    const path = relative(report.cwd, file.path) || file.path;
    const entries = [
      ...file.findings.map((f) => ({ start: f.range.start, severity: f.severity as string, message: f.message, rule: f.ruleId })),
      ...file.unusedDirectives.map((d) => ({ start: d.range.start, severity: 'warning', message: d.message, rule: 'unused-directive' })),
    ].sort((a, b) => a.start - b.start);
    for (const e of entries) {
      const p = toOneBased(lines, { start: e.start, end: e.start });
      const severity = e.severity === 'error' ? c.red('error') : e.severity === 'warning' ? c.yellow('warning') : c.blue('info');
      out.push(`${c.bold(`${path}:${p.line}:${p.column}`)}: ${severity}: ${e.message} ${c.dim(`[${e.rule}]`)}`);
    }
  }
  for (const s of report.skipped) out.push(`${relative(report.cwd, s.path) || s.path}: skipped: ${s.reason}`);
  const counts = countFindings(report);
  const problems = counts.errors + counts.warnings + counts.infos;
  const files = report.files.length;
  if (problems === 0) {
    out.push(c.green(`✔ no problems in ${files} file${files === 1 ? '' : 's'}`));
  } else {
    const parts = [`${counts.errors} error${counts.errors === 1 ? '' : 's'}`, `${counts.warnings} warning${counts.warnings === 1 ? '' : 's'}`];
    if (counts.infos > 0) parts.push(`${counts.infos} info`);
    const line = `✖ ${problems} problem${problems === 1 ? '' : 's'} (${parts.join(', ')}) in ${files} file${files === 1 ? '' : 's'}`;
    out.push(counts.errors > 0 ? c.red(c.bold(line)) : c.yellow(c.bold(line)));
    if (counts.fixable > 0) out.push(`  ${counts.fixable} fixable with the \`--fix\` option`);
  }
  return `${out.join('\n')}\n`;
}
