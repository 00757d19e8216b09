import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { MediaError } from '../../core/errors.ts';
import { encodeNpy } from '../../core/npy.ts';
import { float32 } from '../../core/tensor.ts';
import {
  NYU_FOCAL_LENGTH,
  depthToDisparity,
  encodePfm,
  loadDepthFile,
  parsePfm,
  readDepthMap,
  toDisparity,
} from './index.ts';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ib-depth-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

// 320x240 depth in millimetres: a left-right ramp 500..3690 mm with a hole (0) in the middle.
const W = 320,
  H = 240;
const mm = new Uint16Array(W * H);
for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) mm[y * W + x] = 500 + x * 10;
for (let y = 100; y < 140; y++) for (let x = 140; x < 180; x++) mm[y * W + x] = 0;
const bf = Math.fround(0.075 * NYU_FOCAL_LENGTH);

test('disparity formula: baseline*focal/depth, holes → 0, clipping to [0.01, 50] m', () => {
  const d = depthToDisparity(new Float32Array([1, 2, 0, -1, NaN, 0.001, 100]));
  assert.equal(d[0], Math.fround(bf / 1));
  assert.equal(d[1], Math.fround(bf / 2));
  assert.deepEqual([d[2], d[3], d[4]], [0, 0, 0]);
  assert.equal(d[5], Math.fround(bf / Math.fround(0.01)));
  assert.equal(d[6], Math.fround(bf / 50));
  const omni = depthToDisparity(new Float32Array([0]), { invalid: 'clip' });
  assert.equal(omni[0], Math.fround(bf / Math.fround(0.01)), "Omnivore's literal clip makes holes the nearest value");
  const rs = depthToDisparity(new Float32Array([2]), { sensor: 'realsense', focalLength: 500 });
  assert.equal(rs[0], Math.fround(Math.fround(0.095 * 500) / 2));
});

test('16-bit PNG in millimetres → disparity values at known pixels, then 1x224x224', async () => {
  const png = await sharp(mm, { raw: { width: W, height: H, channels: 1 } })
    .toColourspace('grey16')
    .png()
    .toBuffer();
  const p = join(dir, 'depth.png');
  await writeFile(p, png);
  const { map, kind } = await readDepthMap(p);
  assert.equal(kind, 'depth-mm');
  assert.deepEqual([map.width, map.height, map.data[5]], [W, H, 550]);
  const disp = toDisparity(map, kind);
  assert.equal(disp.data[10], Math.fround(bf / Math.fround(600 / 1000)));
  assert.equal(disp.data[120 * W + 160], 0, 'hole stays 0');
  const t = await loadDepthFile(p);
  assert.deepEqual(t.shape, [1, 224, 224]);
  // 320x240 → 298x224, crop left 37: left edge ≈ column 37/298*320 of the source, disparity decreases to the right.
  const row = 10 * 224;
  assert.ok(t.data[row] > t.data[row + 223] && t.data[row + 223] > 0);
  const approxSrcX = (37 + 0.5) * (320 / 298) - 0.5;
  const expected = bf / ((500 + approxSrcX * 10) / 1000);
  assert.ok(Math.abs(t.data[row] - expected) / expected < 0.01, `${t.data[row]} vs ~${expected}`);
  assert.equal(t.data[112 * 224 + 112], 0, 'centre of the hole is still 0 after resizing');
});

test('.npy in metres and .pfm give the same tensor; disparity kind passes values through', async () => {
  const metres = Float32Array.from(mm, (v) => Math.fround(v / 1000));
  const np = join(dir, 'depth.npy');
  await writeFile(np, encodeNpy(float32([H, W], metres)));
  const pf = join(dir, 'depth.pfm');
  await writeFile(pf, encodePfm({ width: W, height: H, data: metres }));
  const a = await loadDepthFile(np);
  const b = await loadDepthFile(pf);
  assert.deepEqual(a.shape, [1, 224, 224]);
  assert.deepEqual([...a.data], [...b.data]);
  const disp = await loadDepthFile(np, { kind: 'disparity' });
  // Output column 100 + crop offset 37 of a 298-wide resize maps back to source x ≈ 147.1.
  const srcX = (137 + 0.5) * (320 / 298) - 0.5;
  assert.ok(Math.abs(disp.data[10 * 224 + 100] - (500 + srcX * 10) / 1000) < 1e-3, `${disp.data[10 * 224 + 100]}`);
});

test('PFM round trip keeps orientation (rows stored bottom-up)', () => {
  const img = { width: 3, height: 2, data: new Float32Array([1, 2, 3, 4, 5, 6]) };
  const back = parsePfm(encodePfm(img), 'x.pfm');
  assert.deepEqual([...back.data], [1, 2, 3, 4, 5, 6]);
});

test('SUN RGB-D bit-rotated PNG values are unrotated', () => {
  const stored = ((1234 << 3) | (1234 >> 13)) & 0xffff;
  const d = toDisparity({ width: 1, height: 1, data: new Float32Array([stored]) }, 'depth-mm-sunrgbd');
  assert.equal(d.data[0], Math.fround(bf / Math.fround(1.234)));
});

test('depth errors are MediaErrors naming the file', async () => {
  const rgb = join(dir, 'colour.png');
  await writeFile(
    rgb,
    await sharp({ create: { width: 4, height: 4, channels: 3, background: '#f00' } })
      .png()
      .toBuffer(),
  );
  const g8 = join(dir, 'gray8.png');
  await writeFile(
    g8,
    await sharp({ create: { width: 4, height: 4, channels: 3, background: '#777' } })
      .toColourspace('b-w')
      .png()
      .toBuffer(),
  );
  const pf3 = join(dir, 'colour.pfm');
  await writeFile(pf3, 'PF\n1 1\n-1.0\n\0\0\0\0\0\0\0\0\0\0\0\0');
  for (const [p, code] of [
    [rgb, 'DEPTH_INVALID'],
    [g8, 'DEPTH_INVALID'],
    [pf3, 'DEPTH_INVALID'],
    [join(dir, 'missing.png'), 'FILE_NOT_FOUND'],
  ]) {
    await assert.rejects(
      loadDepthFile(p),
      (e: unknown) => e instanceof MediaError && e.code === code && e.message.includes(p),
    );
  }
  const ok = await loadDepthFile(g8, { kind: 'disparity' });
  assert.deepEqual(ok.shape, [1, 224, 224]);
});
