import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toNormalizedTensor } from '../../preprocess/vision/index.ts';
import { rawToModelInput, toModelInput, worldInput } from './tensors.ts';
import { worldTokenizer } from './vocab.ts';
import { World } from './world.ts';

describe('world → model inputs', () => {
  const world = new World(77);
  const sample = world.sample(1);

  it('produces the official shapes', () => {
    assert.deepEqual(toModelInput(sample, 'image').shape, [3, 224, 224]);
    assert.deepEqual(toModelInput(sample, 'video').shape, [3, 2, 224, 224]);
    assert.deepEqual(toModelInput(sample, 'audio').shape, [3, 1, 128, 204]);
    assert.deepEqual(toModelInput(sample, 'audio', { audioClips: 1 }).shape, [1, 1, 128, 204]);
    assert.deepEqual(toModelInput(sample, 'depth').shape, [1, 224, 224]);
    assert.deepEqual(toModelInput(sample, 'thermal').shape, [1, 224, 224]);
    assert.deepEqual(toModelInput(sample, 'imu').shape, [6, 2000]);
    for (const m of ['image', 'video', 'audio', 'depth', 'thermal', 'imu'] as const) {
      const t = toModelInput(sample, m);
      assert.equal(t.dtype, 'float32');
      assert.ok((t.data as Float32Array).every(Number.isFinite), m);
    }
  });

  it('vision input equals plain normalisation (224² input: resize and crop are identities)', () => {
    const t = toModelInput(sample, 'image');
    assert.deepEqual(t.data, toNormalizedTensor(sample.image.data, 224, 224, 3).data);
    const v = toModelInput(sample, 'video');
    assert.equal(v.data[224 * 224 * 2], toNormalizedTensor(sample.video[0].data, 224, 224, 3).data[224 * 224]); // G, t=0, pixel 0
  });

  it('keeps the IMU log unchanged at 400 Hz and thermal in [0, 1]', () => {
    assert.deepEqual(toModelInput(sample, 'imu').data, sample.imu);
    const th = toModelInput(sample, 'thermal').data as Float32Array;
    assert.ok(th.every((v) => v >= 0 && v <= 1));
    assert.equal(th[0], Math.fround(sample.thermal[0] / 255));
  });

  it('renders lazily to the same tensors', () => {
    assert.deepEqual(worldInput(world, 1, 'depth').data, toModelInput(sample, 'depth').data);
  });

  it('tokenizes captions with a vocabulary learned from the world', () => {
    const tok = worldTokenizer(world, 600, 1500);
    const t = rawToModelInput('text', sample.caption, { tokenizer: tok });
    assert.deepEqual(t.shape, [1, 77]);
    assert.equal(t.dtype, 'int64');
    assert.equal(Number(t.data[0]), tok.sotId);
    assert.ok(tok.encode(sample.caption).length <= sample.caption.split(' ').length * 2, sample.caption);
    assert.throws(() => toModelInput(sample, 'text'));
  });
});
