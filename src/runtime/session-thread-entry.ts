/**
 * The worker thread's entry module (its main-thread side is session-thread-proxy.ts): hosts every onnxruntime session of the process that
 * asked for `inWorker`. onnxruntime-node's `run` is synchronous on the calling thread, so running
 * it here keeps the main thread's event loop free (a server stays responsive during a
 * multi-second batch); one thread for all sessions costs one isolate, not one per encoder.
 */
import { parentPort } from 'node:worker_threads';
import { ConfigError, type WireError, errorToWire } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { type BackendSession, createSession } from './backend.ts';
import type { PlacementReport } from './placement.ts';
import type { SessionOptions } from './session.ts';

export type WorkerRequest =
  | { readonly type: 'open'; readonly sid: number; readonly path: string; readonly opts: SessionOptions }
  | {
      readonly type: 'run';
      readonly sid: number;
      readonly id: number;
      readonly feeds: Record<string, Tensor>;
      readonly outputs?: readonly string[];
    }
  | { readonly type: 'release'; readonly sid: number };

export type WorkerReply =
  | {
      readonly type: 'opened';
      readonly sid: number;
      readonly inputNames: readonly string[];
      readonly outputNames: readonly string[];
      readonly inputInfo?: BackendSession['inputInfo'];
      readonly placement?: PlacementReport;
    }
  | { readonly type: 'result'; readonly id: number; readonly outputs: [string, Tensor<'float32'>][] }
  | { readonly type: 'failed'; readonly sid: number; readonly id: number | null; readonly error: WireError }
  | { readonly type: 'released'; readonly sid: number };

interface Hosted {
  session: BackendSession | null;
  /** Set by the first release request; later ones get the same answer when it is done. */
  releasing: Promise<void> | null;
  /** Runs not answered yet. onnxruntime-node's `run` defers its native call (setImmediate), so a
   * release must wait for them: disposing the session under a queued run aborts the process. */
  readonly inFlight: Set<Promise<void>>;
}

const port = parentPort!;
const hosted = new Map<number, Hosted>();

const reply = (r: WorkerReply) => port.postMessage(r);
const released = () => new ConfigError('SESSION_RELEASED', 'this encoder session was released; load the model again.');

function open(sid: number, path: string, opts: SessionOptions): void {
  const h: Hosted = { session: null, releasing: null, inFlight: new Set() };
  hosted.set(sid, h);
  createSession(path, opts).then(
    (s) => {
      // Released while it was opening: nobody will use it, so it must not outlive this moment.
      if (h.releasing || hosted.get(sid) !== h) return void s.release();
      h.session = s;
      reply({
        type: 'opened',
        sid,
        inputNames: s.inputNames,
        outputNames: s.outputNames,
        inputInfo: s.inputInfo,
        placement: s.placement,
      });
    },
    (e: unknown) => {
      hosted.delete(sid);
      reply({ type: 'failed', sid, id: null, error: errorToWire(e) });
    },
  );
}

function run(sid: number, id: number, feeds: Record<string, Tensor>, outputs?: readonly string[]): void {
  const h = hosted.get(sid);
  const done: Promise<void> = Promise.resolve()
    .then(() => {
      if (!h?.session || h.releasing) throw released();
      return h.session.runFeeds(feeds, outputs);
    })
    .then(
      (out) => reply({ type: 'result', id, outputs: [...out] }),
      (e: unknown) => reply({ type: 'failed', sid, id, error: errorToWire(e) }),
    )
    .finally(() => h?.inFlight.delete(done));
  h?.inFlight.add(done);
}

function release(sid: number): void {
  const h = hosted.get(sid);
  if (!h) return reply({ type: 'released', sid });
  h.releasing ??= Promise.allSettled(h.inFlight)
    .then(() => h.session?.release())
    .catch(() => undefined) // the session is gone from this host either way
    .finally(() => {
      hosted.delete(sid);
    });
  void h.releasing.then(() => reply({ type: 'released', sid }));
}

port.on('message', (msg: WorkerRequest) => {
  if (msg.type === 'open') open(msg.sid, msg.path, msg.opts);
  else if (msg.type === 'run') run(msg.sid, msg.id, msg.feeds, msg.outputs);
  else release(msg.sid);
});
