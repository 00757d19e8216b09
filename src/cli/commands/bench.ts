import type { Command } from 'commander';
import { ImageBind } from '../../embed/imagebind.ts';
import { benchmarkEncoder } from '../../runtime/benchmark.ts';
import { resolveModelDir } from '../model-dir.ts';
import { parseModality, parsePositiveInt } from '../options.ts';

export function register(program: Command): void {
  program
    .command('bench')
    .description('time one encoder on seeded random inputs (one warm-up, then --runs timed runs)')
    .option('--model <dir>', 'model directory (default: the embedded mini model)')
    .requiredOption('--modality <m>', 'vision | text | audio | depth | thermal | imu')
    .option('--batch <b>', 'items per run', parsePositiveInt('--batch'), 1)
    .option('--runs <n>', 'timed runs', parsePositiveInt('--runs'), 10)
    .option('--threads <n>', 'onnxruntime intra-op threads (default: all cores)', parsePositiveInt('--threads'))
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      "\nPeak RSS is this process's high-water mark: the model load plus the runs of this one modality.",
    )
    .action(
      async (flags: {
        model?: string;
        modality: string;
        batch: number;
        runs: number;
        threads?: number;
        json?: boolean;
      }) => {
        const modality = parseModality(flags.modality);
        const t0 = performance.now();
        const model = await ImageBind.load(await resolveModelDir(flags.model), {
          threads: flags.threads,
          batchSize: flags.batch,
        });
        try {
          const encoder = await model.encoder(modality);
          const result = await benchmarkEncoder(
            encoder,
            flags.batch,
            flags.runs,
            performance.now() - t0,
            model.manifest.config.text_vocab_size,
          );
          if (flags.json) process.stdout.write(`${JSON.stringify(result)}\n`);
          else {
            process.stdout.write(
              `${modality} batch ${flags.batch}: median ${result.median_ms.toFixed(1)} ms, p90 ${result.p90_ms.toFixed(1)} ms, ` +
                `${result.items_per_s.toFixed(2)} items/s, peak RSS ${result.peak_rss_mib.toFixed(0)} MiB (weights ${result.weight_mib.toFixed(0)} MiB)\n`,
            );
          }
        } finally {
          await model.close();
        }
      },
    );
}
