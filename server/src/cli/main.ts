/**
 * The `copyscope` command line. The only code that touches argv, stdout and
 * exit codes; everything it does goes through the engine.
 */
import { Command, CommanderError, Option } from 'commander';
import pkg from '../../../package.json';
import { lintCommand } from './commands/lint';
import { calibrateCommand, validateCommand } from './commands/calibration';
import { rulesCommand } from './commands/rules';
import { timelineCommand } from './commands/timeline';
import { UsageError, type CliIO } from './io';
import { tuneV8ForBatchRun } from './v8Tuning';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export async function main(argv: string[], io: CliIO): Promise<number> {
  let exitCode = 0;
  const program = new Command('copyscope')
    .description('Find needless copies, missed I/O overlap and races in C code.')
    .version(pkg.version, '-v, --version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('lint')
    .description('lint C files, directories (recursing into .c and .h files) or globs')
    .argument('[paths...]', 'files, directories or globs (default: .)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json', 'sarif']).default('text'))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option('--max-warnings <n>', 'exit with 1 when there are more warnings than this')
    .option('--rule <rule:severity>', 'override a rule: RULE:off|info|warning|error (repeatable)', collect)
    .option('-c, --config <file>', 'use this configuration file instead of looking for .copyscope.json')
    .option('--fix', 'apply safe fixes to the files')
    .option('--unsafe-fixes', 'apply unsafe (suggested) fixes too; implies --fix')
    .option('-j, --jobs <n>', 'worker threads (default: the number of cores)')
    .option('--cache', 'reuse results of unchanged files')
    .option('--cache-location <file>', 'where --cache keeps its data', '.copyscope-cache')
    .option('--print-config <file>', 'print the settings that apply to a file and exit')
    .option('-q, --quiet', 'report errors only')
    .option('--no-color', 'no colours in text output')
    .addOption(new Option('--parse-only', 'benchmark baseline: parse every file and report nothing').hideHelp())
    .action(async (paths: string[], options) => {
      exitCode = await lintCommand(paths, options, io);
    });

  program
    .command('rules')
    .description('list the rules')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((options: { format: string }) => {
      exitCode = rulesCommand(options, io);
    });

  program
    .command('timeline')
    .description('simulate a function or loop as written and with the suggested change: JSON, SVG or HTML')
    .argument('<file>', 'a C file')
    .option('--function <name>', 'the function to simulate (its main loop, or the loop of its first finding)')
    .option('--line <n>', 'the loop (or finding) at this 1-based line')
    .option('--profile <file>', 'machine profile JSON (from copyscope calibrate); default: the documented defaults')
    .option('--assume <key=value>', 'an assumption such as bytes=4GiB, fd(out)=pipe, cache=warm (repeatable; overrides the code\'s comments)', collect)
    .addOption(new Option('-f, --format <format>', 'output format').choices(['json', 'svg', 'html']).default('json'))
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .option('--width <pixels>', 'width of the SVG (default 960)')
    .action(async (file: string, options) => {
      exitCode = await timelineCommand(file, options, io);
    });

  program
    .command('calibrate')
    .description('measure this machine with bundled C microbenchmarks (compiled with cc) and write a profile')
    .option('-o, --output <file>', 'write the profile here instead of stdout')
    .option('--name <name>', 'the profile\'s name', 'calibrated')
    .option('--compiler <cc>', 'the C compiler to use', 'cc')
    .action(async (options) => {
      exitCode = await calibrateCommand(options, io);
    });

  program
    .command('validate')
    .description('run reference program pairs on this machine and compare measured with predicted speedups')
    .option('--profile <file>', 'machine profile JSON to predict with (default: the documented defaults)')
    .option('--compiler <cc>', 'the C compiler to use', 'cc')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (options) => {
      exitCode = await validateCommand(options, io);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      return 2; // commander already printed the message
    }
    if (error instanceof UsageError) {
      io.stderr(`copyscope: ${error.message}\n`);
      return 2;
    }
    io.stderr(`copyscope: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    if (process.env.COPYSCOPE_DEBUG) io.stderr(`${(error as Error).stack ?? ''}\n`);
    return 2;
  }
}

if (require.main === module) {
  tuneV8ForBatchRun();
  const io: CliIO = {
    cwd: process.cwd(),
    version: pkg.version,
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      // For benchmarks: peak memory of the whole process, worker threads included.
      if (process.env.COPYSCOPE_STATS) process.stderr.write(`copyscope-stats ${JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS })}\n`);
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`copyscope: internal error: ${String(error)}\n`);
      process.exitCode = 2;
    },
  );
}
