/**
 * The main-thread side of sessions whose onnxruntime work happens on a worker thread (the worker
 * runs session-thread-entry.ts): proxies for callers whose event loop must stay responsive while an
 * encoder runs (the server: a huge vision batch takes seconds). All such sessions of a process share one host thread, so their runs take turns (each
 * already uses every core) and the process pays for one extra isolate, not one per encoder. Inputs
 * are copied into transferred buffers, so the caller's tensors stay usable.
 *
 * `release()` stops new runs, waits for the runs already posted, and only then disposes the
 * session (disposing it under a queued run aborts the whole process); it may be called any number
 * of times. The host thread ends when its last session is released or fails to open.
 */
import { ConfigError, errorFromWire } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import type { PlacementReport } from './placement.ts';
import type { BackendSession, SessionOptions } from './session.ts';
import type { WorkerReply, WorkerRequest } from './session-thread-entry.ts';
import { startTsWorker } from './ts-worker.ts';
import type { Worker } from 'node:worker_threads';

type Names = Pick<BackendSession, 'inputNames' | 'outputNames' | 'inputInfo'> & { placement?: PlacementReport };

interface Waiter<T> {
  resolve(v: T): void;
  reject(e: unknown): void;
}

interface Host {
  readonly worker: Worker;
  readonly opens: Map<number, Waiter<Names>>;
  readonly runs: Map<number, Waiter<Map<string, Tensor<'float32'>>>>;
  readonly releases: Map<number, () => void>;
  /** Sessions opened or opening on this host. */
  live: number;
  dead: Error | null;
}

let shared: Host | null = null;
let nextSid = 1;
let nextRun = 1;

/** An idle host must not keep the process alive; one with work in flight must. */
function updateRef(h: Host): void {
  if (h.opens.size + h.runs.size + h.releases.size > 0) h.worker.ref();
  else h.worker.unref();
}

function startHost(): Host {
  const worker = startTsWorker(new URL('./session-thread-entry.ts', import.meta.url));
  const h: Host = { worker, opens: new Map(), runs: new Map(), releases: new Map(), live: 0, dead: null };
  const settle = <T>(map: Map<number, T>, key: number, f: (w: T) => void) => {
    const w = map.get(key);
    map.delete(key);
    if (w) f(w);
  };
  worker.on('message', (r: WorkerReply) => {
    if (r.type === 'opened') settle(h.opens, r.sid, (w) => w.resolve(r));
    else if (r.type === 'released') settle(h.releases, r.sid, (done) => done());
    else if (r.type === 'result') settle(h.runs, r.id, (w) => w.resolve(new Map(r.outputs)));
    else if (r.id === null) settle(h.opens, r.sid, (w) => w.reject(errorFromWire(r.error)));
    else settle(h.runs, r.id, (w) => w.reject(errorFromWire(r.error)));
    updateRef(h);
  });
  const die = (e: Error) => {
    h.dead ??= e;
    if (shared === h) shared = null;
    for (const w of [...h.opens.values(), ...h.runs.values()]) w.reject(h.dead);
    for (const done of h.releases.values()) done();
    h.opens.clear();
    h.runs.clear();
    h.releases.clear();
  };
  worker.on('error', (e) =>
    die(new ConfigError('SESSION_WORKER_FAILED', `the encoders' worker thread failed (${e.message}).`, { cause: e })),
  );
  worker.on('exit', (code) =>
    die(new ConfigError('SESSION_WORKER_EXITED', `the encoders' worker thread exited (code ${code}).`)),
  );
  worker.unref();
  return h;
}

/** Called when a session leaves the host; the last one out ends the thread. */
async function leave(h: Host): Promise<void> {
  h.live--;
  if (h.live > 0) return;
  if (shared === h) shared = null;
  await h.worker.terminate();
}

export async function createWorkerSession(path: string, opts: SessionOptions = {}): Promise<BackendSession> {
  if (!shared || shared.dead) shared = startHost();
  const h = shared;
  const sid = nextSid++;
  h.live++;
  const post = (m: WorkerRequest, transfer: ArrayBuffer[] = []) => h.worker.postMessage(m, transfer);
  let names: Names;
  try {
    names = await new Promise<Names>((resolve, reject) => {
      if (h.dead) return reject(h.dead);
      // Post first: a message that cannot be sent must not leave a waiter holding the host busy.
      // Only data crosses the thread boundary: callbacks (a loader's onNotice) stay on this side.
      const data = Object.fromEntries(Object.entries(opts).filter(([, v]) => typeof v !== 'function'));
      post({ type: 'open', sid, path, opts: { ...data, inWorker: false } });
      h.opens.set(sid, { resolve, reject });
      updateRef(h);
    });
  } catch (e) {
    await leave(h);
    throw e;
  }

  /** The promises of runs not settled yet (release waits for them). */
  const inFlight = new Set<Promise<unknown>>();
  let releasing: Promise<void> | null = null;
  const releasedError = () =>
    new ConfigError(
      'SESSION_RELEASED',
      `${path}: this encoder session was released (ImageBind.close()); load the model again.`,
    );

  const runFeeds = async (
    feeds: Readonly<Record<string, Tensor>>,
    outputs?: readonly string[],
  ): Promise<Map<string, Tensor<'float32'>>> => {
    if (releasing) throw releasedError();
    if (h.dead) throw h.dead;
    const copies: Record<string, Tensor> = {};
    const transfer: ArrayBuffer[] = [];
    for (const [k, t] of Object.entries(feeds)) {
      const data = t.data.slice();
      transfer.push(data.buffer as ArrayBuffer);
      copies[k] = { dtype: t.dtype, shape: [...t.shape], data } as Tensor;
    }
    const id = nextRun++;
    const run = new Promise<Map<string, Tensor<'float32'>>>((resolve, reject) => {
      post({ type: 'run', sid, id, feeds: copies, outputs }, transfer);
      h.runs.set(id, { resolve, reject });
      updateRef(h);
    });
    inFlight.add(run);
    const forget = () => {
      inFlight.delete(run);
    };
    run.then(forget, forget);
    return run;
  };

  const release = async (): Promise<void> => {
    await Promise.allSettled(inFlight);
    if (!h.dead) {
      await new Promise<void>((resolve) => {
        post({ type: 'release', sid });
        h.releases.set(sid, resolve);
        updateRef(h);
      });
    }
    await leave(h);
  };

  return {
    inputNames: names.inputNames,
    outputNames: names.outputNames,
    inputInfo: names.inputInfo,
    run: (inputName, input) => runFeeds({ [inputName]: input }),
    runFeeds,
    release: () => (releasing ??= release()),
    ...(names.placement ? { placement: names.placement } : {}),
  };
}
