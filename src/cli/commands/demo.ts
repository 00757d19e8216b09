import type { Command } from 'commander';
import { runDemo } from '../../apps/demo.ts';
import { ImageBind } from '../../embed/imagebind.ts';
import { resolveModelDir } from '../model-dir.ts';
import { parsePositiveInt } from '../options.ts';
import { Progress } from '../progress.ts';
import { deviceLoadOptions, deviceOption } from '../device-option.ts';
import type { Device } from '../../runtime/device.ts';

export function register(program: Command): void {
  program
    .command('demo')
    .description(
      'the main job on the embedded mini model: generate a demo set (images, sounds, depth, thermal, IMU), index it, and run cross-modal searches',
    )
    .option('--dir <dir>', 'where the demo set and its index go', 'imagebind-demo')
    .option('--model <dir>', 'model directory (default: the embedded mini model)')
    .addOption(deviceOption())
    .option(
      '--per-class <n>',
      'samples per class (16 classes) in the indexed corpus',
      parsePositiveInt('--per-class'),
      3,
    )
    .option('-k <n>', 'results per query', parsePositiveInt('-k'), 3)
    .option('--seed <n>', 'world seed of the demo set', Number, 2024)
    .option(
      '--json',
      'print the report as JSON: {dir, indexed, k, top1_class_match, within_top_k_class_match, queries: [{description, expected, target, hits}]}',
    )
    .addHelpText(
      'after',
      `
Queries are held-out samples: text → images, text → sounds, sound/depth/thermal/IMU → images,
image → sounds. ✓ marks a hit of the query's class. Re-running reuses the set and the index.`,
    )
    .action(
      async (flags: {
        dir: string;
        model?: string;
        device?: Device;
        perClass: number;
        k: number;
        seed: number;
        json?: boolean;
      }) => {
        const model = await ImageBind.load(await resolveModelDir(flags.model), deviceLoadOptions(flags));
        let bar: Progress | null = null;
        let started = Date.now(); // of the current step, so the index bar's rate leaves out writing the set
        try {
          const report = await runDemo(model, {
            dir: flags.dir,
            perClass: flags.perClass,
            k: flags.k,
            seed: flags.seed,
            onProgress: (m) => {
              started = Date.now();
              process.stderr.write(`${m} ...\n`);
            },
            onIndexProgress: ({ done, total }) => {
              bar ??= new Progress('index', total, 'files', undefined, started);
              bar.update(done);
            },
          });
          (bar as Progress | null)?.done();
          if (flags.json) {
            process.stdout.write(`${JSON.stringify(report)}\n`);
            return;
          }
          process.stdout.write(
            `${report.indexed} items indexed in ${flags.dir}/index.db with ${model.manifest.name}\n\n`,
          );
          for (const q of report.queries) {
            process.stdout.write(`${q.description}   (expect: ${q.expected})\n`);
            for (const h of q.hits)
              process.stdout.write(
                `   ${h.correct ? '✓' : '✗'} ${h.score.toFixed(3)}  ${h.className.padEnd(16)} ${h.path.split('/').pop()}\n`,
              );
          }
          process.stdout.write(
            `\ntop-1 class match: ${(100 * report.top1_class_match).toFixed(0)}% of ${report.queries.length} queries; within top-${report.k}: ${(100 * report.within_top_k_class_match).toFixed(0)}% (chance: ${(100 / 16).toFixed(0)}% per hit)\n`,
          );
        } finally {
          await model.close();
        }
      },
    );
}
