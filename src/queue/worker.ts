/**
 * `imagebind worker --queue …`: takes embedding jobs from the queue and returns vectors; it never
 * writes a store (the coordinator does). Before taking jobs it checks that the queue's embedding
 * space is its model's (MODEL_SPACE_MISMATCH otherwise), and each job names the space again. A job
 * read from the shared filesystem must still have the hash it was enqueued with.
 *
 * Faults: a worker killed mid-job loses its lock; another worker's stalled-job check puts the job
 * back (after `lockMs`), so it is embedded again elsewhere. stop() (SIGTERM) lets the jobs in hand
 * finish and report, then returns. A job that fails `attempts` times is failed for good and the
 * coordinator dead-letters it.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { DelayedError, type Job, Worker } from 'bullmq';
import type { EmbedBackend } from '../embed/embed.ts';
import { ImageBindError, QueueError } from '../core/errors.ts';
import { KEY_PREFIX, type QueueAddress, keys, redisOptions } from './address.ts';
import { connectQueue } from './connect.ts';
import { EmbedBatcher } from './batcher.ts';
import { type EmbedJob, type EmbedResult, type SpaceRecord, encodeVector, failureReason } from './protocol.ts';
import { readSpace, refuseOtherSpace, sameSpace } from './space.ts';

export interface WorkerOptions {
  readonly concurrency?: number;
  /** Return once the queue has no jobs and no coordinator holds it open. */
  readonly exitWhenIdle?: boolean;
  /** How long a job's lock lasts without renewal: how soon a killed worker's job is taken over. */
  readonly lockMs?: number;
  /** How often a stalled job may be put back before it fails (a file that kills every worker). */
  readonly maxStalls?: number;
  readonly onLog?: (message: string) => void;
}

export interface WorkerStats {
  completed: number;
  failed: number;
}

export interface RunningWorker {
  /** Resolves when the worker has stopped (idle exit, stop(), or a refusal, which rejects). */
  readonly finished: Promise<WorkerStats>;
  /** Finish the jobs in hand, then stop taking jobs. */
  stop(): Promise<void>;
}

const IDLE_CHECK_MS = 500;
/** An idle-exiting worker started before its coordinator waits this long for one to appear. */
export const IDLE_GRACE_MS = 10_000;

export async function startWorker(
  address: QueueAddress,
  model: EmbedBackend & { readonly identity: string },
  space: SpaceRecord,
  opts: WorkerOptions = {},
): Promise<RunningWorker> {
  const conn = await connectQueue(address);
  const k = keys(address);
  const log = opts.onLog ?? (() => undefined);
  const me = `${hostname()}:${process.pid}`;
  const stats: WorkerStats = { completed: 0, failed: 0 };
  const concurrency = opts.concurrency ?? 1;
  const batcher = new EmbedBatcher(model, concurrency);
  let stopping = false;
  let refusal: QueueError | null = null;
  let worker: Worker | null = null;
  let idleTimer: NodeJS.Timeout | undefined;
  let settle!: { resolve(s: WorkerStats): void; reject(e: unknown): void };
  const finished = new Promise<WorkerStats>((resolve, reject) => (settle = { resolve, reject }));

  const stop = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(idleTimer);
    await worker?.close(); // waits for the jobs in hand
    await conn.close();
    if (refusal) settle.reject(refusal);
    else settle.resolve(stats);
  };

  const handle = async (job: Job<EmbedJob, EmbedResult>, token?: string): Promise<EmbedResult> => {
    const d = job.data;
    if (d.identity !== space.identity) {
      // Not ours to fail: it goes back for a worker of the right model, and this one stops.
      const queueSpace = (await readSpace(conn.redis, k.space)) ?? { ...space, identity: d.identity };
      refusal ??= refusalOf(queueSpace, space, address);
      await job.moveToDelayed(Date.now() + 1000, token);
      void stop();
      throw new DelayedError();
    }
    try {
      const bytes = d.inline !== undefined ? Buffer.from(d.inline, 'base64') : await readShared(d);
      const hash = createHash('sha256').update(bytes).digest('hex');
      if (hash !== d.hash)
        throw new QueueError(
          'FILE_CHANGED',
          `${d.path}: its content changed since it was enqueued (sha256 ${hash.slice(0, 12)}… ≠ ${d.hash.slice(0, 12)}…). Run \`imagebind index --queue\` again.`,
        );
      // A shared file goes to the decoders by path (formats that sniff names keep working).
      const vector = await batcher.embed(d.kind, d.inline !== undefined ? new Uint8Array(bytes) : d.path);
      stats.completed++;
      return { vector: encodeVector(vector), worker: me };
    } catch (e) {
      stats.failed++;
      const named = e instanceof ImageBindError && !e.message.includes(d.path) ? `${d.path}: ${e.message}` : null;
      log(`job ${job.id} (${d.path}) attempt ${job.attemptsMade + 1} failed: ${failureReason(e)}`);
      throw new Error(failureReason(named ? new ImageBindError((e as ImageBindError).code, named) : e));
    }
  };

  // The queue's space, once a coordinator has set it; refuse another model before taking any job.
  let queueSpace = await readSpace(conn.redis, k.space);
  let idleChecks = 0;
  const idle = async () => {
    const c = await conn.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'paused');
    return Object.values(c).every((n) => n === 0) && (await conn.redis.exists(k.open)) === 0;
  };
  const started = Date.now();
  while (!queueSpace) {
    if (opts.exitWhenIdle && Date.now() - started > IDLE_GRACE_MS && (await idle())) {
      await conn.close();
      log(`${address.display}: nothing to do (no coordinator, no jobs)`);
      return { finished: Promise.resolve(stats), stop: async () => undefined };
    }
    await new Promise((r) => setTimeout(r, IDLE_CHECK_MS));
    queueSpace = await readSpace(conn.redis, k.space);
  }
  if (!sameSpace(queueSpace, space)) {
    await conn.close();
    throw refusalOf(queueSpace, space, address);
  }

  const lockMs = opts.lockMs ?? 30_000;
  worker = new Worker<EmbedJob, EmbedResult>(address.name, handle, {
    connection: redisOptions(address),
    prefix: KEY_PREFIX,
    concurrency,
    lockDuration: lockMs,
    stalledInterval: lockMs,
    maxStalledCount: opts.maxStalls ?? 2,
  });
  worker.on('error', () => undefined); // connection errors: BullMQ reconnects and carries on
  if (opts.exitWhenIdle)
    idleTimer = setInterval(() => {
      void idle()
        .then((yes) => {
          idleChecks = yes ? idleChecks + 1 : 0;
          if (idleChecks >= 2) void stop();
        })
        .catch(() => (idleChecks = 0));
    }, IDLE_CHECK_MS);
  log(`${address.display}: worker ${me} embedding with concurrency ${concurrency}`);
  return { finished, stop };
}

async function readShared(d: EmbedJob): Promise<Buffer> {
  try {
    return await readFile(d.path);
  } catch (e) {
    throw new QueueError(
      'FILE_UNREADABLE',
      `${d.path}: this worker cannot read it (${(e as Error).message}). Files over the inline limit are read by path: ` +
        'mount the same filesystem at the same path on every worker, or raise `index --inline-max-bytes`.',
    );
  }
}

function refusalOf(queue: SpaceRecord, worker: SpaceRecord, a: QueueAddress): QueueError {
  try {
    refuseOtherSpace(queue, worker, a.display);
  } catch (e) {
    return e as QueueError;
  }
  return new QueueError(
    'MODEL_SPACE_MISMATCH',
    `${a.display}: a job names another embedding space than this worker's.`,
  );
}
