/**
 * Worker-thread side of worker-session.ts: owns one onnxruntime session. onnxruntime-node's `run`
 * is synchronous on the calling thread, so running it here keeps the main thread's event loop
 * free (a server stays responsive during a multi-second batch).
 */
import { parentPort } from 'node:worker_threads';
import { ConfigError, type WireError, errorToWire } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { type BackendSession, createSession } from './backend.ts';
import type { SessionOptions } from './session.ts';

export type WorkerRequest =
  | { readonly type: 'open'; readonly path: string; readonly opts: SessionOptions }
  | { readonly type: 'run'; readonly id: number; readonly feeds: Record<string, Tensor>; readonly outputs?: readonly string[] }
  | { readonly type: 'release' };

export type WorkerReply =
  | { readonly type: 'opened'; readonly inputNames: readonly string[]; readonly outputNames: readonly string[] }
  | { readonly type: 'result'; readonly id: number; readonly outputs: [string, Tensor<'float32'>][] }
  | { readonly type: 'failed'; readonly id: number | null; readonly error: WireError }
  | { readonly type: 'released' };

const port = parentPort!;
let session: BackendSession | null = null;
let releasing = false;
/** Runs not answered yet. onnxruntime-node's `run` defers its native call (setImmediate), so a
 * release must wait for them: disposing the session under a queued run aborts the process. */
const inFlight = new Set<Promise<void>>();

const reply = (r: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(r, transfer);

port.on('message', (msg: WorkerRequest) => {
  if (msg.type === 'open') {
    createSession(msg.path, msg.opts).then(
      (s) => { session = s; reply({ type: 'opened', inputNames: s.inputNames, outputNames: s.outputNames }); },
      (e: unknown) => reply({ type: 'failed', id: null, error: errorToWire(e) }),
    );
  } else if (msg.type === 'run') {
    const run = Promise.resolve()
      .then(() => {
        if (releasing || !session) throw new ConfigError('SESSION_RELEASED', 'this encoder session was released; load the model again.');
        return session.runFeeds(msg.feeds, msg.outputs);
      })
      .then(
        (out) => reply({ type: 'result', id: msg.id, outputs: [...out] }),
        (e: unknown) => reply({ type: 'failed', id: msg.id, error: errorToWire(e) }),
      )
      .finally(() => inFlight.delete(run));
    inFlight.add(run);
  } else if (!releasing) {
    releasing = true;
    void Promise.allSettled(inFlight)
      .then(() => session?.release())
      .catch(() => undefined) // the session goes away with this thread either way
      .finally(() => {
        session = null;
        reply({ type: 'released' });
        port.close();
      });
  }
});
