/**
 * Runs calibration and validation without the CLI, until `copyscope
 * calibrate` and `copyscope validate` are wired:
 *
 *   npx vite-node server/src/cli/calibration/standalone.ts calibrate profile.json
 *   npx vite-node server/src/cli/calibration/standalone.ts validate profile.json
 *
 * `validate` without a file uses the built-in defaults. Exit code 0 when the
 * command succeeded (for validate: every pair within the target), 1 otherwise.
 */

import { readFileSync } from 'node:fs';
import { defaultProfile, validateProfile } from '../../simulate/profile';
import { runCalibrate } from './calibrate';
import { runValidate } from './validate';

async function main(args: string[]): Promise<number> {
  const [command, file] = args.filter((arg) => arg !== '--');
  const log = (line: string): void => console.log(line);
  if (command === 'calibrate' && file) {
    await runCalibrate({ outputFile: file, log });
    return 0;
  }
  if (command === 'validate') {
    let profile = defaultProfile();
    if (file) {
      const checked = validateProfile(JSON.parse(readFileSync(file, 'utf8')), file);
      if (!checked.ok) {
        for (const error of checked.errors) console.error(error);
        return 1;
      }
      profile = checked.profile;
    }
    const result = await runValidate({ profile, log });
    return result.withinTarget ? 0 : 1;
  }
  console.error('usage: standalone.ts calibrate OUTPUT.json | validate [PROFILE.json]');
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error: unknown) => { console.error(error instanceof Error ? error.message : error); process.exitCode = 1; },
);
