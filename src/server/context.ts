/** What every route reads: the engine, the store, the security settings and the server's state. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { VectorStore } from '../store/index.ts';
import type { Engine } from './engine.ts';
import type { AccessPolicy } from './guard.ts';
import { fail } from './http-errors.ts';
import type { RequestLimits } from './limits.ts';
import type { Metrics } from './metrics.ts';
import type { GenerateLimits } from './routes/generate.ts';

export interface ServerContext {
  readonly engine: Engine;
  readonly store: VectorStore;
  readonly metrics: Metrics;
  /** Real paths of the folders whose files may be indexed by path and served. */
  readonly roots: readonly string[];
  /** Real path of the folder uploads are saved in (also servable). */
  readonly uploads: string;
  readonly access: AccessPolicy;
  readonly requestTimeoutMs: number;
  readonly limits: RequestLimits;
  readonly state: { ready: boolean; draining: boolean };
  /** POST /v1/generate's limits (default: 50 steps, one at a time). */
  readonly generate?: GenerateLimits;
}

const controllers = new WeakMap<FastifyRequest, AbortController>();

/**
 * Ties a request to an AbortController that fires when its client goes away (the response closes
 * before it was written) or when `withTimeout` gives up on it, so queued work for it is dropped.
 */
export function trackRequest(req: FastifyRequest, reply: FastifyReply): void {
  const ac = new AbortController();
  controllers.set(req, ac);
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished && !ac.signal.aborted)
      ac.abort(fail('CLIENT_GONE', 'the client closed the connection before the answer was ready.'));
  });
}

export function requestSignal(req: FastifyRequest): AbortSignal {
  let ac = controllers.get(req);
  if (!ac) {
    ac = new AbortController();
    controllers.set(req, ac);
  }
  return ac.signal;
}

/**
 * Runs a request's work under the per-request timeout. On timeout (or when the client leaves) the
 * request's signal aborts: items still queued for decoding or for an encoder run are dropped and
 * nothing new is started for it. An encoder run already under way finishes (onnxruntime cannot
 * stop one), so abandoned work is bounded by one batch per modality.
 */
export async function withTimeout<T>(
  ctx: ServerContext,
  req: FastifyRequest,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  requestSignal(req);
  const ac = controllers.get(req)!;
  let timer: NodeJS.Timeout | undefined;
  const stopped = new Promise<never>((_, reject) => {
    const onAbort = () => reject(ac.signal.reason);
    if (ac.signal.aborted) onAbort();
    else ac.signal.addEventListener('abort', onAbort, { once: true });
    timer = setTimeout(
      () =>
        ac.abort(
          fail('REQUEST_TIMEOUT', `the request took longer than ${ctx.requestTimeoutMs} ms; retry with fewer inputs.`),
        ),
      ctx.requestTimeoutMs,
    );
  });
  stopped.catch(() => undefined);
  try {
    return await Promise.race([work(ac.signal), stopped]);
  } finally {
    clearTimeout(timer);
  }
}

/** Throws the signal's reason when it fired: call between steps of long work. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason;
}
