/**
 * Writing files safely: to a temporary file in the same folder, then rename,
 * so a crash never leaves a half-written source, report or cache.
 */
import { renameSync, rmSync, writeFileSync, statSync, chmodSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export function writeFileAtomic(path: string, content: string): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(temp, content);
    try {
      chmodSync(temp, statSync(path).mode); // keep the original file's permissions
    } catch {
      // New file: default permissions.
    }
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}
