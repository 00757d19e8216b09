import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Tensor, float32, tensor } from '../core/tensor.ts';
import { Batcher } from './batcher.ts';

/** A fake encoder: row i of the output is [sum of input row i, batch size]. */
function fakeRun(calls: number[]) {
  return async (_m: string, input: Tensor) => {
    const [b] = input.shape;
    const per = input.data.length / b;
    calls.push(b);
    const out = new Float32Array(b * 2);
    for (let i = 0; i < b; i++) {
      let s = 0;
      for (let j = 0; j < per; j++) s += Number(input.data[i * per + j]);
      out[i * 2] = s;
      out[i * 2 + 1] = b;
    }
    return float32([b, 2], out);
  };
}

test('concurrent submissions share one run and each gets its own rows back', async () => {
  const calls: number[] = [];
  const b = new Batcher({ maxBatch: 8, windowMs: 20, maxQueue: 100, run: fakeRun(calls) });
  const outs = await Promise.all(
    [1, 2, 3].map((v) => b.submit('text', tensor('float32', [v, 2], new Float32Array(v * 2).fill(v)))),
  );
  assert.deepEqual(calls, [6]);
  outs.forEach((o, i) => {
    assert.deepEqual(o.shape, [i + 1, 2]);
    for (let r = 0; r < i + 1; r++) assert.deepEqual([o.data[r * 2], o.data[r * 2 + 1]], [2 * (i + 1), 6]);
  });
});

test('batches never exceed maxBatch; shapes and modalities are not mixed', async () => {
  const calls: number[] = [];
  const b = new Batcher({ maxBatch: 4, windowMs: 5, maxQueue: 100, run: fakeRun(calls) });
  await Promise.all([
    ...Array.from({ length: 10 }, () => b.submit('text', float32([1, 3]))),
    b.submit('text', float32([1, 5])),
    b.submit('audio', float32([1, 3])),
  ]);
  assert.ok(calls.every((c) => c <= 4));
  assert.equal(
    calls.reduce((a, c) => a + c, 0),
    12,
  );
});

test('a full queue refuses with QUEUE_FULL; a failing run rejects only its batch', async () => {
  const b = new Batcher({
    maxBatch: 4,
    windowMs: 50,
    maxQueue: 2,
    run: async () => {
      throw new Error('boom');
    },
  });
  const first = b.submit('text', float32([2, 1]));
  await assert.rejects(b.submit('text', float32([1, 1])), (e: { code?: string }) => e.code === 'QUEUE_FULL');
  await assert.rejects(first, /boom/);
  await b.drained();
  assert.equal(b.queued, 0);
});

test('rows that arrive in the tick a run ends join the next full batch', async () => {
  // Rows submitted by callbacks that run right after a run ends (here: timers that come due while a
  // run holds the thread, as a main-thread session would) are only seen in the next loop phase.
  const calls: number[] = [];
  const late: Promise<unknown>[] = [];
  let first = true;
  const b = new Batcher({
    maxBatch: 4,
    windowMs: 1000,
    maxQueue: 100,
    run: (_m, input) =>
      new Promise((resolve) =>
        setImmediate(() => {
          if (first) {
            first = false;
            for (let i = 0; i < 3; i++) setTimeout(() => late.push(b.submit('vision', float32([1, 2]))), 0);
            const until = Date.now() + 30;
            while (Date.now() < until) {
              /* the encoder holding the thread */
            }
          }
          calls.push(input.shape[0]);
          resolve(float32([input.shape[0], 2]));
        }),
      ),
  });
  const early = [
    ...Array.from({ length: 4 }, () => b.submit('vision', float32([1, 2]))),
    b.submit('vision', float32([1, 2])),
  ];
  await Promise.all(early);
  await new Promise((r) => setTimeout(r, 10));
  await Promise.all(late);
  assert.deepEqual(calls, [4, 4]);
});
