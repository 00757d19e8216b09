import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interpolateBilinear, linearTaps } from './interpolate.ts';
import {
  assembleCrops,
  CLIP_MEAN,
  CLIP_STD,
  FrameTransformer,
  shortSideScaleSize,
  spatialCropOffsets,
} from './transform.ts';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void => {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};

test('bilinear (align_corners=False) matches torch on small known cases', () => {
  // F.interpolate(tensor([[[[0., 1.]]]]), size=(1, 4), mode="bilinear") → [0, 0.25, 0.75, 1]
  close(interpolateBilinear(Float32Array.from([0, 1]), 1, 1, 2, 1, 4), [0, 0.25, 0.75, 1], 0, '1x2→1x4');
  // 3 → 2: sources 0.25 and 1.75.
  close(interpolateBilinear(Float32Array.from([0, 4, 8]), 1, 1, 3, 1, 2), [1, 7], 1e-6, '1x3→1x2');
  // 2x2 → 3x3: sources 0 (clamped from −1/6), 0.5, 1.1667 (single tap at the border).
  close(
    interpolateBilinear(Float32Array.from([0, 2, 4, 6]), 1, 2, 2, 3, 3),
    [0, 1, 2, 2, 3, 4, 4, 5, 6],
    1e-6,
    '2x2→3x3',
  );
  // Same size is a copy.
  const x = Float32Array.from([0.1, 0.7, 0.3, 0.9, 0.5, 0.2]);
  close(interpolateBilinear(x, 1, 2, 3, 2, 3), x, 0, 'identity');
});

test('bilinear taps clamp at the borders like torch', () => {
  const t = linearTaps(256, 298);
  assert.equal(t.i0[0], 0);
  assert.equal(t.w1[0], 0); // source index −0.07 is clamped to 0
  assert.equal(t.i0[297], 255);
  assert.equal(t.i1[297], 255); // no tap beyond the last pixel
  const d = linearTaps(6, 3); // downscale 2×: sources 0.5, 2.5, 4.5
  assert.deepEqual([...d.i0], [0, 2, 4]);
  assert.deepEqual([...d.w1], [0.5, 0.5, 0.5]);
});

test('ShortSideScale sizes use floor((long / short) * 224)', () => {
  assert.deepEqual(shortSideScaleSize(240, 320, 224), { h: 224, w: 298 });
  assert.deepEqual(shortSideScaleSize(320, 240, 224), { h: 298, w: 224 });
  assert.deepEqual(shortSideScaleSize(1080, 1920, 224), { h: 224, w: 398 });
  assert.deepEqual(shortSideScaleSize(100, 100, 224), { h: 224, w: 224 });
  assert.deepEqual(shortSideScaleSize(360, 645, 224), { h: 224, w: 401 });
});

test('SpatialCrop offsets: left/centre/right for landscape, top/centre/bottom for portrait', () => {
  assert.deepEqual(spatialCropOffsets(224, 298, 224, 3), [
    { y: 0, x: 0 },
    { y: 0, x: 37 },
    { y: 0, x: 74 },
  ]);
  assert.deepEqual(spatialCropOffsets(298, 224, 224, 3), [
    { y: 0, x: 0 },
    { y: 37, x: 0 },
    { y: 74, x: 0 },
  ]);
  assert.deepEqual(spatialCropOffsets(224, 401, 224, 3), [
    { y: 0, x: 0 },
    { y: 0, x: 89 },
    { y: 0, x: 177 },
  ]); // ceil(88.5)
  assert.deepEqual(spatialCropOffsets(224, 224, 224, 3), [
    { y: 0, x: 0 },
    { y: 0, x: 0 },
    { y: 0, x: 0 },
  ]);
  assert.deepEqual(spatialCropOffsets(224, 398, 224, 1), [{ y: 0, x: 87 }]);
});

test('FrameTransformer: /255, normalise with the CLIP constants (float32)', () => {
  const ft = new FrameTransformer(224, 224, 224);
  const rgb = new Uint8Array(224 * 224 * 3);
  for (let i = 0; i < rgb.length; i += 3) {
    rgb[i] = 255;
    rgb[i + 1] = 128;
    rgb[i + 2] = 0;
  }
  const f = ft.apply(rgb);
  const m = 224 * 224;
  const want = [255, 128, 0].map((v, c) =>
    Math.fround(Math.fround(Math.fround(v / 255) - Math.fround(CLIP_MEAN[c])) / Math.fround(CLIP_STD[c])),
  );
  for (let c = 0; c < 3; c++) {
    assert.equal(f.data[c * m], want[c]);
    assert.equal(f.data[c * m + m - 1], want[c]);
  }
  assert.ok(Math.abs(want[0] - (1 - 0.48145466) / 0.26862954) < 1e-6);
  assert.ok(Math.abs(want[2] - (0 - 0.40821073) / 0.27577711) < 1e-6);
});

test('assembleCrops orders clip-major, then crop, then C × T', () => {
  // Two clips of two 2×4 frames; pixel value encodes (clip, t, c, x).
  const frame = (k: number, t: number) => {
    const data = new Float32Array(3 * 2 * 4);
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < 2; y++) for (let x = 0; x < 4; x++) data[c * 8 + y * 4 + x] = k * 1000 + t * 100 + c * 10 + x;
    return { data, h: 2, w: 4 };
  };
  const out = assembleCrops(
    [
      [frame(0, 0), frame(0, 1)],
      [frame(1, 0), frame(1, 1)],
    ],
    2,
    3,
  );
  assert.deepEqual(out.shape, [6, 3, 2, 2, 2]);
  const at = (n: number, c: number, t: number, y: number, x: number) =>
    out.data[(((n * 3 + c) * 2 + t) * 2 + y) * 2 + x];
  assert.equal(at(0, 0, 0, 0, 0), 0); // clip 0, left crop (x offset 0)
  assert.equal(at(1, 0, 0, 0, 0), 1); // clip 0, centre crop: ceil((4-2)/2) = 1
  assert.equal(at(2, 0, 0, 0, 1), 3); // clip 0, right crop: x offset 2
  assert.equal(at(3, 2, 1, 1, 0), 1120); // clip 1, left, c=2, t=1
  assert.equal(at(5, 1, 0, 0, 1), 1013);
});
