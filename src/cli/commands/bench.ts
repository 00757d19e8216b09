import type { Command } from 'commander';
import { ImageBind } from '../../embed/imagebind.ts';
import { benchmarkEncoder } from '../../runtime/benchmark.ts';
import { formatPlacement } from '../../runtime/placement.ts';
import { resolveModelDir } from '../model-dir.ts';
import { parseModality, parsePositiveInt } from '../options.ts';
import { deviceLoadOptions, deviceOption } from '../device-option.ts';
import type { Device } from '../../runtime/device.ts';

export function register(program: Command): void {
  program
    .command('bench')
    .description('time one encoder on seeded random inputs (one warm-up, then --runs timed runs)')
    .option('--model <dir>', 'model directory (default: the embedded mini model)')
    .addOption(deviceOption())
    .requiredOption('--modality <m>', 'vision | text | audio | depth | thermal | imu')
    .option('--batch <b>', 'items per run', parsePositiveInt('--batch'), 1)
    .option('--runs <n>', 'timed runs', parsePositiveInt('--runs'), 10)
    .option('--threads <n>', 'onnxruntime intra-op threads (default: all cores)', parsePositiveInt('--threads'))
    .option('--placement', 'profile the first run and report which execution provider ran each node')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Peak RSS is this process's high-water mark: the model load plus the runs of this one modality.
--placement lists, per execution provider, the nodes it ran (from onnxruntime's profiler); on a
GPU device the load fails (DEVICE_FALLBACK) when a compute node (MatMul, Gemm, attention, ...)
would run on the CPU, unless IMAGEBIND_ALLOW_CPU_FALLBACK=1.`,
    )
    .action(
      async (flags: {
        model?: string;
        device?: Device;
        modality: string;
        batch: number;
        runs: number;
        threads?: number;
        json?: boolean;
        placement?: boolean;
      }) => {
        const modality = parseModality(flags.modality);
        const t0 = performance.now();
        const model = await ImageBind.load(await resolveModelDir(flags.model), {
          ...deviceLoadOptions(flags),
          threads: flags.threads,
          batchSize: flags.batch,
          ...(flags.placement ? { checkPlacement: true } : {}),
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
          const placement = flags.placement ? await model.placement(modality) : null;
          if (flags.json) {
            const where = placement
              ? { device: model.device, placement: placement.byProvider, heavy_fallbacks: placement.heavyFallbacks }
              : {};
            process.stdout.write(`${JSON.stringify({ ...result, ...where })}\n`);
          } else {
            process.stdout.write(
              `${modality} batch ${flags.batch}: median ${result.median_ms.toFixed(1)} ms, p90 ${result.p90_ms.toFixed(1)} ms, ` +
                `${result.items_per_s.toFixed(2)} items/s, peak RSS ${result.peak_rss_mib.toFixed(0)} MiB (weights ${result.weight_mib.toFixed(0)} MiB)\n`,
            );
            if (placement) process.stdout.write(`placement on ${model.device}:\n${formatPlacement(placement)}\n`);
          }
        } finally {
          await model.close();
        }
      },
    );
}
