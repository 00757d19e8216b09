/**
 * A queued request's settle functions, tied to its AbortSignal: `onAbort` runs if the signal fires
 * while the request waits, and settling it (either way) removes the listener, so a long-lived
 * signal does not keep finished requests alive. Shared by the encoder batcher and the
 * preprocessing pool.
 */
export function settleOrAbort<T>(
  resolve: (value: T) => void,
  reject: (reason: unknown) => void,
  signal: AbortSignal | undefined,
  onAbort: () => void,
): { resolve: (value: T) => void; reject: (reason: unknown) => void } {
  signal?.addEventListener('abort', onAbort, { once: true });
  const detach = () => signal?.removeEventListener('abort', onAbort);
  return {
    resolve: (value) => {
      detach();
      resolve(value);
    },
    reject: (reason) => {
      detach();
      reject(reason);
    },
  };
}
