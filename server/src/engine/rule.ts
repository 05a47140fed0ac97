/**
 * The rule contract. A rule is one module exporting a `Rule`: metadata, the
 * messages it can emit, and `check`, which reads the shared model and reports.
 *
 * Invariants: a rule does no I/O and keeps no state between files; it reports
 * through `ctx.report` only; it never mutates the model.
 */
import type { FileModel } from '../model/fileModel';
import type { FunctionModel } from '../model/functionModel';
import type { FixApplicability, RelatedLocation, Severity, TextEdit, TextRange } from './types';

export interface RuleFix {
  /** Imperative title: "Replace 'memcpy' with 'memmove'". */
  title: string;
  applicability: FixApplicability;
  edits: TextEdit[];
}

export interface Report {
  messageId: string;
  /** Values for `{{name}}` placeholders in the message. */
  data?: Record<string, string | number>;
  range: TextRange;
  related?: RelatedLocation[];
  fixes?: RuleFix[];
  functionName?: string;
  /** Extra machine-readable facts for adapters (estimated gain, scenario hints). */
  extra?: Record<string, string | number | boolean>;
}

export interface RuleContext {
  readonly text: string;
  readonly file: FileModel;
  /** The rule's options: its defaults merged with the configured ones. */
  readonly options: Readonly<Record<string, unknown>>;
  /** Functions whose text matches the rule's `candidates`, lowered to IR. */
  functions(): Iterable<FunctionModel>;
  report(report: Report): void;
}

export interface Rule {
  /** `family/kebab-name`. */
  id: string;
  /** One sentence, reused by docs, hovers and SARIF. */
  summary: string;
  defaultSeverity: Severity;
  /** The most permissive fix applicability the rule may emit. */
  fix: FixApplicability | 'none';
  /** Message templates by id; `{{name}}` is replaced from `report.data`. */
  messages: Record<string, string>;
  options?: Record<string, unknown>;
  /**
   * The id of the scenario transformation that models the rule's suggested
   * change on the timeline (`'read-write→sendfile'`): a key of
   * `SCENARIO_TRANSFORMS` in server/src/simulate/code/transforms.ts. A
   * finding may name a variant in `extra.scenario` (`'read-write→splice'`),
   * which must be registered too. `lint()` then quotes the simulated gain in
   * the finding's message and `data.gain`; rules never format gains
   * themselves. Every zerocopy/ and overlap/ rule has one (a test checks).
   */
  scenario?: string;
  /**
   * A function is analysed only when its text matches (a cheap pre-filter).
   * With several expressions all must match, tried in order: put a plain
   * keyword first so that an expensive pattern runs only where it can match.
   */
  candidates: RegExp | readonly RegExp[];
  /**
   * Names of which the function must call at least one for `candidates` to be
   * tried: a name followed by `(` anywhere in its text (so `for` and `sizeof`
   * count), exact or, for families, a pattern over the name. Checked against
   * a set of the function's called names built once for all rules, it spares
   * most functions the candidate patterns. It must be implied by
   * `candidates` (test/engine/triggers.test.ts checks it on every fixture).
   */
  triggers?: readonly (string | RegExp)[];
  /**
   * What a function's findings depend on, so that the language server checks
   * again only what an edit can affect (engine/incremental.ts). In every case
   * but 'file', findings are reported while `ctx.functions()` is on the
   * function they are about, and the file's declarations count too.
   *  - 'function': that function's text only; it never looks another
   *    function up (the engine checks: a lookup turns the rule to 'file').
   *  - 'calls': also the functions it mentions (callees, start routines, and
   *    transitively theirs) and its direct callers.
   *  - 'file' (default): anything in the file; always checked in full.
   */
  scope?: 'function' | 'calls' | 'file';
  check(ctx: RuleContext): void;
}
