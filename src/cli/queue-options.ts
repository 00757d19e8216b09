/**
 * `index --queue …`'s extra options and its run: the coordinator (src/queue/coordinator.ts) in place
 * of the local embedding loop, with the same report.
 */
import type { Command } from 'commander';
import type { IndexReport } from '../apps/indexer.ts';
import type { KindOverrides } from '../apps/media-kind.ts';
import { ConfigError } from '../core/errors.ts';
import type { ImageBind } from '../embed/imagebind.ts';
import { parseQueueUrl } from '../queue/address.ts';
import { indexViaQueue } from '../queue/coordinator.ts';
import { DEFAULT_ATTEMPTS, DEFAULT_INLINE_MAX_BYTES, INLINE_MAX_BYTES_LIMIT } from '../queue/protocol.ts';
import type { VectorStore } from '../store/index.ts';
import { parsePositiveInt } from './options.ts';
import { Progress } from './progress.ts';

export interface QueueFlags {
  queue?: string;
  inlineMaxBytes: number;
  attempts: number;
}

function parseInlineMax(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > INLINE_MAX_BYTES_LIMIT)
    throw new ConfigError(
      'BAD_ARGUMENT',
      `--inline-max-bytes must be a whole number from 0 to ${INLINE_MAX_BYTES_LIMIT} (16 MiB: Redis holds waiting jobs in memory), got "${v}".`,
    );
  return n;
}

export function addQueueOptions(cmd: Command): Command {
  return cmd
    .option('--queue <url>', 'distribute the embedding: enqueue jobs on redis://host:port/NAME for `imagebind worker`s')
    .option(
      '--inline-max-bytes <n>',
      'with --queue: files up to this size travel inside the job; larger ones are read by path (shared filesystem)',
      parseInlineMax,
      DEFAULT_INLINE_MAX_BYTES,
    )
    .option(
      '--attempts <n>',
      'with --queue: tries per file before it goes to the dead-letter list',
      parsePositiveInt('--attempts'),
      DEFAULT_ATTEMPTS,
    );
}

export const QUEUE_HELP = `
With --queue redis://host:port/NAME this command is the coordinator: it enqueues one job per distinct
file content (kind + sha256: the same file twice is one job, a second run re-enqueues nothing it
already committed) and waits while \`imagebind worker --queue <same url>\` processes embed them on
any number of machines, committing their vectors to --db in transactions (the only writer). Files
up to --inline-max-bytes (default ${DEFAULT_INLINE_MAX_BYTES / 1024} KiB) travel inside the job; larger ones are read by
workers at the same path (a shared filesystem). A file that fails --attempts times is reported as
failed and kept in the dead-letter hash imagebind:NAME:dead with its reason. Killed, the
coordinator resumes when started again with the same arguments. Redis should persist (AOF:
redis-server --appendonly yes).`;

/** Bad --queue flags fail before the model loads or the store is created. */
export function checkQueueFlags(flags: QueueFlags & { segments?: number }): void {
  if (flags.segments !== undefined)
    throw new ConfigError(
      'BAD_ARGUMENT',
      '--segments cannot be combined with --queue yet: index recordings with segments locally (without --queue).',
    );
  parseQueueUrl(flags.queue!);
}

export async function runQueuedIndex(
  model: ImageBind,
  store: VectorStore,
  paths: readonly string[],
  flags: QueueFlags & { segments?: number; overrides: KindOverrides },
): Promise<IndexReport> {
  checkQueueFlags(flags);
  const address = parseQueueUrl(flags.queue!);
  let bar: Progress | null = null;
  const started = Date.now();
  const report = await indexViaQueue(
    address,
    { identity: model.identity, dim: model.manifest.config.out_embed_dim, modelName: model.manifest.name },
    store,
    paths,
    {
      overrides: flags.overrides,
      inlineMaxBytes: flags.inlineMaxBytes,
      attempts: flags.attempts,
      onStatus: (m) => process.stderr.write(`${m}\n`),
      onProgress: ({ done, total }) => {
        bar ??= new Progress('index', total, 'files', undefined, started);
        bar.update(done);
      },
    },
  );
  (bar as Progress | null)?.done();
  return report;
}
