import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ImageBindError, MediaError } from '../core/errors.ts';
import { PreprocessPool } from './preprocess-pool.ts';

const isShuttingDown = (e: unknown) => e instanceof ImageBindError && e.code === 'SHUTTING_DOWN';

test(
  'preprocess pool: close() rejects jobs already posted to workers as well as queued ones',
  { timeout: 60_000 },
  async () => {
    const pool = new PreprocessPool(1, 16, 1);
    const bytes = new TextEncoder().encode('not an image');
    const jobs = [0, 1, 2].map(() => pool.run('vision', { bytes }));
    assert.equal(pool.busy, 1, 'one job was posted to the worker');
    assert.equal(pool.queued, 2);
    const all = Promise.allSettled(jobs);
    await pool.close();
    const settled = await Promise.race([all, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 5_000).unref())]);
    assert.notEqual(settled, 'hung', 'every job settles');
    for (const s of settled as PromiseSettledResult<unknown>[])
      assert.ok(
        s.status === 'rejected' && isShuttingDown(s.reason),
        String(s.status === 'rejected' ? s.reason : s.status),
      );
    await assert.rejects(pool.run('vision', { bytes }), isShuttingDown);
  },
);

test('preprocess pool: a decode failure comes back with its class and code', { timeout: 60_000 }, async () => {
  const pool = new PreprocessPool(1, 16, 2);
  // The pool's workers are unref'd (a server's socket keeps the process alive); so must this test.
  const keepAlive = setInterval(() => {}, 1_000);
  try {
    await assert.rejects(pool.run('vision', { bytes: new TextEncoder().encode('not an image') }), (e: unknown) => {
      assert.ok(e instanceof MediaError, String(e));
      assert.match(e.code, /^[A-Z_]+$/);
      return true;
    });
  } finally {
    clearInterval(keepAlive);
    await pool.close();
  }
});
