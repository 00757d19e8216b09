import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCheckpoint } from './open.ts';
import { bytesOf, layoutZip, stateDictPickle, type FakeTensor } from '../../test/helpers/checkpoint-builders.ts';

test('zip64 archive with tensors beyond 2 GiB and 4 GiB (sparse file)', { timeout: 30_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ckpt-zip64-'));
  const path = join(dir, 'big.pth');
  try {
    const a = Float32Array.from([1.25, -2.5, 3.75, 1e-3, 7, 8]);
    const b = BigInt64Array.from([-1n, 2n ** 40n, 3n]);
    const tensors: FakeTensor[] = [
      {
        name: 'past2g.weight',
        storage: { key: '0', type: 'FloatStorage', numel: 6 },
        offset: 0,
        shape: [3, 2],
        stride: [1, 3],
      },
      { name: 'past4g.ids', storage: { key: '1', type: 'LongStorage', numel: 3 }, offset: 1, shape: [2], stride: [1] },
    ];
    // Holes between entries stay unallocated, so this "4.3 GiB" file costs a few kilobytes.
    const { chunks, size } = layoutZip(
      [
        { name: 'big/data.pkl', data: stateDictPickle(tensors) },
        { name: 'big/data/0', data: bytesOf(a), at: 2 ** 31 + 12_345 },
        { name: 'big/data/1', data: bytesOf(b), at: 2 ** 32 + 777 },
        { name: 'big/version', data: new TextEncoder().encode('3\n') },
      ],
      true,
    );
    const fh = await open(path, 'w');
    try {
      for (const c of chunks) await fh.write(c.bytes, 0, c.bytes.length, c.position);
      await fh.truncate(size);
    } finally {
      await fh.close();
    }
    assert.ok((await stat(path)).size > 2 ** 32);
    const r = await openCheckpoint(path);
    try {
      assert.deepEqual(
        r.list().map((t) => [t.name, t.dtype, t.shape]),
        [
          ['past2g.weight', 'float32', [3, 2]],
          ['past4g.ids', 'int64', [2]],
        ],
      );
      assert.deepEqual([...(await r.readFloat32('past2g.weight'))], [1.25, Math.fround(1e-3), -2.5, 7, 3.75, 8]);
      assert.deepEqual([...(await r.readInt64('past4g.ids'))], [2n ** 40n, 3n]);
    } finally {
      await r.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
