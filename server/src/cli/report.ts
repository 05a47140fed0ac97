/**
 * The run's results as one value that every formatter reads.
 */
import type { FileOutcome } from './lintFile';

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface RunReport {
  cwd: string;
  /** Outcomes in file order, with the text each refers to (for columns). */
  files: (FileOutcome & { text: string })[];
  skipped: SkippedFile[];
  version: string;
}

export interface Counts {
  errors: number;
  warnings: number;
  infos: number;
  fixable: number;
}

export function countFindings(report: RunReport): Counts {
  const counts: Counts = { errors: 0, warnings: 0, infos: 0, fixable: 0 };
  for (const file of report.files) {
    for (const f of file.findings) {
      if (f.severity === 'error') counts.errors++;
      else if (f.severity === 'warning') counts.warnings++;
      else counts.infos++;
      if (f.fixes.some((x) => x.applicability === 'safe')) counts.fixable++;
    }
    counts.warnings += file.unusedDirectives.length;
  }
  return counts;
}
