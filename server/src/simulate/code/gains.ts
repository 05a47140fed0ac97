/**
 * Quotes the simulated gain in findings: for every finding whose rule (or
 * the finding itself, in `data.scenario`) names a scenario transformation,
 * simulate the flagged loop as written and with the change, and attach the
 * result to the finding (`data.gain`, `data.scenario`) and to its message
 * ("...; simulated: ≈2.1× faster, 3.0× less CPU time for 1 GiB"). Run once
 * by `lint()` after all rules, so no rule formats gains itself.
 *
 * Invariants: pure; a finding whose simulation fails keeps its message and
 * gets no gain (the error is returned for the caller to report); findings
 * are updated in place, nothing else changes.
 */

import type { Rule } from '../../engine/rule';
import type { Finding, LintSettings } from '../../engine/types';
import type { FileModel } from '../../model/fileModel';
import { defaultProfile } from '../profile';
import { parseAssumptions } from './assumptions';
import { codeTimeline, type CodeFinding } from './codeTimeline';
import { transformFor } from './transforms';

/** The scenario id of a finding: its own variant, else its rule's. */
export function scenarioOfFinding(finding: CodeFinding & { data?: Finding['data'] }, rule: Pick<Rule, 'scenario'> | undefined): string | undefined {
  const own = finding.data?.['scenario'];
  return typeof own === 'string' ? own : rule?.scenario;
}

export function attachGains(file: FileModel, findings: Finding[], rules: ReadonlyMap<string, Rule>, settings: LintSettings): string[] {
  const options = settings.timeline ?? {};
  if (options.gains === false) return [];
  const errors: string[] = [];
  const profile = options.profile ?? defaultProfile();
  const assume = parseAssumptions(options.assume ?? []).values;
  const scenarioOf = (f: CodeFinding & { data?: Finding['data'] }): string | undefined => scenarioOfFinding(f, rules.get(f.ruleId));
  for (const finding of findings) {
    const scenario = scenarioOf(finding);
    if (!transformFor(scenario)) continue;
    try {
      const result = codeTimeline(file, findings, { finding }, { profile, assume, scenarioOf });
      if (!result.ok || !result.value.timeline.subject?.gain || !result.value.shortGain) continue;
      finding.data = { ...finding.data, scenario: scenario!, gain: result.value.timeline.subject.gain };
      finding.message = `${finding.message}; simulated: ${result.value.shortGain}`;
    } catch (error) {
      errors.push(`${finding.ruleId}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return errors;
}
