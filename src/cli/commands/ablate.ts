import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { runStudy } from '../../apps/ablate/runner.ts';
import { FULL_SCALE, QUICK_SCALE } from '../../apps/ablate/settings.ts';
import { STUDIES, STUDY_NAMES } from '../../apps/ablate/studies.ts';
import { ConfigError } from '../../core/errors.ts';
import type { SensorModality } from '../../synth/mini/data.ts';

interface Flags {
  seeds: number;
  out: string;
  cache?: string;
  quick?: boolean;
  modalities?: string;
  modelsDir?: string;
  modelsList?: string;
  detach?: boolean;
  nice?: number;
  threads: number;
  json?: boolean;
}

function positiveInt(name: string) {
  return (s: string): number => {
    const n = Number(s);
    if (!Number.isInteger(n) || n <= 0)
      throw new ConfigError('BAD_ARGUMENT', `${name} must be a positive integer, got "${s}".`);
    return n;
  };
}

/** Re-runs this command as a detached child that logs to `<out>/<study>.log`, and returns at once. */
function detach(study: string, out: string, niceness: number): void {
  mkdirSync(out, { recursive: true });
  const logPath = join(out, `${study}.log`);
  const fd = openSync(logPath, 'a');
  const args = process.argv.slice(1).filter((a) => a !== '--detach');
  const child = spawn(process.execPath, [...process.execArgv, ...args], {
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  if (child.pid !== undefined) setPriority(child.pid, niceness);
  child.unref();
  process.stdout.write(
    `started ${study} in the background (pid ${child.pid}, nice ${niceness}); progress: tail -f ${logPath}\n`,
  );
}

export function register(program: Command): void {
  program
    .command('ablate')
    .description(
      "re-run one of the paper's ablations at mini scale on the synthetic world: JSON results and a PNG plot",
    )
    .argument('<study>', STUDY_NAMES.join(' | '))
    .option('--seeds <n>', 'seeds per point (error bars are ±1 std over seeds)', positiveInt('--seeds'), 3)
    .option('--out <dir>', 'where <study>.json and <study>.png are written', 'ablations')
    .option(
      '--cache <dir>',
      'rendered data and trained stage-1 encoders, shared by all studies (default: <out>/.cache)',
    )
    .option('--quick', 'a smoke-test scale that runs in seconds (accuracies near chance)')
    .option('--modalities <list>', "override the study's modalities, e.g. thermal or depth,audio")
    .option('--models-dir <dir>', 'scaling: keep a complete model directory per vision size here')
    .option('--models-list <file>', 'scaling: list those models in this JSON file ({"scaling": [...]})')
    .option('--detach', 'run in the background; progress goes to <out>/<study>.log')
    .option('--nice <n>', 'process priority (0–19; --detach defaults to 10)', (v) => Number(v))
    .option(
      '--threads <n>',
      'onnxruntime threads (1 was faster than 2 on a busy 2-core machine)',
      positiveInt('--threads'),
      1,
    )
    .option('--json', 'print the summary rows as JSON when done')
    .addHelpText(
      'after',
      `
Studies (${FULL_SCALE.heldOut.n} held-out samples; binding ${FULL_SCALE.bind.pairs} pairs × ${FULL_SCALE.bind.steps} steps unless varied):
${STUDIES.map((s) => `  ${s.name.padEnd(14)} ${s.title} (${s.modalities.join(', ')})`).join('\n')}

A study trains the stage-1 vision + text encoder it needs (cached in --cache and reused by
every study), binds each modality at each point for each seed, and measures emergent X→text
top-1 on held-out data. Results are written after every run: an interrupted study resumes where
it stopped when re-run with the same settings. Compute on 2 cores: bench/ablations.md.

Examples:
  imagebind ablate temperature --out bench/ablations --detach
  imagebind ablate scaling --out bench/ablations --models-dir bench/models --models-list bench/ablations.json
  imagebind ablate batch-size --quick --seeds 2 --modalities thermal --out /tmp/smoke`,
    )
    .action(async (study: string, flags: Flags) => {
      if (!STUDY_NAMES.includes(study))
        throw new ConfigError('BAD_ARGUMENT', `unknown study "${study}": choose one of ${STUDY_NAMES.join(', ')}.`);
      if (flags.nice !== undefined && !(Number.isInteger(flags.nice) && flags.nice >= 0 && flags.nice <= 19))
        throw new ConfigError('BAD_ARGUMENT', `--nice must be an integer from 0 to 19, got ${flags.nice}.`);
      if (flags.detach) {
        detach(study, flags.out, flags.nice ?? 10);
        return;
      }
      if (flags.nice !== undefined) setPriority(0, flags.nice);
      const modalities = flags.modalities?.split(',').map((m) => m.trim()) as SensorModality[] | undefined;
      const t0 = Date.now();
      const stamp = () => new Date().toISOString().slice(11, 19);
      const result = await runStudy(study, {
        outDir: flags.out,
        cacheDir: flags.cache ?? join(flags.out, '.cache'),
        seeds: flags.seeds,
        scale: flags.quick ? QUICK_SCALE : FULL_SCALE,
        modalities,
        modelsDir: flags.modelsDir,
        modelsList: flags.modelsList,
        threads: flags.threads,
        log: (l) => process.stderr.write(`${stamp()} [${((Date.now() - t0) / 1000).toFixed(0)} s] ${l}\n`),
      });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(result.summary)}\n`);
        return;
      }
      for (const r of result.summary)
        process.stdout.write(
          `${r.point.padEnd(16)} ${r.series.padEnd(26)} ${(100 * r.mean).toFixed(1).padStart(5)}% ± ${(100 * r.std).toFixed(1)} (n=${r.n})\n`,
        );
    });
}
