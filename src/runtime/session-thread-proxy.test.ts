import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { join } from 'node:path';
import {
  CheckpointError,
  ConfigError,
  ImageBindError,
  MediaError,
  ShapeError,
  StoreError,
  TrainingError,
  errorFromWire,
  errorToWire,
} from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { ImageBind } from '../embed/imagebind.ts';
import { defaultModelDir } from '../embed/default-model.ts';
import { embedEveryEncoder } from '../../test/helpers/embed-all.ts';
import { tinyModelDir } from '../../test/helpers/tiny-model.ts';
import { randomInput } from './benchmark.ts';
import { createSession } from './backend.ts';
import type { WorkerReply, WorkerRequest } from './session-thread-entry.ts';
import { startTsWorker } from './ts-worker.ts';

const embedAll = (dir: string, inWorker: boolean) => embedEveryEncoder(dir, { inWorker }, 3, 5);

test(
  'worker-thread sessions give exactly the outputs of main-thread sessions, for every encoder',
  { timeout: 120_000 },
  async () => {
    const dir = await tinyModelDir(false);
    const direct = await embedAll(dir, false);
    const worker = await embedAll(dir, true);
    for (const [m, v] of direct) assert.deepEqual(worker.get(m), v, m);
  },
);

/** Largest gap between 5 ms ticks while `work` runs, minus the period. */
async function maxLag(work: () => Promise<unknown>): Promise<{ lag: number; ms: number }> {
  let lag = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    lag = Math.max(lag, now - last - 5);
    last = now;
  }, 5);
  const t0 = performance.now();
  await work();
  const ms = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 20)); // let a tick delayed by the run report it
  clearInterval(timer);
  return { lag, ms };
}

test(
  'a worker-thread session leaves the event loop free while it runs; a main-thread one blocks it',
  { timeout: 120_000 },
  async (t) => {
    // The text encoder on a big batch: seconds of compute on a small input, so the run, not copying, is what is timed.
    const dir = defaultModelDir();
    const model = await ImageBind.load(dir);
    const ids = randomInput('text', model.manifest.modalities.text!, 512, 3, model.manifest.config.text_vocab_size);
    await model.close();
    // One intra-op thread leaves the other core to the event loop, so lag measures blocking, not CPU contention.
    const direct = await createSession(join(dir, 'text.onnx'), { threads: 1 });
    const worker = await createSession(join(dir, 'text.onnx'), { threads: 1, inWorker: true });
    try {
      await direct.run('input', ids);
      await worker.run('input', ids);
      const blocked = await maxLag(() => direct.run('input', ids));
      const free = await maxLag(() => worker.run('input', ids));
      t.diagnostic(
        `512 texts: main thread ${blocked.ms.toFixed(0)} ms with ${blocked.lag.toFixed(0)} ms max loop lag; worker ${free.ms.toFixed(0)} ms with ${free.lag.toFixed(0)} ms`,
      );
      assert.ok(
        blocked.lag > blocked.ms * 0.5,
        'the main-thread run blocks the loop (else this test measures nothing)',
      );
      assert.ok(
        free.lag < Math.max(25, free.ms * 0.2),
        `the loop stalled ${free.lag.toFixed(0)} ms during a ${free.ms.toFixed(0)} ms worker run`,
      );
    } finally {
      await direct.release();
      await worker.release();
    }
  },
);

test(
  'worker-thread sessions: a bad graph path is a ConfigError; a failed run rejects and the session keeps working',
  { timeout: 60_000 },
  async () => {
    await assert.rejects(
      createSession('/nonexistent/vision.onnx', { inWorker: true }),
      (e: unknown) => e instanceof ConfigError && e.code === 'MODEL_LOAD_FAILED' && /nonexistent/.test(e.message),
    );
    const dir = defaultModelDir();
    const s = await createSession(join(dir, 'imu.onnx'), { inWorker: true, threads: 1 });
    try {
      const bad = { dtype: 'float32', shape: [1, 5, 7], data: new Float32Array(35) } as const;
      await assert.rejects(s.run('input', bad));
      const good = { dtype: 'float32', shape: [1, 6, 2000], data: new Float32Array(12000).fill(0.5) } as const;
      const out = await s.run('input', good);
      assert.equal(out.get(s.outputNames[0])!.shape[0], 1);
      assert.ok(
        good.data.every((x) => x === 0.5),
        'the caller keeps its input (the worker got a copy)',
      );
    } finally {
      await s.release();
    }
  },
);

const imuInput = (): Tensor => ({ dtype: 'float32', shape: [1, 6, 2000], data: new Float32Array(12000).fill(0.5) });

test('errors cross a thread boundary with their class and code; other errors as a plain Error', () => {
  for (const e of [
    new CheckpointError('A', 'a'),
    new ConfigError('B', 'b'),
    new MediaError('C', 'c'),
    new ShapeError('D', 'd'),
    new StoreError('E', 'e'),
    new TrainingError('F', 'f'),
  ]) {
    const back = errorFromWire(structuredClone(errorToWire(e)));
    assert.equal(back.constructor, e.constructor);
    assert.equal((back as ImageBindError).code, e.code);
    assert.equal(back.message, e.message);
  }
  class Local extends StoreError {}
  assert.ok(
    errorFromWire(errorToWire(new Local('G', 'g'))) instanceof StoreError,
    'a subclass defined elsewhere travels as its nearest class',
  );
  const plain = errorFromWire(errorToWire(new TypeError('boom')));
  assert.ok(!(plain instanceof ImageBindError));
  assert.equal(plain.message, 'boom');
  assert.equal(errorFromWire(errorToWire('text')).message, 'text');
  assert.ok(!(errorFromWire({ name: 'constructor', code: 'X', message: 'm' }) instanceof ImageBindError));
});

test(
  'worker-thread sessions: release() during runs waits for them; it may be called twice; a later run is SESSION_RELEASED',
  { timeout: 60_000 },
  async () => {
    // Before the fix the worker disposed the session under onnxruntime's queued run and the whole process aborted.
    const s = await createSession(join(defaultModelDir(), 'imu.onnx'), { inWorker: true, threads: 1 });
    const runs = [0, 1, 2, 3].map(() => s.run('input', imuInput()));
    await new Promise((r) => setImmediate(r)); // the worker has the runs queued
    await Promise.all([s.release(), s.release()]);
    // Runs posted before release() complete: release waits for them.
    for (const out of await Promise.all(runs)) assert.equal(out.get(s.outputNames[0]!)!.shape[0], 1);
    await s.release();
    await assert.rejects(
      s.run('input', imuInput()),
      (e: unknown) => e instanceof ConfigError && e.code === 'SESSION_RELEASED' && /released/.test(e.message),
    );
    await assert.rejects(
      s.runFeeds({ input: imuInput() }),
      (e: unknown) => e instanceof ConfigError && e.code === 'SESSION_RELEASED',
    );
  },
);

test(
  'session worker: a release posted right behind runs answers them first, then releases; other sessions carry on',
  { timeout: 60_000 },
  async () => {
    // The host's own guard, without session-thread-proxy.ts's waiting: runs and release in one message burst.
    const worker = startTsWorker(new URL('./session-thread-entry.ts', import.meta.url));
    const replies: WorkerReply[] = [];
    const next = (type: WorkerReply['type'], sid?: number) =>
      new Promise<void>((resolve) => {
        const check = (r: WorkerReply) => {
          if (r.type === type && (sid === undefined || ('sid' in r && r.sid === sid))) {
            worker.off('message', check);
            resolve();
          }
        };
        worker.on('message', check);
      });
    worker.on('message', (r: WorkerReply) => replies.push(r));
    const post = (m: WorkerRequest) => worker.postMessage(m);
    try {
      const opened = Promise.all([next('opened', 1), next('opened', 2)]);
      post({ type: 'open', sid: 1, path: join(defaultModelDir(), 'imu.onnx'), opts: { threads: 1 } });
      post({ type: 'open', sid: 2, path: join(defaultModelDir(), 'imu.onnx'), opts: { threads: 1 } });
      await opened;
      const released = next('released', 1);
      for (let id = 1; id <= 4; id++) post({ type: 'run', sid: 1, id, feeds: { input: imuInput() } });
      post({ type: 'release', sid: 1 });
      post({ type: 'run', sid: 1, id: 5, feeds: { input: imuInput() } });
      await released;
      const i = replies.findIndex((r) => r.type === 'released');
      const before = replies.slice(0, i);
      for (let id = 1; id <= 4; id++)
        assert.ok(
          before.some((r) => r.type === 'result' && r.id === id),
          `run ${id} answered before the release`,
        );
      const late = replies.find((r) => r.type === 'failed' && r.id === 5);
      assert.ok(late?.type === 'failed' && late.error.code === 'SESSION_RELEASED', 'a run after release is refused');
      const answered = new Promise<WorkerReply>((resolve) =>
        worker.on('message', (r: WorkerReply) => {
          if ((r.type === 'result' || r.type === 'failed') && r.id === 6) resolve(r);
        }),
      );
      post({ type: 'run', sid: 2, id: 6, feeds: { input: imuInput() } });
      assert.equal((await answered).type, 'result', 'the other session on the same host still runs');
    } finally {
      await worker.terminate();
    }
  },
);

/** Worker threads started from now on, as async_hooks sees them. */
function trackWorkers() {
  const live = new Set<number>();
  const hook = createHook({
    init(id, type) {
      if (type === 'WORKER') live.add(id);
    },
    destroy(id) {
      live.delete(id);
    },
  }).enable();
  // A worker's handle is destroyed once its thread has ended, which async_hooks reports a little later.
  const allGone = async () => {
    for (let i = 0; i < 100 && live.size > 0; i++) await new Promise((r) => setTimeout(r, 20));
    return live.size === 0;
  };
  return { live, hook, allGone };
}

test(
  'worker-thread sessions share one host thread, which ends with the last session',
  { timeout: 60_000 },
  async () => {
    const { live, hook, allGone } = trackWorkers();
    try {
      const dir = defaultModelDir();
      const sessions = await Promise.all(
        ['imu', 'depth', 'text'].map((m) => createSession(join(dir, `${m}.onnx`), { inWorker: true, threads: 1 })),
      );
      assert.equal(live.size, 1, 'three sessions, one thread');
      await sessions[0].release();
      const out = await sessions[1].run('input', {
        dtype: 'float32',
        shape: [1, 1, 224, 224],
        data: new Float32Array(224 * 224),
      });
      assert.equal(out.get(sessions[1].outputNames[0])!.shape[0], 1, 'the others keep working after one is released');
      await Promise.all(sessions.slice(1).map((s) => s.release()));
      assert.ok(await allGone(), 'the host thread ended with its last session');
    } finally {
      hook.disable();
    }
  },
);

test('worker-thread sessions: a failed open ends its worker thread', { timeout: 60_000 }, async () => {
  const { live, hook, allGone } = trackWorkers();
  try {
    await assert.rejects(
      createSession('/nonexistent/vision.onnx', { inWorker: true }),
      (e: unknown) => e instanceof ConfigError && e.code === 'MODEL_LOAD_FAILED',
    );
    assert.equal(live.size, 1, 'the session started one worker');
    assert.ok(await allGone(), 'the worker thread of the failed open is gone');
  } finally {
    hook.disable();
  }
});
