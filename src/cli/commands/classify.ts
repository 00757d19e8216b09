import type { Command } from 'commander';
import { classifyZeroShot } from '../../apps/classify.ts';
import { detectKind, parseKindOverrides } from '../../apps/media-kind.ts';
import { MediaError } from '../../core/errors.ts';
import { ImageBind } from '../../embed/imagebind.ts';
import { resolveModelDir } from '../model-dir.ts';
import { deviceLoadOptions, deviceOption } from '../device-option.ts';
import type { Device } from '../../runtime/device.ts';

export function register(program: Command): void {
  program
    .command('classify')
    .description('zero-shot classification of files of any modality against text labels')
    .argument('<files...>', 'images, audio, video, depth, thermal or IMU files')
    .requiredOption('--labels <list>', 'comma-separated class names, e.g. "dog,car,bird"')
    .option('--template <t>', 'prompt for each label; {} is replaced by the label', 'a {}.')
    .option('--model <dir>', 'model directory (default: the embedded mini model)')
    .addOption(deviceOption())
    .option('--kind-map <spec>', 'override kind detection, e.g. ".png=thermal"')
    .option('--json', 'print [{"input", "probs": {label: p}}]')
    .addHelpText(
      'after',
      `
Probabilities are softmax(x · tᵀ) over the labels' text embeddings, as in the official README
(the modality's logit scale acts as the temperature). Example:
  imagebind classify --labels "dog,car,bird" dog.jpg bird.wav`,
    )
    .action(
      async (
        files: string[],
        flags: { labels: string; template: string; model?: string; device?: Device; kindMap?: string; json?: boolean },
      ) => {
        const labels = flags.labels
          .split(',')
          .map((l) => l.trim())
          .filter(Boolean);
        const overrides = parseKindOverrides(flags.kindMap);
        const inputs = files.map((input) => {
          const kind = detectKind(input, overrides);
          if (!kind)
            throw new MediaError(
              'UNKNOWN_KIND',
              `${input}: cannot tell which modality this file is; name it like x.thermal.png / x.depth.png / x.imu.csv or pass --kind-map.`,
            );
          return { kind, input };
        });
        const model = await ImageBind.load(await resolveModelDir(flags.model), deviceLoadOptions(flags));
        try {
          const { results, errors } = await classifyZeroShot(model, inputs, labels, flags.template);
          if (flags.json)
            process.stdout.write(`${JSON.stringify(results.map((r) => ({ input: r.input, probs: r.probs })))}\n`);
          else {
            for (const r of results) {
              const ranked = Object.entries(r.probs)
                .sort((a, b) => b[1] - a[1])
                .map(([l, p]) => `${l} ${(100 * p).toFixed(1)}%`);
              process.stdout.write(`${r.input}: ${ranked.join(', ')}\n`);
            }
          }
          for (const e of errors) process.stderr.write(`failed: ${e.message}\n`);
          if (errors.length > 0) process.exitCode = 2;
        } finally {
          await model.close();
        }
      },
    );
}
