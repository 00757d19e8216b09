/**
 * `imagebind` command-line entry. Commands are listed in `registry.ts`; only the one being run is
 * imported (the others appear in the top-level help by their summaries), so start-up stays fast.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ImageBindError } from '../core/errors.ts';
import { COMMANDS, type CommandEntry } from './registry.ts';

function packageVersion(): string {
  // src/cli/ and dist/cli/ both sit two levels below package.json.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The command a command line runs: its first word that is not a global option (`help x` runs x's help). */
function selectedCommand(argv: string[]): CommandEntry | undefined {
  const words = argv.slice(2).filter((a) => !a.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  return COMMANDS.find((c) => c.name === name);
}

async function buildProgram(argv: string[]): Promise<{ program: Command; argv: string[] }> {
  const program = new Command('imagebind')
    .description('ImageBind in TypeScript: embed image, text, audio, video, depth, thermal and IMU into one space')
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--debug', 'print stack traces for errors')
    .configureOutput({ outputError: () => {} }) // printed by main() in the `error [CODE]: …` format
    .exitOverride();
  const selected = selectedCommand(argv);
  for (const entry of COMMANDS) {
    if (entry !== selected) {
      program.command(entry.name).summary(entry.summary);
      continue;
    }
    const mod = await entry.load();
    mod.register(program);
    if (mod.rewriteArgv) argv = mod.rewriteArgv(argv);
  }
  return { program, argv };
}

/** `commander.unknownOption` → `UNKNOWN_OPTION`: the code in the printed error line. */
function usageCode(e: CommanderError): string {
  return e.code
    .replace(/^commander\./, '')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toUpperCase();
}

/** What to run for usage help after a parse error, e.g. `imagebind index --help`. */
function helpHint(argv: string[]): string {
  const cmd = selectedCommand(argv);
  return `run imagebind ${cmd ? `${cmd.name} ` : ''}--help for usage`;
}

/** Runs the CLI and returns the exit code; never throws for user errors. */
export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  // The library's debug log (core/debug.ts: which decoder served each file, ...); workers inherit it.
  if (debug) process.env.IMAGEBIND_DEBUG ??= '1';
  try {
    const built = await buildProgram(argv);
    await built.program.parseAsync(built.argv);
    // A command that finished with partial failures (printed per item) sets a non-zero exit code.
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end parsing through the same exception, successfully.
      if (e.exitCode === 0) return 0;
      // Commander's own "(outputHelp)" for a bare `imagebind`: help is printed, and that is a usage error.
      if (e.code === 'commander.help' || e.code === 'commander.executeSubCommandAsync') return 2;
      const message = e.message.replace(/^error: /, '');
      process.stderr.write(`error [${usageCode(e)}]: ${message} (${helpHint(argv)})\n`);
      return 2;
    }
    if (e instanceof ImageBindError) {
      process.stderr.write(`error [${e.code}]: ${e.message}\n`);
      if (debug && e.stack) process.stderr.write(`${e.stack}\n`);
      return 2;
    }
    process.stderr.write(`internal error: ${(e as Error)?.message ?? String(e)}\n`);
    if (debug && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
    if (!debug) process.stderr.write('(re-run with --debug for a stack trace, and please report it)\n');
    return 1;
  }
}
