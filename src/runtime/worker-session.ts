/**
 * A session whose onnxruntime work happens on a worker thread (session-worker.ts), for callers whose
 * event loop must stay responsive while an encoder runs (the server: a huge vision batch takes
 * seconds). Inputs are copied into transferred buffers, so the caller's tensors stay usable.
 */
import { ConfigError, ImageBindError, MediaError, ShapeError } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import type { BackendSession, SessionOptions } from './session.ts';
import type { WorkerFailure, WorkerReply, WorkerRequest } from './session-worker.ts';
import { startTsWorker } from './ts-worker.ts';

const ERROR_CLASSES: Record<string, new (code: string, message: string) => ImageBindError> = { ConfigError, MediaError, ShapeError };

function rebuild(f: WorkerFailure): Error {
  const Cls = ERROR_CLASSES[f.errorClass];
  return Cls ? new Cls(f.code, f.message) : new Error(f.message);
}

interface Pending {
  resolve(out: Map<string, Tensor<'float32'>>): void;
  reject(e: unknown): void;
}

export async function createWorkerSession(path: string, opts: SessionOptions = {}): Promise<BackendSession> {
  const worker = startTsWorker(new URL('./session-worker.ts', import.meta.url));
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let opened: { resolve(r: { inputNames: readonly string[]; outputNames: readonly string[] }): void; reject(e: unknown): void } | null = null;
  let released: (() => void) | null = null;
  let dead: Error | null = null;

  const failAll = (e: Error) => {
    dead ??= e;
    opened?.reject(e);
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  worker.on('message', (r: WorkerReply) => {
    if (r.type === 'opened') opened?.resolve(r);
    else if (r.type === 'released') released?.();
    else if (r.type === 'result') {
      pending.get(r.id)?.resolve(new Map(r.outputs));
      pending.delete(r.id);
    } else if (r.id === null) opened?.reject(rebuild(r.error));
    else {
      pending.get(r.id)?.reject(rebuild(r.error));
      pending.delete(r.id);
    }
    // An idle worker must not keep the process alive; a running one must.
    if (pending.size === 0) worker.unref();
  });
  worker.on('error', (e) => failAll(new ConfigError('SESSION_WORKER_FAILED', `${path}: the encoder's worker thread failed (${e.message}).`, { cause: e })));
  worker.on('exit', (code) => {
    released?.();
    failAll(new ConfigError('SESSION_WORKER_EXITED', `${path}: the encoder's worker thread exited (code ${code}).`));
  });

  const post = (m: WorkerRequest, transfer: ArrayBuffer[] = []) => worker.postMessage(m, transfer);
  const names = await new Promise<{ inputNames: readonly string[]; outputNames: readonly string[] }>((resolve, reject) => {
    opened = { resolve, reject };
    post({ type: 'open', path, opts: { ...opts, inWorker: false } });
  }).finally(() => { opened = null; });
  worker.unref();

  const runFeeds = (feeds: Readonly<Record<string, Tensor>>, outputs?: readonly string[]): Promise<Map<string, Tensor<'float32'>>> => {
    if (dead) return Promise.reject(dead);
    const copies: Record<string, Tensor> = {};
    const transfer: ArrayBuffer[] = [];
    for (const [k, t] of Object.entries(feeds)) {
      const data = t.data.slice();
      transfer.push(data.buffer as ArrayBuffer);
      copies[k] = { dtype: t.dtype, shape: [...t.shape], data } as Tensor;
    }
    const id = nextId++;
    worker.ref();
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      post({ type: 'run', id, feeds: copies, outputs }, transfer);
    });
  };

  return {
    inputNames: names.inputNames,
    outputNames: names.outputNames,
    run: (inputName, input) => runFeeds({ [inputName]: input }),
    runFeeds,
    release: async () => {
      if (dead) return;
      worker.ref();
      await new Promise<void>((resolve) => { released = resolve; post({ type: 'release' }); });
      await worker.terminate();
    },
  };
}
