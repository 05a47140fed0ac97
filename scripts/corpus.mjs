// The real C code CopyScope is measured on: four packages from the npm
// registry that bundle C sources, fetched with `npm pack` into .cache/corpus
// (ignored by git; never committed). Pinned versions keep figures comparable.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CORPUS_DIR = join(ROOT, '.cache', 'corpus');
export const PACKAGES = [
  { name: 'better-sqlite3', version: '12.11.1', what: 'sqlite amalgamation' },
  { name: 'libxmljs2', version: '0.35.0', what: 'libxml2' },
  { name: 'node-expat', version: '2.4.1', what: 'expat' },
  { name: 'hiredis', version: '0.5.0', what: 'hiredis' },
];

/**
 * Fetches and extracts the packages that are not there yet; returns their
 * folders. A package is extracted beside its folder and renamed into place,
 * so an interrupted run never leaves a half-extracted package that later
 * runs would take as complete. A failure exits with a message, not a stack.
 */
export function ensureCorpus(log = (s) => process.stderr.write(`${s}\n`)) {
  mkdirSync(CORPUS_DIR, { recursive: true });
  const dirs = [];
  for (const p of PACKAGES) {
    const dir = join(CORPUS_DIR, `${p.name}-${p.version}`);
    if (!existsSync(join(dir, 'package'))) {
      log(`fetching ${p.name}@${p.version} (${p.what}) with npm pack`);
      const partial = `${dir}.partial`;
      rmSync(partial, { recursive: true, force: true });
      mkdirSync(partial, { recursive: true });
      try {
        const tarball = execFileSync('npm', ['pack', `${p.name}@${p.version}`, '--loglevel=error'], { cwd: CORPUS_DIR, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n').pop();
        execFileSync('tar', ['xzf', join(CORPUS_DIR, tarball), '-C', partial], { stdio: ['ignore', 'ignore', 'pipe'] });
      } catch (error) {
        rmSync(partial, { recursive: true, force: true });
        const lines = String(error.stderr || error.message).split('\n').filter((l) => l.trim() && l.trim() !== 'npm error');
        const detail = lines.slice(0, 4).join('\n  ');
        process.stderr.write(`could not fetch ${p.name}@${p.version} into ${CORPUS_DIR} (the npm registry is needed once):\n  ${detail}\n`);
        process.exit(2);
      }
      rmSync(dir, { recursive: true, force: true });
      renameSync(partial, dir);
    }
    dirs.push(join(dir, 'package'));
  }
  return dirs;
}

/** Every .c and .h file of the corpus, largest first. */
export function corpusFiles(dirs) {
  const out = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const st = statSync(path);
      if (st.isDirectory()) walk(path);
      else if (/\.(c|h)$/.test(name)) out.push({ path, size: st.size });
    }
  };
  dirs.forEach(walk);
  return out.sort((a, b) => b.size - a.size);
}
