/**
 * Per-file batches for every loader: a bounded number of files in flight, one result per path in
 * input order, and a failure confined to its own slot (an unexpected exception is wrapped into the
 * loader's typed error, so callers only ever see `ImageBindError`s).
 */
import { ImageBindError } from '../core/errors.ts';

export type Settled<T> = { ok: true; path: string; value: T } | { ok: false; path: string; error: ImageBindError };

export async function settleEach<T>(
  paths: readonly string[],
  fn: (path: string) => Promise<T>,
  wrap: (path: string, e: unknown) => ImageBindError,
  concurrency = 4,
): Promise<Settled<T>[]> {
  const results: Settled<T>[] = new Array(paths.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < paths.length) {
      const i = next++;
      const path = paths[i];
      try {
        results[i] = { ok: true, path, value: await fn(path) };
      } catch (e) {
        results[i] = { ok: false, path, error: e instanceof ImageBindError ? e : wrap(path, e) };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, paths.length)) }, worker));
  return results;
}
