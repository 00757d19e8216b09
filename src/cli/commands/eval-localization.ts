import type { Command } from 'commander';
import { LOCALIZATION_QUERIES, type LocalizationQuery, evaluateLocalization } from '../../apps/locate/evaluate.ts';
import { ConfigError } from '../../core/errors.ts';
import { ImageBind } from '../../embed/imagebind.ts';
import { resolveModelDir } from '../model-dir.ts';
import { parsePositiveInt } from '../options.ts';

interface Flags {
  model?: string;
  seed: number;
  n: number;
  queries: string;
  compare?: boolean;
  candidates: number;
  json?: boolean;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function register(program: Command): void {
  program
    .command('eval-localization')
    .description('localisation benchmark on fresh synthetic scenes with 2–4 objects and ground-truth boxes')
    .option('--model <dir>', 'model directory (default: the embedded mini model)')
    .option('--seed <n>', 'world seed for the scenes and queries', parsePositiveInt('--seed'), 12345)
    .option('--n <n>', 'scenes (every object in a scene is a target)', parsePositiveInt('--n'), 100)
    .option('--queries <list>', 'query modalities', LOCALIZATION_QUERIES.join(','))
    .option('--candidates <n>', 'proposals verified per query', parsePositiveInt('--candidates'), 5)
    .option('--compare', 'also run the earlier sliding-window crop scoring on the same targets (slow)')
    .option(
      '--json',
      'print {"<query modality>": {"pointing", "iou50", "center_baseline", "random_baseline", ...}, ..., "ms_per_image"}',
    )
    .addHelpText(
      'after',
      `
Each target is named by a query of its class from held-out world samples: an audio clip (emergent,
as in the paper), a phrase ("a dog", through the "a photo of {}" template), another image, a depth
map, a thermal image or an IMU log. Pointing: the heatmap's peak falls inside the target's box.
iou50: the best box overlaps the target's box with IoU >= 0.5. Baselines: the image centre (and a
centred box) and a random point drawn uniformly (and a random box). ms_per_image: one fresh localisation (the
image-side work and one query), averaged over the scenes.`,
    )
    .action(async (flags: Flags) => {
      const queries = flags.queries.split(',').map((q) => q.trim());
      const bad = queries.filter((q) => !(LOCALIZATION_QUERIES as readonly string[]).includes(q));
      if (bad.length > 0 || queries.length === 0)
        throw new ConfigError(
          'BAD_ARGUMENT',
          `--queries: unknown modality ${bad.join(', ') || '(none)'}; choose from ${LOCALIZATION_QUERIES.join(', ')}.`,
        );
      const model = await ImageBind.load(await resolveModelDir(flags.model));
      try {
        const report = await evaluateLocalization(model, {
          seed: flags.seed,
          n: flags.n,
          queries: queries as LocalizationQuery[],
          compareWindows: flags.compare,
          detect: { candidates: flags.candidates },
          onProgress: (done, total) => {
            if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2Kscenes ${done}/${total}`);
          },
        });
        if (process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
        if (flags.json) {
          const out: Record<string, unknown> = { ...report.rows, ms_per_image: report.ms_per_image };
          if (report.windows_ms_per_image !== undefined) out.windows_ms_per_image = report.windows_ms_per_image;
          process.stdout.write(`${JSON.stringify(out)}\n`);
          return;
        }
        process.stdout.write(
          `${report.scenes} scenes, ${report.targets} targets, world seed ${report.seed}; ${report.ms_per_image.toFixed(0)} ms per image${report.windows_ms_per_image === undefined ? '' : ` (windows: ${report.windows_ms_per_image.toFixed(0)} ms)`}\n`,
        );
        for (const [q, r] of Object.entries(report.rows)) {
          process.stdout.write(
            `${q.padEnd(8)} pointing ${pct(r.pointing)}  iou>=0.5 ${pct(r.iou50)}  centre ${pct(r.center_baseline)}  random ${pct(r.random_baseline)}${r.windows ? `  | windows: pointing ${pct(r.windows.pointing)} iou>=0.5 ${pct(r.windows.iou50)}` : ''}\n`,
          );
        }
      } finally {
        await model.close();
      }
    });
}
