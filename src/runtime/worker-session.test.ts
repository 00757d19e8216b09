import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ConfigError } from '../core/errors.ts';
import { ImageBind } from '../embed/imagebind.ts';
import { defaultModelDir } from '../embed/default-model.ts';
import { tinyModelDir } from '../../test/helpers/tiny-model.ts';
import { randomInput } from './benchmark.ts';
import { createSession } from './backend.ts';

async function embedAll(dir: string, inWorker: boolean): Promise<Map<string, Float32Array>> {
  const model = await ImageBind.load(dir, { inWorker, threads: 1 });
  const out = new Map<string, Float32Array>();
  try {
    for (const m of model.modalities) out.set(m, (await model.embedTensor(m, randomInput(m, model.manifest.modalities[m]!, 3, 5, model.manifest.config.text_vocab_size))).data);
  } finally {
    await model.close();
  }
  return out;
}

test('worker-thread sessions give exactly the outputs of main-thread sessions, for every encoder', { timeout: 120_000 }, async () => {
  const dir = await tinyModelDir(false);
  const direct = await embedAll(dir, false);
  const worker = await embedAll(dir, true);
  for (const [m, v] of direct) assert.deepEqual(worker.get(m), v, m);
});

/** Largest gap between 5 ms ticks while `work` runs, minus the period. */
async function maxLag(work: () => Promise<unknown>): Promise<{ lag: number; ms: number }> {
  let lag = 0;
  let last = performance.now();
  const timer = setInterval(() => { const now = performance.now(); lag = Math.max(lag, now - last - 5); last = now; }, 5);
  const t0 = performance.now();
  await work();
  const ms = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 20)); // let a tick delayed by the run report it
  clearInterval(timer);
  return { lag, ms };
}

test('a worker-thread session leaves the event loop free while it runs; a main-thread one blocks it', { timeout: 120_000 }, async (t) => {
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
    t.diagnostic(`512 texts: main thread ${blocked.ms.toFixed(0)} ms with ${blocked.lag.toFixed(0)} ms max loop lag; worker ${free.ms.toFixed(0)} ms with ${free.lag.toFixed(0)} ms`);
    assert.ok(blocked.lag > blocked.ms * 0.5, 'the main-thread run blocks the loop (else this test measures nothing)');
    assert.ok(free.lag < Math.max(25, free.ms * 0.2), `the loop stalled ${free.lag.toFixed(0)} ms during a ${free.ms.toFixed(0)} ms worker run`);
  } finally {
    await direct.release();
    await worker.release();
  }
});

test('worker-thread sessions: a bad graph path is a ConfigError; a failed run rejects and the session keeps working', { timeout: 60_000 }, async () => {
  await assert.rejects(createSession('/nonexistent/vision.onnx', { inWorker: true }), (e: unknown) => e instanceof ConfigError && e.code === 'MODEL_LOAD_FAILED' && /nonexistent/.test(e.message));
  const dir = defaultModelDir();
  const s = await createSession(join(dir, 'imu.onnx'), { inWorker: true, threads: 1 });
  try {
    const bad = { dtype: 'float32', shape: [1, 5, 7], data: new Float32Array(35) } as const;
    await assert.rejects(s.run('input', bad));
    const good = { dtype: 'float32', shape: [1, 6, 2000], data: new Float32Array(12000).fill(0.5) } as const;
    const out = await s.run('input', good);
    assert.equal(out.get(s.outputNames[0])!.shape[0], 1);
    assert.ok(good.data.every((x) => x === 0.5), 'the caller keeps its input (the worker got a copy)');
  } finally {
    await s.release();
  }
});
