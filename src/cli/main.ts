/**
 * `imagebind` command-line entry. Each command lives in `commands/<name>.ts` and exports
 * `register(program)`; they are discovered at start-up so commands stay independent files.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { ImageBindError } from '../core/errors.ts';

export interface CommandModule {
  register(program: Command): void;
  /** Lets a command accept argument forms commander cannot express (search's `--minus --text x`). */
  rewriteArgv?(argv: string[]): string[];
}

async function buildProgram(): Promise<{ program: Command; rewrites: Map<string, (a: string[]) => string[]> }> {
  const program = new Command('imagebind')
    .description('ImageBind in TypeScript: embed image, text, audio, video, depth, thermal and IMU into one space')
    .option('--debug', 'print stack traces for errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'commands');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .sort();
  const rewrites = new Map<string, (a: string[]) => string[]>();
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(dir, f)).href)) as CommandModule;
    mod.register(program);
    if (mod.rewriteArgv) rewrites.set(f.replace(/\.ts$/, ''), mod.rewriteArgv);
  }
  return { program, rewrites };
}

/** Runs the CLI and returns the exit code; never throws for user errors. */
export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  // The library's debug log (core/debug.ts: which decoder served each file, ...); workers inherit it.
  if (debug) process.env.IMAGEBIND_DEBUG ??= '1';
  try {
    const { program, rewrites } = await buildProgram();
    const rewrite = rewrites.get(argv[2] ?? '');
    await program.parseAsync(rewrite ? rewrite(argv) : argv);
    // A command that finished with partial failures (printed per item) sets a non-zero exit code.
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
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
