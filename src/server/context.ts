/** What every route reads: the engine, the store, the security settings and the server's state. */
import type { VectorStore } from '../store/index.ts';
import type { Engine } from './engine.ts';
import { fail } from './http-errors.ts';
import type { Metrics } from './metrics.ts';

export interface ServerContext {
  readonly engine: Engine;
  readonly store: VectorStore;
  readonly metrics: Metrics;
  /** Real paths of the folders whose files may be indexed by path and served. */
  readonly roots: readonly string[];
  /** Real path of the folder uploads are saved in (also servable). */
  readonly uploads: string;
  readonly token?: string;
  readonly requestTimeoutMs: number;
  readonly bodyLimit: number;
  readonly state: { ready: boolean; draining: boolean };
}

/**
 * Runs a request's work under the per-request timeout. The encoder run itself cannot be
 * cancelled; the client gets its answer and the rows finish in the background.
 */
export async function withTimeout<T>(ctx: ServerContext, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          fail('REQUEST_TIMEOUT', `the request took longer than ${ctx.requestTimeoutMs} ms; retry with fewer inputs.`),
        ),
      ctx.requestTimeoutMs,
    );
  });
  try {
    return await Promise.race([work(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
