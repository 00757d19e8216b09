/**
 * Checkpoint budgets (core/limits.ts): the 58 KB `.pth` of issue 11 whose data.pkl is 60 M
 * EMPTY_DICT opcodes (it aborted Node with a heap out of memory) now fails with a typed
 * CheckpointError naming the limit, within the time and memory a real state dict needs; every
 * unpickler counter has its own limit; and a deflated storage shared by many tensors is inflated
 * once (through a temporary file when large), not once per tensor.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointError } from '../core/errors.ts';
import { openCheckpoint } from './open.ts';
import { unpickle } from './pickle.ts';
import { buildZip, PickleWriter, stateDictPickle, type FakeTensor } from '../../test/helpers/checkpoint-builders.ts';

const limitError = (code: string, name: string) => (e: unknown) =>
  e instanceof CheckpointError && e.code === code && e.message.includes(name) && e.message.includes('raise the limit');

function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'ib-ckpt-limits-'));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test('the EMPTY_DICT pickle bomb (58 KB .pth, 60 M opcodes) fails with PICKLE_OBJECTS_LIMIT', async () => {
  const pkl = new Uint8Array(2 + 60_000_000 + 1).fill(0x7d);
  pkl.set([0x80, 0x02]);
  pkl[pkl.length - 1] = 0x2e;
  const zip = buildZip([{ name: 'archive/data.pkl', data: pkl, deflate: true }]);
  assert.ok(zip.length < 100_000, `${zip.length} bytes`);
  await withDir(async (dir) => {
    const path = join(dir, 'e.pth');
    writeFileSync(path, zip);
    const rss = process.memoryUsage().rss;
    const t0 = performance.now();
    await assert.rejects(openCheckpoint(path), limitError('PICKLE_OBJECTS_LIMIT', 'maxPickleObjects'));
    const ms = performance.now() - t0;
    const grown = process.memoryUsage().rss - rss;
    assert.ok(ms < 5000, `${ms} ms`);
    assert.ok(grown < 300e6, `${grown / 1e6} MB`);
  });
});

test('each unpickler counter has its own limit, named in the error', () => {
  const ops = (...bytes: number[]): Uint8Array => Uint8Array.from([0x80, 0x02, ...bytes]);
  // 1000 NONEs popped again: few objects alive, many opcodes.
  const many = ops(...Array.from({ length: 1000 }, () => [0x4e, 0x30]).flat(), 0x4e, 0x2e);
  assert.equal(unpickle(many, 'ops.pth'), null);
  assert.throws(
    () => unpickle(many, 'ops.pth', { maxPickleOpcodes: 500 }),
    limitError('PICKLE_OPCODES_LIMIT', 'IMAGEBIND_MAX_PICKLE_OPCODES'),
  );
  // DUP references the same object: no new objects, but the stack grows.
  const dups = ops(0x4e, ...new Array(2000).fill(0x32), 0x2e);
  assert.throws(
    () => unpickle(dups, 'dup.pth', { maxPickleStack: 1000 }),
    limitError('PICKLE_STACK_LIMIT', 'maxPickleStack'),
  );
  // MARKs count as stack too.
  const marks = ops(...new Array(2000).fill(0x28), 0x2e);
  assert.throws(
    () => unpickle(marks, 'mark.pth', { maxPickleStack: 1000 }),
    limitError('PICKLE_STACK_LIMIT', 'maxPickleStack'),
  );
  // MEMOIZE after each value: memo entries.
  const memo = ops(...Array.from({ length: 100 }, () => [0x4e, 0x94, 0x30]).flat(), 0x4e, 0x2e);
  assert.equal(unpickle(memo, 'memo.pth'), null);
  assert.throws(
    () => unpickle(memo, 'memo.pth', { maxPickleMemo: 50 }),
    limitError('PICKLE_MEMO_LIMIT', 'maxPickleMemo'),
  );
  // A real state dict pickle is far inside the defaults.
  const w = new PickleWriter().proto(2).emptyDict().stop();
  assert.ok(unpickle(w.bytes(), 'ok.pth') !== undefined);
});

test('data.pkl over maxPickleBytes is refused before it is inflated', async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'big.pth');
    writeFileSync(path, buildZip([{ name: 'archive/data.pkl', data: new Uint8Array(4096), deflate: true }]));
    await assert.rejects(
      openCheckpoint(path, { limits: { maxPickleBytes: 1000 } }),
      limitError('PICKLE_BYTES_LIMIT', 'maxPickleBytes'),
    );
  });
});

/** A .pth whose `n` float32 tensors are consecutive views of one deflated storage of `numel` floats. */
function sharedStoragePth(n: number, numel: number): { zip: Uint8Array; storage: Float32Array; tensors: FakeTensor[] } {
  const storage = Float32Array.from({ length: numel }, (_, i) => Math.sin(i) * 1000);
  const per = numel / n;
  const tensors = Array.from({ length: n }, (_, i) => ({
    name: `layer${i}.weight`,
    storage: { key: '0', type: 'FloatStorage', numel },
    offset: i * per,
    shape: [per / 16, 16],
    stride: [16, 1],
  }));
  const zip = buildZip([
    { name: 'archive/data.pkl', data: stateDictPickle(tensors), deflate: true },
    { name: 'archive/data/0', data: new Uint8Array(storage.buffer), deflate: true },
  ]);
  return { zip, storage, tensors };
}

for (const [label, maxInflateInMemory] of [
  ['in memory', undefined],
  ['through a temporary file', 1024],
] as const) {
  test(`a deflated storage shared by many tensors is inflated once (${label})`, async () => {
    const { zip, storage, tensors } = sharedStoragePth(64, 64 * 4096);
    await withDir(async (dir) => {
      const path = join(dir, 'shared.pth');
      writeFileSync(path, zip);
      const tmpBefore = readdirSync(tmpdir()).filter((f) => f.startsWith('imagebind-zip-')).length;
      const reader = await openCheckpoint(path, { limits: { maxInflateInMemory } });
      try {
        // Read in reverse order too: a stream that only moves forward would have to restart.
        for (const t of [...tensors].reverse()) {
          const got = await reader.readFloat32(t.name);
          assert.deepEqual(got, storage.subarray(t.offset, t.offset + got.length), t.name);
        }
        // No temporary file is left visible (it is unlinked while open).
        assert.equal(readdirSync(tmpdir()).filter((f) => f.startsWith('imagebind-zip-')).length, tmpBefore);
      } finally {
        await reader.close();
      }
    });
  });
}
