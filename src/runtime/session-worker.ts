/**
 * Worker-thread side of worker-session.ts: owns one onnxruntime session. onnxruntime-node's `run`
 * is synchronous on the calling thread, so running it here keeps the main thread's event loop
 * free (a server stays responsive during a multi-second batch).
 */
import { parentPort } from 'node:worker_threads';
import { ImageBindError } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { type BackendSession, createSession } from './backend.ts';
import type { SessionOptions } from './session.ts';

export type WorkerRequest =
  | { readonly type: 'open'; readonly path: string; readonly opts: SessionOptions }
  | { readonly type: 'run'; readonly id: number; readonly feeds: Record<string, Tensor>; readonly outputs?: readonly string[] }
  | { readonly type: 'release' };

export interface WorkerFailure { readonly errorClass: string; readonly code: string; readonly message: string }

export type WorkerReply =
  | { readonly type: 'opened'; readonly inputNames: readonly string[]; readonly outputNames: readonly string[] }
  | { readonly type: 'result'; readonly id: number; readonly outputs: [string, Tensor<'float32'>][] }
  | { readonly type: 'failed'; readonly id: number | null; readonly error: WorkerFailure }
  | { readonly type: 'released' };

function failure(e: unknown): WorkerFailure {
  if (e instanceof ImageBindError) return { errorClass: e.constructor.name, code: e.code, message: e.message };
  return { errorClass: 'Error', code: 'RUN_FAILED', message: (e as Error)?.message ?? String(e) };
}

const port = parentPort!;
let session: BackendSession | null = null;

port.on('message', (msg: WorkerRequest) => {
  const reply = (r: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(r, transfer);
  if (msg.type === 'open') {
    createSession(msg.path, msg.opts).then(
      (s) => { session = s; reply({ type: 'opened', inputNames: s.inputNames, outputNames: s.outputNames }); },
      (e: unknown) => reply({ type: 'failed', id: null, error: failure(e) }),
    );
  } else if (msg.type === 'run') {
    session!.runFeeds(msg.feeds, msg.outputs).then(
      (out) => reply({ type: 'result', id: msg.id, outputs: [...out] }),
      (e: unknown) => reply({ type: 'failed', id: msg.id, error: failure(e) }),
    );
  } else {
    void (session?.release() ?? Promise.resolve()).finally(() => {
      reply({ type: 'released' });
      port.close();
    });
  }
});
