import type { Command } from 'commander';
import { ImageBind } from '../../embed/imagebind.ts';
import type { Device } from '../../runtime/device.ts';
import { parseQueueUrl } from '../../queue/address.ts';
import { startWorker } from '../../queue/worker.ts';
import { deviceLoadOptions, deviceOption } from '../device-option.ts';
import { resolveModelDir } from '../model-dir.ts';
import { parsePositiveInt } from '../options.ts';

interface Flags {
  queue: string;
  model?: string;
  device?: Device;
  concurrency: number;
  threads?: number;
  exitWhenIdle?: boolean;
  lockSeconds: number;
}

export function register(program: Command): void {
  program
    .command('worker')
    .description('embed jobs from an `index --queue` run (any number of workers, on any machines)')
    .requiredOption('--queue <url>', "the coordinator's queue: redis://host:port/NAME")
    .option('--model <dir>', "model directory; must be the coordinator's (default: the embedded mini model)")
    .addOption(deviceOption())
    .option(
      '--concurrency <n>',
      'jobs held at once, embedded together as one batch',
      parsePositiveInt('--concurrency'),
      8,
    )
    .option('--threads <n>', 'onnxruntime intra-op threads (default: all cores)', parsePositiveInt('--threads'))
    .option(
      '--exit-when-idle',
      'exit once the queue has no jobs and no coordinator is running (waits up to 10 s at start for one)',
    )
    .option(
      '--lock-seconds <s>',
      "a job's lock: a killed worker's job is taken over this long after it stopped renewing it",
      parsePositiveInt('--lock-seconds'),
      30,
    )
    .addHelpText(
      'after',
      `
A worker never writes a store: it returns vectors through Redis and the coordinator commits them.
It refuses (MODEL_SPACE_MISMATCH, exit 2) a queue whose coordinator uses another model. Small files
arrive inside the job; larger ones are read at the path the coordinator saw, so mount the same
shared filesystem at the same path. SIGTERM or Ctrl-C: the jobs in hand finish and report, then the
worker exits 0. A file that fails is retried (on any worker) up to the coordinator's --attempts.

Examples:
  imagebind worker --queue redis://10.0.0.5:6379/photos --model ./imagebind_huge --device cuda
  imagebind worker --queue redis://127.0.0.1:6379/photos --concurrency 16 --exit-when-idle`,
    )
    .action(async (flags: Flags) => {
      const address = parseQueueUrl(flags.queue);
      const model = await ImageBind.load(await resolveModelDir(flags.model), {
        ...deviceLoadOptions(flags),
        ...(flags.threads ? { threads: flags.threads } : {}),
        batchSize: flags.concurrency,
      });
      try {
        const w = await startWorker(
          address,
          model,
          { identity: model.identity, dim: model.manifest.config.out_embed_dim, modelName: model.manifest.name },
          {
            concurrency: flags.concurrency,
            exitWhenIdle: flags.exitWhenIdle,
            lockMs: flags.lockSeconds * 1000,
            onLog: (m) => process.stderr.write(`${m}\n`),
          },
        );
        const onSignal = () => {
          process.stderr.write('worker: finishing the jobs in hand, then exiting\n');
          void w.stop();
        };
        process.once('SIGTERM', onSignal);
        process.once('SIGINT', onSignal);
        const stats = await w.finished;
        process.stderr.write(`worker: ${stats.completed} embedded, ${stats.failed} failed\n`);
      } finally {
        await model.close();
      }
    });
}
