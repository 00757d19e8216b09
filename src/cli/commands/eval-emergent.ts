import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { EMERGENT_MODALITIES, evaluateEmergent } from '../../apps/emergent.ts';
import { ImageBind } from '../../embed/imagebind.ts';
import { resolveModelDir } from '../model-dir.ts';
import { parsePositiveInt } from '../options.ts';
import { deviceLoadOptions, deviceOption } from '../device-option.ts';
import type { Device } from '../../runtime/device.ts';

export function register(program: Command): void {
  program
    .command('eval-emergent')
    .description(
      'emergent zero-shot X→text top-1 for audio, depth, thermal and IMU on a fresh held-out set from the synthetic world',
    )
    .option('--model <dir>', 'model directory (default: the embedded mini model)')
    .addOption(deviceOption())
    .option('--upper-bound <dir>', 'text-paired encoders for the upper bound (default: <model>/upper-bound)')
    .option('--seed <n>', 'world seed for the held-out set', (v) => Number(v), 12345)
    .option(
      '--n <n>',
      'held-out samples per modality (multiples of 16 are class-balanced)',
      parsePositiveInt('--n'),
      320,
    )
    .option(
      '--json',
      'print JSON {"<modality>": {"emergent_top1", "chance", "upper_bound_top1"}, ..., "vision_text_top1"}',
    )
    .addHelpText(
      'after',
      `
The X encoders were bound to the frozen image encoder with X–image pairs only; their agreement
with text "emerges" through images. The upper bound is the same architecture trained on X–text pairs.`,
    )
    .action(
      async (flags: {
        model?: string;
        device?: Device;
        upperBound?: string;
        seed: number;
        n: number;
        json?: boolean;
      }) => {
        const dir = await resolveModelDir(flags.model);
        const upperDir = flags.upperBound ?? join(dir, 'upper-bound');
        const main = await ImageBind.load(dir, deviceLoadOptions(flags));
        const upper = existsSync(join(upperDir, 'manifest.json'))
          ? await ImageBind.load(upperDir, deviceLoadOptions(flags))
          : null;
        try {
          const report = await evaluateEmergent(main, upper, {
            seed: flags.seed,
            n: flags.n,
            onProgress: (m) => {
              if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2Kevaluating ${m} ...`);
            },
          });
          if (process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
          if (flags.json) {
            const { n: _n, seed: _s, ...rest } = report;
            process.stdout.write(`${JSON.stringify(rest)}\n`);
            return;
          }
          process.stdout.write(`held-out set: ${report.n} samples per modality, world seed ${report.seed}\n`);
          process.stdout.write(`image→text zero-shot top-1: ${(100 * report.vision_text_top1).toFixed(1)}%\n`);
          for (const m of EMERGENT_MODALITIES) {
            const r = report[m];
            process.stdout.write(
              `${m.padEnd(8)} emergent ${(100 * r.emergent_top1).toFixed(1)}%  chance ${(100 * r.chance).toFixed(1)}%  upper bound ${r.upper_bound_top1 === null ? '–' : `${(100 * r.upper_bound_top1).toFixed(1)}%`}\n`,
            );
          }
        } finally {
          await main.close();
          await upper?.close();
        }
      },
    );
}
