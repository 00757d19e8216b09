/** Loads the model and store, starts listening, and shuts down gracefully (drain, then free). */
import { mkdirSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { openModelStore } from '../apps/model-store.ts';
import { ConfigError } from '../core/errors.ts';
import { ImageBind } from '../embed/imagebind.ts';
import { buildApp } from './app.ts';
import type { ServerContext } from './context.ts';
import { Engine } from './engine.ts';
import { accessPolicy } from './guard.ts';
import { DEFAULT_LIMITS, type RequestLimits } from './limits.ts';
import type { GenerateLimits } from './routes/generate.ts';
import type { Device } from '../runtime/device.ts';
import type { VectorPrecision } from '../store/index.ts';
import { Metrics } from './metrics.ts';

export interface ServeOptions {
  readonly modelDir: string;
  readonly db: string;
  readonly host: string;
  readonly port: number;
  readonly token?: string;
  readonly roots: readonly string[];
  readonly uploads?: string;
  readonly maxBatch: number;
  readonly windowMs: number;
  readonly maxQueue: number;
  readonly workers?: number;
  readonly requestTimeoutMs: number;
  /** Body, per-kind, text and input-count limits; unset ones keep DEFAULT_LIMITS. */
  readonly limits?: Partial<RequestLimits>;
  /** Host names besides loopback and the bound address (DNS-rebinding guard); '*' for any. */
  readonly allowedHosts?: readonly string[];
  /** Origins besides the server's own that browsers may send writes from; '*' for any. */
  readonly allowedOrigins?: readonly string[];
  readonly logger?: boolean;
  /** POST /v1/generate: the largest steps and generations at once. */
  readonly generate?: GenerateLimits;
  /** The image decoder directory (default `<model>/decoder`). */
  readonly decoder?: string;
  /** Where the encoders run (see ImageBind.load; default $IMAGEBIND_DEVICE or cpu). */
  readonly device?: Device;
  /** Told when `device: 'auto'` falls back to the CPU. */
  readonly onNotice?: (message: string) => void;
  /** How the store's ANN graphs hold vectors (default: what the store last used, else f32). */
  readonly vectorPrecision?: VectorPrecision;
}

export interface RunningServer {
  readonly url: string;
  readonly app: FastifyInstance;
  /** Stops accepting, waits for in-flight requests and batches, then frees everything. */
  close(): Promise<void>;
}

function realDir(dir: string, what: string): string {
  try {
    return realpathSync(resolve(dir));
  } catch {
    throw new ConfigError('BAD_ARGUMENT', `${what} ${dir} does not exist.`);
  }
}

export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  // Encoders on a worker thread: onnxruntime-node's run blocks its thread for the whole batch
  // (seconds for huge), and the event loop must keep reading requests and answering probes.
  const model = await ImageBind.load(opts.modelDir, {
    inWorker: true,
    decoder: opts.decoder,
    device: opts.device,
    onNotice: opts.onNotice,
  });
  // Opening every encoder now makes the first requests fast and /readyz mean "can serve".
  await Promise.all(model.modalities.map((m) => model.encoder(m)));
  const store = openModelStore(model, opts.db, { create: true, vectorPrecision: opts.vectorPrecision });
  const uploads = opts.uploads ?? join(dirname(resolve(opts.db)), 'uploads');
  mkdirSync(uploads, { recursive: true });
  const metrics = new Metrics();
  const engine = new Engine(
    model,
    { maxBatch: opts.maxBatch, windowMs: opts.windowMs, maxQueue: opts.maxQueue, workers: opts.workers },
    metrics,
  );
  const ctx: ServerContext = {
    engine,
    store,
    metrics,
    access: accessPolicy({
      host: opts.host,
      allowedHosts: opts.allowedHosts,
      allowedOrigins: opts.allowedOrigins,
      token: opts.token,
    }),
    requestTimeoutMs: opts.requestTimeoutMs,
    limits: { ...DEFAULT_LIMITS, ...opts.limits },
    roots: opts.roots.map((r) => realDir(r, '--root')),
    uploads: realDir(uploads, '--uploads'),
    state: { ready: false, draining: false },
    generate: opts.generate,
  };
  metrics.setGauges(() => [
    {
      name: 'imagebind_batch_queue_depth',
      help: 'Rows waiting for an encoder run, by modality.',
      values: [...engine.batcher.depth()].map(([m, n]) => [{ modality: m }, n]),
    },
    {
      name: 'imagebind_preprocess_queue_depth',
      help: 'Items waiting for a preprocessing worker.',
      values: [[{}, engine.pool.queued]],
    },
    {
      name: 'imagebind_preprocess_busy_workers',
      help: 'Preprocessing workers decoding now.',
      values: [[{}, engine.pool.busy]],
    },
    {
      name: 'imagebind_cancelled_items',
      help: 'Decodes and encoder rows dropped so far because their request timed out or its client left.',
      values: [[{}, engine.pool.cancelled + engine.batcher.withdrawnRows]],
    },
    {
      name: 'imagebind_process_resident_bytes',
      help: 'Resident set size of the server process.',
      values: [[{}, process.memoryUsage.rss()]],
    },
  ]);
  const app = await buildApp(ctx, opts.logger ?? false);
  await app.listen({ host: opts.host, port: opts.port });
  ctx.state.ready = true;
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${host}:${port}`,
    app,
    close: () =>
      (closing ??= (async () => {
        ctx.state.draining = true;
        await app.close();
        await engine.close();
        store.close();
      })()),
  };
}
