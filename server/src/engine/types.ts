/**
 * The engine's public vocabulary: what goes into `lint()` and what comes out.
 *
 * Invariants: plain data only (no tree-sitter objects, no classes), so results
 * cross worker-thread and process boundaries unchanged. Every position is an
 * offset in UTF-16 code units into the linted text; adapters turn offsets into
 * line/column with `LineIndex` (server/src/syntax/lineIndex.ts).
 */
import type { MachineProfile } from '../simulate/profile';

export type Severity = 'error' | 'warning' | 'info';
export type SeveritySetting = Severity | 'off';

/** How safe a fix is, from most to least permissive (Ruff's vocabulary). */
export type FixApplicability = 'safe' | 'unsafe' | 'display-only';

export interface TextRange {
  /** Offset of the first UTF-16 code unit. */
  start: number;
  /** Offset one past the last UTF-16 code unit. */
  end: number;
}

export interface TextEdit {
  range: TextRange;
  text: string;
}

export interface Fix {
  /** Imperative title: "Replace 'memcpy' with 'memmove'". */
  title: string;
  applicability: FixApplicability;
  edits: TextEdit[];
}

export interface RelatedLocation {
  range: TextRange;
  message: string;
}

export interface Finding {
  ruleId: string;
  messageId: string;
  severity: Severity;
  message: string;
  range: TextRange;
  related: RelatedLocation[];
  fixes: Fix[];
  /** Name of the function the finding is in, when there is one (used by the timeline). */
  functionName?: string;
  /** Extra data a rule attaches for adapters (timeline scenario hints, estimated gain). */
  data?: Record<string, string | number | boolean>;
}

/** A rule that threw: reported once per file, the other rules' findings still arrive. */
export interface RuleFailure {
  ruleId: string;
  message: string;
}

/** A suppression directive that suppressed nothing. */
export interface UnusedDirective {
  range: TextRange;
  /** The rule ids named by the directive, empty for "all rules". */
  rules: string[];
  message: string;
}

export interface LintSettings {
  /** Per-rule severity overrides; rules not named keep their default severity. */
  rules?: Record<string, SeveritySetting>;
  /** Per-rule options, merged over each rule's defaults. */
  ruleOptions?: Record<string, Record<string, unknown>>;
  /** Report directives that suppress nothing (default true). */
  reportUnusedDirectives?: boolean;
  /** How findings quote their simulated gain (docs/timeline.md). */
  timeline?: TimelineSettings;
}

/** Settings of the simulated gains quoted in findings. */
export interface TimelineSettings {
  /** Quote gains in messages (default true). */
  gains?: boolean;
  /** `key=value` assumptions below the code's `copyscope: assume` comments (`bytes=4GiB`). */
  assume?: string[];
  /** A validated machine profile (simulate/profile.ts); default: the documented defaults. */
  profile?: MachineProfile;
}

export interface LintResult {
  findings: Finding[];
  ruleFailures: RuleFailure[];
  unusedDirectives: UnusedDirective[];
  /** True when the parse tree had ERROR nodes (informational; analysis still ran). */
  hasSyntaxErrors: boolean;
}
