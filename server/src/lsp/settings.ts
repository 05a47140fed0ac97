/**
 * Which LintSettings apply to a document: the nearest `.copyscope.json` (or
 * `copyscope.configPath`), with the editor's `copyscope.rules` applied over it,
 * per workspace folder (multi-root), and whether `copyscope.enable` is on.
 *
 * Invariants: an invalid configuration never replaces a valid one: the last
 * good settings of that source stay in force and the problem is reported once
 * through `onError` (until the source changes again). Config files are read
 * through the host module, which the CLI uses too, so both see the same rules.
 * Caches are dropped by `invalidateFiles` (a .copyscope.json changed) and
 * `invalidateEditorSettings` (didChangeConfiguration).
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configToSettings, mergeSettings, validateConfig } from '../engine/config';
import type { LintSettings } from '../engine/types';
import { findConfigFile, loadConfigFile } from '../host';

/** The editor settings under `copyscope` (VS Code settings, or a client's `settings` table). */
export interface EditorSettings {
  enable: boolean;
  rules: Record<string, unknown>;
  configPath: string;
}

export const DEFAULT_EDITOR_SETTINGS: EditorSettings = { enable: true, rules: {}, configPath: '' };

export interface EffectiveSettings {
  enable: boolean;
  lint: LintSettings;
  /** The config file in force, if any. */
  configFile?: string;
}

export interface SettingsSource {
  /** Fetches `copyscope` settings for a resource (workspace/configuration), or null when the client cannot. */
  fetch(scopeUri: string | undefined): Promise<unknown>;
}

export class SettingsResolver {
  private folders: string[] = [];
  private readonly editor = new Map<string, Promise<EditorSettings>>();
  private readonly configFor = new Map<string, string | undefined>();
  private readonly fileSettings = new Map<string, LintSettings>();
  private readonly goodEditorRules = new Map<string, LintSettings>();
  private readonly reported = new Set<string>();
  /** Settings pushed with didChangeConfiguration by clients without workspace/configuration. */
  private pushed: unknown = undefined;

  constructor(
    private readonly source: SettingsSource,
    private readonly onError: (message: string) => void,
  ) {}

  setFolders(folderUris: readonly string[]): void {
    this.folders = folderUris.map((u) => trimSlash(u));
    this.editor.clear();
  }

  /** The workspace folder URI that contains `uri` (the longest match), or undefined. */
  folderOf(uri: string): string | undefined {
    let best: string | undefined;
    for (const f of this.folders) if ((uri === f || uri.startsWith(f + '/')) && (!best || f.length > best.length)) best = f;
    return best;
  }

  setPushedSettings(settings: unknown): void {
    this.pushed = settings;
  }

  invalidateEditorSettings(): void {
    this.editor.clear();
  }

  invalidateFiles(): void {
    this.configFor.clear();
    this.fileSettings.clear();
  }

  async resolve(uri: string): Promise<EffectiveSettings> {
    const folder = this.folderOf(uri);
    const key = folder ?? '';
    let editorP = this.editor.get(key);
    if (!editorP) {
      editorP = this.fetchEditor(folder ?? uri);
      this.editor.set(key, editorP);
    }
    const editor = await editorP;
    const filePath = uriToPath(uri);
    const folderPath = folder ? uriToPath(folder) : undefined;
    const configFile = this.configFileFor(filePath, folderPath, editor.configPath);
    let lint: LintSettings = configFile ? this.loadFile(configFile) : {};
    lint = mergeSettings(lint, this.editorRules(key, editor.rules));
    return { enable: editor.enable, lint, configFile };
  }

  private async fetchEditor(scopeUri: string): Promise<EditorSettings> {
    let raw: unknown;
    try {
      raw = await this.source.fetch(scopeUri);
    } catch {
      raw = null;
    }
    if (raw === null || raw === undefined) raw = sectionOf(this.pushed);
    return normalizeEditorSettings(raw);
  }

  private configFileFor(filePath: string | undefined, folderPath: string | undefined, configPath: string): string | undefined {
    if (configPath) {
      if (path.isAbsolute(configPath)) return configPath;
      const base = folderPath ?? (filePath ? path.dirname(filePath) : undefined);
      return base ? path.resolve(base, configPath) : undefined;
    }
    if (!filePath) return undefined;
    const dir = path.dirname(filePath);
    if (!this.configFor.has(dir)) this.configFor.set(dir, findConfigFile(filePath));
    return this.configFor.get(dir);
  }

  private loadFile(file: string): LintSettings {
    const cached = this.fileSettings.get(file);
    if (cached) return cached;
    const loaded = loadConfigFile(file);
    if (loaded.ok) {
      const settings = configToSettings(loaded.config);
      this.fileSettings.set(file, settings);
      this.lastGood.set(file, settings);
      this.forget(file);
      return settings;
    }
    this.report(file, `CopyScope: invalid configuration: ${loaded.errors.map((e) => (e.includes(file) ? e : `${file}: ${e}`)).join('; ')}. The last valid settings stay in force.`);
    const fallback = this.lastGood.get(file) ?? {};
    this.fileSettings.set(file, fallback);
    return fallback;
  }

  private readonly lastGood = new Map<string, LintSettings>();

  private editorRules(key: string, rules: Record<string, unknown>): LintSettings {
    if (Object.keys(rules).length === 0) {
      this.goodEditorRules.set(key, {});
      return {};
    }
    const source = `setting copyscope.rules${key ? ` (${key})` : ''}`;
    const checked = validateConfig({ rules }, source);
    if (checked.ok) {
      const settings = configToSettings(checked.config);
      this.goodEditorRules.set(key, settings);
      this.forget(source);
      return settings;
    }
    this.report(source, `CopyScope: invalid ${checked.errors.map((e) => (e.includes(source) ? e : `${source}: ${e}`)).join('; ')}. The last valid settings stay in force.`);
    return this.goodEditorRules.get(key) ?? {};
  }

  /** Reports a problem of `source` once: the same text is not repeated until the source is valid again. */
  private report(source: string, message: string): void {
    const key = `${source}\u0000${message}`;
    if (this.reported.has(key)) return;
    this.forget(source);
    this.reported.add(key);
    this.onError(message);
  }

  private forget(source: string): void {
    for (const k of this.reported) if (k.startsWith(`${source}\u0000`)) this.reported.delete(k);
  }
}

export function normalizeEditorSettings(raw: unknown): EditorSettings {
  const s = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  return {
    enable: typeof s['enable'] === 'boolean' ? s['enable'] : DEFAULT_EDITOR_SETTINGS.enable,
    rules: s['rules'] && typeof s['rules'] === 'object' && !Array.isArray(s['rules']) ? (s['rules'] as Record<string, unknown>) : {},
    configPath: typeof s['configPath'] === 'string' ? s['configPath'] : '',
  };
}

/** `{copyscope: {...}}` (didChangeConfiguration payload) to its `copyscope` part. */
function sectionOf(settings: unknown): unknown {
  if (settings && typeof settings === 'object' && 'copyscope' in settings) return (settings as Record<string, unknown>)['copyscope'];
  return undefined;
}

export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

function trimSlash(uri: string): string {
  return uri.endsWith('/') ? uri.slice(0, -1) : uri;
}
