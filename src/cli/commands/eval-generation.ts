import { join } from 'node:path';
import type { Command } from 'commander';
import { type SourceModality, SOURCE_MODALITIES, evaluateGeneration } from '../../apps/generate/eval.ts';
import { Judge } from '../../apps/generate/judge.ts';
import { ImageBind } from '../../embed/imagebind.ts';
import { resolveModelDir } from '../model-dir.ts';
import { parsePositiveInt } from '../options.ts';

interface Flags {
  model?: string;
  decoder?: string;
  judge?: string;
  seed: number;
  n: number;
  steps?: string;
  guidance?: string;
  json?: boolean;
}

const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function register(program: Command): void {
  program
    .command('eval-generation')
    .description(
      'generation from audio, depth, thermal, IMU and text on a fresh held-out set from the synthetic world, judged by an independent classifier',
    )
    .option('--model <dir>', 'model directory (default: $IMAGEBIND_MODEL, else the embedded mini model)')
    .option('--decoder <dir>', 'image decoder directory (default: <model>/decoder)')
    .option('--judge <dir>', 'judge classifier directory (default: <model>/judge)')
    .option('--seed <n>', 'world seed for the held-out set (also the sampling seed)', (v) => Number(v), 12345)
    .option(
      '--n <n>',
      'held-out samples per modality (multiples of 16 are class-balanced)',
      parsePositiveInt('--n'),
      64,
    )
    .option('--steps <n>', "sampling steps (default: the decoder's)")
    .option('--guidance <g>', "guidance scale (default: the decoder's)")
    .option(
      '--json',
      'print {"<modality>": {"accuracy", "chance", "upper_bound"}, ..., "diversity": {"generated", "real"}}',
    )
    .addHelpText(
      'after',
      `
Each held-out sample's audio, depth map, thermal image, IMU log and caption is embedded, the
normalised embedding conditions the decoder (which only ever trained on image embeddings), and a
classifier trained on real world images only names the class of the generated image. The upper
bound conditions on the sample's own image embedding. Diversity is the mean pairwise RMS pixel
distance of one condition's samples under different seeds, next to that of real images of the
same class.`,
    )
    .action(async (flags: Flags) => {
      const dir = await resolveModelDir(flags.model);
      const model = await ImageBind.load(dir, { decoder: flags.decoder });
      const judge = await Judge.load(flags.judge ?? join(dir, 'judge')).catch(async (e) => {
        await model.close();
        throw e;
      });
      try {
        const r = await evaluateGeneration(model, judge, {
          seed: flags.seed,
          n: flags.n,
          steps: num(flags.steps),
          guidance: num(flags.guidance),
          onProgress: (m) => {
            if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2Kgenerating from ${m} ...`);
          },
        });
        if (process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(r.report)}\n`);
          return;
        }
        process.stdout.write(`held-out set: ${r.n} samples per modality, world seed ${r.seed}\n`);
        process.stdout.write(`image-conditioned (upper bound): ${pct(r.imageAccuracy)}\n`);
        for (const m of SOURCE_MODALITIES as readonly SourceModality[]) {
          const x = r.report[m];
          process.stdout.write(
            `${m.padEnd(8)} ${pct(x.accuracy)}  chance ${pct(x.chance)}  ${(x.accuracy / x.chance).toFixed(1)}× chance  ${pct(x.accuracy / Math.max(x.upper_bound, 1e-9))} of the upper bound\n`,
          );
        }
        const d = r.report.diversity;
        process.stdout.write(
          `diversity: generated ${d.generated.toFixed(3)}, real within-class ${d.real.toFixed(3)} (${pct(d.generated / d.real)})\n`,
        );
      } finally {
        await judge.close();
        await model.close();
      }
    });
}
