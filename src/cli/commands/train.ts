import type { Command } from 'commander';
import { BIND_FAMILIES, type BindFamily, bindModality } from '../../apps/bind/bind.ts';
import { parseKindOverrides } from '../../apps/media-kind.ts';
import { ConfigError } from '../../core/errors.ts';
import { resolveModelDir } from '../model-dir.ts';
import { parsePositiveInt } from '../options.ts';
import { deviceLoadOptions, deviceOption } from '../device-option.ts';
import type { Device } from '../../runtime/device.ts';
import { Progress } from '../progress.ts';

interface Flags {
  pairs: string;
  as: string;
  out: string;
  base?: string;
  device?: Device;
  steps: number;
  batchSize: number;
  lr: number;
  seed: number;
  encoder?: string;
  temperature?: number;
  kindMap?: string;
  checkpointDir?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('train')
    .description(
      'bind a new sensor to the embedding space: train an encoder on (image, sensor file) pairs against the frozen image encoder',
    )
    .requiredOption(
      '--pairs <folder|manifest>',
      'a folder where 0001.jpg pairs with 0001.<sensor file>, or a CSV (image,sensor) / JSONL ({"image","sensor"}) manifest',
    )
    .requiredOption(
      '--as <family>',
      `encoder family for the sensor: ${BIND_FAMILIES.join(' | ')} (1-channel images → thermal or depth; 6-axis logs → imu; sound → audio)`,
    )
    .requiredOption('--out <dir>', 'model directory to write (base encoders + the new one)')
    .option(
      '--base <dir>',
      'model whose vision encoder is the frozen anchor (default: the embedded mini model; a converted imagebind_huge works too)',
    )
    .addOption(deviceOption())
    .option('--steps <n>', 'optimizer steps', parsePositiveInt('--steps'), 300)
    .option('--batch-size <n>', 'pairs per step (in-batch negatives)', parsePositiveInt('--batch-size'), 32)
    .option('--lr <x>', 'peak learning rate (AdamW, warm-up then cosine)', Number, 1e-3)
    .option('--seed <n>', 'seed for initial weights and data order', Number, 0)
    .option(
      '--temperature <tau>',
      "fixed InfoNCE temperature, 0.01-1 (default: the family's official one: audio 0.05, thermal 0.1, depth and imu 0.2)",
      Number,
    )
    .option(
      '--encoder <json>',
      'override the new encoder\'s config, e.g. \'{"thermal_embed_dim": 256, "thermal_num_blocks": 4}\'',
    )
    .option('--kind-map <spec>', 'override file-kind detection, e.g. ".png=thermal"')
    .option('--checkpoint-dir <dir>', 'save training state here (resumable)')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
Symmetric InfoNCE (L = L(image→sensor) + L(sensor→image), in-batch negatives) with the sensor
family's official logit scale. Pairs that are missing a half or fail to load are skipped and listed.
The output directory has the same embedding-space identity as the base, so its vectors can be
indexed and searched together with the base model's.

Where to start (measured by \`imagebind ablate\` at mini scale, 2400 pairs, 3 seeds; bench/ablations.md):
  --batch-size  keep 32 on a few thousand pairs. With the pairs seen fixed, 128 (4x fewer steps)
                lost ~38% relative (depth 16.1 -> 10.0%, audio 39.9 -> 24.7%); 16 was better for
                audio (44.7%) and within the seed spread for depth (13.2 +- 4.2%). Larger batches
                only pay with more steps.
  --temperature defaults to the --as family's (fixed): audio 0.05, thermal 0.1, depth and imu
                0.2. Measured: audio 0.05 beat 0.2 by 4.8 points (39.9 vs 35.1%, ~3 seed spreads);
                depth was best at 0.2 (16.1% vs 14.0% at 0.05, within the spread); 0.5 was worst for
                both. Start sound-like sensors at 0.05 and image-like ones at 0.1-0.2.
  --steps       more helps until well past 300: 600 steps gave depth 19.2% and audio 46.0%
                (300: 16.1 / 39.9%); try 600+ when training time allows.

Example:
  imagebind train --pairs data/flir-pairs --as thermal --out models/mini+flir --steps 500`,
    )
    .action(async (flags: Flags) => {
      if (!(BIND_FAMILIES as readonly string[]).includes(flags.as))
        throw new ConfigError('BAD_ARGUMENT', `--as must be one of ${BIND_FAMILIES.join(', ')}, got "${flags.as}".`);
      let encoder: Record<string, number> | undefined;
      if (flags.encoder) {
        try {
          encoder = JSON.parse(flags.encoder) as Record<string, number>;
        } catch {
          throw new ConfigError('BAD_ARGUMENT', `--encoder is not valid JSON: ${flags.encoder}`);
        }
      }
      const bar = new Progress('train', flags.steps, 'steps');
      const report = await bindModality({
        base: await resolveModelDir(flags.base),
        source: flags.pairs,
        as: flags.as as BindFamily,
        outDir: flags.out,
        steps: flags.steps,
        batchSize: flags.batchSize,
        lr: flags.lr,
        seed: flags.seed,
        encoder,
        temperature: flags.temperature,
        checkpointDir: flags.checkpointDir,
        ...deviceLoadOptions(flags),
        overrides: parseKindOverrides(flags.kindMap),
        onStep: (s) => bar.update(s.step, `loss ${s.loss.toFixed(4)}  ${s.samplesPerSecond.toFixed(0)} samples/s`),
        log: (l) => process.stderr.write(`${l}\n`),
      });
      bar.done();
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify({ out: flags.out, pairs: report.pairs, samples: report.samples, final_loss: report.finalLoss, skipped: report.skipped, identity: report.manifest.identity })}\n`,
        );
        return;
      }
      process.stdout.write(
        `wrote ${flags.out}: ${flags.as} encoder bound on ${report.pairs} pairs (final loss ${report.finalLoss.toFixed(4)}); ${report.skipped.length} skipped\n`,
      );
      for (const s of report.skipped) process.stdout.write(`  skipped ${s.path}: ${s.message}\n`);
    });
}
