/**
 * A session whose onnxruntime work happens on a worker thread (session-worker.ts), for callers whose
 * event loop must stay responsive while an encoder runs (the server: a huge vision batch takes
 * seconds). Inputs are copied into transferred buffers, so the caller's tensors stay usable.
 *
 * `release()` stops new runs, waits for the runs already posted, and only then disposes the
 * session and ends the thread (disposing it under a queued run aborts the whole process); it may
 * be called any number of times. A failed open ends its thread before rejecting.
 */
import { ConfigError, errorFromWire } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import type { BackendSession, SessionOptions } from './session.ts';
import type { WorkerReply, WorkerRequest } from './session-worker.ts';
import { startTsWorker } from './ts-worker.ts';

interface Pending {
  resolve(out: Map<string, Tensor<'float32'>>): void;
  reject(e: unknown): void;
}

type Names = { inputNames: readonly string[]; outputNames: readonly string[] };

export async function createWorkerSession(path: string, opts: SessionOptions = {}): Promise<BackendSession> {
  const worker = startTsWorker(new URL('./session-worker.ts', import.meta.url));
  const pending = new Map<number, Pending>();
  /** The promises of runs not settled yet (release waits for them). */
  const inFlight = new Set<Promise<unknown>>();
  let nextId = 1;
  let opened: { resolve(r: Names): void; reject(e: unknown): void } | null = null;
  let released: (() => void) | null = null;
  let releasing: Promise<void> | null = null;
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
    } else if (r.id === null) opened?.reject(errorFromWire(r.error));
    else {
      pending.get(r.id)?.reject(errorFromWire(r.error));
      pending.delete(r.id);
    }
    // An idle worker must not keep the process alive; a running (or releasing) one must.
    if (pending.size === 0 && !releasing) worker.unref();
  });
  worker.on('error', (e) => failAll(new ConfigError('SESSION_WORKER_FAILED', `${path}: the encoder's worker thread failed (${e.message}).`, { cause: e })));
  worker.on('exit', (code) => {
    released?.();
    failAll(new ConfigError('SESSION_WORKER_EXITED', `${path}: the encoder's worker thread exited (code ${code}).`));
  });

  const post = (m: WorkerRequest, transfer: ArrayBuffer[] = []) => worker.postMessage(m, transfer);
  let names: Names;
  try {
    names = await new Promise<Names>((resolve, reject) => {
      opened = { resolve, reject };
      post({ type: 'open', path, opts: { ...opts, inWorker: false } });
    }).finally(() => { opened = null; });
  } catch (e) {
    await worker.terminate();
    throw e;
  }
  worker.unref();

  const releasedError = () => new ConfigError('SESSION_RELEASED', `${path}: this encoder session was released (ImageBind.close()); load the model again.`);

  const runFeeds = (feeds: Readonly<Record<string, Tensor>>, outputs?: readonly string[]): Promise<Map<string, Tensor<'float32'>>> => {
    if (releasing) return Promise.reject(releasedError());
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
    const run = new Promise<Map<string, Tensor<'float32'>>>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      post({ type: 'run', id, feeds: copies, outputs }, transfer);
    });
    inFlight.add(run);
    const forget = () => { inFlight.delete(run); };
    run.then(forget, forget);
    return run;
  };

  const release = async (): Promise<void> => {
    worker.ref();
    await Promise.allSettled(inFlight);
    if (!dead) await new Promise<void>((resolve) => { released = resolve; post({ type: 'release' }); });
    await worker.terminate();
  };

  return {
    inputNames: names.inputNames,
    outputNames: names.outputNames,
    run: (inputName, input) => runFeeds({ [inputName]: input }),
    runFeeds,
    release: () => (releasing ??= release()),
  };
}
