import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { MediaError } from '../../core/errors.ts';
import { CLIP_MEAN, CLIP_STD, preprocessVisionBuffer } from '../vision/index.ts';
import { preprocessThermalBuffer } from './index.ts';

// 300x240 ramp: thermal images are single channel; values 20..219 left to right.
const W = 300,
  H = 240;
const g8 = new Uint8Array(W * H);
for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) g8[y * W + x] = 20 + Math.floor((x * 200) / W);
const png8 = () =>
  sharp(g8, { raw: { width: W, height: H, channels: 1 } })
    .toColourspace('b-w')
    .png()
    .toBuffer();
const g16 = Uint16Array.from(g8, (v) => 27000 + v * 10); // radiometric counts in a narrow band
const png16 = () =>
  sharp(g16, { raw: { width: W, height: H, channels: 1 } })
    .toColourspace('grey16')
    .png()
    .toBuffer();

test('8-bit thermal: default /255 equals the vision geometry on the grey channel', async () => {
  const buf = await png8();
  const t = await preprocessThermalBuffer(buf, 't8.png');
  assert.deepEqual(t.shape, [1, 224, 224]);
  // The vision pipeline replicates grey to RGB and uses the same resize/crop; undo its normalisation.
  const v = await preprocessVisionBuffer(buf, 't8.png');
  let worst = 0;
  for (let i = 0; i < 224 * 224; i++) {
    const back = Math.round((v.data[i] * Math.fround(CLIP_STD[0]) + Math.fround(CLIP_MEAN[0])) * 255);
    worst = Math.max(worst, Math.abs(back - t.data[i] * 255));
    assert.equal(t.data[i], Math.fround(Math.round(t.data[i] * 255) / 255), 'values are k/255');
  }
  assert.ok(worst < 1e-3, `max diff ${worst}`);
  assert.ok(t.data[0] < t.data[223], 'ramp preserved');
});

test('scale options: minmax spans [0,1], none keeps raw values, mean/std standardise', async () => {
  const buf = await png8();
  const unit = await preprocessThermalBuffer(buf, 't8.png', { scale: 'unit' });
  const mm = await preprocessThermalBuffer(buf, 't8.png', { scale: 'minmax' });
  const none = await preprocessThermalBuffer(buf, 't8.png', { scale: 'none' });
  assert.equal(Math.min(...mm.data), 0);
  assert.equal(Math.max(...mm.data), 1);
  for (let i = 0; i < 500; i += 7) assert.ok(Math.abs(none.data[i] / 255 - unit.data[i]) < 1e-7);
  const std = await preprocessThermalBuffer(buf, 't8.png', { mean: 0.5, std: 0.25 });
  assert.ok(Math.abs(std.data[3] - (unit.data[3] - 0.5) / 0.25) < 1e-6);
});

test('16-bit thermal: auto = minmax; unit divides by 65535; none keeps counts', async () => {
  const buf = await png16();
  const auto = await preprocessThermalBuffer(buf, 't16.png');
  assert.equal(Math.min(...auto.data), 0);
  assert.equal(Math.max(...auto.data), 1);
  const none = await preprocessThermalBuffer(buf, 't16.png', { scale: 'none' });
  assert.ok(Math.min(...none.data) >= 27150 && Math.max(...none.data) <= 29250, 'raw counts, no 8-bit clipping');
  const unit = await preprocessThermalBuffer(buf, 't16.png', { scale: 'unit' });
  assert.ok(Math.abs(unit.data[100] - none.data[100] / 65535) < 1e-7);
});

test("'pr73' reproduces ImageBind PR #73: CLIP-normalised RGB then Grayscale weights", async () => {
  const buf = await png8();
  const t = await preprocessThermalBuffer(buf, 't8.png', { scale: 'pr73' });
  const v = await preprocessVisionBuffer(buf, 't8.png');
  const p = 224 * 224,
    i = 1000;
  const f = Math.fround;
  const expect = f(f(f(f(0.2989) * v.data[i]) + f(f(0.587) * v.data[p + i])) + f(f(0.114) * v.data[2 * p + i]));
  assert.equal(t.data[i], expect);
});

test('RGB-stored thermal (LLVIP JPEGs are 3-channel grey) converts with PIL luma and matches grey', async () => {
  const rgb = new Uint8Array(W * H * 3);
  g8.forEach((v, i) => rgb.set([v, v, v], i * 3));
  const buf = await sharp(rgb, { raw: { width: W, height: H, channels: 3 } })
    .png()
    .toBuffer();
  const a = await preprocessThermalBuffer(buf, 'rgb.png');
  const b = await preprocessThermalBuffer(await png8(), 'g.png');
  assert.deepEqual([...a.data], [...b.data]);
});

test('thermal errors are MediaErrors naming the source', async () => {
  await assert.rejects(
    preprocessThermalBuffer(new Uint8Array(0), 'cam0.png'),
    (e: unknown) => e instanceof MediaError && e.code === 'IMAGE_EMPTY' && e.message.includes('cam0.png'),
  );
});
