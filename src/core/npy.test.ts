import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpy, parseNpy, readNpy, writeNpy } from './npy.ts';
import { MediaError } from './errors.ts';
import { ref } from '../../test/helpers/shared.ts';

test('reads the reference fixtures with their documented shapes and dtypes', async () => {
  const ids = await readNpy(ref('tiny', 'input_text.npy'));
  assert.equal(ids.dtype, 'int64');
  assert.deepEqual(ids.shape, [3, 77]);
  assert.equal((ids.data as BigInt64Array)[0], 49406n);
  const img = await readNpy(ref('preprocess', 'vision_dog_decoded_rgb_u8.npy'));
  assert.equal(img.dtype, 'uint8');
  assert.deepEqual(img.shape, [848, 640, 3]);
});

test('round-trips float32 through write and read', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'npy-'));
  const t = { dtype: 'float32' as const, shape: [2, 3], data: Float32Array.from([1, 2, 3, 4.5, -5, 6e-7]) };
  await writeNpy(join(dir, 'a.npy'), t);
  const back = await readNpy(join(dir, 'a.npy'));
  assert.deepEqual(back.shape, [2, 3]);
  assert.deepEqual(Array.from(back.data as Float32Array), Array.from(t.data));
});

test('truncated, corrupt and unsupported files give MediaError naming the file', async () => {
  const good = encodeNpy({ dtype: 'float32', shape: [4, 4], data: new Float32Array(16) });
  assert.throws(
    () => parseNpy(good.subarray(0, good.length - 3), 'x.npy'),
    (e: unknown) => e instanceof MediaError && /x\.npy.*truncated/.test(e.message),
  );
  assert.throws(() => parseNpy(new Uint8Array(0), 'empty.npy'), MediaError);
  assert.throws(() => parseNpy(good.subarray(0, 20), 'h.npy'), MediaError);
  const bigEndian = Buffer.from(Buffer.from(good).toString('latin1').replace('<f4', '>f4'), 'latin1');
  assert.throws(() => parseNpy(bigEndian, 'be.npy'), /dtype '>f4' is not supported/);
  const dir = mkdtempSync(join(tmpdir(), 'npy-'));
  writeFileSync(join(dir, 'junk.npy'), 'hello world');
  await assert.rejects(readNpy(join(dir, 'junk.npy')), /junk\.npy.*magic/);
  await assert.rejects(
    readNpy(join(dir, 'missing.npy')),
    (e: unknown) => e instanceof MediaError && e.code === 'FILE_UNREADABLE',
  );
});
